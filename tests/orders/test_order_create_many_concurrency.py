"""Batches of new paid orders created at the same moment on PostgreSQL, with real threads: their SKUs in
opposite orders, more demand than stock. No deadlock, no oversell, every reservation on the ledger."""

from decimal import Decimal

import pytest

from inventory.models import Reservation, Stock, StockMovement
from inventory.services import stock_receive
from orders.models import Order
from orders.services import order_create_many
from orders.states import HoldReason, Status
from tests.concurrency import run_together
from tests.factories import ShopFactory, SKUFactory, WarehouseFactory, order_input

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_parallel_batches_neither_deadlock_nor_oversell():
    warehouse = WarehouseFactory()
    shop = ShopFactory(default_warehouse=warehouse)
    skus = [SKUFactory() for _ in range(4)]
    stock_receive(warehouse=warehouse, lines=[(sku, 30) for sku in skus], reason="opening")

    def batch(order_of_skus):
        # 20 orders, each wanting 1 of every SKU, lines listed in this batch's own SKU order.
        return [
            order_input(skus=[(sku, 1, Decimal("5.00")) for sku in order_of_skus], status=Status.PAID)
            for _ in range(20)
        ]

    batches = [batch(skus), batch(list(reversed(skus))), batch(skus[1:] + skus[:1])]

    def work(data):
        for start in range(0, len(data), 5):  # several transactions each, interleaving with the others
            order_create_many(shop=shop, data=data[start : start + 5], system="t")

    _results, errors = run_together([lambda data=data: work(data) for data in batches])

    assert errors == []
    assert Order.objects.count() == 60
    paid = Order.objects.filter(status=Status.PAID)
    held = Order.objects.filter(status=Status.ON_HOLD, hold_reason=HoldReason.OUT_OF_STOCK)
    assert paid.count() == 30 and held.count() == 30  # 30 of each SKU, one per order: 30 orders fit
    for stock in Stock.objects.filter(sku__in=skus):
        assert (stock.on_hand, stock.reserved) == (30, 30)
        active = Reservation.objects.filter(stock=stock, state=Reservation.State.ACTIVE)
        assert sum(active.values_list("quantity", flat=True)) == 30
        ledger = StockMovement.objects.filter(kind=StockMovement.Kind.RESERVE, sku=stock.sku)
        assert sum(ledger.values_list("reserved_delta", flat=True)) == 30
    assert set(Reservation.objects.values_list("order_id", flat=True)) == set(paid.values_list("pk", flat=True))
