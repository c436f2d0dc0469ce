"""Which platform variant one of our SKUs is, per shop (``ChannelListing``), for platforms that update stock
by their own ids rather than by our SKU code — Shopify sets ``available`` per inventory item at a location.

- ``listing_sync(shop_id=)`` pages the platform's catalogue (Shopify ``products.json`` with its variants'
  ``sku`` and ``inventory_item_id``, cursor paging through the ``Link`` header) and makes the shop's listings
  match it: new variants added, changed ones updated, ones no longer in the catalogue removed (only after
  every page was read). Variants without a SKU are counted and skipped. A connection without a stock
  location gets the shop's only active location; with several, staff choose one in the admin.
  Run it with ``manage.py listings_sync``, the admin action on shop connections, the daily schedule, or —
  for one shop — automatically when a stock push meets a SKU without a listing.
- ``listing_for_stock(connection=, sku_code=)`` is what the stock push asks: the SKU's inventory item and the
  location. A SKU with no listing, or with more than one variant, or a connection without a location, raises
  ``ListingNotFound`` naming the SKU and what to do; the outbox retries it (then parks it as a dead letter),
  and a missing listing first queues a catalog sync for the shop (at most every ``LOOKUP_DEBOUNCE``).
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from dataclasses import dataclass, field

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from config.tasks import enqueue_on_commit
from integrations.exceptions import ConnectionNotFound, ListingNotFound
from integrations.models import ChannelListing, ShopConnection
from integrations.platforms import adapter_for, supported
from integrations.platforms.client import Variant
from integrations.tokens import TokenRefresher

log = logging.getLogger(__name__)

SYNC_TASK = "integrations.tasks.listing_sync"
LOOKUP_DEBOUNCE = dt.timedelta(minutes=10)
MAX_PAGES = 1000
CHANGED_FIELDS = ("sku_code", "product_id", "inventory_item_id", "title")


@dataclass
class ListingSyncResult:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    removed: int = 0
    without_sku: int = 0
    pages: int = 0
    location_id: str = ""
    duplicate_skus: dict[str, list[str]] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    def as_dict(self) -> dict:
        return self.__dict__ | {"duplicate_skus": dict(self.duplicate_skus), "notes": list(self.notes)}


def catalog_syncable(connection: ShopConnection) -> bool:
    platform = connection.shop.platform
    return supported(platform) and "catalog" in adapter_for(platform).capabilities


def listing_sync(*, shop_id: int, progress: Callable[[int, int | None], None] | None = None) -> ListingSyncResult:
    """Read the shop's whole catalogue from its platform and store which variant each SKU is. Network calls
    run outside transactions; each page is stored in its own."""
    connection = ShopConnection.objects.select_related("shop").filter(shop_id=shop_id).first()
    if connection is None or not catalog_syncable(connection):
        raise ConnectionNotFound(
            _("shop %(shop_id)s: no connection to a platform whose catalogue Order Hub reads (Shopify).")
            % {"shop_id": shop_id},
            extra={"shop": shop_id},
        )
    client = adapter_for(connection.shop.platform).client(connection)
    tokens = TokenRefresher(client)
    started = timezone.now()
    result = ListingSyncResult(location_id=connection.location_id)
    if not connection.location_id:
        result.location_id = _location_choose(connection, client, tokens, result)
    total = tokens.call(client.catalog_count) if progress else None
    seen_skus: dict[str, list[str]] = {}
    token, products = "", 0
    while True:
        page = tokens.call(client.catalog_page, token)
        result.pages += 1
        products += page.products
        _page_store(connection, page.variants, started, result, seen_skus)
        if progress:
            progress(products, total)
        if not page.next_token or result.pages >= MAX_PAGES:
            break
        token = page.next_token
    if not page.next_token:  # the whole catalogue was read: what was not seen is gone from it
        stale = ChannelListing.objects.filter(shop_id=shop_id, synced_at__lt=started)
        result.removed = len(stale)
        for listing in stale:
            listing.delete()  # one by one, so the history records each removal
    else:
        result.notes.append(f"stopped after {MAX_PAGES} pages; listings not seen were kept")
    result.duplicate_skus = {sku: ids for sku, ids in seen_skus.items() if len(ids) > 1}
    ShopConnection.objects.filter(pk=connection.pk).update(listings_synced_at=timezone.now())
    log.info("catalog sync %s: %s", connection.shop.code, result.as_dict())
    return result


def _location_choose(connection: ShopConnection, client, tokens: TokenRefresher, result: ListingSyncResult) -> str:
    active = [loc for loc in tokens.call(client.locations) if loc.get("active", True)]
    if len(active) == 1:
        location = str(active[0].get("id") or "")
        ShopConnection.objects.filter(pk=connection.pk, location_id="").update(location_id=location)
        return location
    names = ", ".join(f"{loc.get('id')} {loc.get('name', '')}".strip() for loc in active) or "none"
    result.notes.append(f"the shop has {len(active)} active locations ({names}); set the stock location id")
    return ""


@transaction.atomic
def _page_store(
    connection: ShopConnection,
    variants: list[Variant],
    started: dt.datetime,
    result: ListingSyncResult,
    seen_skus: dict[str, list[str]],
) -> None:
    existing = {
        row.variant_id: row
        for row in ChannelListing.objects.filter(
            shop_id=connection.shop_id, variant_id__in=[v.variant_id for v in variants]
        )
    }
    new, changed, touched = [], [], []
    now = timezone.now()
    for variant in variants:
        if not variant.sku or not variant.variant_id:
            result.without_sku += 1
            continue
        seen_skus.setdefault(variant.sku, []).append(variant.variant_id)
        values = {
            "sku_code": variant.sku[:64],
            "product_id": variant.product_id[:64],
            "inventory_item_id": variant.inventory_item_id[:64],
            "title": variant.title[:255],
        }
        row = existing.get(variant.variant_id)
        if row is None:
            new.append(
                ChannelListing(shop_id=connection.shop_id, variant_id=variant.variant_id, synced_at=now, **values)
            )
        elif any(getattr(row, name) != value for name, value in values.items()):
            for name, value in values.items():
                setattr(row, name, value)
            row.synced_at = now
            changed.append(row)
        else:
            touched.append(row.pk)
    if new:
        bulk_create_with_history(new, ChannelListing)
    if changed:
        bulk_update_with_history(changed, ChannelListing, [*CHANGED_FIELDS, "synced_at"])
    if touched:
        ChannelListing.objects.filter(pk__in=touched).update(synced_at=now)  # only the sync time: no history
    result.created += len(new)
    result.updated += len(changed)
    result.unchanged += len(touched)


def listings_sync_due() -> int:
    """The daily schedule: queue a catalog sync for every enabled connection whose platform has a catalogue."""
    queued = 0
    for connection in ShopConnection.objects.select_related("shop").filter(is_enabled=True).exclude(access_token=""):
        if catalog_syncable(connection):
            enqueue_on_commit(SYNC_TASK, connection.shop_id)
            queued += 1
    return queued


def listing_sync_request(*, connection: ShopConnection, now: dt.datetime | None = None) -> bool:
    """Queue a catalog sync for the shop unless one was requested within ``LOOKUP_DEBOUNCE`` (compare-and-set,
    so fifty unmapped SKUs of one push queue one sync). Returns whether one was queued."""
    now = now or timezone.now()
    claimed = ShopConnection.objects.filter(
        Q(listings_sync_requested_at__isnull=True) | Q(listings_sync_requested_at__lt=now - LOOKUP_DEBOUNCE),
        pk=connection.pk,
    ).update(listings_sync_requested_at=now)
    if claimed:
        enqueue_on_commit(SYNC_TASK, connection.shop_id)
    return bool(claimed)


def listing_for_stock(*, connection: ShopConnection, sku_code: str) -> tuple[str, str]:
    """(inventory item id, location id) to set the SKU's stock at, or ``ListingNotFound`` saying why not."""
    shop = connection.shop
    listings = list(ChannelListing.objects.filter(shop_id=connection.shop_id, sku_code=sku_code).order_by("variant_id"))
    if not listings:
        queued = listing_sync_request(connection=connection)
        raise ListingNotFound(
            _(
                "SKU %(sku_code)r: no variant with this SKU in the %(platform)s catalogue of shop %(shop_code)s "
                "(catalog last synced %(synced)s)."
            )
            % {
                "sku_code": sku_code,
                "platform": shop.platform,
                "shop_code": shop.code,
                "synced": _when(connection.listings_synced_at),
            }
            + " "
            + (_("A catalog sync was queued; the push is retried.") + " " if queued else "")
            + _("If the SKU is not listed there, list it (or give the variant this SKU) and sync the catalogue."),
            code="listing_not_found",
            extra={"sku": sku_code, "shop": shop.code},
        )
    if len(listings) > 1:
        variants = ", ".join(listing.variant_id for listing in listings)
        raise ListingNotFound(
            _(
                "SKU %(sku_code)r: %(listings_count)s variants of shop %(shop_code)s "
                "carry this SKU (%(variants)s); Order Hub will not set the same stock "
                "on each. Give each variant its own SKU and sync the catalogue."
            )
            % {"sku_code": sku_code, "listings_count": len(listings), "shop_code": shop.code, "variants": variants},
            code="listing_ambiguous",
            extra={"sku": sku_code, "shop": shop.code, "variants": [x.variant_id for x in listings]},
        )
    listing = listings[0]
    if not listing.inventory_item_id:
        raise ListingNotFound(
            _(
                "SKU %(sku_code)r: variant %(listing_variant_id)s of shop "
                "%(shop_code)s has no inventory item id; sync the catalogue."
            )
            % {"sku_code": sku_code, "listing_variant_id": listing.variant_id, "shop_code": shop.code},
            code="listing_not_found",
            extra={"sku": sku_code, "shop": shop.code},
        )
    if not connection.location_id:
        raise ListingNotFound(
            _(
                "SKU %(sku_code)r: shop %(shop_code)s has no stock location id; set it "
                "on the shop connection (admin) or sync the catalogue (a shop with one "
                "active location gets it set)."
            )
            % {"sku_code": sku_code, "shop_code": shop.code},
            code="location_missing",
            extra={"sku": sku_code, "shop": shop.code},
        )
    return listing.inventory_item_id, connection.location_id


def _when(moment: dt.datetime | None) -> str:
    return f"{timezone.localtime(moment):%Y-%m-%d %H:%M}" if moment else _("never")
