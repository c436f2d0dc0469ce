"""Each web process keeps the connection it verified pushes with for a few seconds (a webhook peak asks for
the same shops hundreds of times a second); saving a connection or shop makes the process forget it."""

import pytest

from integrations.models import ShopConnection
from tests.integrations.helpers import SECRET, shopify_post, shopify_sample

pytestmark = pytest.mark.django_db


def _post(client, shop_code, n, secret):
    _headers, body = shopify_sample()
    return shopify_post(client, shop_code, {**body, "id": n}, secret=secret, webhook_id=f"wh-kept-{n}")


def test_a_secret_changed_behind_the_process_back_takes_effect_when_the_kept_connection_expires(
    client, shopify, settings
):
    settings.INTEGRATIONS_PUSH_CONNECTION_SECONDS = 5
    assert _post(client, shopify.shop.code, 1, SECRET).status_code == 200
    # Another process changes the secret (no signal reaches this one): the kept connection still verifies.
    ShopConnection.objects.filter(pk=shopify.pk).update(webhook_secret="rotated")
    assert _post(client, shopify.shop.code, 2, SECRET).status_code == 200
    assert _post(client, shopify.shop.code, 3, "rotated").status_code == 401

    settings.INTEGRATIONS_PUSH_CONNECTION_SECONDS = 0  # nothing kept: the next push reads the row
    from integrations.services import push_connections_forget

    push_connections_forget()  # what the expiry does after 5 s
    assert _post(client, shopify.shop.code, 4, "rotated").status_code == 200
    assert _post(client, shopify.shop.code, 5, SECRET).status_code == 401


def test_saving_the_connection_is_seen_at_once_in_the_same_process(client, shopify, settings):
    settings.INTEGRATIONS_PUSH_CONNECTION_SECONDS = 60
    assert _post(client, shopify.shop.code, 1, SECRET).status_code == 200

    shopify.webhook_secret = "rotated-in-admin"
    shopify.save()
    assert _post(client, shopify.shop.code, 2, SECRET).status_code == 401
    assert _post(client, shopify.shop.code, 3, "rotated-in-admin").status_code == 200

    shopify.is_enabled = False
    shopify.save()
    assert _post(client, shopify.shop.code, 4, "rotated-in-admin").status_code == 401
