"""Cases entered by staff: lines and money checked, the order stopped and put back, approvals by tier, returns
received into stock through the ledger, the money given back once."""

from decimal import Decimal

import pytest

from aftersales.exceptions import ApprovalNotAllowed, CaseInvalid, RefundExceedsPaid, RefundExecutionRefused
from aftersales.models import ApprovalTier, Case, CaseDecision, Payout
from aftersales.services import (
    LineRequest,
    ReceivedLine,
    case_approve,
    case_create,
    case_receive,
    case_reject,
    case_withdraw,
    refund_allocate,
    refund_execute,
)
from inventory.models import StockMovement
from orders.models import Shop
from orders.services import order_transition
from orders.states import HoldReason, Status
from tests.aftersales.helpers import order_shipped
from tests.factories import make_order

pytestmark = pytest.mark.django_db


@pytest.fixture
def own_shop(world):
    return Shop.objects.create(code="web", name="官网", platform="website", default_warehouse=world["wh_a"])


@pytest.fixture
def order(own_shop, world):
    a, b = world["skus"][0], world["skus"][1]
    return make_order(
        shop=own_shop,
        skus=[(a, 2, Decimal("50.00")), (b, 1, Decimal("30.00"))],
        status=Status.PAID,
        shipping_fee=Decimal("10.00"),
    )


def _refund(order, *, amount=None, lines=(("SKU-1", 1),), kind="refund_only", actor=None):
    return case_create(
        order=order,
        kind=kind,
        amount=amount,
        lines=[LineRequest(sku_code=sku, quantity=q) for sku, q in lines],
        reason="不想要了",
        actor=actor,
    )


def test_a_refund_case_stops_the_unshipped_order_at_once(order):
    case = _refund(order)

    order.refresh_from_db()
    assert (order.status, order.hold_reason) == (Status.ON_HOLD, HoldReason.REFUND)
    assert case.held_order
    assert (case.amount, list(case.lines.values_list("quantity", "amount"))) == (
        Decimal("50.00"),
        [(1, Decimal("50.00"))],
    )


def test_a_rejected_case_puts_the_order_back_where_it_was(order, manager):
    order_transition(order=order, to_status=Status.APPROVED, system="tests")
    case = _refund(order)

    case_reject(case=case, actor=manager, reason="已发货前买家同意继续")

    order.refresh_from_db()
    assert (order.status, order.hold_reason) == (Status.APPROVED, "")
    assert case.decisions.get().verdict == CaseDecision.Verdict.REJECT


def test_a_withdrawn_case_releases_the_order_unless_another_case_holds_it(order):
    first = _refund(order)
    second = _refund(order, lines=(("SKU-2", 1),))

    case_withdraw(case=first)
    order.refresh_from_db()
    assert order.status == Status.ON_HOLD

    case_withdraw(case=second)
    order.refresh_from_db()
    assert (order.status, order.hold_reason) == (Status.PAID, "")


def test_a_refund_covering_the_unshipped_order_cancels_it_when_approved(order, manager):
    case = _refund(order, amount=Decimal("140.00"), lines=(("SKU-1", 2), ("SKU-2", 1)))

    case_approve(case=case, actor=manager)

    order.refresh_from_db()
    assert order.status == Status.CANCELLED
    assert list(case.lines.values_list("amount", flat=True)) == [Decimal("100.00"), Decimal("30.00")]


def test_lines_and_amounts_are_checked_against_the_order(order):
    with pytest.raises(CaseInvalid) as unknown:
        _refund(order, lines=(("NOPE", 1),))
    assert unknown.value.extra["field"] == "lines[0].sku"

    with pytest.raises(CaseInvalid) as too_many:
        _refund(order, lines=(("SKU-1", 3),))
    assert too_many.value.extra == {"field": "lines[0].quantity", "available": 2}

    with pytest.raises(RefundExceedsPaid):
        case_create(order=order, kind="compensation", amount=Decimal("140.01"))


def test_postage_goes_back_only_while_the_goods_have_not_left(order):
    case = _refund(order, amount=Decimal("60.00"))  # 50.00 for the line + 10.00 postage before shipping

    assert case.amount == Decimal("60.00")
    assert list(case.lines.values_list("amount", flat=True)) == [Decimal("50.00")]


