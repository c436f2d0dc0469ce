"""Splitting orders: manual (whole or part lines), presale vs spot, by warehouse availability."""

from decimal import Decimal

import pytest
from django.utils import translation

from inventory.models import Pool, Reservation, Stock
from inventory.services import stock_rows_ensure
from orders.models import Order, OrderLink
from orders.shaping.exceptions import ShapingInvalid
from orders.shaping.split import (
    order_platform_ids,
    order_split,
    order_split_by_availability,
    order_split_presale,
)
from orders.states import HoldReason, Status
from tests.factories import SKUFactory, make_order

pytestmark = pytest.mark.django_db


def active(order_id):
    return sorted(
        Reservation.objects.filter(order_id=order_id, state="active").values_list(
            "stock__sku__code", "stock__warehouse__code", "stock__pool", "quantity"
        )
    )


@pytest.fixture
def order(world, receive):
    tea, cup = SKUFactory(code="TEA"), SKUFactory(code="CUP")
    receive(tea, world["wh_a"], 10)
    receive(cup, world["wh_a"], 10)
    return make_order(
        shop=world["shop_a"],
        status=Status.PAID,
        external_id="TB-100",
        skus=[(tea, 3, Decimal("100.00")), (cup, 1, Decimal("50.00"))],
        discount_platform=Decimal("35.00"),
        discount_merchant=Decimal("35.00"),
        shipping_fee=Decimal("10.00"),
    )


def test_a_manual_split_moves_part_of_a_line_with_its_reservation_and_discount(order, manager):
    tea = order.lines.get(sku__code="TEA")

    child = order_split(order_id=order.pk, parts={tea.pk: 2}, actor=manager, reason="先发两盒")

    order.refresh_from_db()
    assert child.number != order.number and child.external_id == ""
    assert list(child.lines.values_list("sku__code", "quantity", "discount")) == [("TEA", 2, Decimal("40.00"))]
    assert sorted(order.lines.values_list("sku__code", "quantity", "discount")) == [
        ("CUP", 1, Decimal("10.00")),
        ("TEA", 1, Decimal("20.00")),
    ]
    # amounts: each order adds up; together they are the original
    for o in (order, child):
        assert o.paid_amount == o.goods_amount - o.discount_platform - o.discount_merchant + o.shipping_fee
    assert order.paid_amount + child.paid_amount == Decimal("290.00")
    assert (child.discount_platform + child.discount_merchant, child.shipping_fee) == (Decimal("40.00"), 0)
    # the reservations followed the units
    assert active(child.pk) == [("TEA", "wh-a", "spot", 2)]
    assert active(order.pk) == [("CUP", "wh-a", "spot", 1), ("TEA", "wh-a", "spot", 1)]
    assert Stock.objects.get(sku__code="TEA").reserved == 3
    # links and platform ids
    link = OrderLink.objects.get()
    assert (link.kind, link.from_order_id, link.to_order_id, link.platform_ids) == (
        "split",
        order.pk,
        child.pk,
        ["TB-100"],
    )
    assert order_platform_ids(child) == ["TB-100"]
    created = child.events.get(kind="created")
    assert created.reason == f"split from {order.number}: 先发两盒"
    with translation.override("zh-hans"):  # the same row, for a reader in Chinese
        assert created.reason_display == f"拆分自 {order.number}：先发两盒"
        moved = order.events.get(data__change="split").reason_display
        assert moved == f"拆单：1 行移至 {child.number}：先发两盒"


def test_a_split_child_of_a_paid_order_is_reviewed(order):
    child = order_split(order_id=order.pk, parts={order.lines.get(sku__code="CUP").pk: 1})
    assert child.status == Status.APPROVED and hasattr(child, "rule_result")


