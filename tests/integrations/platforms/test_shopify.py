"""Shopify amounts as real shops send them: shipping lines without ``discounted_price``, the canonical
``total_shipping_price_set``, free-shipping codes counted in ``total_discounts``."""

from decimal import Decimal

import pytest

from integrations.models import InboxMessage, WorkStatus
from integrations.platforms import adapter_for
from orders.models import Order
from tests.integrations.helpers import shopify_post, shopify_sample

pytestmark = pytest.mark.django_db


def money(amount: str) -> dict:
    return {
        "shop_money": {"amount": amount, "currency_code": "CNY"},
        "presentment_money": {"amount": amount, "currency_code": "CNY"},
    }


def amounts(order):
    data = order.data
    return (data.goods_amount, data.discount_merchant, data.shipping_fee, data.paid_amount)


def test_shipping_line_with_price_but_no_discounted_price_is_charged_its_price(shopify):
    _headers, body = shopify_sample()
    # Older API versions and some apps send shipping lines without discounted_price.
    body["shipping_lines"] = [{"id": 1, "title": "Standard", "code": "Standard", "price": "10.00"}]
    body["total_price"] = "336.00"  # 356.00 − 30.00 + 10.00

    order = adapter_for("shopify").to_platform_order(body).order

    assert amounts(order) == (Decimal("356.00"), Decimal("30.00"), Decimal("10.00"), Decimal("336.00"))


def test_shipping_line_without_discounted_price_becomes_an_order_not_a_dead_letter(
    client, shopify, django_capture_on_commit_callbacks
):
    _headers, body = shopify_sample()
    body["shipping_lines"] = [{"id": 1, "title": "Standard", "price": "10.00"}]
    body["total_price"] = "336.00"

    with django_capture_on_commit_callbacks(execute=True):
        response = shopify_post(client, shopify.shop.code, body)
    assert response.status_code == 200

    message = InboxMessage.objects.get()
    assert message.status == WorkStatus.DONE, message.last_error
    order = Order.objects.get(shop=shopify.shop, external_id=str(body["id"]))
    assert (order.shipping_fee, order.paid_amount) == (Decimal("10.00"), Decimal("336.00"))


def test_total_shipping_price_set_is_the_shipping_before_discounts(shopify):
    _headers, body = shopify_sample()
    body["total_shipping_price_set"] = money("15.00")
    body["shipping_lines"] = [{"id": 1, "title": "SF", "price": "15.00"}, {"id": 2, "title": "Insurance"}]

    order = adapter_for("shopify").to_platform_order(body).order

    # The canonical total wins over lines that do not all carry a price.
    assert amounts(order) == (Decimal("356.00"), Decimal("30.00"), Decimal("15.00"), Decimal("341.00"))


def test_free_shipping_code_is_kept_off_the_goods_discount(shopify):
    _headers, body = shopify_sample()
    body["discount_codes"].append({"code": "FREESHIP", "amount": "15.00", "type": "shipping"})
    body["total_discounts"] = "45.00"  # 30.00 on the goods + 15.00 on shipping
    body["total_price"] = "326.00"
    body["total_shipping_price_set"] = money("15.00")
    body["shipping_lines"] = [
        {
            "id": 1,
            "title": "SF Express",
            "price": "15.00",
            "discounted_price": "0.00",
            "discount_allocations": [{"amount": "15.00", "discount_application_index": 1}],
        }
    ]

    order = adapter_for("shopify").to_platform_order(body).order

    assert amounts(order) == (Decimal("356.00"), Decimal("30.00"), Decimal("0.00"), Decimal("326.00"))
    assert sum(line.discount for line in order.data.lines) == Decimal("30.00")


def test_shipping_with_neither_total_nor_prices_names_the_shipping_line(shopify):
    from integrations.exceptions import PayloadInvalid

    _headers, body = shopify_sample()
    body["shipping_lines"] = [{"id": 1, "title": "SF", "price": "15.00"}, {"id": 2, "title": "Insurance"}]

    with pytest.raises(PayloadInvalid) as caught:
        adapter_for("shopify").to_platform_order(body)

    assert caught.value.extra["path"] == "shipping_lines[1].price"
    assert "shipping_lines[1].price 没有值" in caught.value.message


def test_a_tip_is_refused_by_name_instead_of_a_paid_amount_that_does_not_add_up(shopify):
    from integrations.exceptions import PayloadInvalid

    _headers, body = shopify_sample()
    body.update(total_tip_received="10.00", total_price="351.00")

    with pytest.raises(PayloadInvalid) as caught:
        adapter_for("shopify").to_platform_order(body)

    assert caught.value.message.startswith("total_tip_received：10.00 的小费包含在 total_price 中")
