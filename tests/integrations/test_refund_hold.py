"""A refund request holds an unshipped order; when the platform rejects it or the buyer withdraws it, the order
goes back where it was (through ``orders.services.order_hold_release``), unless another refund is still open. A
refund the platform paid settles the order: money only, it ships as it is; all that was paid, it is cancelled."""

from decimal import Decimal

import pytest

from aftersales.channel import RefundInput
from integrations.ingest import refund_event_apply
from inventory.models import Reservation
from orders.models import OrderEvent
from orders.services import order_transition
from orders.states import HoldReason, Status
from tests.factories import make_order

pytestmark = pytest.mark.django_db


def _order(shop, skus, status: str):
    order = make_order(
        shop=shop, skus=[(skus["FLW-SERUM-30ML"], 1, Decimal("99.00"))], status=Status.PAID, external_id="T-1"
    )
    steps = {Status.PAID: [], Status.APPROVED: [Status.APPROVED], Status.PICKING: [Status.APPROVED, Status.PICKING]}
    for step in steps[status]:
        order_transition(order=order, to_status=step, system="tests")
    return order


def _notice(shop, refund_id: str, status: str, amount="30.00"):
    return refund_event_apply(
        shop=shop,
        external_id="T-1",
        refund=RefundInput(external_id=refund_id, amount=Decimal(amount), status=status),
        system="tests",
    )


@pytest.mark.parametrize(
    ("before", "after", "settled"),
    [
        (Status.PAID, Status.PAID, "rejected"),
        (Status.APPROVED, Status.APPROVED, "rejected"),
        (Status.APPROVED, Status.APPROVED, "withdrawn"),
        # picking cannot resume half-way: the order is approved again and picked in a new wave
        (Status.PICKING, Status.APPROVED, "withdrawn"),
    ],
)
def test_a_rejected_or_withdrawn_refund_puts_the_order_back(taobao, skus, before, after, settled):
    order = _order(taobao.shop, skus, before)

    _notice(taobao.shop, "RF-1", "requested")
    order.refresh_from_db()
    assert (order.status, order.hold_reason) == (Status.ON_HOLD, HoldReason.REFUND)

    applied = _notice(taobao.shop, "RF-1", settled)

    order.refresh_from_db()
    assert (order.status, order.hold_reason) == (after, "")
    assert "refund_hold_released" in applied.changes
    last = order.events.filter(kind=OrderEvent.Kind.TRANSITION).order_by("-pk").first()
    assert (last.from_status, last.to_status) == (Status.ON_HOLD, after)


def test_the_hold_stays_while_another_refund_of_the_order_is_open(taobao, skus):
    order = _order(taobao.shop, skus, Status.APPROVED)
    _notice(taobao.shop, "RF-1", "requested")
    _notice(taobao.shop, "RF-2", "requested", amount="20.00")

    _notice(taobao.shop, "RF-1", "rejected")
    order.refresh_from_db()
    assert (order.status, order.hold_reason) == (Status.ON_HOLD, HoldReason.REFUND)

    _notice(taobao.shop, "RF-2", "withdrawn")
    order.refresh_from_db()
    assert (order.status, order.hold_reason) == (Status.APPROVED, "")


@pytest.mark.parametrize("before", [Status.PAID, Status.APPROVED])
def test_a_partial_refund_of_money_only_lets_the_order_ship_as_it_is(taobao, skus, before):
    """A platform refund names no lines: money went back for part of the order, and what ships does not change
    — the hold ends, the order goes back where it was and ships as it is."""
    order = _order(taobao.shop, skus, before)
    _notice(taobao.shop, "RF-1", "requested")

    applied = _notice(taobao.shop, "RF-1", "refunded")

    order.refresh_from_db()
    assert (order.status, order.hold_reason) == (before, "")
    assert "refund_hold_released" in applied.changes
    last = order.events.filter(kind=OrderEvent.Kind.TRANSITION).order_by("-pk").first()
    assert (last.from_status, last.to_status) == (Status.ON_HOLD, before)
    assert "money only" in last.reason
    assert order.lines.get().to_ship == 1


def test_a_partial_refund_paid_keeps_the_hold_while_another_refund_is_open(taobao, skus):
    order = _order(taobao.shop, skus, Status.APPROVED)
    _notice(taobao.shop, "RF-1", "requested")
    _notice(taobao.shop, "RF-2", "requested", amount="20.00")

    _notice(taobao.shop, "RF-1", "refunded")
    order.refresh_from_db()
    assert (order.status, order.hold_reason) == (Status.ON_HOLD, HoldReason.REFUND)

    _notice(taobao.shop, "RF-2", "refunded", amount="20.00")
    order.refresh_from_db()
    assert (order.status, order.hold_reason) == (Status.APPROVED, "")


def test_a_refund_paid_of_all_that_was_paid_cancels_the_unshipped_order(taobao, skus):
    order = _order(taobao.shop, skus, Status.APPROVED)
    _notice(taobao.shop, "RF-1", "requested", amount="99.00")

    applied = _notice(taobao.shop, "RF-1", "refunded", amount="99.00")

    order.refresh_from_db()
    assert order.status == Status.CANCELLED
    assert "cancelled_for_refund" in applied.changes
    assert not Reservation.objects.filter(order_id=order.pk, state=Reservation.State.ACTIVE).exists()


def test_a_repeated_refund_paid_notice_changes_nothing(taobao, skus):
    order = _order(taobao.shop, skus, Status.APPROVED)
    _notice(taobao.shop, "RF-1", "requested")
    _notice(taobao.shop, "RF-1", "refunded")
    events = order.events.count()

    applied = _notice(taobao.shop, "RF-1", "refunded")

    order.refresh_from_db()
    assert (order.status, applied.changes, order.events.count()) == (Status.APPROVED, [], events)


def test_a_rejected_refund_leaves_another_kind_of_hold_alone(taobao, skus):
    order = _order(taobao.shop, skus, Status.APPROVED)
    order_transition(order=order, to_status=Status.ON_HOLD, hold_reason=HoldReason.ADDRESS, system="tests")
    _notice(taobao.shop, "RF-1", "requested")

    _notice(taobao.shop, "RF-1", "rejected")

    order.refresh_from_db()
    assert (order.status, order.hold_reason) == (Status.ON_HOLD, HoldReason.ADDRESS)
