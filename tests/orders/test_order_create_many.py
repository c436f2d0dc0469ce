"""Creating many orders at once: each exactly as order_create would, set-based, invalid ones left out."""

from decimal import Decimal

import pytest

from inventory.models import Reservation, Stock, StockMovement
from inventory.services import stock_receive
from orders.exceptions import DuplicateOrder, OrderInvalid
from orders.models import Order, OrderEvent, OrderLine
from orders.services import LineInput, order_create_many, order_number_allocate
from orders.states import HoldReason, Status
from tests.factories import ShopFactory, SKUFactory, WarehouseFactory, make_order, order_input

pytestmark = pytest.mark.django_db


def test_valid_orders_are_created_and_invalid_ones_are_refused_by_position():
    shop = ShopFactory()
    sku = SKUFactory()
    good = [order_input(skus=[(sku, 2, Decimal("10.00"))]) for _ in range(3)]
    unknown = order_input(skus=[(sku, 1, Decimal("10.00"))])
    unknown.lines.append(LineInput(sku_code="NOPE", quantity=1, unit_price=Decimal("1.00")))
    bad_sum = order_input(skus=[(sku, 1, Decimal("10.00"))], paid_amount=Decimal("9.00"))
    twice = order_input(skus=[(sku, 1, Decimal("10.00"))], external_id=good[0].external_id)

    created = order_create_many(shop=shop, data=[good[0], unknown, good[1], bad_sum, twice, good[2]], system="t")

    assert sorted(created.orders) == [0, 2, 5]
    assert isinstance(created.errors[1], OrderInvalid) and created.errors[1].code == "unknown_sku"
    assert created.errors[1].message == "lines[1].sku：没有编码为 'NOPE' 的 SKU。"
    assert created.errors[3].extra["field"] == "paid_amount"
    assert isinstance(created.errors[4], DuplicateOrder) and "出现两次" in created.errors[4].message
    assert Order.objects.count() == 3
    for index in (0, 2, 5):
        order = created.orders[index]
        assert order.external_id == [good[0], None, good[1], None, None, good[2]][index].external_id
        assert list(order.lines.values_list("sku__code", "quantity")) == [(sku.code, 2)]
        event = order.events.get()
        assert (event.kind, event.to_status, event.system) == (OrderEvent.Kind.CREATED, Status.PENDING_PAYMENT, "t")
    numbers = sorted(order.number for order in created.orders.values())
    assert [int(n[-6:]) for n in numbers] == [1, 2, 3]  # consecutive, in input order


def test_an_order_already_in_the_shop_is_a_duplicate_naming_its_number():
    shop = ShopFactory()
    existing = make_order(shop=shop)
    again = order_input(external_id=existing.external_id)
    created = order_create_many(shop=shop, data=[again])
    assert created.orders == {}
    assert created.errors[0].extra == {"order_number": existing.number, "external_id": existing.external_id}


def test_each_row_gets_its_simple_history_created_record_with_the_same_values():
    shop = ShopFactory()
    created = order_create_many(shop=shop, data=[order_input(), order_input()], system="t")
    for order in created.orders.values():
        record = order.history.get()
        assert record.history_type == "+"
        assert (record.number, record.status, record.paid_amount) == (order.number, order.status, order.paid_amount)
        line = order.lines.get()
        assert line.history.get().quantity == line.quantity
        assert order.events.get().history.get().kind == OrderEvent.Kind.CREATED


def test_numbers_allocated_beforehand_are_used_and_missing_ones_allocated_here():
    shop = ShopFactory()
    (early,) = order_number_allocate(count=1)
    created = order_create_many(shop=shop, data=[order_input(), order_input()], numbers=[early])
    assert [created.orders[0].number, int(created.orders[1].number[-6:])] == [early, 2]


def test_paid_orders_reserve_first_come_first_served_and_the_short_one_is_held():
    warehouse = WarehouseFactory()
    shop = ShopFactory(default_warehouse=warehouse)
    sku, unmanaged = SKUFactory(), SKUFactory()
    stock_receive(warehouse=warehouse, lines=[(sku, 5)], reason="opening")
    data = [
        order_input(skus=[(sku, 2, Decimal("10.00")), (unmanaged, 1, Decimal("1.00"))], status=Status.PAID),
        order_input(skus=[(sku, 2, Decimal("10.00"))], status=Status.PAID),
        order_input(skus=[(sku, 2, Decimal("10.00"))], status=Status.PAID),  # only 1 left: held
        order_input(skus=[(sku, 1, Decimal("10.00"))], status=Status.PAID),  # fits the last one
        order_input(skus=[(sku, 3, Decimal("10.00"))]),  # unpaid: reserves nothing
    ]
    created = order_create_many(shop=shop, data=data, system="t")
    statuses = [Order.objects.get(pk=created.orders[i].pk) for i in range(5)]
    assert [o.status for o in statuses] == [
        Status.PAID,
        Status.PAID,
        Status.ON_HOLD,
        Status.PAID,
        Status.PENDING_PAYMENT,
    ]
    assert statuses[2].hold_reason == HoldReason.OUT_OF_STOCK
    assert "wanted 2, available 1" in statuses[2].hold_note
    stock = Stock.objects.get(sku=sku, warehouse=warehouse)
    assert (stock.on_hand, stock.reserved) == (5, 5)
    reserved = Reservation.objects.filter(state=Reservation.State.ACTIVE)
    assert sorted(reserved.values_list("order_id", "quantity")) == sorted(
        [(statuses[0].pk, 2), (statuses[1].pk, 2), (statuses[3].pk, 1)]
    )
    assert set(reserved.values_list("reference", flat=True)) == {statuses[i].number for i in (0, 1, 3)}
    ledger = StockMovement.objects.filter(kind=StockMovement.Kind.RESERVE)
    assert sorted(ledger.values_list("reference", "reserved_delta")) == sorted(
        [(statuses[0].number, 2), (statuses[1].number, 2), (statuses[3].number, 1)]
    )
    assert OrderLine.objects.filter(sku=unmanaged, order=statuses[0]).get().pk not in set(
        reserved.values_list("order_line_id", flat=True)
    )
