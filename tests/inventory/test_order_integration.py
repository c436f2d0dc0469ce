"""Orders and stock together: paying reserves, short stock holds, arrivals release holds first paid first
served, cancel releases, shipping consumes — each step idempotent."""

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone, translation

from inventory.exceptions import InsufficientStock
from inventory.models import Pool, Reservation, Stock, StockMovement
from inventory.services import stock_adjust, stock_receive, stock_transfer
from orders.models import Order
from orders.services import order_transition
from orders.states import RESERVING, HoldReason, Status
from tests.factories import make_order

pytestmark = pytest.mark.django_db
PRICE = Decimal("10.00")


def level(sku, warehouse, pool=Pool.SPOT):
    row = Stock.objects.get(sku=sku, warehouse=warehouse, pool=pool)
    return row.on_hand, row.reserved


def pending(world, *lines, shop="shop_a", **kwargs):
    return make_order(shop=world[shop], skus=[(sku, q, PRICE) for sku, q in lines], **kwargs)


def pay(order, minutes_ago=0):
    return order_transition(
        order=order, to_status=Status.PAID, system="tests", at=timezone.now() - dt.timedelta(minutes=minutes_ago)
    )


def state(order):
    order.refresh_from_db()
    return order.status, order.hold_reason


def reserved(order):
    """Out of the out-of-stock hold (paid, or approved by the automatic review) and holding its stock."""
    status, hold = state(order)
    active = Reservation.objects.filter(order_id=order.pk, state="active").exists()
    return status in RESERVING and not hold and active


def test_paying_an_order_reserves_its_lines(world, receive):
    sku1, sku2, _ = world["skus"]
    receive(sku1, world["wh_a"], 5)
    receive(sku2, world["wh_a"], 5)
    order = pending(world, (sku1, 2), (sku2, 1))

    pay(order)

    assert state(order) == (Status.PAID, "")
    assert level(sku1, world["wh_a"]) == (5, 2)
    assert level(sku2, world["wh_a"]) == (5, 1)
    assert set(Reservation.objects.values_list("order_id", "reference")) == {(order.pk, order.number)}


def test_an_order_created_paid_reserves_at_once(world, receive):
    sku = world["skus"][0]
    receive(sku, world["wh_a"], 5)
    order = pending(world, (sku, 3), status=Status.PAID)
    assert state(order) == (Status.PAID, "")
    assert level(sku, world["wh_a"]) == (5, 3)


def test_short_stock_puts_the_order_on_hold_out_of_stock_and_reserves_nothing(world, receive):
    sku1, sku2, _ = world["skus"]
    receive(sku1, world["wh_a"], 5)
    receive(sku2, world["wh_a"], 1)
    order = pending(world, (sku1, 2), (sku2, 2))

    pay(order)

    assert state(order) == (Status.ON_HOLD, HoldReason.OUT_OF_STOCK)
    assert f"{sku2.code} (spot): wanted 2, available 1" in order.hold_note
    assert level(sku1, world["wh_a"]) == (5, 0)
    moves = list(order.events.filter(kind="transition").values_list("from_status", "to_status", "system"))
    assert moves == [(Status.PENDING_PAYMENT, Status.PAID, "tests"), (Status.PAID, Status.ON_HOLD, "inventory")]


@pytest.mark.parametrize("writer", ["zh-hans", "en"])
def test_what_is_short_reads_in_each_readers_language(world, receive, writer):
    """The hold note and the timeline say what is short as part of their message: each reader sees it in their
    language, whatever language the order was paid in; a row written before (English only) reads so too."""
    sku1, sku2, _ = world["skus"]
    receive(sku1, world["wh_a"], 1)
    receive(sku2, world["wh_a"], 1)
    order = pending(world, (sku1, 2), (sku2, 3))
    with translation.override(writer):
        pay(order)
    order.refresh_from_db()
    hold = order.events.get(to_status=Status.ON_HOLD)
    english = f"out of stock: {sku1.code} (spot): wanted 2, available 1; {sku2.code} (spot): wanted 3, available 1"
    chinese = f"缺货：{sku1.code}（spot）：需要 2，可用 1；{sku2.code}（spot）：需要 3，可用 1"
    assert (order.hold_note, hold.reason) == (english, english)  # stored in English: searchable
    for language, shown in (("en", english), ("zh-hans", chinese)):
        with translation.override(language):
            assert (order.hold_note_display, hold.reason_display) == (shown, shown)

    Order.objects.filter(pk=order.pk).update(hold_note_message=None)  # rows written before: the English text only
    order.refresh_from_db()
    hold.data = {name: value for name, value in hold.data.items() if name != "reason_message"}
    with translation.override("zh-hans"):
        assert (order.hold_note_display, hold.reason_display) == (chinese, chinese)


def test_arriving_stock_reserves_held_orders_first_paid_first_served(world, django_capture_on_commit_callbacks):
    sku = world["skus"][0]
    stock_receive(warehouse=world["wh_a"], lines=[(sku, 1)], reference="PO-0")
    first_in = pending(world, (sku, 1))
    late = pending(world, (sku, 2))
    early = pending(world, (sku, 2))
    small = pending(world, (sku, 1))
    pay(first_in, minutes_ago=60)  # takes the only unit
    pay(late, minutes_ago=10)
    pay(early, minutes_ago=30)
    pay(small, minutes_ago=5)
    assert [state(o)[0] for o in (first_in, late, early, small)] == [Status.PAID] + [Status.ON_HOLD] * 3

    with django_capture_on_commit_callbacks(execute=True):
        stock_receive(warehouse=world["wh_a"], lines=[(sku, 3)], reference="PO-1")

    # 3 units: early (paid 30 min ago) gets 2, late (10 min ago) cannot get 2, small gets the last one.
    # Released orders are paid again, and the automatic review (orders.rules, run after commit) approves them.
    assert reserved(early)
    assert state(late) == (Status.ON_HOLD, HoldReason.OUT_OF_STOCK)
    assert reserved(small)
    assert level(sku, world["wh_a"]) == (4, 4)
    event = early.events.filter(kind="transition", to_status=Status.PAID).last()
    assert (event.system, event.reason) == ("inventory", "stock arrived: reserved")


