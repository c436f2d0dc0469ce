"""Cases recorded from the platforms' word: numbered, idempotent, never past what was paid, and on the timeline."""

from decimal import Decimal

import pytest

from aftersales.exceptions import RefundExceedsPaid
from aftersales.models import ApprovalTier, Case, CaseEvent
from aftersales.services import refund_record
from orders.states import Status
from tests.factories import make_order

pytestmark = pytest.mark.django_db


@pytest.fixture
def order(world):
    sku = world["skus"][0]
    return make_order(shop=world["shop_a"], skus=[(sku, 2, Decimal("50.00"))], status=Status.PAID)


def test_a_platform_refund_becomes_a_numbered_case_with_a_timeline(order):
    case, created = refund_record(order=order, amount=Decimal("30.00"), external_id="RF-1", system="tests")

    assert created
    assert case.number.startswith("AS") and len(case.number) == len("AS20261111000001")
    assert (case.source, case.status, case.kind) == (Case.Source.PLATFORM, "requested", "refund_only")
    assert list(case.events.values_list("kind", "to_status")) == [(CaseEvent.Kind.CREATED, "requested")]


def test_cases_get_consecutive_numbers(order):
    first, _ = refund_record(order=order, amount=Decimal("10.00"), external_id="RF-1", system="tests")
    second, _ = refund_record(order=order, amount=Decimal("10.00"), external_id="RF-2", system="tests")

    assert int(second.number[-6:]) == int(first.number[-6:]) + 1
    assert second.number[:-6] == first.number[:-6]


def test_the_same_notice_twice_changes_nothing_and_a_newer_one_moves_the_case(order):
    refund_record(order=order, amount=Decimal("30.00"), external_id="RF-1", system="tests")
    case, created = refund_record(order=order, amount=Decimal("30.00"), external_id="RF-1", system="tests")
    assert not created
    assert case.events.count() == 1

    case, _ = refund_record(
        order=order, amount=Decimal("30.00"), external_id="RF-1", status=Case.Status.REFUNDED, system="tests"
    )
    assert case.status == Case.Status.REFUNDED
    assert case.refunded_at is not None and case.closed_at is not None
    assert list(case.events.values_list("from_status", "to_status"))[-1] == ("requested", "refunded")


def test_a_refund_past_what_was_paid_is_refused_with_409(order):
    refund_record(order=order, amount=Decimal("80.00"), external_id="RF-1", system="tests")

    with pytest.raises(RefundExceedsPaid) as refused:
        refund_record(order=order, amount=Decimal("20.01"), external_id="RF-2", system="tests")

    assert refused.value.status == 409
    assert refused.value.code == "refund_exceeds_paid"
    assert refused.value.extra["available"] == "20.00"


def test_a_withdrawn_case_no_longer_counts_against_what_was_paid(order):
    refund_record(order=order, amount=Decimal("80.00"), external_id="RF-1", system="tests")
    refund_record(order=order, amount=Decimal("80.00"), external_id="RF-1", status="withdrawn", system="tests")

    case, created = refund_record(order=order, amount=Decimal("100.00"), external_id="RF-2", system="tests")

    assert created and case.amount == Decimal("100.00")


def test_a_fresh_install_lets_a_manager_approve_any_amount():
    tiers = list(ApprovalTier.objects.values_list("approver", "max_amount", "is_active"))

    assert tiers == [(ApprovalTier.Approver.MANAGER, None, True)]
