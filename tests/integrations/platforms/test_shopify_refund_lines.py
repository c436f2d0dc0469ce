"""A Shopify refund that names line items (``refund_line_items``) before they are fulfilled takes those units off
the order, as a Taobao sub-order refund does: the case gets the lines and units Shopify names, and the rest ships.
A refund without line items stays money only. Payload shape: Shopify's Refund resource as the ``refunds/create``
webhook sends it (REST Admin API: ``id``, ``order_id``, ``created_at``, ``note``, ``restock``,
``refund_line_items`` [{id, line_item_id, quantity, restock_type, subtotal, total_tax, line_item}], ``transactions``
[{kind, status, amount, currency}], ``order_adjustments``)."""

from decimal import Decimal

import pytest
from django.test import Client

from aftersales.models import Case
from integrations.exceptions import PayloadInvalid
from integrations.ingest import refund_event_apply
from integrations.platforms.shopify.adapter import adapter
from orders.services import order_transition
from orders.states import Status
from tests.factories import make_order
from tests.integrations.helpers import shopify_post

pytestmark = pytest.mark.django_db

ORDER_ID = 5832937488521
SERUM_LINE, MASK_LINE = 13954412544137, 13954412576905


def _refund(items, amount="99.00", **changes):
    refund = {
        "id": 1029264162953,
        "order_id": ORDER_ID,
        "created_at": "2026-11-11T12:00:00+08:00",
        "processed_at": "2026-11-11T12:00:00+08:00",
        "note": "buyer changed their mind",
        "restock": True,
        "user_id": 80915726473,
        "order_adjustments": [],
        "refund_line_items": items,
        "transactions": [
            {"id": 7301190348937, "kind": "refund", "status": "success", "amount": amount, "currency": "CNY"}
        ],
    }
    refund.update(changes)
    return {key: value for key, value in refund.items() if value is not ...}


def _item(line_item_id, quantity, **changes):
    item = {
        "id": 537336479881,
        "line_item_id": line_item_id,
        "location_id": 71516717193,
        "quantity": quantity,
        "restock_type": "cancel",
        "subtotal": 99.0,
        "total_tax": 0.0,
        "subtotal_set": {"shop_money": {"amount": "99.00", "currency_code": "CNY"}},
        "line_item": {"id": line_item_id, "quantity": 2, "fulfillable_quantity": 2, "fulfillment_status": None},
    }
    item.update(changes)
    return {key: value for key, value in item.items() if value is not ...}


def _approved_order(shopify, skus, **fields):
    order = make_order(
        shop=shopify.shop,
        skus=[(skus["FLW-SERUM-30ML"], 2, Decimal("99.00")), (skus["FLW-MASK-5P"], 1, Decimal("15.00"))],
        status=Status.PAID,
        external_id=str(ORDER_ID),
        **fields,
    )
    order = order_transition(order=order, to_status=Status.APPROVED, system="tests")
    serum, mask = order.lines.order_by("pk")
    serum.external_line_id, mask.external_line_id = str(SERUM_LINE), str(MASK_LINE)
    serum.save(update_fields=["external_line_id"])
    mask.save(update_fields=["external_line_id"])
    return order, serum, mask


@pytest.fixture
def approved(shopify, skus):
    """An approved, unfulfilled Shopify order: 2 serums at 99.00 and 1 mask set at 15.00."""
    return _approved_order(shopify, skus)


def _apply(shopify, payload):
    (event,) = adapter.interpret("refunds/create", payload)
    refund_event_apply(shop=shopify.shop, external_id=event.external_id, refund=event.refund, system="tests")
    return event


