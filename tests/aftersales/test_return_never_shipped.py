"""A return and refund on an order whose goods never left waits for no parcel: it is approved as a refund only —
its units come off the order (or the order is cancelled when it covers all of it) — and says so on its timeline."""

import pytest

from aftersales.models import Case, CaseEvent
from aftersales.services import case_approve
from orders.states import HoldReason, Status
from tests.aftersales.helpers import units_held
from tests.factories import make_case

pytestmark = pytest.mark.django_db


@pytest.fixture
def order(stocked_order):
    return stocked_order


def test_a_return_on_an_unshipped_order_is_approved_as_a_refund_only(order, manager):
    case = make_case(order=order, kind="return_refund", lines=[("SKU-1", 1)])
    order.refresh_from_db()
    assert (order.status, order.hold_reason) == (Status.ON_HOLD, HoldReason.REFUND)

    case_approve(case=case, actor=manager)

    case.refresh_from_db()
    order.refresh_from_db()
    assert (case.kind, case.status) == (Case.Kind.REFUND_ONLY, Case.Status.APPROVED)
    assert (order.status, order.hold_reason) == (Status.PAID, "")
    assert units_held(order) == {"SKU-1": 2, "SKU-2": 1}
    event = case.events.get(kind=CaseEvent.Kind.UPDATED)
    assert (event.note, event.data["kind"], event.data["order_status"]) == (
        "refund only: the goods never left",
        ["return_refund", "refund_only"],
        Status.ON_HOLD,
    )


def test_a_return_of_everything_on_an_unshipped_order_cancels_it(order, manager):
    case = make_case(order=order, kind="return_refund", lines=[("SKU-1", 3), ("SKU-2", 1)])

    case_approve(case=case, actor=manager)

    case.refresh_from_db()
    order.refresh_from_db()
    assert (case.kind, case.status) == (Case.Kind.REFUND_ONLY, Case.Status.APPROVED)
    assert order.status == Status.CANCELLED
    assert units_held(order) == {}
