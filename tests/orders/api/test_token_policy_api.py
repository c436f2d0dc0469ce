"""API tokens with limits (orders.TokenPolicy): rate limit per token (429 with Retry-After; none configured: not
throttled), read-only tokens (writes refused 403 ``token_read_only``), tokens limited to some shops (other shops
and their orders invisible in lists, 404 on detail), and the admin that manages them."""

from decimal import Decimal

import pytest
from django.core.cache import caches
from django.test import Client
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from fulfilment.models import Carrier, Shipment
from orders.models import Order, TokenPolicy
from orders.states import Status
from orders.tokens import token_policy_save
from tests.factories import UserFactory, make_order

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def fresh_counts(settings):
    caches[settings.API_RATE_LIMIT_CACHE].clear()
    yield
    caches[settings.API_RATE_LIMIT_CACHE].clear()


def token_client(user) -> APIClient:
    client = APIClient(HTTP_ACCEPT_LANGUAGE="en")
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.get_or_create(user=user)[0].key}")
    return client


@pytest.fixture
def orders(world):
    return {
        "a": make_order(shop=world["shop_a"], external_id="A-1"),
        "b": make_order(shop=world["shop_b"], external_id="B-1"),
    }


# --- rate limits -------------------------------------------------------------------------------------------------


def test_a_token_over_its_rate_gets_429_with_retry_after(manager):
    token_policy_save(user=manager, read_only=False, shops=[], rate="3/min")
    client = token_client(manager)
    assert [client.get("/api/v1/shops/").status_code for _ in range(3)] == [200, 200, 200]
    response = client.get("/api/v1/orders/")
    assert response.status_code == 429
    assert response.json()["code"] == "throttled"
    assert 0 < int(response["Retry-After"]) <= 60


def test_each_token_has_its_own_count(manager, cs_a):
    token_policy_save(user=manager, read_only=False, shops=[], rate="1/min")
    token_policy_save(user=cs_a, read_only=False, shops=[], rate="1/min")
    assert token_client(manager).get("/api/v1/shops/").status_code == 200
    assert token_client(manager).get("/api/v1/shops/").status_code == 429
    assert token_client(cs_a).get("/api/v1/shops/").status_code == 200


@pytest.mark.parametrize("policy", [None, ""], ids=["no policy", "policy without rate"])
def test_a_token_without_a_configured_rate_is_not_throttled(manager, policy):
    if policy is not None:
        token_policy_save(user=manager, read_only=False, shops=[], rate=policy)
    client = token_client(manager)
    assert {client.get("/api/v1/shops/").status_code for _ in range(30)} == {200}


def test_a_browser_session_is_not_throttled_by_its_users_token_rate(manager):
    token_policy_save(user=manager, read_only=False, shops=[], rate="1/min")
    client = Client()
    client.force_login(manager)
    assert {client.get("/api/v1/shops/").status_code for _ in range(3)} == {200}


def test_the_rate_must_have_the_shape_count_per_period(manager):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        token_policy_save(user=manager, read_only=False, shops=[], rate="lots")
    assert not TokenPolicy.objects.exists()


# --- read-only tokens --------------------------------------------------------------------------------------------


def test_a_read_only_token_reads_but_every_write_is_refused(manager, orders, world):
    token_policy_save(user=manager, read_only=True, shops=[], rate="")
    client = token_client(manager)
    assert client.get(f"/api/v1/orders/{orders['a'].number}/").status_code == 200
    writes = [
        ("post", f"/api/v1/orders/{orders['a'].number}/cancel/", {}),
        ("post", "/api/v1/orders/", {"shop": "shop-a", "external_id": "X", "lines": []}),
        ("patch", "/api/v1/shops/shop-a/", {"name": "改名"}),
        ("post", "/api/v1/webhooks/", {"url": "https://example.com/h", "events": ["order.created"]}),
        ("delete", "/api/v1/webhooks/1/", None),
    ]
    for method, path, body in writes:
        response = getattr(client, method)(path, body, format="json")
        assert response.status_code == 403, path
        assert response.json()["code"] == "token_read_only"
    orders["a"].refresh_from_db()
    assert orders["a"].status == Status.PENDING_PAYMENT
    world["shop_a"].refresh_from_db()
    assert world["shop_a"].name != "改名"


def test_the_same_user_may_write_with_a_token_that_is_not_read_only(manager, orders):
    token_policy_save(user=manager, read_only=False, shops=[], rate="")
    response = token_client(manager).post(f"/api/v1/orders/{orders['a'].number}/cancel/", {}, format="json")
    assert response.status_code == 200


# --- tokens limited to shops --------------------------------------------------------------------------------------