def test_a_refunds_create_webhook_naming_a_line_takes_its_units_off_and_the_rest_ships(
    shopify, approved, django_capture_on_commit_callbacks
):
    order, serum, mask = approved

    with django_capture_on_commit_callbacks(execute=True):
        response = shopify_post(Client(), shopify.shop.code, _refund([_item(SERUM_LINE, 1)]), topic="refunds/create")
    with django_capture_on_commit_callbacks(execute=True):  # delivered again
        shopify_post(Client(), shopify.shop.code, _refund([_item(SERUM_LINE, 1)]), topic="refunds/create")

    assert response.status_code == 200, response.content
    case = Case.objects.get(order=order)
    assert (case.status, case.amount) == ("refunded", Decimal("99.00"))
    assert list(case.lines.values_list("order_line_id", "quantity", "amount")) == [(serum.pk, 1, Decimal("99.00"))]
    order.refresh_from_db()
    assert order.status == Status.APPROVED
    assert list(order.lines.order_by("pk").values_list("quantity", "cancelled_quantity")) == [(2, 1), (1, 0)]


@pytest.mark.parametrize(
    "items, expected",
    [
        # ids and quantities as strings
        ([_item(str(SERUM_LINE), "2", subtotal="198.00")], [(SERUM_LINE, 2)]),
        # the same line twice adds up; a line with 0 units is not refunded
        ([_item(SERUM_LINE, 1), _item(SERUM_LINE, "1"), _item(MASK_LINE, 0)], [(SERUM_LINE, 2)]),
        # no quantity (absent or null): the line whole; the id only under line_item
        ([_item(SERUM_LINE, ...), _item(..., None, line_item={"id": MASK_LINE})], [(SERUM_LINE, 2), (MASK_LINE, 1)]),
        # more than the line still ships: what it ships
        ([_item(MASK_LINE, 5)], [(MASK_LINE, 1)]),
    ],
)
def test_the_line_items_of_a_refund_become_the_cases_lines_whatever_shape_they_come_in(
    shopify, approved, items, expected
):
    order, serum, mask = approved
    ids = {SERUM_LINE: serum.pk, MASK_LINE: mask.pk}

    _apply(shopify, _refund(items, amount="15.00"))

    case = Case.objects.get(order=order)
    assert list(case.lines.order_by("order_line_id").values_list("order_line_id", "quantity")) == [
        (ids[line], units) for line, units in expected
    ]
    assert sum(case.lines.values_list("amount", flat=True)) == Decimal("15.00")


@pytest.mark.parametrize("items", [..., None, []])
def test_a_refund_without_line_items_is_money_only_and_the_order_ships_whole(shopify, approved, items):
    order, _serum, _mask = approved

    event = _apply(shopify, _refund(items, amount="10.00"))

    assert event.refund.line_ids == ()
    assert not Case.objects.get(order=order).lines.exists()
    assert list(order.lines.order_by("pk").values_list("cancelled_quantity", flat=True)) == [0, 0]


@pytest.mark.parametrize(
    "items, field",
    [
        ({"line_item_id": SERUM_LINE}, "refunds[0].refund_line_items"),
        (["junk"], "refunds[0].refund_line_items[0]"),
        ([_item(..., 1, line_item=...)], "refunds[0].refund_line_items[0].line_item_id"),
        ([_item(SERUM_LINE, "two")], "refunds[0].refund_line_items[0].quantity"),
    ],
)
def test_line_items_that_cannot_be_read_name_the_field(items, field):
    with pytest.raises(PayloadInvalid) as caught:
        adapter.interpret("refunds/create", _refund(items))

    assert caught.value.extra["field"] == field


@pytest.mark.parametrize("transaction", ["7301190348937", None, ["refund", "99.00"]])
def test_a_transaction_that_is_not_an_object_names_its_place(transaction):
    with pytest.raises(PayloadInvalid) as caught:
        adapter.interpret("refunds/create", _refund([], transactions=[transaction]))

    assert caught.value.extra["field"] == "refunds[0].transactions[0]"


# --- a refund for more than its lines: shipping, Shopify's own line amounts, the rest ---------------------------

SHIPPING_LINE = 4432107282569


def _shipping_line(amount):
    """``refund_shipping_lines[]`` as the REST Admin API sends it from 2024-10 (Shopify's Refund resource)."""
    money = {"amount": amount, "currency_code": "CNY"}
    return {
        "id": 623176827,
        "shipping_line_id": SHIPPING_LINE,
        "subtotal_amount_set": {"shop_money": money, "presentment_money": money},
        "shipping_line": {"id": SHIPPING_LINE, "title": "顺丰速运", "price": amount, "discounted_price": amount},
    }


