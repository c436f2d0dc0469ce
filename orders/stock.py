"""The order side of inventory: what an order's status change does to its stock.

``order_transition`` and ``order_create`` (orders.services) call ``order_stock_follow`` inside their
transaction, with the order row locked; ``order_transition_many`` and ``order_create_many`` call
``orders_stock_follow`` / ``orders_stock_follow_created``, which reserve for a batch together. Inventory
knows nothing of orders: this module hands it plain ids and quantities and acts on its answer.

- entering paid: reserve every line (all or none). Short → the order goes on_hold / out_of_stock.
- leaving an on_hold for approved: the lines must be reserved, else the move is refused (InsufficientStock).
- entering cancelled or closed: release whatever the order still holds (an unpaid order holds nothing).
- entering shipped: the reservations become deductions (ship movements).
Stock arriving (``inventory.signals.stock_arrived``) retries the orders held out_of_stock, first paid first
served (orders.receivers → orders.tasks.orders_retry_out_of_stock → ``order_stock_retry``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from django.db import transaction
from django.db.models import F
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from config.messages import message, message_text
from inventory.exceptions import InsufficientStock
from inventory.services import (
    LineDemand,
    OrderDemand,
    ReserveResult,
    order_stock_consume,
    order_stock_release,
    order_stock_reserve,
    orders_stock_release,
    orders_stock_reserve,
)
from orders.models import Order, OrderLine
from orders.states import HoldReason, Status

SYSTEM = "inventory"
PRESALE_TAG = "presale"
# The stock ledger's reason for what an order's end or shipment does to its reservations (config.messages).
STOCK_REASONS = {
    Status.CANCELLED: gettext_noop("order cancelled"),
    Status.CLOSED: gettext_noop("order closed"),
    Status.SHIPPED: gettext_noop("order shipped"),
}


def order_stock_follow(*, order: Order, from_status: str, actor=None) -> None:
    """Apply the stock consequence of ``order`` having just moved from ``from_status`` to its status."""
    to_status = order.status
    if to_status == Status.PAID or (to_status == Status.APPROVED and from_status == Status.ON_HOLD):
        result = order_stock_reserve_for(order=order, actor=actor)
        if result.ok:
            return
        if to_status == Status.PAID:
            _hold_out_of_stock(order, result)
            return
        raise InsufficientStock(
            _("Order %(order_number)s cannot be approved: its stock is not reserved (%(value)s).")
            % {"order_number": order.number, "value": message_text(result.describe())},
            extra={"order_number": order.number, "short": result.short},
        )
    if to_status in (Status.CANCELLED, Status.CLOSED):
        if _may_hold_stock(from_status):
            order_stock_release(order_id=order.pk, actor=actor, system=SYSTEM, reason=message(STOCK_REASONS[to_status]))
    elif to_status == Status.SHIPPED:
        order_stock_consume(order_id=order.pk, actor=actor, system=SYSTEM, reason=message(STOCK_REASONS[to_status]))


def _may_hold_stock(from_status: str) -> bool:
    """An unpaid order holds no stock: reservations are made on entering paid and no order goes back to
    pending_payment, so releasing one would change nothing (it would only look for its reservations)."""
    return from_status != Status.PENDING_PAYMENT


def orders_stock_follow(*, orders: Sequence[Order], from_status: Mapping[int, str], actor=None) -> None:
    """``order_stock_follow`` for several orders that have just moved (each from ``from_status[pk]`` to its
    status): those paid just now reserve together (``inventory.services.orders_stock_reserve``, in the order
    given — it is for orders holding no reservation yet, so only those coming from pending_payment), those
    cancelled or closed just now release together (``orders_stock_release``), the others one by one — where
    the move has a stock effect at all."""
    paid = [order for order in orders if order.status == Status.PAID and not _may_hold_stock(from_status[order.pk])]
    ending: dict[str, list[Order]] = {}
    for order in orders:
        if order.status in (Status.CANCELLED, Status.CLOSED) and _may_hold_stock(from_status[order.pk]):
            ending.setdefault(order.status, []).append(order)
    together: set[int] = set()
    if len(paid) > 1:
        _orders_reserve(orders=paid, lines=_order_lines(paid), actor=actor)
        together |= {order.pk for order in paid}
    for status, group in ending.items():
        if len(group) > 1:
            ids = [order.pk for order in group]
            orders_stock_release(order_ids=ids, actor=actor, system=SYSTEM, reason=message(STOCK_REASONS[status]))
            together |= set(ids)
    for order in orders:
        if order.pk not in together:
            order_stock_follow(order=order, from_status=from_status[order.pk], actor=actor)


def orders_stock_follow_created(*, orders: list[Order], lines: dict[int, list[LineDemand]], actor=None) -> None:
    """The stock step of creating several orders together: what ``order_stock_follow`` does for each paid
    one, with their reservations made together (``inventory.services.orders_stock_reserve``)."""
    paid = [order for order in orders if order.status == Status.PAID]
    if len(paid) < 2:
        for order in paid:
            order_stock_follow(order=order, from_status="", actor=actor)
        return
    _orders_reserve(orders=paid, lines=lines, actor=actor)


def _orders_reserve(*, orders: list[Order], lines: Mapping[int, list[LineDemand]], actor) -> None:
    """Reserve the lines of several orders entering paid together, first come first served in the order
    given; each reserved one takes the warehouse inventory chose, each short one goes on hold."""
    results = orders_stock_reserve(
        orders=[
            OrderDemand(
                order_id=order.pk,
                reference=order.number,
                lines=lines[order.pk],
                warehouse_id=order.warehouse_id,
                presale=PRESALE_TAG in (order.tags or []),
            )
            for order in orders
        ],
        actor=actor,
        system=SYSTEM,
    )
    for order in orders:
        result = results[order.pk]
        if result.ok:
            _warehouse_take(order, result)
        else:
            _hold_out_of_stock(order, result)


def _order_lines(orders: Sequence[Order]) -> dict[int, list[LineDemand]]:
    """The lines of these orders as reservation demands, in line order (one query)."""
    lines: dict[int, list[LineDemand]] = {order.pk: [] for order in orders}
    for order_id, pk, sku_id, quantity in (
        OrderLine.objects.filter(order__in=list(lines))
        .annotate(units=F("quantity") - F("cancelled_quantity"))
        .filter(units__gt=0)
        .order_by("order_id", "pk")
        .values_list("order_id", "pk", "sku_id", "units")
    ):
        lines[order_id].append(LineDemand(line_id=pk, sku_id=sku_id, quantity=quantity))
    return lines


def _hold_out_of_stock(order: Order, result: ReserveResult) -> None:
    from orders.services import order_transition

    order_transition(
        order=order,
        to_status=Status.ON_HOLD,
        hold_reason=HoldReason.OUT_OF_STOCK,
        system=SYSTEM,
        reason=message(gettext_noop("out of stock: %(shortage)s"), shortage=result.describe()),
    )


def _warehouse_take(order: Order, result: ReserveResult) -> None:
    """An order without a warehouse gets the one inventory reserved at."""
    if result.created and order.warehouse_id is None and result.warehouse_id is not None:
        order.warehouse_id = result.warehouse_id
        order.save(update_fields=["warehouse", "updated_at"])


def order_stock_reserve_for(*, order: Order, actor=None) -> ReserveResult:
    """Reserve the order's lines (what each still ships: units cancelled before shipping are not reserved); an
    order without a warehouse gets the one inventory reserved at."""
    lines = [
        LineDemand(line_id=pk, sku_id=sku_id, quantity=quantity)
        for pk, sku_id, quantity in OrderLine.objects.filter(order=order)
        .annotate(units=F("quantity") - F("cancelled_quantity"))
        .filter(units__gt=0)
        .order_by("pk")
        .values_list("pk", "sku_id", "units")
    ]
    result = order_stock_reserve(
        order_id=order.pk,
        reference=order.number,
        lines=lines,
        warehouse_id=order.warehouse_id,
        presale=PRESALE_TAG in (order.tags or []),
        actor=actor,
        system=SYSTEM,
    )
    if result.ok:
        _warehouse_take(order, result)
    return result


def order_stock_retry(*, order_id: int) -> bool:
    """Try again to reserve an order held out_of_stock; on success it goes back to paid. Idempotent: an
    order no longer held out_of_stock is left alone. Returns True when the order was released."""
    from orders.services import order_transition

    with transaction.atomic():
        order = (
            Order.objects.select_for_update()
            .filter(pk=order_id, status=Status.ON_HOLD, hold_reason=HoldReason.OUT_OF_STOCK)
            .first()
        )
        if order is None:
            return False
        if not order_stock_reserve_for(order=order).ok:
            return False
        order_transition(
            order=order, to_status=Status.PAID, system=SYSTEM, reason=message(gettext_noop("stock arrived: reserved"))
        )
        return True


def orders_held_out_of_stock(*, sku_ids: list[int] | None = None) -> list[int]:
    """Ids of the orders held out_of_stock (wanting one of ``sku_ids``), first paid first."""
    held = Order.objects.filter(status=Status.ON_HOLD, hold_reason=HoldReason.OUT_OF_STOCK)
    if sku_ids:
        held = held.filter(pk__in=OrderLine.objects.filter(sku_id__in=sku_ids).values("order_id"))
    return list(held.order_by(F("paid_at").asc(nulls_last=True), "pk").values_list("pk", flat=True))
