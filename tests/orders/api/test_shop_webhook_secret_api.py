"""The shops API's write-only ``webhook_secret``: stored on the shop's platform connection in the same
transaction, used to verify the platform's pushes, never returned, never in history, never logged."""

import json
import logging

import pytest

from integrations.models import ShopConnection
from orders.models import Shop
from tests.integrations.helpers import shopify_post, shopify_sample

URL = "/api/v1/shops/"

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _logs(caplog):
    caplog.set_level(logging.DEBUG)
    return caplog


def no_secret_in(response, *secrets):
    text = response.content.decode()
    assert "webhook_secret" not in text
    for secret in secrets:
        assert secret not in text


def push(client, code, secret, webhook_id):
    _headers, body = shopify_sample()
    return shopify_post(client, code, body, secret=secret, webhook_id=webhook_id)


def test_a_secret_set_when_creating_a_shopify_shop_verifies_its_webhooks(api, world, manager, client, caplog):
    response = api(manager).post(
        URL,
        {"code": "sf-1", "name": "Shopify 店", "platform": "shopify", "webhook_secret": "whsec-create-1"},
        format="json",
    )

    assert response.status_code == 201, response.json()
    no_secret_in(response, "whsec-create-1")
    connection = ShopConnection.objects.get(shop__code="sf-1")
    assert connection.webhook_secret == "whsec-create-1"
    assert push(client, "sf-1", "whsec-create-1", "wh-a").status_code == 200
    assert push(client, "sf-1", "some-other-secret", "wh-b").status_code == 401
    assert "whsec-create-1" not in caplog.text


def test_patch_replaces_the_secret_and_the_old_one_is_refused(api, world, manager, client, caplog):
    manager_api = api(manager)
    manager_api.post(URL, {"code": "sf-2", "name": "S", "platform": "shopify", "webhook_secret": "old"}, format="json")
    shop = Shop.objects.get(code="sf-2")
    shop_versions = shop.history.count()

    response = manager_api.patch(f"{URL}sf-2/", {"webhook_secret": "  new-secret-2  "}, format="json")

    assert response.status_code == 200, response.json()
    no_secret_in(response, "new-secret-2")
    connection = ShopConnection.objects.get(shop=shop)
    assert connection.webhook_secret == "new-secret-2"  # trimmed
    assert shop.history.count() == shop_versions  # the shop itself did not change
    assert push(client, "sf-2", "old", "wh-1").status_code == 401
    assert push(client, "sf-2", "new-secret-2", "wh-2").status_code == 200
    assert "new-secret-2" not in caplog.text


def test_patch_can_change_fields_and_secret_together_on_an_existing_connection(api, world, manager):
    shop = world["shop_b"]  # jd
    ShopConnection.objects.create(shop=shop, app_key="jd-key", app_secret="app-s", access_token="t")

    response = api(manager).patch(
        f"{URL}{shop.code}/", {"name": "京东店", "webhook_secret": "jd-push-secret"}, format="json"
    )

    assert response.status_code == 200
    assert response.json()["name"] == "京东店"
    connection = ShopConnection.objects.get(shop=shop)
    assert (connection.webhook_secret, connection.app_secret, connection.access_token) == (
        "jd-push-secret",
        "app-s",
        "t",
    )


def test_an_empty_secret_clears_it_and_pushes_are_refused(api, world, manager, client):
    manager_api = api(manager)
    manager_api.post(URL, {"code": "sf-3", "name": "S", "platform": "shopify", "webhook_secret": "s3"}, format="json")

    assert manager_api.patch(f"{URL}sf-3/", {"webhook_secret": ""}, format="json").status_code == 200

    assert ShopConnection.objects.get(shop__code="sf-3").webhook_secret == ""
    assert push(client, "sf-3", "s3", "wh-3").status_code == 401


def test_the_secret_is_never_returned_nor_kept_in_history(api, world, manager):
    manager_api = api(manager)
    created = manager_api.post(
        URL, {"code": "sf-4", "name": "S", "platform": "shopify", "webhook_secret": "hist-secret-1"}, format="json"
    )
    updated = manager_api.patch(f"{URL}sf-4/", {"webhook_secret": "hist-secret-2"}, format="json")
    detail = manager_api.get(f"{URL}sf-4/")
    listing = manager_api.get(URL)

    for response in (created, updated, detail, listing):
        assert response.status_code in (200, 201)
        no_secret_in(response, "hist-secret-1", "hist-secret-2")
    connection = ShopConnection.objects.get(shop__code="sf-4")
    history = [json.dumps(row, default=str) for row in connection.history.values()]
    assert history and not any("hist-secret" in row for row in history)
    assert "webhook_secret" not in {f.name for f in connection.history.model._meta.fields}


def test_the_secret_appears_in_the_schema_as_write_only(api, world, manager):
    schemas = api(manager).get("/api/schema/?format=json").json()["components"]["schemas"]
    for name in ("ShopCreateRequest", "PatchedShopUpdateRequest"):
        field = schemas[name]["properties"]["webhook_secret"]
        assert field["writeOnly"] is True and field["maxLength"] == 256
    having = {name for name, schema in schemas.items() if "webhook_secret" in schema.get("properties", {})}
    assert having == {"ShopCreateRequest", "PatchedShopUpdateRequest"}  # in no response


def test_a_secret_for_a_platform_that_pushes_nothing_is_refused_and_nothing_is_created(api, world, manager):
    response = api(manager).post(
        URL, {"code": "pos-1", "name": "门店", "platform": "pos", "webhook_secret": "x"}, format="json"
    )

    assert response.status_code == 400
    assert response.json()["code"] == "connection_invalid"
    assert response.json()["message"].startswith("webhook_secret: shops on platform 'pos'")
    assert not Shop.objects.filter(code="pos-1").exists()  # the same transaction: rolled back
    assert not ShopConnection.objects.exists()


def test_without_a_secret_setter_configured_the_field_is_refused(api, world, manager, settings):
    settings.ORDERS_SHOP_SECRET_SETTER = ""
    response = api(manager).post(
        URL, {"code": "sf-5", "name": "S", "platform": "shopify", "webhook_secret": "x"}, format="json"
    )
    assert (response.status_code, response.json()["code"]) == (400, "invalid")
    assert "ORDERS_SHOP_SECRET_SETTER" in response.json()["message"]
    assert not Shop.objects.filter(code="sf-5").exists()


def test_a_shop_created_without_a_secret_gets_no_connection(api, world, manager):
    response = api(manager).post(URL, {"code": "sf-6", "name": "S", "platform": "shopify"}, format="json")
    assert response.status_code == 201
    assert not ShopConnection.objects.filter(shop__code="sf-6").exists()


def test_a_connection_holding_only_a_secret_is_not_polled(api, world, manager):
    from integrations.polling import pollable

    api(manager).post(URL, {"code": "sf-7", "name": "S", "platform": "shopify", "webhook_secret": "x"}, format="json")
    assert ShopConnection.objects.filter(shop__code="sf-7", is_enabled=True).exists()
    assert [c.shop.code for c in pollable()] == []
