"""Helpers the after-sales tests import."""

from inventory.models import Reservation


def units_held(order) -> dict[str, int]:
    """SKU code → units the order's active reservations hold."""
    held: dict[str, int] = {}
    rows = Reservation.objects.filter(order_id=order.pk, state=Reservation.State.ACTIVE)
    for code, quantity in rows.values_list("stock__sku__code", "quantity"):
        held[code] = held.get(code, 0) + quantity
    return held


def order_shipped(order):
    """The order's goods left: stock received for what it still needs, then paid → approved → picking →
    shipped through ``order_transition`` (a return waits for goods only from an order that shipped)."""
    from inventory.services import stock_receive
    from orders.services import order_transition
    from orders.states import HoldReason, Status
    from orders.stock import order_stock_retry

    order.refresh_from_db()
    if order.status == Status.ON_HOLD and order.hold_reason == HoldReason.OUT_OF_STOCK:
        warehouse = order.warehouse or order.shop.default_warehouse
        stock_receive(
            warehouse=warehouse, lines=[(line.sku, line.quantity) for line in order.lines.all()], reason="tests"
        )
        order_stock_retry(order_id=order.pk)
    for step in (Status.APPROVED, Status.PICKING, Status.SHIPPED):
        order = order_transition(order=order, to_status=step, system="tests")
    return order
