"""What merge and split share: discount allocation, reserved units per line, moving a line's units."""

from __future__ import annotations

from collections import defaultdict
from decimal import ROUND_HALF_UP, Decimal

from inventory.models import Reservation
from inventory.services import reservation_move
from orders.models import Order, OrderLine

CENT = Decimal("0.01")


def order_lines_for_update(order_id: int) -> list[OrderLine]:
    """An order's lines, locked in pk order (their SKUs joined, not locked)."""
    return list(
        OrderLine.objects.select_for_update(of=("self",)).filter(order_id=order_id).select_related("sku").order_by("pk")
    )


def cents(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def discounts_allocate(order: Order, lines: list[OrderLine]) -> bool:
    """Give each line its share of the order's discounts when the channel only sent an order total.

    Shares follow the lines' gross (price × quantity); the rounding remainder goes to the largest line, and
    no line is discounted beyond its gross. Returns True when lines were changed (saved, with history).
    """
    total = order.discount_platform + order.discount_merchant
    if not total or not lines or any(line.discount for line in lines):
        return False
    gross = {line.pk: line.unit_price * line.quantity for line in lines}
    whole = sum(gross.values(), Decimal("0"))
    if not whole:
        return False
    shares = {pk: min(cents(total * g / whole), g) for pk, g in gross.items()}
    biggest = max(lines, key=lambda line: (gross[line.pk], -line.pk))
    shares[biggest.pk] += total - sum(shares.values(), Decimal("0"))
    for line in lines:
        line.discount = shares[line.pk]
        line.save(update_fields=["discount"])
    return True


def reserved_units(line_ids: list[int]) -> dict[int, int]:
    """Units each line holds in active reservations (0 for lines with none)."""
    held: dict[int, int] = defaultdict(int)
    rows = Reservation.objects.filter(order_line_id__in=line_ids, state=Reservation.State.ACTIVE).values_list(
        "order_line_id", "quantity"
    )
    for line_id, quantity in rows:
        held[line_id] += quantity
    return held


def line_units_move(*, line: OrderLine, to_order: Order, to_line: OrderLine, quantity: int, held: int) -> int:
    """Move ``quantity`` units' reservations of ``line`` (which holds ``held``) to ``to_line``."""
    units = min(held, quantity)
    if units <= 0:
        return 0
    return reservation_move(
        from_line_id=line.pk,
        to_order_id=to_order.pk,
        to_line_id=to_line.pk,
        to_reference=to_order.number,
        quantity=units,
    )


def split_discount(order: Order, moved: Decimal) -> tuple[Decimal, Decimal]:
    """Split a moved line discount into (platform, merchant) in the order's proportion."""
    total = order.discount_platform + order.discount_merchant
    if not total or not moved:
        return Decimal("0.00"), Decimal("0.00")
    platform = min(cents(moved * order.discount_platform / total), order.discount_platform)
    merchant = moved - platform
    if merchant > order.discount_merchant:  # rounding pushed past the merchant share
        platform += merchant - order.discount_merchant
        merchant = order.discount_merchant
    return platform, merchant


def amounts_snapshot(order: Order) -> dict[str, str]:
    return {
        name: str(getattr(order, name))
        for name in ("goods_amount", "discount_platform", "discount_merchant", "shipping_fee", "paid_amount")
    } | {"currency": order.currency}


def paid_recompute(order: Order) -> None:
    order.paid_amount = order.goods_amount - order.discount_platform - order.discount_merchant + order.shipping_fee
