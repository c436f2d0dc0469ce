"""Reads on stock: levels, the ledger, reservations, channel sellable quantities, counts and reports.

What a user sees is scoped by location: ``inventory.access_warehouse`` on the warehouse (django-guardian,
given to the user or a group), or everything with the global ``orders.view_all_orders`` or as superuser —
the same rule as orders' selectors, written here because inventory does not import orders.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import F, Q, QuerySet, Sum
from django.utils import timezone
from django.utils.translation import gettext as _
from guardian.shortcuts import get_objects_for_user

from inventory.exceptions import SKUNotFound, WarehouseNotFound
from inventory.models import (
    SKU,
    ChannelStock,
    Pool,
    Reservation,
    SafetyStock,
    Stock,
    StockCount,
    StockCountLine,
    StockMovement,
    Warehouse,
)
from inventory.shops import shop_names

ALL_STOCK_PERMISSION = "orders.view_all_orders"
WAREHOUSE_ACCESS = "inventory.access_warehouse"
ADJUST_PERMISSION = "inventory.adjust_stock"


# --- who sees which location --------------------------------------------------------------------------------


def user_sees_all_stock(user) -> bool:
    return bool(user and user.is_active and (user.is_superuser or user.has_perm(ALL_STOCK_PERMISSION)))


def stock_warehouses_for_user(user) -> QuerySet[Warehouse]:
    if not (user and user.is_authenticated):
        return Warehouse.objects.none()
    if user_sees_all_stock(user):
        return Warehouse.objects.all()
    return get_objects_for_user(user, WAREHOUSE_ACCESS, klass=Warehouse, accept_global_perms=False)


def user_can_adjust_stock(user, warehouse: Warehouse) -> bool:
    """Holds ``inventory.adjust_stock`` and may work on this location."""
    if not (user and user.is_authenticated and user.has_perm(ADJUST_PERMISSION)):
        return False
    return stock_warehouses_for_user(user).filter(pk=warehouse.pk).exists()


def sku_get(*, code: str) -> SKU:
    try:
        return SKU.objects.get(code=code)
    except SKU.DoesNotExist:
        raise SKUNotFound(_("sku: no SKU with code %(code)r.") % {"code": code}, extra={"sku": code}) from None


def warehouse_get(*, code: str) -> Warehouse:
    try:
        return Warehouse.objects.get(code=code)
    except Warehouse.DoesNotExist:
        raise WarehouseNotFound(
            _("warehouse: no location with code %(code)r.") % {"code": code}, extra={"warehouse": code}
        ) from None


# --- levels, ledger, reservations ---------------------------------------------------------------------------


def stock_levels_for_sku(*, user, sku: SKU) -> QuerySet[Stock]:
    """The SKU's stock rows at the locations this user may see, best location first."""
    return (
        Stock.objects.filter(sku=sku, warehouse__in=stock_warehouses_for_user(user))
        .select_related("warehouse")
        .order_by("warehouse__priority", "warehouse__code", "pool")
    )


def stock_level_list(*, user, sku: str = "", warehouse: str = "", pool: str = "") -> QuerySet[Stock]:
    """Stock rows at the locations this user may see, by SKU, location and pool; filtered by SKU and location
    code and by pool."""
    levels = Stock.objects.filter(warehouse__in=stock_warehouses_for_user(user)).select_related("sku", "warehouse")
    if sku:
        levels = levels.filter(sku__code=sku)
    if warehouse:
        levels = levels.filter(warehouse__code=warehouse)
    if pool:
        levels = levels.filter(pool=pool)
    return levels.order_by("sku__code", "warehouse__code", "pool", "pk")


def stock_sku_list(*, user, query: str = "") -> QuerySet[SKU]:
    """SKUs with stock rows, with their totals over the locations this user may see."""
    visible = Q(stocks__warehouse__in=stock_warehouses_for_user(user))
    skus = SKU.objects.filter(stocks__isnull=False).distinct()
    if query:
        skus = skus.filter(Q(code__icontains=query) | Q(name__icontains=query) | Q(barcode=query))
    return skus.annotate(
        on_hand_total=Sum("stocks__on_hand", filter=visible),
        reserved_total=Sum("stocks__reserved", filter=visible),
        available_total=Sum(F("stocks__on_hand") - F("stocks__reserved"), filter=visible),
    ).order_by("code")


