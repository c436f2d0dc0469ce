"""Channel allocation, safety stock and the debounced push of sellable quantities to the platforms.

A stock change marks the SKU's ``ChannelStock`` rows dirty (after commit) and, when it flips a clean row,
queues ``channel_stock_sync``; further changes before that task runs find the rows already dirty and queue
nothing — that is the debounce. The sync claims dirty rows, recomputes their sellable quantity from the
current stock (``inventory.selectors.channel_sellable_compute``), raises/resolves safety-stock alerts, and
hands every row whose sellable quantity differs from the last acknowledged push to the pusher named by
``settings.INVENTORY_STOCK_PUSHER`` (integrations points it at its outbox). A handed row stays dirty until
the platform acknowledges it through ``channel_stock_mark_pushed``. A full sync every 5 minutes marks every
row dirty and re-sends every row, so drift on the platform side is corrected too.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Iterable
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Case, Sum, Value, When
from django.utils import timezone
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _

from config.tasks import enqueue_on_commit
from inventory.exceptions import StockInvalid
from inventory.locks import channel_stocks_for_update
from inventory.models import SKU, ChannelStock, SafetyStock
from inventory.selectors import channel_sellable_compute, sku_units_sold
from inventory.shops import shop_names
from inventory.signals import safety_stock_changed, sellable_changed

logger = logging.getLogger(__name__)

Rule = ChannelStock.Rule
DEFAULT_PUSHER = "inventory.services.channels.stock_push_unconfigured"
# A row handed to the pusher and not acknowledged within this time is handed over again.
RESEND_AFTER = timedelta(minutes=5)
SALES_WINDOW_DAYS = 7
SAFETY_MARGIN_DAYS = 3
SYNC_BATCH = 1000


# --- configuration ------------------------------------------------------------------------------------------


@transaction.atomic
def channel_stock_set(
    *,
    shop_id: int,
    sku: SKU,
    rule: str = Rule.SHARED,
    percent: int = 100,
    quota: int = 0,
    pause_on_safety: bool = True,
    is_active: bool = True,
) -> ChannelStock:
    """Say how much of the SKU's pool this shop may sell. Creates the shop × SKU row if needed."""
    if rule not in Rule.values:
        raise StockInvalid(
            _("rule: %(rule)r is not one of %(value)s.") % {"rule": rule, "value": ", ".join(Rule.values)},
            extra={"field": "rule"},
        )
    if rule == Rule.PERCENTAGE:
        if not 1 <= percent <= 100:
            raise StockInvalid(
                _("percent: %(percent)s must be between 1 and 100.") % {"percent": percent}, extra={"field": "percent"}
            )
        others = (
            ChannelStock.objects.filter(sku=sku, rule=Rule.PERCENTAGE, is_active=True)
            .exclude(shop_id=shop_id)
            .aggregate(total=Sum("percent"))["total"]
            or 0
        )
        if is_active and others + percent > 100:
            raise StockInvalid(
                _(
                    "percent: the shops selling %(sku_code)s by percentage would get %(value)s%% together "
                    "(other shops already %(others)s%%)."
                )
                % {"sku_code": sku.code, "value": others + percent, "others": others},
                extra={"field": "percent", "others": others},
            )
    if rule == Rule.FIXED and quota < 0:
        raise StockInvalid(_("quota: %(quota)s must not be negative.") % {"quota": quota}, extra={"field": "quota"})
    if rule == Rule.EXCLUSIVE and is_active:
        taken_id = (
            ChannelStock.objects.filter(sku=sku, rule=Rule.EXCLUSIVE, is_active=True)
            .exclude(shop_id=shop_id)
            .values_list("shop_id", flat=True)
            .first()
        )
        if taken_id is not None:
            taken = shop_names([taken_id])[taken_id].code
            raise StockInvalid(
                _("rule: %(sku_code)s is already exclusive to shop %(taken)s.")
                % {"sku_code": sku.code, "taken": taken},
                extra={"field": "rule", "shop": taken},
            )
    row = ChannelStock.objects.filter(shop_id=shop_id, sku=sku).first() or ChannelStock(shop_id=shop_id, sku=sku)
    row.rule, row.percent, row.quota = rule, percent, quota
    row.pause_on_safety, row.is_active, row.dirty = pause_on_safety, is_active, True
    row.save()
    # Another shop's exclusivity (or percentages) changes what every shop of this SKU may sell.
    channel_stock_touch_now(sku_ids=[sku.pk], enqueue=False)
    enqueue_on_commit("inventory.tasks.channel_stock_sync")
    return row