def _shipping_adjustment(amount):
    """``order_adjustments[]`` of kind ``shipping_refund``: the shipping refunded, written negative."""
    money = {"amount": amount, "currency_code": "CNY"}
    return {
        "id": 1030976847,
        "order_id": ORDER_ID,
        "refund_id": 1029264162953,
        "amount": amount,
        "tax_amount": "0.00",
        "kind": "shipping_refund",
        "reason": "Shipping refund",
        "amount_set": {"shop_money": money, "presentment_money": money},
    }


@pytest.fixture
def with_postage(shopify, skus):
    """An approved, unfulfilled Shopify order paid 223.00: 2 serums at 99.00, 1 mask set at 15.00, 10.00 postage."""
    order, serum, _mask = _approved_order(shopify, skus, shipping_fee=Decimal("10.00"))
    return order, serum


def _parts(case):
    return case.events.get(kind="created").data.get("refund_parts")


@pytest.mark.parametrize(
    "shipping",
    [
        {"refund_shipping_lines": [_shipping_line("10.00")]},  # REST 2024-10 on
        {"refund_shipping_lines": ..., "order_adjustments": [_shipping_adjustment("-10.00")]},  # older versions
        {"refund_shipping_lines": [_shipping_line(10)], "order_adjustments": [_shipping_adjustment("-10.00")]},
    ],
)
def test_a_line_refunded_with_its_postage_keeps_the_platforms_total_and_says_what_was_postage(
    shopify, with_postage, shipping
):
    order, serum = with_postage

    _apply(shopify, _refund([_item(SERUM_LINE, 1)], amount="109.00", **shipping))

    case = Case.objects.get(order=order)
    assert case.amount == Decimal("109.00")
    assert list(case.lines.values_list("order_line_id", "quantity", "amount")) == [(serum.pk, 1, Decimal("99.00"))]
    assert _parts(case) == {"goods": "99.00", "shipping": "10.00", "other": "0.00"}
    assert "10.00 postage" in case.events.get(kind="created").note


def test_more_than_the_lines_without_a_reason_stays_on_the_case_off_its_lines(shopify, with_postage):
    order, serum = with_postage

    _apply(shopify, _refund([_item(SERUM_LINE, 1)], amount="104.50"))

    case = Case.objects.get(order=order)
    assert case.amount == Decimal("104.50")
    assert list(case.lines.values_list("amount", flat=True)) == [Decimal("99.00")]
    assert _parts(case) == {"goods": "99.00", "shipping": "0.00", "other": "5.50"}


def test_the_lines_take_what_shopify_says_it_refunded_for_them(shopify, with_postage):
    order, serum = with_postage
    money = {"amount": "89.10", "currency_code": "CNY"}
    item = _item(SERUM_LINE, 1, subtotal=89.1, subtotal_set={"shop_money": money, "presentment_money": money})

    _apply(shopify, _refund([item], amount="99.10", refund_shipping_lines=[_shipping_line("10.00")]))

    case = Case.objects.get(order=order)
    assert (case.amount, list(case.lines.values_list("amount", flat=True))) == (
        Decimal("99.10"),
        [Decimal("89.10")],
    )
    assert _parts(case) == {"goods": "89.10", "shipping": "10.00", "other": "0.00"}


def test_only_successful_refund_transactions_count_towards_the_amount(shopify, with_postage):
    order, _serum = with_postage
    transactions = [
        {"id": 1, "kind": "refund", "status": "success", "amount": 50, "currency": "CNY"},
        {"id": 2, "kind": "refund", "status": "failure", "amount": "59.00", "currency": "CNY"},
        {"id": 3, "kind": "refund", "status": "success", "amount": "59.00", "currency": "CNY"},
    ]

    _apply(
        shopify,
        _refund([_item(SERUM_LINE, 1)], transactions=transactions, refund_shipping_lines=[_shipping_line("10.00")]),
    )

    case = Case.objects.get(order=order)
    assert case.amount == Decimal("109.00")
    assert _parts(case) == {"goods": "99.00", "shipping": "10.00", "other": "0.00"}


