"""A refund request holds an unshipped order; when the platform rejects it or the buyer withdraws it, the order
goes back where it was (through ``orders.services.order_hold_release``), unless another refund is still open."""

from decimal import Decimal

import pytest

from aftersales.channel import RefundInput
from integrations.ingest import refund_event_apply
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


def test_a_refund_paid_keeps_the_order_held_for_staff(taobao, skus):
    """Money went back to the buyer: whether the rest still ships is for staff (or the platform's close)."""
    order = _order(taobao.shop, skus, Status.APPROVED)
    _notice(taobao.shop, "RF-1", "requested")

    _notice(taobao.shop, "RF-1", "refunded")

    order.refresh_from_db()
    assert (order.status, order.hold_reason) == (Status.ON_HOLD, HoldReason.REFUND)


def test_a_rejected_refund_leaves_another_kind_of_hold_alone(taobao, skus):
    order = _order(taobao.shop, skus, Status.APPROVED)
    order_transition(order=order, to_status=Status.ON_HOLD, hold_reason=HoldReason.ADDRESS, system="tests")
    _notice(taobao.shop, "RF-1", "requested")

    _notice(taobao.shop, "RF-1", "rejected")

    order.refresh_from_db()
    assert (order.status, order.hold_reason) == (Status.ON_HOLD, HoldReason.ADDRESS)
