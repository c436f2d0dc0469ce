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


@pytest.fixture
def approved(shopify, skus):
    """An approved, unfulfilled Shopify order: 2 serums at 99.00 and 1 mask set at 15.00."""
    order = make_order(
        shop=shopify.shop,
        skus=[(skus["FLW-SERUM-30ML"], 2, Decimal("99.00")), (skus["FLW-MASK-5P"], 1, Decimal("15.00"))],
        status=Status.PAID,
        external_id=str(ORDER_ID),
    )
    order = order_transition(order=order, to_status=Status.APPROVED, system="tests")
    serum, mask = order.lines.order_by("pk")
    serum.external_line_id, mask.external_line_id = str(SERUM_LINE), str(MASK_LINE)
    serum.save(update_fields=["external_line_id"])
    mask.save(update_fields=["external_line_id"])
    return order, serum, mask


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
