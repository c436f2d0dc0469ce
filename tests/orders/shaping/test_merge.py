"""Merging orders: same buyer, consignee and shop, not shipped; links, platform ids and reservations kept."""

from decimal import Decimal

import pytest

from inventory.models import Reservation, Stock
from orders.models import OrderLink
from orders.review.services import review_hold_manual
from orders.selectors import order_list_for_user
from orders.services import order_transition
from orders.shaping.exceptions import ShapingInvalid
from orders.shaping.merge import order_merge, order_merge_candidates
from orders.shaping.split import order_platform_ids
from orders.states import Status
from tests.factories import SKUFactory, make_order

pytestmark = pytest.mark.django_db
BUYER = {"buyer_id": "tb-buyer-1", "buyer_nick": "小王", "consignee_phone": "13812345678"}


@pytest.fixture
def stocked(world, receive):
    tea, cup = SKUFactory(code="TEA"), SKUFactory(code="CUP")
    receive(tea, world["wh_a"], 10)
    receive(cup, world["wh_a"], 10)
    return tea, cup


def two_orders(world, tea, cup, **fields):
    shop = world["shop_a"]
    first = make_order(
        shop=shop,
        status=Status.PAID,
        skus=[(tea, 2, Decimal("100.00"))],
        external_id="TB-1",
        discount_merchant=Decimal("20.00"),
        shipping_fee=Decimal("8.00"),
        **BUYER,
        **fields,
    )
    second = make_order(
        shop=shop,
        status=Status.PAID,
        skus=[(cup, 1, Decimal("60.00"))],
        external_id="TB-2",
        buyer_remark="送赠品",
        tags=["老客"],
        **BUYER,
        **fields,
    )
    return first, second


def active(order_id):
    return sorted(
        Reservation.objects.filter(order_id=order_id, state="active").values_list("stock__sku__code", "quantity")
    )


def test_merge_moves_lines_amounts_and_reservations_into_the_earliest_order(world, stocked, manager):
    tea, cup = stocked
    first, second = two_orders(world, *stocked)
    assert active(second.pk) == [("CUP", 1)]

    merged = order_merge(order_ids=[second.pk, first.pk], actor=manager, reason="同一买家")

    assert merged.pk == first.pk
    assert sorted(merged.lines.values_list("sku__code", "quantity")) == [("CUP", 1), ("TEA", 2)]
    assert (merged.goods_amount, merged.discount_merchant, merged.shipping_fee, merged.paid_amount) == (
        Decimal("260.00"),
        Decimal("20.00"),
        Decimal("8.00"),
        Decimal("248.00"),
    )
    assert sum(line.discount for line in merged.lines.all()) == Decimal("20.00")  # allocated to the lines
    assert active(first.pk) == [("CUP", 1), ("TEA", 2)] and active(second.pk) == []
    assert Stock.objects.get(sku=cup).reserved == 1  # moved, not released and reserved again
    assert merged.tags == ["老客"] and merged.buyer_remark == "送赠品"

    second.refresh_from_db()
    assert second.status == Status.CANCELLED
    assert second.lines.count() == 1 and second.paid_amount == Decimal("60.00")  # kept for the record
    link = OrderLink.objects.get()
    assert (link.kind, link.from_order, link.to_order, link.platform_ids) == ("merge", second, first, ["TB-2"])
    assert order_platform_ids(merged) == ["TB-1", "TB-2"]


def test_merge_refuses_orders_of_different_buyers_or_addresses(world, stocked):
    tea, cup = stocked
    first = make_order(shop=world["shop_a"], status=Status.PAID, skus=[(tea, 1, Decimal("10.00"))], **BUYER)
    other = make_order(
        shop=world["shop_a"],
        status=Status.PAID,
        skus=[(cup, 1, Decimal("10.00"))],
        **dict(BUYER, consignee_phone="13900000000"),
    )
    with pytest.raises(ShapingInvalid, match="consignee_phone"):
        order_merge(order_ids=[first.pk, other.pk])
    elsewhere = make_order(shop=world["shop_b"], status=Status.PAID, skus=[(cup, 1, Decimal("10.00"))], **BUYER)
    with pytest.raises(ShapingInvalid, match="shop"):
        order_merge(order_ids=[first.pk, elsewhere.pk])


def test_shipped_or_differently_held_orders_do_not_merge(world, stocked, cs_a):
    first, second = two_orders(world, *stocked)
    for status in (Status.APPROVED, Status.PICKING, Status.SHIPPED):
        order_transition(order=second, to_status=status, system="tests")
    with pytest.raises(ShapingInvalid, match="只有已付款、已审核或挂起的订单可以合并"):
        order_merge(order_ids=[first.pk, second.pk])
    third = make_order(shop=world["shop_a"], status=Status.PAID, skus=[(stocked[1], 1, Decimal("1.00"))], **BUYER)
    review_hold_manual(order_id=third.pk, actor=cs_a, reason="x")
    with pytest.raises(ShapingInvalid, match="status"):
        order_merge(order_ids=[first.pk, third.pk])


def test_a_merged_order_is_reviewed_again(world, stocked, publish):
    publish(
        [
            {
                "id": "big",
                "name": "big",
                "when": {"fact": "paid_amount", "op": "gt", "value": "200"},
                "then": [{"action": "require_approval", "role": "主管"}],
            }
        ]
    )
    first, second = two_orders(world, *stocked)
    for order in (first, second):
        order_transition(order=order, to_status=Status.APPROVED, system="tests")
    merged = order_merge(order_ids=[first.pk, second.pk])
    assert merged.status == Status.ON_HOLD and merged.review_tasks.get().approvals.count() == 1


def test_candidates_group_mergeable_orders_the_user_can_see(world, stocked, cs_a, warehouse_b):
    first, second = two_orders(world, *stocked)
    make_order(
        shop=world["shop_a"],
        status=Status.PAID,
        skus=[(stocked[0], 1, Decimal("1.00"))],
        **dict(BUYER, buyer_id="someone-else"),
    )
    groups = order_merge_candidates(order_list_for_user(cs_a))
    assert [[o.pk for o in group] for group in groups] == [[first.pk, second.pk]]
    assert order_merge_candidates(order_list_for_user(warehouse_b)) == []
