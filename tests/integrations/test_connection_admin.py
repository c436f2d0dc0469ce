"""The shop-connection admin: secrets (the webhook secret among them) are password inputs that never show
the stored value; typing one replaces it, leaving it blank keeps it; the stock location is editable and the
token/catalog bookkeeping is read-only."""

import pytest

from integrations.models import ShopConnection
from tests.integrations.helpers import shopify_post, shopify_sample

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff(client, admin_user):
    admin_user.is_superuser = True
    admin_user.save()
    client.force_login(admin_user)
    return client


def form_data(connection, **changes):
    data = {
        "shop": connection.shop_id,
        "base_url": "https://huajian-global.myshopify.com",
        "app_key": connection.app_key,
        "token_expires_at_0": "",
        "token_expires_at_1": "",
        "refresh_token_expires_at_0": "",
        "refresh_token_expires_at_1": "",
        "certificate_expires_at_0": "",
        "certificate_expires_at_1": "",
        "poll_interval_minutes": connection.poll_interval_minutes,
        "is_enabled": "on",
        "location_id": connection.location_id,
        "app_secret": "",
        "access_token": "",
        "refresh_token": "",
        "webhook_secret": "",
    }
    data.update(changes)
    return data


def test_the_change_page_shows_no_secret_and_has_a_password_input_for_the_webhook_secret(staff, shopify):
    page = staff.get(f"/admin/integrations/shopconnection/{shopify.pk}/change/").content.decode()

    assert 'type="password" name="webhook_secret"' in page
    assert shopify.webhook_secret not in page and shopify.app_secret not in page and "good-token" not in page
    assert 'name="location_id"' in page
    assert 'name="token_refreshed_at"' not in page  # read-only bookkeeping


def test_staff_set_the_webhook_secret_and_shopify_webhooks_are_verified_with_it(staff, shopify, client):
    url = f"/admin/integrations/shopconnection/{shopify.pk}/change/"
    response = staff.post(url, form_data(shopify, webhook_secret="admin-set-secret", location_id="655441"))

    assert response.status_code == 302
    stored = ShopConnection.objects.get(pk=shopify.pk)
    assert (stored.webhook_secret, stored.location_id) == ("admin-set-secret", "655441")
    assert (stored.app_secret, stored.access_token) == (shopify.app_secret, "good-token")  # blank keeps
    _headers, body = shopify_sample()
    assert shopify_post(client, shopify.shop.code, body, secret="admin-set-secret").status_code == 200
    assert (
        shopify_post(client, shopify.shop.code, body, secret=shopify.webhook_secret, webhook_id="x").status_code == 401
    )

    # Blank keeps the stored secret; "clear" empties it.
    staff.post(url, form_data(stored))
    assert ShopConnection.objects.get(pk=shopify.pk).webhook_secret == "admin-set-secret"
    staff.post(url, form_data(stored, clear_webhook_secret="on"))
    assert ShopConnection.objects.get(pk=shopify.pk).webhook_secret == ""
