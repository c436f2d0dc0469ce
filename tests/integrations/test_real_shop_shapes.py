"""What real shops send beyond the samples: guest checkouts, nulls, discounts spread over lines, items
without SKUs, codes sent as strings. Each must map to the order it means."""

from decimal import Decimal

import pytest

from integrations.exceptions import PayloadInvalid
from integrations.platforms import adapter_for
from orders.services import order_validate
from orders.states import Status
from tests.integrations.helpers import shopify_sample
from tests.integrations.test_payload_variations import _douyin, _jd, _pdd, _taobao

pytestmark = pytest.mark.django_db


def totals(order):
    goods, paid = order_validate(order.data)
    data = order.data
    return (goods, data.discount_platform + data.discount_merchant, data.shipping_fee, paid)


# --- Shopify -----------------------------------------------------------------------------------------------


def test_shopify_guest_checkout_with_null_note_phone_and_email_maps(shopify):
    _headers, body = shopify_sample()
    body.pop("customer")  # a guest checkout has no customer
    body.update(email=None, contact_email=None, note=None, phone=None, tags="")
    body["shipping_address"]["phone"] = None
    body["billing_address"] = None

    order = adapter_for("shopify").to_platform_order(body).order

    data = order.data
    assert (data.buyer_id, data.buyer_nick, data.buyer_remark, data.consignee_phone) == ("", "", "", "")
    assert data.buyer_email == ""
    assert (data.consignee_name, data.city) == ("Ava Lin", "Wan Chai")
    assert totals(order) == (Decimal("356.00"), Decimal("30.00"), Decimal("15.00"), Decimal("341.00"))


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ({}, "ava.l@example.com"),
        ({"email": None}, "ava.l@example.com"),  # contact_email then
        ({"email": None, "contact_email": None}, "ava.l@example.com"),  # the customer's then
        ({"email": " Ava.L@Example.COM "}, "ava.l@example.com"),
        ({"email": "not an address", "contact_email": None, "customer": None}, ""),  # never stops the order
    ],
)
def test_shopify_buyer_email_is_kept_for_buyer_notifications(shopify, change, expected):
    _headers, body = shopify_sample()
    body.update(change)

    order = adapter_for("shopify").to_platform_order(body).order

    assert order.data.buyer_email == expected


def test_shopify_discount_codes_spread_over_three_lines_keep_each_lines_share(shopify):
    _headers, body = shopify_sample()
    third = dict(body["line_items"][1], id=15011111113, sku="FLW-SERUM-30ML", price="10.00", quantity=1)
    third["discount_allocations"] = [{"amount": "0.91", "discount_application_index": 0}]
    body["line_items"][0]["discount_allocations"] = [
        {"amount": "19.75", "discount_application_index": 0},
        {"amount": "5.00", "discount_application_index": 1},  # a line-level automatic discount
    ]
    body["line_items"][1]["discount_allocations"] = [{"amount": "9.34", "discount_application_index": 0}]
    body["line_items"].append(third)
    body["discount_codes"] = [{"code": "DOUBLE11", "amount": "30.00", "type": "fixed_amount"}]
    body.update(total_line_items_price="366.00", total_discounts="35.00", total_price="346.00")

    order = adapter_for("shopify").to_platform_order(body).order

    assert [line.discount for line in order.data.lines] == [Decimal("24.75"), Decimal("9.34"), Decimal("0.91")]
    assert totals(order) == (Decimal("366.00"), Decimal("35.00"), Decimal("15.00"), Decimal("346.00"))


def test_shopify_payload_without_discount_allocations_keeps_the_totals_and_drops_the_split(shopify):
    _headers, body = shopify_sample()
    for line in body["line_items"]:
        del line["discount_allocations"]

    order = adapter_for("shopify").to_platform_order(body).order

    assert [line.discount for line in order.data.lines] == [Decimal("0.00"), Decimal("0.00")]
    assert totals(order) == (Decimal("356.00"), Decimal("30.00"), Decimal("15.00"), Decimal("341.00"))


# --- Taobao ------------------------------------------------------------------------------------------------


def test_taobao_item_without_skus_maps_by_its_item_code_and_null_messages_map(taobao, skus):
    trade = _taobao()
    line = trade["orders"]["order"][0]
    del line["sku_id"], line["outer_sku_id"], line["sku_properties_name"]
    line["outer_iid"] = "FLW-SERUM"
    trade.update(
        buyer_message=None, seller_memo=None, receiver_zip=None, receiver_mobile=None, receiver_phone="0571-88886666"
    )

    order = adapter_for("taobao").to_platform_order(trade).order

    assert sorted(line.sku_code for line in order.data.lines) == ["FLW-MASK-5P", "FLW-SERUM"]
    assert (order.data.buyer_remark, order.data.seller_memo, order.data.postal_code) == ("", "", "")
    assert order.data.consignee_phone == "0571-88886666"


def test_taobao_sku_line_without_its_sku_code_is_refused_not_mapped_to_the_item(taobao):
    trade = _taobao()
    trade["orders"]["order"][1]["outer_sku_id"] = ""

    with pytest.raises(PayloadInvalid) as caught:
        adapter_for("taobao").to_platform_order(trade)

    assert caught.value.message.startswith("lines[1].sku_code（orders.order[1].outer_sku_id）：行 ")
    assert caught.value.extra == {"field": "lines[1].sku_code", "sku_id": "5012345678902"}


# --- JD, PDD, Douyin ---------------------------------------------------------------------------------------


def test_jd_landline_only_without_coupons_or_remarks_maps(jd):
    native = _jd()
    native["consigneeInfo"].update(mobile="", telephone="010-65880000")
    native.update(couponDetailList=None, orderRemark="", venderRemark=None)

    order = adapter_for("jd").to_platform_order(native).order

    assert order.data.consignee_phone == "010-65880000"
    assert [line.discount for line in order.data.lines] == [Decimal("0.00")]
    assert totals(order) == (Decimal("459.00"), Decimal("30.00"), Decimal("0.00"), Decimal("429.00"))


def test_pdd_refund_status_sent_as_a_string_is_still_a_refund(pdd):
    refunded = adapter_for("pdd").to_platform_order(dict(_pdd(), refund_status="4")).order
    pending = adapter_for("pdd").to_platform_order(dict(_pdd(), refund_status="3"))

    assert refunded.target_status == Status.CLOSED
    assert (pending.order.target_status, pending.refund_pending) == (Status.PAID, True)


def test_pdd_single_spec_goods_without_sku_code_maps_by_the_goods_code(pdd):
    native = _pdd()
    native["item_list"][0].update(outer_id="", outer_goods_id="CUP-BLUE")

    order = adapter_for("pdd").to_platform_order(native).order

    assert [line.sku_code for line in order.data.lines] == ["CUP-BLUE"]


def test_douyin_without_shop_promotions_or_sku_code_maps_by_code(douyin):
    native = _douyin()
    native["sku_order_list"][0]["out_sku_id"] = ""
    del native["shop_coupon_amount"]
    native.update(buyer_words="", seller_words=None)

    order = adapter_for("douyin").to_platform_order(native).order

    assert [line.sku_code for line in order.data.lines] == ["COF-24"]
    # All of the 10.00 off is now the platform's: the totals do not change.
    assert totals(order) == (Decimal("129.00"), Decimal("10.00"), Decimal("0.00"), Decimal("119.00"))
    assert (order.data.discount_merchant, order.data.discount_platform) == (Decimal("0.00"), Decimal("10.00"))
