"""Shopify stock: the catalog sync (SKU → variant / inventory item, paged through the Link header), the stock
location, and stock pushes through inventory_levels/set.json — with a precise error for SKUs that cannot be
addressed."""

import io

import pytest
from django.core.management import call_command
from django.utils import timezone

from integrations import listings, outbox
from integrations.exceptions import ConnectionNotFound
from integrations.models import ChannelListing, OutboxMessage, ShopConnection, WorkStatus
from integrations.platforms.shopify.client import ShopifyClient
from integrations.sandbox import catalog
from integrations.sandbox.views import RECEIVED
from inventory.models import SKU
from tests.factories import SKUFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def small_pages(monkeypatch):
    monkeypatch.setattr(ShopifyClient, "page_size", 3)


def sync(shopify):
    return listings.listing_sync(shop_id=shopify.shop_id)


def test_the_catalog_sync_reads_every_page_and_maps_each_sku_to_its_inventory_item(
    shopify, skus, sandbox_http, small_pages
):
    result = sync(shopify)

    products = catalog.products(shopify.app_key)
    assert len(products) == len(skus) + 1  # every SKU, and a gift card without SKU
    assert result.pages == 3  # 8 products, 3 a page: paged through Link: rel="next"
    assert sum(1 for _method, path in sandbox_http.calls if path.endswith("/products.json")) == 3
    assert (result.created, result.updated, result.removed, result.without_sku) == (len(skus), 0, 0, 1)
    expected = {
        v["sku"]: (str(p["id"]), str(v["id"]), str(v["inventory_item_id"]))
        for p in products
        for v in p["variants"]
        if v["sku"]
    }
    stored = {
        row.sku_code: (row.product_id, row.variant_id, row.inventory_item_id)
        for row in ChannelListing.objects.filter(shop=shopify.shop)
    }
    assert stored == expected
    # The shop has one active location: it becomes the connection's stock location.
    shopify.refresh_from_db()
    assert shopify.location_id == str(catalog.location_id(shopify.app_key)) == result.location_id
    assert shopify.listings_synced_at is not None


def test_syncing_again_changes_only_what_changed_and_removes_what_is_gone(shopify, skus, sandbox_http, small_pages):
    sync(shopify)
    skus["COF-24"].is_active = False  # no longer in the (sandbox) shop's catalogue
    skus["COF-24"].save()
    ChannelListing.objects.filter(shop=shopify.shop, sku_code="CUP-BLUE").update(inventory_item_id="stale")

    result = sync(shopify)

    assert (result.created, result.updated, result.removed) == (0, 1, 1)
    assert result.unchanged == len(skus) - 2
    assert not ChannelListing.objects.filter(sku_code="COF-24").exists()
    assert ChannelListing.objects.get(sku_code="CUP-BLUE").inventory_item_id != "stale"
    assert ChannelListing.history.filter(sku_code="COF-24", history_type="-").exists()


def test_a_stock_push_sets_the_inventory_item_at_the_location(
    shopify, skus, sandbox_http, django_capture_on_commit_callbacks
):
    sync(shopify)
    listing = ChannelListing.objects.get(shop=shopify.shop, sku_code="CUP-BLUE")
    RECEIVED.clear()

    with django_capture_on_commit_callbacks(execute=True):
        assert outbox.stock_push_enqueue(shop_id=shopify.shop_id, sku_id=skus["CUP-BLUE"].pk, quantity=42) is True

    message = OutboxMessage.objects.get()
    assert message.status == WorkStatus.DONE, message.last_error
    (sent,) = [r for r in RECEIVED if r["kind"] == "stock_update"]
    assert sent["payload"] == {
        "location_id": catalog.location_id(shopify.app_key),
        "inventory_item_id": int(listing.inventory_item_id),
        "available": 42,
    }
    assert message.response["inventory_level"]["available"] == 42


def test_a_sku_not_in_the_catalogue_fails_naming_the_sku_and_is_parked_after_the_retries(
    shopify, skus, sandbox_http, settings, django_capture_on_commit_callbacks
):
    settings.RETRY_MAX_ATTEMPTS = 2
    unlisted = SKUFactory(code="NOT-ON-SHOPIFY", is_active=False)  # the sandbox shop does not sell it

    with django_capture_on_commit_callbacks(execute=True):
        outbox.stock_push_enqueue(shop_id=shopify.shop_id, sku_id=unlisted.pk, quantity=5)

    message = OutboxMessage.objects.get()
    assert (message.status, message.error_code) == (WorkStatus.FAILED, "listing_not_found")
    assert "SKU 'NOT-ON-SHOPIFY'：店铺 shopify-1 的 shopify 商品目录中没有使用此 SKU 的规格" in (message.last_error)
    assert "已排队同步商品目录" in message.last_error
    # The push asked for a catalog sync, which ran: the other SKUs are mapped now.
    assert ChannelListing.objects.filter(shop=shopify.shop).count() == len(skus)

    OutboxMessage.objects.filter(pk=message.pk).update(next_attempt_at=timezone.now())
    assert outbox.outbox_deliver(message.pk) == WorkStatus.DEAD
    message.refresh_from_db()
    assert message.error_code == "listing_not_found" and "NOT-ON-SHOPIFY" in message.last_error
    assert "已排队同步商品目录" not in message.last_error  # one sync per 10 minutes, not one per try


