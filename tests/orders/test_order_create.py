from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import translation

from orders.exceptions import DuplicateOrder, OrderInvalid
from orders.models import Order, OrderEvent, Source
from orders.services import LineInput, order_create
from orders.states import Status
from tests.factories import ShopFactory, SKUFactory, make_order, order_input

pytestmark = pytest.mark.django_db


def test_order_totals_are_computed_from_lines_when_not_given():
    a, b = SKUFactory(), SKUFactory()
    order = make_order(
        skus=[(a, 2, Decimal("50.00")), (b, 1, Decimal("19.90"))],
        discount_platform=Decimal("5.00"),
        discount_merchant=Decimal("10.00"),
        shipping_fee=Decimal("8.00"),
    )
    assert order.goods_amount == Decimal("119.90")
    assert order.paid_amount == Decimal("112.90")
    assert order.currency == "CNY"
    assert [(line.sku.code, line.quantity) for line in order.lines.all()] == [(a.code, 2), (b.code, 1)]


def test_created_order_has_a_creation_event_and_ships_from_the_shops_default_warehouse(world):
    order = make_order(shop=world["shop_b"], status=Status.PAID)
    event = order.events.get()
    assert (event.kind, event.to_status, event.system) == (OrderEvent.Kind.CREATED, Status.PAID, "tests")
    assert order.warehouse == world["wh_b"]
    assert order.promised_ship_at - order.paid_at == __import__("datetime").timedelta(hours=48)


def test_paid_amount_that_does_not_add_up_is_refused_with_the_sum():
    data = order_input(skus=[(SKUFactory(), 1, Decimal("100.00"))], paid_amount=Decimal("95.00"))
    with pytest.raises(OrderInvalid) as excinfo:
        order_create(shop=ShopFactory(), data=data)
    assert excinfo.value.extra["field"] == "paid_amount"
    assert "100.00" in excinfo.value.message and "95.00" in excinfo.value.message
    assert not Order.objects.exists()


def test_unknown_sku_names_the_line():
    data = order_input()
    data.lines.append(LineInput(sku_code="NOPE", quantity=1, unit_price=Decimal("1.00")))
    with pytest.raises(OrderInvalid) as excinfo:
        order_create(shop=ShopFactory(), data=data)
    assert excinfo.value.code == "unknown_sku"
    assert excinfo.value.message == "lines[1].sku：没有编码为 'NOPE' 的 SKU。"


@pytest.mark.parametrize(
    ("line", "message"),
    [
        (dict(quantity=0), "lines[0].quantity：0 至少为 1。"),
        (dict(unit_price=Decimal("-1.00")), "lines[0].unit_price：-1.00 为负数。"),
        (dict(unit_price=Decimal("1.001")), "lines[0].unit_price：1.001 超过两位小数。"),
        (dict(discount=Decimal("200.00")), "lines[0].discount：200.00 超过该行金额 99.00。"),
    ],
)
def test_bad_lines_are_refused_precisely(line, message):
    data = order_input()
    for key, value in line.items():
        setattr(data.lines[0], key, value)
    with pytest.raises(OrderInvalid) as excinfo:
        order_create(shop=ShopFactory(), data=data)
    assert excinfo.value.message == message


def test_float_amounts_are_refused():
    data = order_input(shipping_fee=8.0)
    with pytest.raises(OrderInvalid, match="shipping_fee：金额必须是 Decimal"):
        order_create(shop=ShopFactory(), data=data)


def test_paid_order_needs_payment_time_and_start_status_is_limited():
    with pytest.raises(OrderInvalid, match="paid_at"):
        order_create(shop=ShopFactory(), data=order_input(status=Status.PAID, paid_at=None))
    with pytest.raises(OrderInvalid, match="status"):
        order_create(shop=ShopFactory(), data=order_input(status=Status.SHIPPED))


def test_same_platform_order_id_in_one_shop_is_a_duplicate_but_other_shops_may_reuse_it():
    shop = ShopFactory()
    first = make_order(shop=shop, external_id="T1001")
    with pytest.raises(DuplicateOrder) as excinfo:
        make_order(shop=shop, external_id="T1001")
    assert excinfo.value.extra["order_number"] == first.number
    other = make_order(shop=ShopFactory(), external_id="T1001")
    assert other.number != first.number


def test_database_refuses_a_hold_without_a_reason():
    from django.db import IntegrityError, transaction

    order = make_order()
    with pytest.raises(IntegrityError), transaction.atomic():
        Order.objects.filter(pk=order.pk).update(status=Status.ON_HOLD, hold_reason="")


def test_the_creation_reason_reads_in_each_readers_language_on_the_order_page(world, manager):
    with translation.override("zh-hans"):
        order = make_order(shop=world["shop_a"], source=Source.WEBHOOK)
    event = order.events.get()
    assert event.reason == "source=webhook"  # stored in English

    chinese = Client(headers={"accept-language": "zh-hans"})
    chinese.force_login(manager)
    english = Client(headers={"accept-language": "en"})
    english.force_login(manager)
    assert "来源：平台推送" in chinese.get(reverse("order-detail", args=[order.number])).content.decode()
    assert "source=webhook" in english.get(reverse("order-detail", args=[order.number])).content.decode()


def test_a_creation_reason_written_before_reasons_were_messages_reads_in_the_readers_language(world):
    order = make_order(shop=world["shop_a"])
    OrderEvent.objects.filter(order=order).update(reason="source=poll", data={})
    event = order.events.get()

    with translation.override("zh-hans"):
        assert event.reason_display == "来源：平台拉取"
    with translation.override("en"):
        assert event.reason_display == "source=poll"
