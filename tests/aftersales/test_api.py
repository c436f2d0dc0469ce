"""/api/v1/aftersales/: a partner opens a case, it is approved, received and refunded — as the issue writes it."""

from decimal import Decimal

import pytest
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
