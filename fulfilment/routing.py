"""Warehouse routing (智能分仓): which warehouse should ship an order.

A read: it decides and explains, it changes nothing. Candidates are the active warehouses (kind
warehouse). Each is scored by

1. whether its available stock fills every line (spot pool; units this order already holds there count
   as available to it),
2. distance to the consignee's province — same province, neighbouring province, further — then km
   between capitals (``fulfilment.geo``),
3. ``Warehouse.priority`` (lower first), then code.

When no single warehouse can fill the order, ``split`` proposes the fewest warehouses that can, taking
lines greedily from the best-ranked warehouse first. Splitting the order itself belongs to the order rules
(orders app): the proposal is data for them.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import asdict, dataclass, field
from typing import Any

from django.apps import apps
from django.db.models import F, Sum

from fulfilment import geo
from inventory.models import Warehouse


@dataclass
class Candidate:
    warehouse: str
    fills_order: bool
    ring: int
    distance_km: float | None
    priority: int
    short_lines: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class SplitPart:
    warehouse: str
    lines: list[dict[str, Any]]


@dataclass
class RoutingResult:
    order: str
    warehouse: str | None
    reason: str
    candidates: list[Candidate]
    split: list[SplitPart] = field(default_factory=list)
    unfillable: list[dict[str, Any]] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def stock_available_by_warehouse(*, sku_ids: list[int], order_id: int | None = None) -> dict[tuple[int, int], int]:
    """``{(warehouse_id, sku_id): available}`` in the spot pool, from inventory's stock levels, with the
    units this order already reserves added back (they are its own). Empty when inventory has no stock
    table yet."""
    try:
        Stock = apps.get_model("inventory", "Stock")
    except LookupError:
        return {}
    rows = (
        Stock.objects.filter(sku_id__in=sku_ids, pool="spot")
        .values("warehouse_id", "sku_id")
        .annotate(available=Sum(F("on_hand") - F("reserved")))
    )
    available = {(r["warehouse_id"], r["sku_id"]): int(r["available"] or 0) for r in rows}
    if order_id is not None:
        try:
            Reservation = apps.get_model("inventory", "Reservation")
        except LookupError:
            Reservation = None
        if Reservation is not None:
            own = (
                Reservation.objects.filter(order_id=order_id, state="active", stock__pool="spot")
                .values("stock__warehouse_id", "stock__sku_id")
                .annotate(quantity=Sum("quantity"))
            )
            for r in own:
                key = (r["stock__warehouse_id"], r["stock__sku_id"])
                available[key] = available.get(key, 0) + int(r["quantity"])
    return available


def order_route(*, order) -> RoutingResult:
    lines = [line for line in order.lines.select_related("sku") if line.to_ship > 0]
    needed: dict[int, int] = defaultdict(int)
    codes: dict[int, str] = {}
    for line in lines:
        needed[line.sku_id] += line.to_ship
        codes[line.sku_id] = line.sku.code
    warehouses = list(
        Warehouse.objects.filter(is_active=True, kind=Warehouse.Kind.WAREHOUSE).order_by("priority", "code")
    )
    available = stock_available_by_warehouse(sku_ids=list(needed), order_id=order.pk)

    candidates: list[tuple[tuple, Candidate, Warehouse]] = []
    for wh in warehouses:
        short = [
            {"sku": codes[sku_id], "needed": qty, "available": max(available.get((wh.pk, sku_id), 0), 0)}
            for sku_id, qty in needed.items()
            if available.get((wh.pk, sku_id), 0) < qty
        ]
        cand = Candidate(
            warehouse=wh.code,
            fills_order=not short,
            ring=geo.ring(wh.province, order.province),
            distance_km=geo.distance_km(wh.province, order.province),
            priority=wh.priority,
            short_lines=short,
        )
        key = (
            0 if cand.fills_order else 1,
            cand.ring,
            cand.distance_km if cand.distance_km is not None else 1e9,
            wh.priority,
            wh.code,
        )
        candidates.append((key, cand, wh))
    candidates.sort(key=lambda item: item[0])
    ranked = [c for _k, c, _w in candidates]

    if candidates and candidates[0][1].fills_order:
        best = candidates[0][1]
        where = {0: "same province", 1: "neighbouring province", 2: "nearest by distance"}[best.ring]
        return RoutingResult(
            order=order.number,
            warehouse=best.warehouse,
            reason=f"{best.warehouse} has stock for every line ({where}, priority {best.priority})",
            candidates=ranked,
        )

    # No single warehouse can fill it: take what each can give, best-ranked first.
    remaining = dict(needed)
    split: list[SplitPart] = []
    for _key, cand, wh in candidates:
        part = []
        for sku_id, qty in list(remaining.items()):
            take = min(qty, max(available.get((wh.pk, sku_id), 0), 0))
            if take > 0:
                part.append({"sku": codes[sku_id], "quantity": take})
                remaining[sku_id] -= take
                if remaining[sku_id] == 0:
                    del remaining[sku_id]
        if part:
            split.append(SplitPart(warehouse=cand.warehouse, lines=part))
        if not remaining:
            break
    unfillable = [{"sku": codes[sku_id], "quantity": qty} for sku_id, qty in remaining.items()]
    reason = (
        f"no single warehouse has stock for every line; split across {len(split)} warehouses"
        if not unfillable
        else "not enough stock in all warehouses together"
    )
    return RoutingResult(
        order=order.number, warehouse=None, reason=reason, candidates=ranked, split=split, unfillable=unfillable
    )
