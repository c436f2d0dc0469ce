"""Helpers the after-sales tests import."""

from inventory.models import Reservation


def units_held(order) -> dict[str, int]:
    """SKU code → units the order's active reservations hold."""
    held: dict[str, int] = {}
    rows = Reservation.objects.filter(order_id=order.pk, state=Reservation.State.ACTIVE)
    for code, quantity in rows.values_list("stock__sku__code", "quantity"):
        held[code] = held.get(code, 0) + quantity
    return held
