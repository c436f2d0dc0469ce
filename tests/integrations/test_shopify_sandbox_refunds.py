"""The sandbox's Shopify orders carry their refunds as Shopify's Order resource does (``refunds[]``: Refund resources
with ``refund_line_items`` naming the line, its units and ``subtotal_set``, shipping in ``refund_shipping_lines``
and a ``shipping_refund`` order adjustment, the money in ``transactions``), and the demo leaves one Shopify line
refund to see: the case has the line, its units are off the order and the rest ships."""

from decimal import Decimal

import pytest
from django.utils import timezone

from aftersales.models import Case
from integrations.platforms.shopify.adapter import adapter
from integrations.sandbox import data, formats
from orders.states import Status

pytestmark = pytest.mark.django_db

APP_KEY = "sandbox-shopify-global"
SKUS = [(f"SBX-{number:02d}", f"沙箱商品 {number}") for number in range(30)]  # prices from 9.90 to 299.90


def _generated(matches):
    far = timezone.now().replace(year=timezone.now().year + 50)
    for seq in range(5000):
        order = data.generate(APP_KEY, seq, now=far, skus=SKUS)
        if matches(order):
            return order
    raise AssertionError("no such sandbox order")


def test_a_refund_of_one_line_among_several_names_the_line_its_units_and_its_amount():
    generated = _generated(lambda o: o.refund_requested_at and len(o.lines) > 1)

    native = formats.shopify_order(generated)

    (refund,) = native["refunds"]
    (item,) = refund["refund_line_items"]
    first = native["line_items"][0]
    assert (item["line_item_id"], item["quantity"], item["restock_type"]) == (first["id"], first["quantity"], "cancel")
    assert item["subtotal_set"]["shop_money"] == {"amount": f"{generated.refund_amount:.2f}", "currency_code": "CNY"}
    assert [(t["kind"], t["status"], t["amount"]) for t in refund["transactions"]] == [
        ("refund", "success", f"{generated.refund_amount:.2f}")
    ]
    assert (refund["refund_shipping_lines"], refund["order_adjustments"]) == ([], [])
    assert native["financial_status"] == "partially_refunded"
    read = adapter.interpret("refunds/create", {**refund})[0].refund
    assert (read.amount, read.line_ids, read.line_quantities) == (
        generated.refund_amount,
        (str(first["id"]),),
        {str(first["id"]): first["quantity"]},
    )


def test_a_refund_of_the_only_line_gives_back_the_shipping_too():
    generated = _generated(lambda o: o.refund_requested_at and len(o.lines) == 1 and o.shipping > 0)

    native = formats.shopify_order(generated)

    (refund,) = native["refunds"]
    assert refund["transactions"][0]["amount"] == native["total_price"]
    assert refund["refund_shipping_lines"][0]["subtotal_amount_set"]["shop_money"]["amount"] == "8.00"
    assert [(a["kind"], a["amount"]) for a in refund["order_adjustments"]] == [("shipping_refund", "-8.00")]
    assert native["financial_status"] == "refunded"
    assert adapter.interpret("refunds/create", refund)[0].refund.shipping == Decimal("8.00")


def test_an_order_without_a_refund_lists_none():
    generated = _generated(lambda o: o.state == "paid" and not o.refund_requested_at)

    native = formats.shopify_order(generated)

    assert (native["refunds"], native["financial_status"]) == ([], "paid")


def test_the_demo_leaves_one_shopify_line_refund_and_the_rest_ships(skus, warehouse):
    from integrations.refund_demo import shopify_refund_demo_ensure
    from tests.integrations.helpers import make_shop

    connection = make_shop("shopify-global", "shopify", warehouse)

    assert shopify_refund_demo_ensure() == {"shopify_line_refunds": 1}
    assert shopify_refund_demo_ensure() == {"shopify_line_refunds": 0}

    case = Case.objects.get(order__shop=connection.shop)
    order = case.order
    first, *others = order.lines.order_by("pk")
    assert (case.source, case.status, case.kind) == ("platform", "refunded", "refund_only")
    assert list(case.lines.values_list("order_line_id", "quantity")) == [(first.pk, first.quantity)]
    assert first.cancelled_quantity == first.quantity and others
    assert all(line.cancelled_quantity == 0 for line in others)
    assert order.status != Status.CANCELLED and order.hold_reason != "refund"  # the rest ships
