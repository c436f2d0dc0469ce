"""Orders are not merged under an open after-sales case: while a case of one of them is open (with lines or money
only, on the order merged away or on the one kept) the merge is refused (409 ``case_open_on_order``, naming the
order and the case, and the back office says why); nothing moves. A settled case does not stand in the way."""

from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import translation

from aftersales.exceptions import CaseOpenOnOrder, CaseRefundedOnOrder
from aftersales.services import case_approve, case_reject, case_withdraw, refund_execute, refund_record
from orders.models import Order, OrderLink
from orders.shaping.merge import order_merge, order_merge_candidates
from orders.states import Status
from tests.factories import make_case, make_order

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def english():
    """The refusals are read in English here (the catalogue says them in Chinese first)."""
    with translation.override("en"):
        yield


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


def test_an_order_with_money_already_refunded_is_not_merged_away(pair):
    """The merge would add the order's whole payment to the target, though part of it went back to the buyer."""
    first, second = pair
    case, _ = refund_record(
        order=second, amount=Decimal("10.00"), external_id="RF-9", status="refunded", system="tests"
    )
    second.refresh_from_db()
    assert second.status == Status.PAID  # money only: the goods still ship
    paid_before = first.paid_amount

    with pytest.raises(CaseRefundedOnOrder) as caught:
        order_merge(order_ids=[first.pk, second.pk], target_id=first.pk, system="tests")

    assert (caught.value.status, caught.value.code) == (409, "case_refunded_on_order")
    assert caught.value.extra == {"order_number": second.number, "case": case.number, "amount": "10.00"}
    assert f"Order {second.number} cannot be merged: after-sales case {case.number} refunded 10.00" in str(
        caught.value.message
    )
    _unchanged(first, second)
    first.refresh_from_db()
    assert first.paid_amount == paid_before


def test_a_refund_on_the_order_kept_refuses_the_merge_too(pair, manager):
    """The target's case would be checked against both orders' payments: more could go back than its platform
    order was paid."""
    first, second = pair
    case = make_case(order=first, kind="compensation", amount=Decimal("5.00"), reason_code="postage")
    case_approve(case=case, actor=manager)
    refund_execute(case=case, actor=manager)  # given back offline, recorded at once
    case.refresh_from_db()
    assert case.status == "refunded"

    with pytest.raises(CaseRefundedOnOrder) as caught:
        order_merge(order_ids=[first.pk, second.pk], target_id=first.pk, system="tests")

    assert caught.value.extra == {"order_number": first.number, "case": case.number, "amount": "5.00"}
    _unchanged(first, second)


def test_a_withdrawn_case_gave_nothing_back_and_does_not_stand_in_the_way(pair):
    first, second = pair
    case = make_case(order=second, kind="compensation", amount=Decimal("5.00"), reason_code="postage")
    case_withdraw(case=case, reason="买家撤销")

    merged = order_merge(order_ids=[first.pk, second.pk], target_id=first.pk, system="tests")

    assert merged.paid_amount == first.paid_amount + second.paid_amount


def _suggested():
    return [[order.pk for order in group] for group in order_merge_candidates(Order.objects.all())]


def test_the_suggested_merges_leave_out_orders_a_case_stands_against(pair, manager):
    # Offering them would only lead to the refusal above.
    first, second = pair
    assert _suggested() == [[first.pk, second.pk]]

    case = make_case(order=second, kind="compensation", amount=Decimal("5.00"), reason_code="postage")
    assert _suggested() == []  # open

    case_withdraw(case=case, reason="买家撤销")
    assert _suggested() == [[first.pk, second.pk]]  # settled, nothing given back

    refunded = make_case(order=first, kind="compensation", amount=Decimal("5.00"), reason_code="postage")
    case_approve(case=refunded, actor=manager)
    refund_execute(case=refunded, actor=manager)  # given back offline, recorded at once
    assert _suggested() == []  # money went back
