"""Splitting an order: manually (lines and quantities), presale vs spot, or by warehouse availability.

The parent keeps its number, platform order id and shipping fee; each child gets a new number, the moved
lines (whole or part quantities) with their share of the discounts, and an ``OrderLink`` (kind split) that
records the parent's platform order id, so shipping the child can be confirmed on the platform. The
reserved units of a moved line move with it (``reservation_move``).

Splittable: paid, approved, or on hold out_of_stock (the split-by-availability case). Orders held for
review are decided first; presale orders waiting for their balance are not split; the apps above orders may
refuse a split through a guard (``orders.shaping.guards``: aftersales while a case has lines on the order).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

from django.db import transaction
from django.db.models import F, Q
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from config.messages import message
from inventory.models import Pool, Stock, Warehouse
from orders.models import Order, OrderEvent, OrderLine, OrderLink, PresaleTerms
from orders.models.orders import CONSIGNEE_FIELDS
from orders.services import order_event_record, order_number_allocate
from orders.shaping.common import (
    amounts_snapshot,
    cents,
    discounts_allocate,
    line_units_move,
    order_lines_for_update,
    paid_recompute,
    reserved_units,
    split_discount,
)
from orders.shaping.exceptions import ShapingInvalid
from orders.shaping.guards import split_guards_check
from orders.states import HoldReason, Status

COPIED_FIELDS = (
    "shop",
    "source",
    "buyer_id",
    "buyer_nick",
    "buyer_level",
    *CONSIGNEE_FIELDS,
    "buyer_remark",
    "seller_memo",
    "currency",
    "payment_method",
    "placed_at",
    "paid_at",
    "promised_ship_at",
    "priority",
    "queue",
)


def _splittable(order: Order) -> None:
    ok = order.status in (Status.PAID, Status.APPROVED) or (
        order.status == Status.ON_HOLD and order.hold_reason == HoldReason.OUT_OF_STOCK
    )
    if not ok:
        raise ShapingInvalid(
            _("Order %(order_number)s is %(status)s%(hold)s: only paid, approved or out-of-stock orders can be split.")
            % {
                "order_number": order.number,
                "status": order.get_status_display(),
                "hold": " (" + order.get_hold_reason_display() + ")" if order.hold_reason else "",
            },
            extra={"order_number": order.number, "status": order.status},
        )
    if PresaleTerms.objects.filter(order=order, state=PresaleTerms.State.AWAITING_BALANCE).exists():
        raise ShapingInvalid(
            _("Order %(order_number)s is a presale order waiting for its balance; it cannot be split.")
            % {"order_number": order.number},
            extra={"order_number": order.number},
        )


@transaction.atomic
def order_split(
    *,
    order_id: int,
    parts: dict[int, int],
    actor=None,
    system: str = "",
    reason: str = "",
    warehouse: Warehouse | None = None,
    review: bool = True,
) -> Order:
    """Move ``parts`` ({line id: quantity}) of an order into a new child order and return the child.

    ``warehouse`` ships the child from another location; only for units that hold no reservation yet.
    With ``review`` a paid child goes through the automatic review (``order_rules_apply``).
    """
    order = Order.objects.select_for_update(of=("self",)).select_related("shop", "warehouse").get(pk=order_id)
    _splittable(order)
    lines = order_lines_for_update(order.pk)
    by_id = {line.pk: line for line in lines}
    if not parts:
        raise ShapingInvalid(_("parts: choose at least one line to split off."), extra={"field": "parts"})
    for line_id, quantity in parts.items():
        line = by_id.get(line_id)
        if line is None:
            raise ShapingInvalid(
                _("parts: line %(line_id)s is not a line of order %(order_number)s.")
                % {"line_id": line_id, "order_number": order.number},
                extra={"field": "parts", "line": line_id},
            )
        if not isinstance(quantity, int) or not 1 <= quantity <= line.to_ship:
            raise ShapingInvalid(
                _(
                    "parts: line %(line_id)s (%(line_sku_code)s) has %(line_quantity)s units; %(quantity)r "
                    "cannot be split off."
                )
                % {
                    "line_id": line_id,
                    "line_sku_code": line.sku.code,
                    "line_quantity": line.to_ship,
                    "quantity": quantity,
                },
                extra={"field": "parts", "line": line_id},
            )
    if sum(parts.values()) >= sum(line.to_ship for line in lines):
        raise ShapingInvalid(
            _("parts: at least one unit must stay on order %(order_number)s.") % {"order_number": order.number},
            extra={"field": "parts"},
        )
    split_guards_check(
        order=order, moved=list(parts), whole=[pk for pk, quantity in parts.items() if quantity == by_id[pk].quantity]
    )
    held = reserved_units(list(by_id))
    if warehouse is not None and warehouse.pk != order.warehouse_id and any(held.get(pk) for pk in parts):
        raise ShapingInvalid(
            _(
                "Order %(order_number)s: the units to split off are reserved at %(order_warehouse_code)s; they "
                "cannot ship from %(warehouse_code)s."
            )
            % {
                "order_number": order.number,
                "order_warehouse_code": order.warehouse.code,
                "warehouse_code": warehouse.code,
            },
            extra={"order_number": order.number, "warehouse": warehouse.code},
        )
    discounts_allocate(order, lines)

    plan = []
    for line_id, quantity in parts.items():
        line = by_id[line_id]
        discount = line.discount if quantity == line.quantity else cents(line.discount * quantity / line.quantity)
        plan.append((line, quantity, discount))
    goods = sum((line.unit_price * quantity for line, quantity, _d in plan), Decimal("0.00"))
    platform, merchant = split_discount(order, sum((d for _l, _q, d in plan), Decimal("0.00")))
    (number,) = order_number_allocate()
    child = Order(
        number=number,
        status=order.status,
        hold_reason=order.hold_reason,
        hold_note=order.hold_note,
        hold_note_message=order.hold_note_message,
        tags=list(order.tags or []),
        warehouse=warehouse or order.warehouse,
        goods_amount=goods,
        discount_platform=platform,
        discount_merchant=merchant,
        shipping_fee=Decimal("0.00"),
        **{name: getattr(order, name) for name in COPIED_FIELDS},
    )
    paid_recompute(child)
    child.save()
    moved = []
    for line, quantity, discount in plan:
        new = OrderLine.objects.create(
            order=child,
            sku=line.sku,
            title=line.title,
            quantity=quantity,
            unit_price=line.unit_price,
            discount=discount,
            is_gift=line.is_gift,
            external_line_id=line.external_line_id,
        )
        units = line_units_move(line=line, to_order=child, to_line=new, quantity=quantity, held=held.get(line.pk, 0))
        moved.append(
            {
                "sku": line.sku.code,
                "quantity": quantity,
                "from_line": line.pk,
                "to_line": new.pk,
                "reserved_units": units,
            }
        )
        if quantity == line.quantity:
            line.delete()
        else:
            line.quantity -= quantity
            line.discount -= discount
            line.save(update_fields=["quantity", "discount"])
    before = amounts_snapshot(order)
    order.goods_amount -= child.goods_amount
    order.discount_platform -= child.discount_platform
    order.discount_merchant -= child.discount_merchant
    paid_recompute(order)
    order.save(update_fields=["goods_amount", "discount_platform", "discount_merchant", "paid_amount", "updated_at"])

    platform_ids = order_platform_ids(order)
    OrderLink.objects.create(
        kind=OrderLink.Kind.SPLIT,
        from_order=order,
        to_order=child,
        platform_ids=platform_ids,
        snapshot={"lines": moved, "parent_before": before, "child": amounts_snapshot(child)},
        reason=reason[:255],
        created_by=actor if actor is not None and actor.is_authenticated else None,
    )
    order_event_record(
        order=order,
        kind=OrderEvent.Kind.UPDATED,
        actor=actor,
        system=system or "shaping",
        reason=(
            message(
                gettext_noop("split: %(count)s line(s) moved to %(number)s: %(reason)s"),
                count=len(moved),
                number=child.number,
                reason=reason,
            )
            if reason
            else message(
                gettext_noop("split: %(count)s line(s) moved to %(number)s"), count=len(moved), number=child.number
            )
        ),
        data={"change": "split", "child": child.number, "lines": moved},
    )
    order_event_record(
        order=child,
        kind=OrderEvent.Kind.CREATED,
        actor=actor,
        system=system or "shaping",
        to_status=child.status,
        reason=(
            message(gettext_noop("split from %(number)s: %(reason)s"), number=order.number, reason=reason)
            if reason
            else message(gettext_noop("split from %(number)s"), number=order.number)
        ),
        data={"change": "split", "parent": order.number, "platform_ids": platform_ids},
    )
    if review and child.status == Status.PAID:
        from orders.rules.services import order_rules_apply

        order_rules_apply(order_id=child.pk)
        child.refresh_from_db()
    return child


def order_platform_ids(order: Order) -> list[str]:
    """Every platform order id this order stands for: its own and those carried in by merges and splits."""
    ids = [order.external_id] if order.external_id else []
    for carried in OrderLink.objects.filter(to_order=order).values_list("platform_ids", flat=True):
        ids.extend(i for i in carried if i not in ids)
    return ids


@dataclass(frozen=True)
class PlatformPart:
    """What one parcel of an order carries of one platform order: ``lines`` = (platform line id, quantity) of
    the order's lines that came from it; ``split``: the platform order's lines are spread over several orders
    (this parcel alone does not ship all of it)."""

    external_id: str
    lines: tuple[tuple[str, int], ...]
    split: bool


def order_platform_parts(order: Order) -> list[PlatformPart]:
    """The platform orders that shipping ``order`` ships (part of): each line is traced back through the merge
    and split links (their snapshots record which line became which) to the platform order it came from."""
    external = {order.pk: order.external_id}
    moved_from: dict[tuple[int, int], tuple[int, int]] = {}
    family: set[int] = set()
    frontier = {order.pk}
    while frontier:
        family |= frontier
        links = OrderLink.objects.filter(to_order_id__in=frontier).values_list(
            "from_order_id", "to_order_id", "snapshot", "from_order__external_id"
        )
        frontier = set()
        for from_id, to_id, snapshot, from_external in links:
            external[from_id] = from_external
            for row in (snapshot or {}).get("lines", []):
                moved_from[(to_id, row["to_line"])] = (from_id, row["from_line"])
            if from_id not in family:
                frontier.add(from_id)
    split_ids: set[str] = set()
    for ids in (
        OrderLink.objects.filter(kind=OrderLink.Kind.SPLIT)
        .filter(Q(from_order_id__in=family) | Q(to_order_id__in=family))
        .values_list("platform_ids", flat=True)
    ):
        split_ids.update(ids or [])
    by_platform: dict[str, list[tuple[str, int]]] = {}
    for line_id, line_external, quantity in (
        OrderLine.objects.filter(order=order)
        .annotate(units=F("quantity") - F("cancelled_quantity"))
        .filter(units__gt=0)
        .order_by("pk")
        .values_list("pk", "external_line_id", "units")
    ):
        key = (order.pk, line_id)
        for _hop in range(100):  # a chain of merges and splits; never a cycle (a link is never to itself)
            if key not in moved_from:
                break
            key = moved_from[key]
        platform_id = external.get(key[0]) or ""
        if platform_id:
            by_platform.setdefault(platform_id, []).append((line_external, quantity))
    return [
        PlatformPart(external_id=platform_id, lines=tuple(lines), split=platform_id in split_ids)
        for platform_id, lines in by_platform.items()
    ]


def order_split_presale(*, order_id: int, actor=None, system: str = "") -> Order | None:
    """Ship the spot items now: presale lines go to a child order. None when there is nothing to split."""
    lines = [line for line in OrderLine.objects.filter(order_id=order_id).select_related("sku") if line.to_ship > 0]
    presale = {line.pk: line.to_ship for line in lines if line.sku.is_presale}
    if not presale or len(presale) == len(lines):
        return None
    return order_split(
        order_id=order_id,
        parts=presale,
        actor=actor,
        system=system,
        reason=message(gettext_noop("presale items ship when they arrive")),
    )


@transaction.atomic
def order_split_by_availability(*, order_id: int, actor=None, system: str = "") -> list[Order]:
    """An order held out_of_stock whose lines are in stock at different locations: keep what its own
    warehouse can fill, split the rest into one order per location that can fill it (by priority), then
    reserve each. Lines no location can fill stay on the original order (still out of stock), and then
    every fillable group leaves it.
    Returns the new orders (empty when one location can fill everything: the order is simply retried)."""
    from orders.stock import order_stock_retry

    order = Order.objects.select_for_update().get(pk=order_id)
    if order.status != Status.ON_HOLD or order.hold_reason != HoldReason.OUT_OF_STOCK:
        raise ShapingInvalid(
            _("Order %(order_number)s is not held out of stock; it holds its stock and needs no split.")
            % {"order_number": order.number},
            extra={"order_number": order.number},
        )
    lines = [
        line for line in OrderLine.objects.filter(order=order).select_related("sku").order_by("pk") if line.to_ship > 0
    ]
    presale = "presale" in (order.tags or [])
    available = _available(lines, presale)
    locations = list(
        Warehouse.objects.filter(is_active=True).exclude(kind=Warehouse.Kind.IN_TRANSIT).order_by("priority", "code")
    )
    if order.warehouse_id:
        locations.sort(key=lambda w: w.pk != order.warehouse_id)  # its own warehouse first
    groups: dict[int, list[OrderLine]] = defaultdict(list)
    stranded: list[OrderLine] = []
    for line in lines:
        pool = Pool.PRESALE if presale or line.sku.is_presale else Pool.SPOT
        for location in locations:
            key = (line.sku_id, location.pk, pool)
            if available.get(key, 0) >= line.to_ship:
                available[key] -= line.to_ship
                groups[location.pk].append(line)
                break
        else:
            stranded.append(line)
    if not groups:
        return []
    by_pk = {w.pk: w for w in locations}
    if stranded:  # the original keeps what nobody can fill (still out of stock); every fillable group leaves
        home = None
    else:
        home = order.warehouse_id if order.warehouse_id in groups else next(iter(groups))
    if home is not None and home != order.warehouse_id:
        order.warehouse = by_pk[home]
        order.save(update_fields=["warehouse", "updated_at"])
    children = []
    for location_id, group in groups.items():
        if location_id == home:
            continue
        children.append(
            order_split(
                order_id=order.pk,
                parts={line.pk: line.to_ship for line in group},
                actor=actor,
                system=system,
                warehouse=by_pk[location_id],
                reason=message(
                    gettext_noop("ships from %(warehouse)s (in stock there)"), warehouse=by_pk[location_id].code
                ),
                review=False,
            )
        )
    from orders.rules.services import order_rules_apply

    for target in [order, *children]:
        if order_stock_retry(order_id=target.pk):
            order_rules_apply(order_id=target.pk)
    return children


def _available(lines: list[OrderLine], presale: bool) -> dict[tuple[int, int, str], int]:
    rows = Stock.objects.filter(sku_id__in={line.sku_id for line in lines}).values_list(
        "sku_id", "warehouse_id", "pool", "on_hand", "reserved"
    )
    return {(sku_id, warehouse_id, pool): on_hand - reserved for sku_id, warehouse_id, pool, on_hand, reserved in rows}