def test_refund_allocate_spreads_over_lines_and_adds_up_to_the_cent():
    shares = refund_allocate(amount=Decimal("10.00"), values=[Decimal("33.33"), Decimal("33.33"), Decimal("33.34")])

    assert sum(shares) == Decimal("10.00")
    assert shares == [Decimal("3.33"), Decimal("3.33"), Decimal("3.34")]


def test_cs_may_not_approve_above_its_tier_and_a_manager_may(order, cs_a, manager, own_shop):
    ApprovalTier.objects.create(name="CS", approver=ApprovalTier.Approver.CS, max_amount=Decimal("40.00"))
    case = _refund(order)

    with pytest.raises(ApprovalNotAllowed):
        case_approve(case=case, actor=cs_a)
    case_approve(case=case, actor=manager, reason="质量问题")

    decision = case.decisions.get()
    assert (decision.actor, decision.tier.approver, decision.reason) == (manager, "主管", "质量问题")


def test_small_cases_of_clean_buyers_are_approved_by_themselves(order):
    ApprovalTier.objects.create(name="auto", approver=ApprovalTier.Approver.AUTOMATIC, max_amount=Decimal("50.00"))

    first = _refund(order)
    second = _refund(order, lines=(("SKU-2", 1),))

    first.refresh_from_db()
    second.refresh_from_db()
    assert first.status == Case.Status.APPROVED and first.decisions.get().automatic
    assert second.status == Case.Status.REQUESTED  # the buyer now has another case: not clean


def test_a_return_is_received_into_stock_and_refunded_offline_once(order, manager, world):
    order_shipped(order)
    case = _refund(order, kind="return_refund")
    case_approve(case=case, actor=manager)
    case.refresh_from_db()
    assert case.status == Case.Status.AWAITING_RETURN

    case_receive(case=case, lines=[ReceivedLine(sku_code="SKU-1", quantity=1, condition="good")], actor=manager)
    movement = StockMovement.objects.get(reference=case.number)
    assert (movement.sku.code, movement.on_hand_delta) == ("SKU-1", 1)

    payout = refund_execute(case=case, actor=manager)
    again = refund_execute(case=case, actor=manager)

    case.refresh_from_db()
    assert (payout.method, payout.status, again.pk) == (Payout.Method.OFFLINE, Payout.Status.SUCCEEDED, payout.pk)
    assert case.status == Case.Status.REFUNDED and case.refunded_at is not None


def test_payouts_above_the_limit_wait_for_finance(order, manager, finance):
    ApprovalTier.objects.update(finance_check=True)
    case = _refund(order)
    case_approve(case=case, actor=manager)

    with pytest.raises(RefundExecutionRefused) as refused:
        refund_execute(case=case, actor=manager)
    assert refused.value.code == "finance_check_required"

    refund_execute(case=case, actor=finance)
    assert list(case.decisions.values_list("verdict", flat=True)) == ["approve", "finance_check"]


def test_a_reship_sends_a_linked_zero_amount_order_that_reserves_stock(order, manager):
    case = _refund(order, kind="reship")
    case_approve(case=case, actor=manager)

    case.refresh_from_db()
    replacement = case.replacement_order
    assert case.status == Case.Status.CLOSED
    assert replacement.number.startswith("RS") and replacement.paid_amount == Decimal("0.00")
    assert (replacement.consignee_phone, replacement.shop) == (order.consignee_phone, order.shop)
    assert list(replacement.lines.values_list("sku__code", "quantity", "unit_price")) == [("SKU-1", 1, Decimal("0"))]
    assert replacement.status != Status.PENDING_PAYMENT


def test_an_exchange_sends_the_replacement_once_the_goods_are_back(order, manager):
    case = _refund(order, kind="exchange")
    case_approve(case=case, actor=manager)
    case.refresh_from_db()
    assert case.replacement_order is None

    case_receive(case=case, actor=manager)

    case.refresh_from_db()
    assert case.status == Case.Status.CLOSED and case.replacement_order.number.startswith("RS")
