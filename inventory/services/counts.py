"""Stock counts (盘点): open a count at a location, record counted quantities, apply the differences.

Each line snapshots the system quantity (on hand) when it is counted; applying writes a ``count`` movement
of counted − snapshot for each line that differs, so units that shipped or arrived during a long count are
not counted twice. Applied counts feed the inventory-accuracy report (``inventory.selectors``).
"""

from __future__ import annotations

from collections import defaultdict

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from config.messages import message
from inventory.exceptions import StockCountClosed, StockInvalid
from inventory.locks import stock_change, stock_count_for_update
from inventory.models import SKU, Pool, Stock, StockCount, StockCountLine, StockMovement, Warehouse
from inventory.services.levels import insufficient, movement_build, stock_changed_on_commit, stock_rows_ensure


@transaction.atomic
def stock_count_open(*, warehouse: Warehouse, reason: str, actor=None) -> StockCount:
    reason = (reason or "").strip()
    if not reason:
        raise StockInvalid(
            _("reason: say why this count is done (cycle count, year end, …)."), extra={"field": "reason"}
        )
    if not warehouse.is_active:
        raise StockInvalid(
            _("warehouse: location %(warehouse_code)s is not active.") % {"warehouse_code": warehouse.code},
            extra={"field": "warehouse"},
        )
    actor = actor if actor is not None and getattr(actor, "is_authenticated", False) else None
    return StockCount.objects.create(warehouse=warehouse, reason=reason[:255], created_by=actor)


@transaction.atomic
def stock_count_record(*, count: StockCount, sku: SKU, counted_quantity: int, pool: str = Pool.SPOT) -> StockCountLine:
    """Record what was counted for one SKU; counting it again replaces the line (and its snapshot)."""
    count = stock_count_for_update(count.pk)
    if count.state != StockCount.State.OPEN:
        raise StockCountClosed(
            _("%(count_reference)s is %(count_state)s; it cannot take more counts.")
            % {"count_reference": count.reference, "count_state": count.state}
        )
    if isinstance(counted_quantity, bool) or not isinstance(counted_quantity, int) or counted_quantity < 0:
        raise StockInvalid(
            _("counted_quantity: %(counted_quantity)r for %(sku_code)s must be a whole number ≥ 0.")
            % {"counted_quantity": counted_quantity, "sku_code": sku.code},
            extra={"field": "counted_quantity", "sku": sku.code},
        )
    system = (
        Stock.objects.filter(sku=sku, warehouse_id=count.warehouse_id, pool=pool)
        .values_list("on_hand", flat=True)
        .first()
        or 0
    )
    line, _created = StockCountLine.objects.update_or_create(
        count=count,
        sku=sku,
        pool=pool,
        defaults={"system_quantity": system, "counted_quantity": counted_quantity, "counted_at": timezone.now()},
    )
    return line


@transaction.atomic
def stock_count_apply(*, count: StockCount, actor=None) -> list[StockMovement]:
    """Apply every difference as a ``count`` movement. A count cannot take away units reserved by orders:
    that raises ``InsufficientStock`` naming the SKU, and nothing is applied."""
    count = stock_count_for_update(count.pk)
    if count.state != StockCount.State.OPEN:
        raise StockCountClosed(
            _("%(count_reference)s is already %(count_state)s.")
            % {"count_reference": count.reference, "count_state": count.state}
        )
    lines = [line for line in count.lines.all() if line.difference]
    keys = {line.pk: (line.sku_id, count.warehouse_id, line.pool) for line in lines}
    ids = stock_rows_ensure(keys.values())
    now = timezone.now()
    movements = []
    arrivals: dict[int, set[int]] = defaultdict(set)
    for line in sorted(lines, key=lambda ln: ids[keys[ln.pk]]):
        stock_id = ids[keys[line.pk]]
        if not stock_change(stock_id, on_hand=line.difference):
            raise insufficient(stock_id, wanted=-line.difference, what="count away")
        movements.append(
            movement_build(
                kind=StockMovement.Kind.COUNT,
                key=keys[line.pk],
                on_hand=line.difference,
                reference=count.reference,
                reason=message(
                    gettext_noop("%(reason)s: system %(system)s, counted %(counted)s"),
                    reason=count.reason,
                    system=line.system_quantity,
                    counted=line.counted_quantity,
                ),
                actor=actor,
                system="" if actor else "count",
                at=now,
            )
        )
        if line.difference > 0:
            arrivals[count.warehouse_id].add(line.sku_id)
    StockMovement.objects.bulk_create(movements)
    count.state = StockCount.State.APPLIED
    count.applied_at = now
    count.applied_by = actor if actor is not None and getattr(actor, "is_authenticated", False) else None
    count.save(update_fields=["state", "applied_at", "applied_by"])
    stock_changed_on_commit(sku_ids=[line.sku_id for line in lines], arrivals=arrivals)
    return movements


@transaction.atomic
def stock_count_cancel(*, count: StockCount) -> StockCount:
    count = stock_count_for_update(count.pk)
    if count.state != StockCount.State.OPEN:
        raise StockCountClosed(
            _("%(count_reference)s is already %(count_state)s.")
            % {"count_reference": count.reference, "count_state": count.state}
        )
    count.state = StockCount.State.CANCELLED
    count.save(update_fields=["state"])
    return count