def test_a_refund_of_postage_alone_is_money_only(shopify, with_postage):
    order, _serum = with_postage

    _apply(shopify, _refund([], amount="10.00", refund_shipping_lines=[_shipping_line("10.00")]))

    case = Case.objects.get(order=order)
    assert (case.amount, case.lines.exists()) == (Decimal("10.00"), False)
    assert _parts(case) == {"goods": "0.00", "shipping": "10.00", "other": "0.00"}


@pytest.mark.parametrize(
    "changes, field",
    [
        ({"refund_shipping_lines": {"id": 1}}, "refunds[0].refund_shipping_lines"),
        ({"order_adjustments": ["junk"]}, "refunds[0].order_adjustments"),
        (
            {
                "refund_shipping_lines": [
                    {**_shipping_line("10.00"), "subtotal_amount_set": {"shop_money": {"amount": "x"}}}
                ]
            },
            "refunds[0].refund_shipping_lines[0].subtotal_amount_set.shop_money.amount",
        ),
    ],
)
def test_shipping_refunds_that_cannot_be_read_name_the_field(changes, field):
    with pytest.raises(PayloadInvalid) as caught:
        adapter.interpret("refunds/create", _refund([_item(SERUM_LINE, 1)], **changes))

    assert caught.value.extra["field"] == field


@pytest.mark.parametrize(
    "changes, amount, lines",
    [
        # the order id as a string, the amount as a number, no created_at, processed_at, note or restock
        (
            {
                "order_id": str(ORDER_ID),
                "created_at": ...,
                "processed_at": ...,
                "note": ...,
                "restock": ...,
                "transactions": [{"id": 1, "kind": "refund", "status": "success", "amount": 99}],
            },
            "99.00",
            [(SERUM_LINE, 1)],
        ),
        # nulls: note, created_at, refund_line_items (money only), a transaction's status and currency
        (
            {
                "note": None,
                "created_at": None,
                "refund_line_items": None,
                "transactions": [{"id": 1, "kind": "refund", "status": None, "amount": "15.00", "currency": None}],
            },
            "15.00",
            [],
        ),
        # a transaction that is not a refund (or failed) gives nothing back
        (
            {
                "transactions": [
                    {"id": 1, "kind": "refund", "status": "success", "amount": "99.00"},
                    {"id": 2, "kind": "refund", "status": "failure", "amount": "99.00"},
                    {"id": 3, "kind": "sale", "status": "success", "amount": "5.00"},
                ]
            },
            "99.00",
            [(SERUM_LINE, 1)],
        ),
    ],
)
def test_a_refunds_create_webhook_is_read_whatever_optional_fields_it_carries(
    shopify, approved, django_capture_on_commit_callbacks, changes, amount, lines
):
    order, serum, mask = approved
    ids = {SERUM_LINE: serum.pk, MASK_LINE: mask.pk}

    with django_capture_on_commit_callbacks(execute=True):
        response = shopify_post(
            Client(), shopify.shop.code, _refund([_item(SERUM_LINE, 1)], **changes), topic="refunds/create"
        )

    assert response.status_code == 200, response.content
    case = Case.objects.get(order=order)
    assert (case.status, case.amount, case.external_id) == ("refunded", Decimal(amount), "1029264162953")
    assert list(case.lines.values_list("order_line_id", "quantity")) == [(ids[line], units) for line, units in lines]


@pytest.mark.parametrize("order_id", [..., None, ""])
def test_a_refund_without_its_order_id_is_refused_naming_the_field(order_id):
    with pytest.raises(PayloadInvalid) as caught:
        adapter.interpret("refunds/create", _refund([_item(SERUM_LINE, 1)], order_id=order_id))

    assert caught.value.extra["field"] == "order_id"