def test_a_split_must_leave_something_and_take_something(order):
    tea, cup = order.lines.get(sku__code="TEA"), order.lines.get(sku__code="CUP")
    with pytest.raises(ShapingInvalid, match="至少要保留一件商品"):
        order_split(order_id=order.pk, parts={tea.pk: 3, cup.pk: 1})
    with pytest.raises(ShapingInvalid, match="不能拆出"):
        order_split(order_id=order.pk, parts={tea.pk: 4})
    with pytest.raises(ShapingInvalid, match="不是订单"):
        order_split(order_id=order.pk, parts={999999: 1})
    with pytest.raises(ShapingInvalid):
        order_split(order_id=order.pk, parts={})


def test_reserved_units_cannot_be_sent_to_another_warehouse(order, world):
    with pytest.raises(ShapingInvalid, match="占用在 wh-a"):
        order_split(order_id=order.pk, parts={order.lines.get(sku__code="CUP").pk: 1}, warehouse=world["wh_b"])


def test_presale_lines_are_split_from_spot_lines_keeping_their_pools(world, receive):
    spot, pre = SKUFactory(code="SPOT"), SKUFactory(code="PRE", is_presale=True)
    receive(spot, world["wh_a"], 5)
    receive(pre, world["wh_a"], 5, pool=Pool.PRESALE)
    order = make_order(
        shop=world["shop_a"], status=Status.PAID, skus=[(spot, 1, Decimal("20.00")), (pre, 2, Decimal("30.00"))]
    )
    assert active(order.pk) == [("PRE", "wh-a", "presale", 2), ("SPOT", "wh-a", "spot", 1)]

    child = order_split_presale(order_id=order.pk)

    assert active(child.pk) == [("PRE", "wh-a", "presale", 2)]
    assert active(order.pk) == [("SPOT", "wh-a", "spot", 1)]
    assert order_split_presale(order_id=child.pk) is None  # nothing left to separate


def test_an_out_of_stock_order_is_split_by_where_the_stock_is(world, receive):
    tea, cup = SKUFactory(code="TEA"), SKUFactory(code="CUP")
    receive(tea, world["wh_a"], 5)
    receive(cup, world["wh_b"], 5)
    order = make_order(
        shop=world["shop_a"], status=Status.PAID, skus=[(tea, 2, Decimal("100.00")), (cup, 1, Decimal("50.00"))]
    )
    assert (order.status, order.hold_reason) == (Status.ON_HOLD, HoldReason.OUT_OF_STOCK)

    (child,) = order_split_by_availability(order_id=order.pk)

    order.refresh_from_db()
    child.refresh_from_db()
    assert (order.warehouse, child.warehouse) == (world["wh_a"], world["wh_b"])
    assert active(order.pk) == [("TEA", "wh-a", "spot", 2)]
    assert active(child.pk) == [("CUP", "wh-b", "spot", 1)]
    assert order.status == child.status == Status.APPROVED  # reserved, then reviewed by the rules


def test_lines_no_location_can_fill_stay_out_of_stock(world, receive):
    tea, cup = SKUFactory(code="TEA"), SKUFactory(code="CUP")
    receive(tea, world["wh_b"], 5)
    stock_rows_ensure([(cup.pk, world["wh_a"].pk, Pool.SPOT)])  # stock-managed, none on hand
    order = make_order(
        shop=world["shop_a"], status=Status.PAID, skus=[(tea, 2, Decimal("100.00")), (cup, 1, Decimal("50.00"))]
    )

    (child,) = order_split_by_availability(order_id=order.pk)

    order.refresh_from_db()
    assert (order.status, order.hold_reason) == (Status.ON_HOLD, HoldReason.OUT_OF_STOCK)
    assert list(order.lines.values_list("sku__code", flat=True)) == ["CUP"]
    assert active(child.pk) == [("TEA", "wh-b", "spot", 2)]


def test_orders_holding_their_stock_are_not_split_by_availability(order):
    with pytest.raises(ShapingInvalid, match="没有因缺货挂起"):
        order_split_by_availability(order_id=order.pk)
    assert Order.objects.count() == 1