@transaction.atomic
def channel_stock_defaults_ensure(*, shop_ids: Iterable[int]) -> int:
    """Offer every SKU to these shops by default: a shop × SKU row with rule ``default`` (available less safety
    stock) wherever no row exists yet. Rows that exist — allocations people set — are left as they are. Returns
    how many rows were added; they are dirty, so the next sync computes and pushes them."""
    shop_ids = sorted(set(shop_ids))
    if not shop_ids:
        return 0
    have = set(ChannelStock.objects.filter(shop_id__in=shop_ids).values_list("shop_id", "sku_id"))
    missing = [
        ChannelStock(shop_id=shop_id, sku_id=sku_id, rule=Rule.DEFAULT, dirty=True)
        for sku_id in SKU.objects.order_by("pk").values_list("pk", flat=True)
        for shop_id in shop_ids
        if (shop_id, sku_id) not in have
    ]
    # Derived configuration rows, written in bulk (no per-row history); a concurrent writer's row wins.
    created = ChannelStock.objects.bulk_create(missing, batch_size=2000, ignore_conflicts=True)
    if missing:
        enqueue_on_commit("inventory.tasks.channel_stock_sync")
    return len(created)


@transaction.atomic
def channel_stock_forget_shop(*, shop_id: int) -> int:
    """The shop is gone: delete its channel rows (with history). What it held exclusively or by percentage
    returns to the other shops of those SKUs, so they are recomputed. Returns how many rows were deleted."""
    rows = ChannelStock.objects.filter(shop_id=shop_id)
    sku_ids = sorted(set(rows.values_list("sku_id", flat=True)))
    deleted, _by_model = rows.delete()
    if sku_ids:
        channel_stock_touch(sku_ids=sku_ids)
    return deleted


@transaction.atomic
def safety_stock_set(
    *, sku: SKU, mode: str = SafetyStock.Mode.FIXED, fixed_quantity: int = 0, lead_days: int = 7
) -> SafetyStock:
    """Set a SKU's safety stock rule; the threshold in force is computed at once."""
    if mode not in SafetyStock.Mode.values:
        raise StockInvalid(
            _("mode: %(mode)r is not one of %(value)s.") % {"mode": mode, "value": ", ".join(SafetyStock.Mode.values)}
        )
    if fixed_quantity < 0 or lead_days < 0:
        raise StockInvalid(_("fixed_quantity and lead_days must not be negative."))
    row = SafetyStock.objects.filter(sku=sku).first() or SafetyStock(sku=sku)
    row.mode, row.fixed_quantity, row.lead_days = mode, fixed_quantity, lead_days
    row.threshold = _threshold(row, sold=sku_units_sold(sku_ids=[sku.pk]).get(sku.pk, 0))
    row.computed_at = timezone.now()
    row.save()
    channel_stock_touch_now(sku_ids=[sku.pk])
    return row


def _threshold(row: SafetyStock, *, sold: int) -> int:
    if row.mode == SafetyStock.Mode.FIXED:
        return row.fixed_quantity
    # average daily sales over the window × (lead days + margin), rounded up
    return math.ceil(max(sold, 0) * (row.lead_days + SAFETY_MARGIN_DAYS) / SALES_WINDOW_DAYS)


