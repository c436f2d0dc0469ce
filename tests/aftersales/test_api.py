"""/api/v1/aftersales/: a partner opens a case, it is approved, received and refunded — as the issue writes it."""

import time
from decimal import Decimal

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from aftersales.models import Case
from orders.models import Shop
from orders.states import Status
from tests.aftersales.helpers import order_shipped
from tests.factories import UserFactory, make_order

pytestmark = pytest.mark.django_db


@pytest.fixture
def order(world):
    shop = Shop.objects.create(code="web", name="官网", platform="website", default_warehouse=world["wh_a"])
    return make_order(shop=shop, skus=[(world["skus"][0], 2, Decimal("50.00"))], status=Status.PAID)


@pytest.fixture
def su(world):
    return UserFactory(username="root", is_superuser=True)


def _client(user):
    client = APIClient()
    client.force_authenticate(user)
    return client


def test_a_return_goes_from_request_to_money_back_through_the_api(order, su):
    order_shipped(order)
    api = _client(su)
    created = api.post(
        "/api/v1/aftersales/",
        {
            "order": order.number,
            "kind": "return_refund",
            "reason": "尺码不合适",
            "lines": [{"sku": "SKU-1", "quantity": 1}],
        },
        format="json",
    )
    assert created.status_code == 201, created.json()
    body = created.json()
    assert (body["status"], body["amount"], body["number"][:2]) == ("requested", "50.00", "AS")
    case_id = body["id"]

    assert api.post(f"/api/v1/aftersales/{case_id}/approve/", {}, format="json").json()["status"] == "awaiting_return"
    received = api.post(
        f"/api/v1/aftersales/{case_id}/receive/",
        {"lines": [{"sku": "SKU-1", "quantity": 1, "condition": "good"}]},
        format="json",
    )
    assert received.json()["status"] == "received"
    refunded = api.post(f"/api/v1/aftersales/{case_id}/refund/", format="json")
    assert refunded.json()["status"] == "refunded"

    listed = api.get("/api/v1/aftersales/", {"order": order.number}).json()["results"]
    assert [c["id"] for c in listed] == [case_id]


def test_create_past_what_was_paid_is_409_refund_exceeds_paid(order, su):
    answer = _client(su).post(
        "/api/v1/aftersales/", {"order": order.number, "kind": "compensation", "amount": "100.01"}, format="json"
    )

    assert answer.status_code == 409
    assert answer.json()["code"] == "refund_exceeds_paid"


def test_reject_needs_a_reason(order, su):
    api = _client(su)
    case_id = api.post(
        "/api/v1/aftersales/", {"order": order.number, "kind": "compensation", "amount": "5.00"}, format="json"
    ).json()["id"]

    assert api.post(f"/api/v1/aftersales/{case_id}/reject/", {}, format="json").status_code == 400
    rejected = api.post(f"/api/v1/aftersales/{case_id}/reject/", {"reason": "重复申请"}, format="json")
    assert rejected.json()["status"] == Case.Status.REJECTED


def test_a_case_of_another_shop_is_not_found(order, cs_a, su):
    case_id = (
        _client(su)
        .post("/api/v1/aftersales/", {"order": order.number, "kind": "compensation", "amount": "5.00"}, format="json")
        .json()["id"]
    )

    assert _client(cs_a).get(f"/api/v1/aftersales/{case_id}/").status_code == 404


# --- following changes and limited tokens --------------------------------------------------------------------


@pytest.fixture
def two_cases(world, su):
    """A compensation on an order of shop A and one on an order of shop B, both paid."""
    api = _client(su)
    cases = {}
    for key, shop in (("a", world["shop_a"]), ("b", world["shop_b"])):
        order = make_order(shop=shop, skus=[(world["skus"][0], 1, Decimal("30.00"))], status=Status.PAID)
        cases[key] = api.post(
            "/api/v1/aftersales/", {"order": order.number, "kind": "compensation", "amount": "5.00"}, format="json"
        ).json()["id"]
    return cases


def _token_client(user, **policy):
    from rest_framework.authtoken.models import Token

    from orders.tokens import token_policy_save

    token_policy_save(user=user, **{"read_only": False, "shops": [], "rate": "", **policy})
    client = APIClient(HTTP_ACCEPT_LANGUAGE="en")
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.get_or_create(user=user)[0].key}")
    return client


@pytest.mark.django_db(transaction=True)
def test_a_follower_gets_each_case_change_once_in_change_order(two_cases, su):
    api = _client(su)
    first = api.get("/api/v1/aftersales/", {"cursor": ""}).json()
    assert [row["id"] for row in first["results"]] == [two_cases["a"], two_cases["b"]]
    assert "count" not in first and first["has_more"] is False

    api.post(f"/api/v1/aftersales/{two_cases['a']}/reject/", {"reason": "重复申请"}, format="json")

    again = api.get(first["next"]).json()
    assert [(row["id"], row["status"]) for row in again["results"]] == [(two_cases["a"], "rejected")]
    assert api.get(again["next"]).json()["results"] == []


@pytest.mark.django_db(transaction=True)
def test_updated_after_returns_only_the_cases_changed_since_then(two_cases, su):
    api = _client(su)
    time.sleep(0.05)  # the database's clock stamps changes: leave a gap around the moment asked for
    since = timezone.now()
    time.sleep(0.05)
    Case.objects.filter(pk=two_cases["b"]).update(reason="补差价")  # a set-based write is a change too

    body = api.get("/api/v1/aftersales/", {"updated_after": since.isoformat()}).json()

    assert [(row["id"], row["reason"]) for row in body["results"]] == [(two_cases["b"], "补差价")]
    assert api.get("/api/v1/aftersales/", {"updated_after": "soon"}).status_code == 400


def test_a_token_limited_to_a_shop_sees_and_acts_on_that_shops_cases_only(two_cases, manager, world):
    client = _token_client(manager, shops=[world["shop_a"]])

    assert [row["id"] for row in client.get("/api/v1/aftersales/").json()["results"]] == [two_cases["a"]]
    assert [row["id"] for row in client.get("/api/v1/aftersales/?cursor=").json()["results"]] == [two_cases["a"]]
    assert client.get(f"/api/v1/aftersales/{two_cases['b']}/").status_code == 404
    refused = client.post(f"/api/v1/aftersales/{two_cases['b']}/reject/", {"reason": "x"}, format="json")
    assert refused.status_code == 404
    assert Case.objects.get(pk=two_cases["b"]).status == Case.Status.REQUESTED


def test_a_read_only_token_reads_cases_but_cannot_open_or_decide_one(two_cases, manager, world):
    client = _token_client(manager, read_only=True)
    order = Case.objects.get(pk=two_cases["a"]).order

    assert client.get(f"/api/v1/aftersales/{two_cases['a']}/").status_code == 200
    for path, body in (
        ("/api/v1/aftersales/", {"order": order.number, "kind": "compensation", "amount": "1.00"}),
        (f"/api/v1/aftersales/{two_cases['a']}/reject/", {"reason": "x"}),
    ):
        response = client.post(path, body, format="json")
        assert (response.status_code, response.json()["code"]) == (403, "token_read_only"), path
    assert Case.objects.count() == 2
    assert Case.objects.get(pk=two_cases["a"]).status == Case.Status.REQUESTED