def test_a_token_limited_to_a_shop_sees_only_that_shops_orders(manager, orders, world):
    zto, _ = Carrier.objects.get_or_create(code="ZTO", defaults={"name": "中通快递"})
    Shipment.objects.create(order=orders["b"], warehouse=world["wh_b"], carrier=zto, weight_grams=100)
    token_policy_save(user=manager, read_only=False, shops=[world["shop_a"]], rate="")
    client = token_client(manager)
    listed = client.get("/api/v1/orders/").json()["results"]
    assert [row["number"] for row in listed] == [orders["a"].number]
    followed = client.get("/api/v1/orders/?cursor=").json()["results"]
    assert [row["number"] for row in followed] == [orders["a"].number]
    assert [row["code"] for row in client.get("/api/v1/shops/").json()["results"]] == ["shop-a"]
    assert client.get("/api/v1/shipments/").json()["results"] == []
    for path in (
        f"/api/v1/orders/{orders['b'].number}/",
        f"/api/v1/orders/{orders['b'].number}/shipments/",
        "/api/v1/shops/shop-b/",
    ):
        assert client.get(path).status_code == 404, path
    response = client.post(f"/api/v1/orders/{orders['b'].number}/cancel/", {}, format="json")
    assert response.status_code == 404
    assert Order.objects.get(pk=orders["b"].pk).status == Status.PENDING_PAYMENT


def test_a_token_limited_to_a_shop_cannot_submit_orders_for_another(manager, world):
    token_policy_save(user=manager, read_only=False, shops=[world["shop_a"]], rate="")
    body = {
        "shop": "shop-b",
        "external_id": "B-9",
        "lines": [{"sku": world["skus"][0].code, "quantity": 1, "unit_price": "9.90"}],
    }
    response = token_client(manager).post("/api/v1/orders/", body, format="json")
    assert response.status_code == 404
    assert response.json()["code"] == "shop_not_found"


def test_a_shop_limit_never_widens_the_users_grants(cs_a, orders, world):
    token_policy_save(user=cs_a, read_only=False, shops=[world["shop_a"], world["shop_b"]], rate="")
    listed = token_client(cs_a).get("/api/v1/orders/").json()["results"]
    assert [row["number"] for row in listed] == [orders["a"].number]


def test_an_administrators_token_limited_to_shops_sees_only_them(admin_user, orders, world):
    token_policy_save(user=admin_user, read_only=False, shops=[world["shop_b"]], rate="")
    listed = token_client(admin_user).get("/api/v1/orders/").json()["results"]
    assert [row["number"] for row in listed] == [orders["b"].number]


def test_rotating_the_token_keeps_its_limits(manager, orders, world):
    token_policy_save(user=manager, read_only=True, shops=[world["shop_a"]], rate="")
    Token.objects.filter(user=manager).delete()
    client = token_client(manager)  # a new key
    assert client.post(f"/api/v1/orders/{orders['a'].number}/cancel/", {}, format="json").status_code == 403
    assert client.get(f"/api/v1/orders/{orders['b'].number}/").status_code == 404


# --- admin -------------------------------------------------------------------------------------------------------


def test_an_administrator_sets_a_tokens_limits_in_the_admin(admin_user, manager, world):
    admin_user.is_superuser = True
    admin_user.save()
    client = Client()
    client.force_login(admin_user)
    response = client.post(
        "/admin/orders/tokenpolicy/add/",
        {"user": manager.pk, "read_only": "on", "shops": [world["shop_a"].pk], "rate": "600/min", "note": "ERP"},
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    policy = TokenPolicy.objects.get(user=manager)
    assert (policy.read_only, policy.rate, policy.note, policy.created_by) == (True, "600/min", "ERP", admin_user)
    assert list(policy.shops.all()) == [world["shop_a"]]
    assert policy.history.count() == 1
    response = client.post(
        f"/admin/orders/tokenpolicy/{policy.pk}/change/", {"shops": [], "rate": "often", "note": "ERP"}
    )
    assert response.status_code == 200  # the form again, with the error
    policy.refresh_from_db()
    assert policy.rate == "600/min"


def test_only_administrators_manage_token_limits(manager):
    client = Client()
    client.force_login(manager)
    assert client.get("/admin/orders/tokenpolicy/").status_code == 403


def test_a_new_user_may_get_a_policy_before_a_token(world):
    user = UserFactory(username="erp-bot")
    policy = token_policy_save(user=user, read_only=False, shops=[world["shop_a"]], rate="10/s")
    assert policy.rate == "10/s"
    make_order(shop=world["shop_a"], skus=[(world["skus"][0], 1, Decimal("1.00"))])