@transaction.atomic
def safety_stock_refresh(*, sku_ids: Iterable[int] | None = None, now: datetime | None = None) -> int:
    """Recompute dynamic thresholds from the last 7 days' sales (net reserved units) and re-evaluate
    alerts for every SKU with safety stock. Returns how many thresholds changed."""
    now = now or timezone.now()
    rows = list(SafetyStock.objects.all() if sku_ids is None else SafetyStock.objects.filter(sku_id__in=sku_ids))
    sold = sku_units_sold(sku_ids=[r.sku_id for r in rows if r.mode == SafetyStock.Mode.DYNAMIC], now=now)
    changed = [r for r in rows if r.threshold != _threshold(r, sold=sold.get(r.sku_id, 0))]
    for row in changed:
        row.threshold = _threshold(row, sold=sold.get(row.sku_id, 0))
        row.computed_at = now
        row.save(update_fields=["threshold", "computed_at"])
    if changed:
        channel_stock_touch_now(sku_ids=[r.sku_id for r in changed])
    stock_alerts_sync(sku_ids=[r.sku_id for r in rows], now=now)
    return len(changed)


# --- dirty marking and recompute ----------------------------------------------------------------------------


def channel_stock_touch(*, sku_ids: Iterable[int]) -> int:
    """Stock of these SKUs changed: mark their channel rows dirty; queue a sync only if a row was clean."""
    flipped = channel_stock_touch_now(sku_ids=sku_ids, enqueue=False)
    if flipped:
        enqueue_on_commit("inventory.tasks.channel_stock_sync")
    return flipped


@transaction.atomic
def channel_stock_touch_now(*, sku_ids: Iterable[int], enqueue: bool = True) -> int:
    # Lock in ascending pk, like every other writer of channel rows, then flip.
    clean = channel_stocks_for_update(sku_ids).filter(dirty=False, is_active=True).values_list("pk", flat=True)
    flipped = ChannelStock.objects.filter(pk__in=list(clean)).update(dirty=True)
    if flipped and enqueue:
        enqueue_on_commit("inventory.tasks.channel_stock_sync")
    return flipped


@transaction.atomic
def channel_stock_recompute(*, sku_ids: Iterable[int], now: datetime | None = None) -> list[tuple[int, int, int]]:
    """Recompute the sellable quantity of every active channel row of these SKUs; raise or resolve their
    safety-stock alerts. Returns (shop_id, sku_id, quantity) for each row whose quantity changed, and sends
    ``sellable_changed`` for them after commit."""
    now = now or timezone.now()
    sku_ids = sorted(set(sku_ids))
    rows = list(channel_stocks_for_update(sku_ids).filter(is_active=True))  # lock first, then read stock
    sellable = channel_sellable_compute(sku_ids=sku_ids)
    changed = []
    for row in rows:
        result = sellable[(row.shop_id, row.sku_id)]
        if row.computed_quantity != result.quantity:
            changed.append((row.shop_id, row.sku_id, result.quantity))
        row.computed_quantity, row.paused, row.computed_at = result.quantity, result.paused, now
    ChannelStock.objects.bulk_update(rows, ["computed_quantity", "paused", "computed_at"])
    stock_alerts_sync(sku_ids=sku_ids, now=now, sellable=sellable)

    def _send() -> None:
        for shop_id, sku_id, quantity in changed:
            sellable_changed.send_robust(sender=ChannelStock, shop_id=shop_id, sku_id=sku_id, quantity=quantity)

    transaction.on_commit(_send, robust=True)
    return changed


def stock_alerts_sync(*, sku_ids: Iterable[int], now: datetime | None = None, sellable=None) -> None:
    """Tell the apps above which SKUs are at or below their safety stock and which are above it again
    (``safety_stock_changed``, sent in the caller's transaction: orders raises and resolves the alerts)."""
    from inventory.selectors import safety_stock_status

    now = now or timezone.now()
    status = safety_stock_status(sku_ids=sku_ids, sellable=sellable)
    if not status:
        return
    low = {
        sku_id: {"threshold": s.threshold, "available": s.available, "paused_shops": s.paused_shops}
        for sku_id, s in sorted(status.items())
        if s.at_safety
    }
    fine = sorted(sku_id for sku_id in status if sku_id not in low)
    safety_stock_changed.send_robust(sender=SafetyStock, low=low, fine=fine, now=now)


