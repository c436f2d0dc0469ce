"""What a load run must never do, counted the same way by the fault drill and the peak simulator: compare the
platform order ids that were pushed with the order rows in the database (lost, duplicated) and the stock rows
with the reservations held on them (oversold)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import asdict, dataclass


@dataclass(frozen=True)
class Invariants:
    sent: int  # distinct platform orders pushed
    stored: int  # of those, how many are order rows
    lost: int  # pushed, but no order row
    duplicated: int  # order rows beyond one per platform order, and order lines holding more than they ask
    oversold: int  # stock rows reserved beyond on hand, negative on hand, or held by reservations beyond on hand
    oversold_units: int
    ledger_mismatches: int  # stock rows whose levels differ from their ledger or their active reservations

    def as_json(self) -> dict[str, int]:
        return asdict(self)

    @property
    def broken(self) -> bool:
        return bool(self.lost or self.duplicated or self.oversold)


def invariants_count(*, sent: Iterable[tuple[str, str]], shops: list, warehouses: list) -> Invariants:
    """``sent``: (platform, platform order id) of every order pushed to ``shops``; stock is checked in
    ``warehouses``."""
    from django.db.models import F, Sum

    from inventory.models import Reservation, Stock
    from inventory.selectors import stock_ledger_mismatches
    from orders.models import Order, OrderLine

    sent = set(sent)
    rows = list(Order.objects.filter(shop__in=shops).values_list("shop__platform", "external_id"))
    stored = set(rows)
    lines = dict(OrderLine.objects.filter(order__shop__in=shops).values_list("pk", "quantity"))
    held = (
        Reservation.objects.filter(order_line_id__in=list(lines), state=Reservation.State.ACTIVE)
        .values_list("order_line_id")
        .annotate(units=Sum("quantity"))
    )
    over_reserved_lines = sum(units > lines[line_id] for line_id, units in held)
    stocks = Stock.objects.filter(warehouse__in=warehouses)
    counter_over = stocks.filter(reserved__gt=F("on_hand")).count() + stocks.filter(on_hand__lt=0).count()
    beyond = (
        Reservation.objects.filter(state=Reservation.State.ACTIVE, stock__warehouse__in=warehouses)
        .values("stock")
        .annotate(held=Sum("quantity"), on_hand=F("stock__on_hand"))
        .filter(held__gt=F("on_hand"))
        .values_list("held", "on_hand")
    )
    units = sum(held_units - on_hand for held_units, on_hand in beyond)
    stock_ids = list(stocks.values_list("sku_id", flat=True))
    return Invariants(
        sent=len(sent),
        stored=len(stored & sent),
        lost=len(sent - stored),
        duplicated=len(rows) - len(stored) + over_reserved_lines,
        oversold=counter_over + len(beyond),
        oversold_units=units,
        ledger_mismatches=len(stock_ledger_mismatches(sku_ids=stock_ids)),
    )