@pytest.mark.parametrize("arrival", ["adjustment", "transfer", "cancellation"])
def test_other_arrivals_also_release_held_orders(world, receive, arrival, django_capture_on_commit_callbacks):
    sku = world["skus"][0]
    receive(sku, world["wh_a"], 1)
    receive(sku, world["wh_b"], 1)
    holder = pending(world, (sku, 1))
    pay(holder, minutes_ago=20)
    waiting = pending(world, (sku, 1))
    pay(waiting)
    assert state(waiting)[0] == Status.ON_HOLD

    with django_capture_on_commit_callbacks(execute=True):
        if arrival == "adjustment":
            stock_adjust(sku=sku, warehouse=world["wh_a"], quantity=1, reason="found")
        elif arrival == "transfer":
            stock_transfer(from_warehouse=world["wh_b"], to_warehouse=world["wh_a"], lines=[(sku, 1)], reason="move")
        else:
            order_transition(order=holder, to_status=Status.CANCELLED, system="platform")

    # Released (paid again), then approved by the automatic review that runs after commit.
    assert reserved(waiting)


def test_cancel_releases_and_repeating_it_changes_nothing(world, receive):
    sku = world["skus"][0]
    receive(sku, world["wh_a"], 5)
    order = pending(world, (sku, 2))
    pay(order)

    order_transition(order=order, to_status=Status.CANCELLED, system="platform")
    order_transition(order=order, to_status=Status.CANCELLED, system="platform")

    assert level(sku, world["wh_a"]) == (5, 0)
    assert StockMovement.objects.filter(kind="release").count() == 1
    released = StockMovement.objects.get(kind="release")
    with translation.override("zh-hans"):
        assert released.reason_display == "订单已取消"
    with translation.override("en"):
        assert released.reason_display == "order cancelled"


def test_closing_an_unshipped_order_releases(world, receive):
    sku = world["skus"][0]
    receive(sku, world["wh_a"], 5)
    order = pending(world, (sku, 2))
    pay(order)
    order_transition(order=order, to_status=Status.CLOSED, system="platform")
    assert level(sku, world["wh_a"]) == (5, 0)


def test_shipping_consumes_the_reservation_once(world, receive):
    sku = world["skus"][0]
    receive(sku, world["wh_a"], 5)
    order = pending(world, (sku, 2))
    pay(order)
    for status in (Status.APPROVED, Status.PICKING, Status.SHIPPED, Status.SHIPPED):
        order_transition(order=order, to_status=status, system="tests")

    assert level(sku, world["wh_a"]) == (3, 0)
    assert StockMovement.objects.filter(kind="ship", reference=order.number).count() == 1
    shipped = StockMovement.objects.get(kind="ship")
    with translation.override("zh-hans"):
        assert shipped.reason_display == "订单已发货"
    with translation.override("en"):
        assert shipped.reason_display == "order shipped"
    assert set(Reservation.objects.values_list("state", flat=True)) == {"consumed"}

    order_transition(order=order, to_status=Status.CLOSED, system="refund")  # fully refunded after shipping
    assert level(sku, world["wh_a"]) == (3, 0)


def test_paying_twice_reserves_once(world, receive):
    sku = world["skus"][0]
    receive(sku, world["wh_a"], 5)
    order = pending(world, (sku, 2))
    pay(order)
    order_transition(order=order, to_status=Status.ON_HOLD, hold_reason=HoldReason.RISK, system="review")
    pay(order)  # back from the risk hold: the reservation was kept
    assert level(sku, world["wh_a"]) == (5, 2)
    assert Reservation.objects.count() == 1


def test_a_held_out_of_stock_order_cannot_be_approved_without_stock(world, receive):
    sku = world["skus"][0]
    receive(sku, world["wh_a"], 1)
    order = pending(world, (sku, 2))
    pay(order)

    with pytest.raises(InsufficientStock, match="不能审核"):
        order_transition(order=order, to_status=Status.APPROVED, system="review")


def test_an_order_without_a_warehouse_gets_the_one_it_reserved_at(world, receive):
    sku = world["skus"][0]
    receive(sku, world["wh_b"], 5)
    order = make_order(skus=[(sku, 1, PRICE)])  # a shop with no default warehouse
    assert order.warehouse_id is None

    pay(order)

    assert Order.objects.get(pk=order.pk).warehouse_id == world["wh_b"].pk
    assert order.warehouse_id == world["wh_b"].pk


def test_orders_tagged_presale_reserve_from_the_presale_pool(world, receive):
    sku = world["skus"][0]
    receive(sku, world["wh_a"], 5)
    receive(sku, world["wh_a"], 2, Pool.PRESALE)
    order = pending(world, (sku, 2), tags=["presale"])
    pay(order)
    assert level(sku, world["wh_a"], Pool.PRESALE) == (2, 2)
    assert level(sku, world["wh_a"]) == (5, 0)


def test_orders_for_skus_that_are_not_stock_managed_pass(world):
    order = pending(world, (world["skus"][0], 1))
    pay(order)
    assert state(order) == (Status.PAID, "")
    assert not Reservation.objects.exists()