# --- the push -----------------------------------------------------------------------------------------------


def channel_stock_sync(*, full: bool = False, now: datetime | None = None, batch: int = SYNC_BATCH) -> dict:
    """Claim dirty rows, recompute them and hand what changed to the pusher (outside any transaction)."""
    now = now or timezone.now()
    if full:
        ChannelStock.objects.filter(is_active=True, dirty=False).update(dirty=True)
    with transaction.atomic():
        claimed = list(
            ChannelStock.objects.select_for_update(skip_locked=True)
            .filter(dirty=True, is_active=True)
            .order_by("pk")
            .values_list("pk", "sku_id")[:batch]
        )
        ChannelStock.objects.filter(pk__in=[pk for pk, _sku in claimed]).update(dirty=False)
    if not claimed:
        return {"claimed": 0, "changed": 0, "handed": 0, "failed": 0}
    changed = channel_stock_recompute(sku_ids={sku for _pk, sku in claimed}, now=now)
    rows = ChannelStock.objects.filter(pk__in=[pk for pk, _sku in claimed]).order_by("pk")
    pusher = import_string(settings.INVENTORY_STOCK_PUSHER or DEFAULT_PUSHER)
    handed = failed = 0
    for row in rows:
        if row.computed_quantity == row.last_pushed_quantity and not full:
            continue
        recently_sent = (
            row.sent_quantity == row.computed_quantity and row.sent_at is not None and row.sent_at > now - RESEND_AFTER
        )
        if recently_sent and not full:
            ChannelStock.objects.filter(pk=row.pk).update(dirty=True)  # still waiting for the acknowledgement
            continue
        try:
            accepted = pusher(shop_id=row.shop_id, sku_id=row.sku_id, quantity=row.computed_quantity)
        except Exception as exc:  # noqa: BLE001 - one failing shop must not stop the others
            logger.exception("stock push failed for shop %s sku %s", row.shop_id, row.sku_id)
            ChannelStock.objects.filter(pk=row.pk).update(dirty=True, push_note=f"push failed: {exc!r}"[:255])
            failed += 1
            continue
        if accepted is False:
            ChannelStock.objects.filter(pk=row.pk).update(dirty=True)
            failed += 1
            continue
        ChannelStock.objects.filter(pk=row.pk).update(
            dirty=True, sent_quantity=row.computed_quantity, sent_at=now, push_note=""
        )
        handed += 1
    if len(claimed) == batch:
        enqueue_on_commit("inventory.tasks.channel_stock_sync")
    return {"claimed": len(claimed), "changed": len(changed), "handed": handed, "failed": failed}


def channel_stock_mark_pushed(*, shop_id: int, sku_id: int, quantity: int, at: datetime | None = None) -> int:
    """The platform acknowledged ``quantity`` for this shop × SKU (called by integrations). The row stops
    being dirty if that is still the computed quantity; otherwise it stays dirty for the next push."""
    return ChannelStock.objects.filter(shop_id=shop_id, sku_id=sku_id).update(
        last_pushed_quantity=quantity,
        last_pushed_at=at or timezone.now(),
        push_note="",
        dirty=Case(When(computed_quantity=quantity, then=Value(False)), default=Value(True)),
    )


def stock_push_unconfigured(*, shop_id: int, sku_id: int, quantity: int) -> bool:
    """The default ``INVENTORY_STOCK_PUSHER``: nothing can push, so say so on the row and leave it dirty."""
    logger.warning("no stock pusher configured: shop %s sku %s sellable %s not pushed", shop_id, sku_id, quantity)
    ChannelStock.objects.filter(shop_id=shop_id, sku_id=sku_id).update(
        push_note="no pusher configured (settings.INVENTORY_STOCK_PUSHER)"
    )
    return False