def stock_movement_list(
    *, user, sku: SKU | None = None, warehouse: Warehouse | None = None, reference: str = "", kind: str = ""
) -> QuerySet[StockMovement]:
    movements = StockMovement.objects.filter(warehouse__in=stock_warehouses_for_user(user)).select_related(
        "sku", "warehouse", "actor"
    )
    if sku is not None:
        movements = movements.filter(sku=sku)
    if warehouse is not None:
        movements = movements.filter(warehouse=warehouse)
    if reference:
        movements = movements.filter(reference=reference)
    if kind:
        movements = movements.filter(kind=kind)
    return movements.order_by("-at", "-id")


def reservation_list(*, user, reference: str = "", sku: SKU | None = None, state: str = "") -> QuerySet[Reservation]:
    reservations = Reservation.objects.filter(stock__warehouse__in=stock_warehouses_for_user(user)).select_related(
        "stock__sku", "stock__warehouse"
    )
    if reference:
        reservations = reservations.filter(reference=reference)
    if sku is not None:
        reservations = reservations.filter(stock__sku=sku)
    if state:
        reservations = reservations.filter(state=state)
    return reservations.order_by("-created_at", "-id")


def channel_stock_for_sku(*, sku: SKU) -> list[ChannelStock]:
    """The SKU's channel rows by shop code, each with ``shop_name`` (inventory.shops) to show."""
    return channel_stock_named(ChannelStock.objects.filter(sku=sku), by=lambda row: row.shop_name.code)


def channel_stock_named(rows: Iterable[ChannelStock], *, by=None) -> list[ChannelStock]:
    """These channel rows with ``shop_name`` set (code and name of their shop), sorted ``by`` if given."""
    rows = list(rows)
    names = shop_names(row.shop_id for row in rows)
    for row in rows:
        row.shop_name = names[row.shop_id]
    return sorted(rows, key=by) if by else rows


# --- sellable quantities ------------------------------------------------------------------------------------


def pool_available(*, sku_ids: Iterable[int]) -> dict[tuple[int, str], int]:
    """Available units per (SKU, pool) over the sellable locations: active warehouses and stores
    (in-transit stock cannot be sold yet)."""
    rows = (
        Stock.objects.filter(sku_id__in=list(sku_ids), warehouse__is_active=True)
        .exclude(warehouse__kind=Warehouse.Kind.IN_TRANSIT)
        .values("sku_id", "pool")
        .annotate(available=Sum(F("on_hand") - F("reserved")))
        .order_by()
    )
    return {(r["sku_id"], r["pool"]): r["available"] or 0 for r in rows}


def sku_units_sold(*, sku_ids: Iterable[int], days: int = 7, now: dt.datetime | None = None) -> dict[int, int]:
    """Units sold per SKU over the last ``days``: units reserved for orders less units released again."""
    since = (now or timezone.now()) - dt.timedelta(days=days)
    rows = (
        StockMovement.objects.filter(
            sku_id__in=list(sku_ids),
            kind__in=[StockMovement.Kind.RESERVE, StockMovement.Kind.RELEASE],
            at__gte=since,
        )
        .values("sku_id")
        .annotate(units=Sum("reserved_delta"))
        .order_by()
    )
    return {r["sku_id"]: max(r["units"] or 0, 0) for r in rows}


@dataclass(frozen=True)
class Sellable:
    quantity: int
    paused: bool
    pool: str
    available: int
    threshold: int
    note: str = ""


