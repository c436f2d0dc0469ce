"""Orders are not merged under an open after-sales case: while a case of one of them is open (with lines or money
only, on the order merged away or on the one kept) the merge is refused (409 ``case_open_on_order``, naming the
order and the case, and the back office says why); nothing moves. A settled case does not stand in the way."""

from decimal import Decimal

import pytest
from django.urls import reverse

from aftersales.exceptions import CaseOpenOnOrder
from aftersales.services import case_approve, case_reject
from orders.models import Order, OrderLink
from orders.shaping.merge import order_merge
from orders.states import Status
from tests.factories import make_case, make_order

pytestmark = pytest.mark.django_db


@pytest.fixture
def pair(stocked_order):
    """Two paid orders of the same buyer, shop and warehouse: ``first`` (3 × SKU-1, 1 × SKU-2) and ``second``
    (2 × SKU-2), both mergeable."""
    first = stocked_order
    sku2 = first.lines.get(sku__code="SKU-2").sku
    second = make_order(shop=first.shop, skus=[(sku2, 2, Decimal("30.00"))], status=Status.PAID)
    assert (second.status, second.warehouse_id) == (first.status, first.warehouse_id)
    return first, second


def _unchanged(*orders):
    assert not OrderLink.objects.exists()
    for order in orders:
        order.refresh_from_db()
        assert order.status != Status.CANCELLED


def test_an_approved_case_with_lines_on_the_order_merged_away_refuses_the_merge(pair, manager):
    first, second = pair
    case = make_case(order=second, lines=[("SKU-2", 1)])
    case_approve(case=case, actor=manager)  # approved, money not back yet: the order is paid again, the case open
    second.refresh_from_db()
    assert second.status == Status.PAID

    with pytest.raises(CaseOpenOnOrder) as caught:
        order_merge(order_ids=[first.pk, second.pk], target_id=first.pk, system="tests")

    assert (caught.value.status, caught.value.code) == (409, "case_open_on_order")
    assert caught.value.extra == {"order_number": second.number, "case": case.number, "case_status": "approved"}
    assert f"Order {second.number} cannot be merged while its after-sales case {case.number}" in str(
        caught.value.message
    )
    _unchanged(first, second)


def test_an_open_case_of_money_only_on_the_order_kept_refuses_the_merge(pair):
    first, second = pair
    case = make_case(order=first, kind="compensation", amount=Decimal("5.00"), reason_code="postage")
    first.refresh_from_db()
    assert first.status == Status.PAID  # a compensation does not stop the order

    with pytest.raises(CaseOpenOnOrder) as caught:
        order_merge(order_ids=[first.pk, second.pk], target_id=first.pk, system="tests")

    assert caught.value.extra == {"order_number": first.number, "case": case.number, "case_status": "requested"}
    _unchanged(first, second)


def test_two_orders_held_for_their_refunds_are_not_merged(pair):
    first, second = pair
    make_case(order=first, lines=[("SKU-1", 1)])
    make_case(order=second, lines=[("SKU-2", 1)])
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.status, first.hold_reason) == (second.status, second.hold_reason) == (Status.ON_HOLD, "refund")

    with pytest.raises(CaseOpenOnOrder):
        order_merge(order_ids=[first.pk, second.pk], system="tests")

    _unchanged(first, second)


def test_a_settled_case_does_not_stand_in_the_way(pair, manager):
    first, second = pair
    case = make_case(order=second, lines=[("SKU-2", 1)])
    case_reject(case=case, actor=manager, reason="买家要继续发货")

    merged = order_merge(order_ids=[first.pk, second.pk], target_id=first.pk, system="tests")

    assert merged.pk == first.pk
    assert Order.objects.get(pk=second.pk).status == Status.CANCELLED


def test_the_back_office_says_why_the_merge_was_refused(client, pair, manager):
    first, second = pair
    case = make_case(order=second, lines=[("SKU-2", 1)])
    case_approve(case=case, actor=manager)
    client.force_login(manager)

    response = client.post(
        reverse("review:merge"),
        {"orders": f"{first.number} {second.number}", "target": first.number},
        HTTP_ACCEPT_LANGUAGE="en",
        follow=True,
    )

    text = response.content.decode()
    assert f"Not merged: Order {second.number} cannot be merged while its after-sales case {case.number}" in text
    _unchanged(first, second)