def test_a_push_before_the_first_sync_triggers_it_and_the_retry_is_delivered(
    shopify, skus, sandbox_http, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        outbox.stock_push_enqueue(shop_id=shopify.shop_id, sku_id=skus["KTL-PRO-1L"].pk, quantity=9)
    message = OutboxMessage.objects.get()
    assert message.error_code == "listing_not_found"

    OutboxMessage.objects.filter(pk=message.pk).update(next_attempt_at=timezone.now())
    assert outbox.outbox_deliver(message.pk) == WorkStatus.DONE


def test_a_sku_on_two_variants_is_not_pushed_and_says_which(shopify, skus, sandbox_http):
    sync(shopify)
    ChannelListing.objects.create(
        shop=shopify.shop, sku_code="CUP-BLUE", product_id="1", variant_id="999", inventory_item_id="998"
    )
    outbox.stock_push_enqueue(shop_id=shopify.shop_id, sku_id=skus["CUP-BLUE"].pk, quantity=1)
    message = OutboxMessage.objects.get()

    assert outbox.outbox_deliver(message.pk) == WorkStatus.FAILED
    message.refresh_from_db()
    assert message.error_code == "listing_ambiguous"
    assert "SKU 'CUP-BLUE'：店铺 shopify-1 有 2 个规格使用此 SKU" in message.last_error
    assert "999" in message.last_error


def test_without_a_location_the_push_says_to_set_one(shopify, skus, sandbox_http):
    sync(shopify)
    ShopConnection.objects.filter(pk=shopify.pk).update(location_id="")
    outbox.stock_push_enqueue(shop_id=shopify.shop_id, sku_id=skus["CUP-BLUE"].pk, quantity=1)
    message = OutboxMessage.objects.get()

    outbox.outbox_deliver(message.pk)

    message.refresh_from_db()
    assert message.error_code == "location_missing"
    assert "店铺 shopify-1 没有库存地点 id" in message.last_error


def test_the_sync_is_only_for_platforms_with_a_catalogue(taobao):
    with pytest.raises(ConnectionNotFound):
        listings.listing_sync(shop_id=taobao.shop_id)


def test_the_command_syncs_and_reports(shopify, skus, sandbox_http, small_pages):
    out, err = io.StringIO(), io.StringIO()
    call_command("listings_sync", "--shop", "shopify-1", stdout=out, stderr=err)
    assert f"shopify-1: {len(skus)} new, 0 changed, 0 unchanged, 0 removed, 1 variants without SKU" in out.getvalue()
    assert "100%" in err.getvalue()  # progress over the products


def test_the_admin_action_queues_the_sync(
    client, admin_user, shopify, skus, sandbox_http, django_capture_on_commit_callbacks
):
    admin_user.is_superuser = True
    admin_user.save()
    client.force_login(admin_user)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/admin/integrations/shopconnection/", {"action": "catalog_sync_now", "_selected_action": [shopify.pk]}
        )

    assert response.status_code == 302
    active = SKU.objects.filter(is_active=True).count()
    assert ChannelListing.objects.filter(shop=shopify.shop).count() == active >= len(skus)


def test_the_daily_schedule_queues_shops_with_a_catalogue(shopify, taobao, monkeypatch):
    queued = []
    monkeypatch.setattr(listings, "enqueue_on_commit", lambda func, *args: queued.append((func, *args)))
    assert listings.listings_sync_due() == 1
    assert queued == [(listings.SYNC_TASK, shopify.shop_id)]


def test_the_health_page_shows_the_catalogue_and_the_token_refresh(client, admin_user, shopify, skus, sandbox_http):
    sync(shopify)
    admin_user.is_superuser = True
    admin_user.save()
    client.force_login(admin_user)

    page = client.get("/integrations/shops/shopify-1/", HTTP_ACCEPT_LANGUAGE="en").content.decode()

    assert f"{SKU.objects.filter(is_active=True).count()} SKUs listed" in page
    assert str(catalog.location_id(shopify.app_key)) in page
    assert "No refresh token: authorise the shop again before the token expires." in page