def channel_sellable_compute(*, sku_ids: Iterable[int]) -> dict[tuple[int, int], Sellable]:
    """The sellable quantity of every active shop × SKU row of these SKUs (docs/inventory.md, allocation).

    The pool is the SKU's (presale SKUs sell the presale pool); available is summed over sellable
    locations. A SKU exclusive to one shop is sellable there only. When available is at or below the SKU's
    safety stock, rows with ``pause_on_safety`` sell 0 (paused); the others apply their rule:
    default (no allocation set) → available less safety stock, shared → all available, percentage →
    ⌊available × percent / 100⌋, fixed → min(quota, available).
    """
    sku_ids = list(set(sku_ids))
    presale = dict(SKU.objects.filter(pk__in=sku_ids).values_list("pk", "is_presale"))
    available = pool_available(sku_ids=sku_ids)
    thresholds = dict(SafetyStock.objects.filter(sku_id__in=sku_ids).values_list("sku_id", "threshold"))
    rows = list(
        ChannelStock.objects.filter(sku_id__in=sku_ids, is_active=True).values(
            "shop_id", "sku_id", "rule", "percent", "quota", "pause_on_safety"
        )
    )
    exclusive = {r["sku_id"]: r["shop_id"] for r in rows if r["rule"] == ChannelStock.Rule.EXCLUSIVE}
    result = {}
    for r in rows:
        sku_id = r["sku_id"]
        pool = Pool.PRESALE if presale.get(sku_id) else Pool.SPOT
        free = max(available.get((sku_id, pool), 0), 0)
        threshold = thresholds.get(sku_id, 0)
        at_safety = threshold > 0 and free <= threshold
        paused = False
        note = ""
        if sku_id in exclusive and exclusive[sku_id] != r["shop_id"]:
            quantity, note = 0, "exclusive to another shop"
        elif at_safety and r["pause_on_safety"]:
            quantity, paused, note = 0, True, "paused at safety stock"
        elif r["rule"] == ChannelStock.Rule.PERCENTAGE:
            quantity = free * r["percent"] // 100
        elif r["rule"] == ChannelStock.Rule.FIXED:
            quantity = min(r["quota"], free)
        elif r["rule"] == ChannelStock.Rule.DEFAULT:
            quantity = max(free - threshold, 0)
        else:  # shared pool, or the exclusive shop itself
            quantity = free
        result[(r["shop_id"], sku_id)] = Sellable(quantity, paused, pool, free, threshold, note)
    return result


@dataclass(frozen=True)
class SafetyStatus:
    threshold: int
    available: int
    at_safety: bool
    paused_shops: list[int] = field(default_factory=list)


def safety_stock_status(
    *, sku_ids: Iterable[int], sellable: dict[tuple[int, int], Sellable] | None = None
) -> dict[int, SafetyStatus]:
    """For each of these SKUs that has a safety stock rule: is available at or below the threshold, and
    which shops are paused because of it."""
    sku_ids = list(set(sku_ids))
    rules = dict(SafetyStock.objects.filter(sku_id__in=sku_ids).values_list("sku_id", "threshold"))
    if not rules:
        return {}
    presale = dict(SKU.objects.filter(pk__in=rules).values_list("pk", "is_presale"))
    available = pool_available(sku_ids=rules)
    if sellable is None:
        sellable = channel_sellable_compute(sku_ids=rules)
    paused: dict[int, list[int]] = defaultdict(list)
    for (shop_id, sku_id), s in sorted(sellable.items()):
        if s.paused:
            paused[sku_id].append(shop_id)
    result = {}
    for sku_id, threshold in rules.items():
        pool = Pool.PRESALE if presale.get(sku_id) else Pool.SPOT
        free = max(available.get((sku_id, pool), 0), 0)
        result[sku_id] = SafetyStatus(threshold, free, threshold > 0 and free <= threshold, paused[sku_id])
    return result


# --- the ledger check ---------------------------------------------------------------------------------------


def stock_ledger_mismatches(*, sku_ids: Iterable[int] | None = None) -> list[dict]:
    """Stock rows whose levels differ from their ledger sums or whose reserved differs from their active
    reservations. Empty means the ledger and the levels agree."""
    levels = Stock.objects.all()
    movements = StockMovement.objects.all()
    reservations = Reservation.objects.filter(state=Reservation.State.ACTIVE)
    if sku_ids is not None:
        sku_ids = list(sku_ids)
        levels = levels.filter(sku_id__in=sku_ids)
        movements = movements.filter(sku_id__in=sku_ids)
        reservations = reservations.filter(stock__sku_id__in=sku_ids)
    ledger = {
        (r["sku_id"], r["warehouse_id"], r["pool"]): (r["on_hand"] or 0, r["reserved"] or 0)
        for r in movements.values("sku_id", "warehouse_id", "pool")
        .annotate(on_hand=Sum("on_hand_delta"), reserved=Sum("reserved_delta"))
        .order_by()
    }
    held = {
        r["stock_id"]: r["quantity"]
        for r in reservations.values("stock_id").annotate(quantity=Sum("quantity")).order_by()
    }
    problems = []
    seen = set()
    for row in levels.values(
        "pk", "sku_id", "sku__code", "warehouse_id", "warehouse__code", "pool", "on_hand", "reserved"
    ):
        key = (row["sku_id"], row["warehouse_id"], row["pool"])
        seen.add(key)
        ledger_on_hand, ledger_reserved = ledger.get(key, (0, 0))
        reserved_by_orders = held.get(row["pk"], 0)
        if (row["on_hand"], row["reserved"]) != (ledger_on_hand, ledger_reserved) or row[
            "reserved"
        ] != reserved_by_orders:
            problems.append(
                {
                    "sku": row["sku__code"],
                    "warehouse": row["warehouse__code"],
                    "pool": row["pool"],
                    "on_hand": row["on_hand"],
                    "ledger_on_hand": ledger_on_hand,
                    "reserved": row["reserved"],
                    "ledger_reserved": ledger_reserved,
                    "active_reservations": reserved_by_orders,
                }
            )
    for key, (on_hand, reserved) in ledger.items():
        if key not in seen and (on_hand or reserved):
            problems.append(
                {
                    "sku": key[0],
                    "warehouse": key[1],
                    "pool": key[2],
                    "on_hand": None,
                    "ledger_on_hand": on_hand,
                    "reserved": None,
                    "ledger_reserved": reserved,
                    "active_reservations": 0,
                }
            )
    return problems


