"""Facts read from real orders, including the buyer's history by phone."""

import datetime as dt
from decimal import Decimal

import pytest

from aftersales.services import refund_record
from orders.rules.facts import history_for_orders, order_facts
from orders.states import Status
from tests.factories import SKUFactory, make_order


@pytest.mark.django_db
def test_facts_of_an_order(world):
    fragile = SKUFactory(code="CUP-1", is_fragile=True, category="茶具")
    cold = SKUFactory(code="ICE-1", is_cold_chain=True)
    order = make_order(
        shop=world["shop_a"],
        status=Status.PAID,
        skus=[(fragile, 2, Decimal("300.00")), (cold, 1, Decimal("50.00"))],
        discount_merchant=Decimal("65.00"),
        buyer_level=3,
        buyer_remark="赠品请多放一个",
        seller_memo="已电话确认",
        province="新疆维吾尔自治区",
        city="乌鲁木齐市",
        district="天山区",
        address="快递柜代收",
        payment_method="Alipay",
        tags=["老客"],
    )
    facts = order_facts(order, list(order.lines.select_related("sku")))
    assert facts["paid_amount"] == Decimal("585.00")
    assert facts["goods_amount"] == Decimal("650.00")
    assert facts["discount_total"] == Decimal("65.00")
    assert facts["discount_percent"] == 10
    assert facts["shop"] == "shop-a" and facts["platform"] == "tmall"
    assert facts["buyer_level"] == 3
    assert facts["province"] == "新疆"
    assert "快递柜代收" in facts["address"] and facts["address"].startswith("新疆维吾尔自治区乌鲁木齐市")
    assert facts["remarks"] == "赠品请多放一个\n已电话确认"
    assert facts["payment_method"] == "alipay"
    assert facts["line_count"] == 2 and facts["item_count"] == 3
    assert facts["has_fragile"] and facts["has_cold_chain"] and not facts["has_presale"]
    assert facts["sku_codes"] == {"cup-1", "ice-1"}
    assert facts["categories"] == {"茶具"}
    assert facts["tags"] == {"老客"}
    assert facts["country"] == "cn" and facts["is_cross_border"] is False


@pytest.mark.django_db
def test_phone_history_counts_other_orders_and_refunds_in_the_window(world, clock):
    phone = "13900001111"
    old = make_order(shop=world["shop_a"], consignee_phone=phone, placed_at=clock.now - dt.timedelta(days=40))
    week = make_order(shop=world["shop_b"], consignee_phone=phone, placed_at=clock.now - dt.timedelta(days=6))
    make_order(shop=world["shop_a"], consignee_phone="13700000000", placed_at=clock.now - dt.timedelta(days=1))
    masked = make_order(shop=world["shop_a"], consignee_phone="139****1111", placed_at=clock.now)
    order = make_order(shop=world["shop_a"], consignee_phone=phone, placed_at=clock.now)
    later = make_order(shop=world["shop_a"], consignee_phone=phone, placed_at=clock.now + dt.timedelta(days=1))
    refund_record(order=week, amount=Decimal("10.00"), external_id="R1", requested_at=clock.now - dt.timedelta(days=5))
    refund_record(order=old, amount=Decimal("10.00"), external_id="R2", requested_at=clock.now - dt.timedelta(days=39))

    keys = ["phone_orders:7", "phone_orders:60", "phone_returns:30", "phone_returns:90"]
    history = history_for_orders([order, masked, later], keys)

    assert history[order.pk] == {
        "phone_orders:7": 1,
        "phone_orders:60": 2,
        "phone_returns:30": 1,
        "phone_returns:90": 2,
    }
    assert history[later.pk]["phone_orders:7"] == 2  # the 6-days-old one and ``order``; not itself
    assert history[masked.pk] == dict.fromkeys(keys, 0)


@pytest.mark.django_db
def test_history_for_many_orders_takes_a_fixed_number_of_queries(world, django_assert_num_queries):
    orders = [make_order(shop=world["shop_a"], consignee_phone=f"1380000{i:04d}") for i in range(30)]
    with django_assert_num_queries(2):
        history_for_orders(orders, ["phone_orders:30", "phone_returns:30"])