# --- counts and the accuracy report -------------------------------------------------------------------------


def stock_count_list(*, user) -> QuerySet[StockCount]:
    return StockCount.objects.filter(warehouse__in=stock_warehouses_for_user(user)).select_related(
        "warehouse", "created_by"
    )


def stock_count_get(*, user, pk: int) -> StockCount:
    """One count with its lines; ``StockCount.DoesNotExist`` when missing or not visible."""
    return stock_count_list(user=user).prefetch_related("lines__sku").get(pk=pk)


RATE = Decimal("0.0001")


def stock_accuracy_report(
    *,
    user,
    warehouse: Warehouse | None = None,
    since: dt.datetime | None = None,
    until: dt.datetime | None = None,
) -> dict:
    """Inventory record accuracy over applied counts: per SKU × location the system and counted quantity,
    and the rates — lines whose system quantity was exactly right, and 1 − Σ|difference| / Σ system units."""
    lines = StockCountLine.objects.filter(
        count__state=StockCount.State.APPLIED, count__warehouse__in=stock_warehouses_for_user(user)
    ).select_related("sku", "count__warehouse")
    if warehouse is not None:
        lines = lines.filter(count__warehouse=warehouse)
    if since is not None:
        lines = lines.filter(count__applied_at__gte=since)
    if until is not None:
        lines = lines.filter(count__applied_at__lt=until)
    rows = []
    system_units = counted_units = off_units = accurate = 0
    for line in lines.order_by("count__warehouse__code", "sku__code", "count__applied_at"):
        diff = line.difference
        rows.append(
            {
                "count": line.count.reference,
                "applied_at": line.count.applied_at,
                "warehouse": line.count.warehouse.code,
                "sku": line.sku.code,
                "sku_name": line.sku.name,
                "pool": line.pool,
                "system": line.system_quantity,
                "counted": line.counted_quantity,
                "difference": diff,
                "accurate": diff == 0,
            }
        )
        system_units += line.system_quantity
        counted_units += line.counted_quantity
        off_units += abs(diff)
        accurate += diff == 0
    total = len(rows)
    line_rate = (Decimal(accurate) / total).quantize(RATE) if total else None
    if system_units:
        unit_rate = max(Decimal(0), 1 - Decimal(off_units) / system_units).quantize(RATE)
    else:
        unit_rate = None if not total else (Decimal(1) if off_units == 0 else Decimal(0))
    return {
        "rows": rows,
        "lines": total,
        "accurate_lines": accurate,
        "line_accuracy": line_rate,
        "system_units": system_units,
        "counted_units": counted_units,
        "difference_units": off_units,
        "unit_accuracy": unit_rate,
    }


# --- the command center ---------------------------------------------------------------------------------------


def oversold_units() -> dict[str, int]:
    """Units held by active reservations beyond what is on hand, summed over the stock rows where that happens
    (and how many rows). Counted from the reservations themselves, not from the ``reserved`` counter that the
    database constraint keeps within ``on_hand``: a non-zero figure means the counter and the reservations
    disagree. It must read 0."""
    rows = (
        Reservation.objects.filter(state=Reservation.State.ACTIVE)
        .values("stock")
        .annotate(held=Sum("quantity"), on_hand=F("stock__on_hand"))
        .filter(held__gt=F("on_hand"))
        .values_list("held", "on_hand")
    )
    units = rows_over = 0
    for held, on_hand in rows:
        units += held - on_hand
        rows_over += 1
    return {"units": units, "stock_rows": rows_over}
