import itertools

import pytest

from orders.exceptions import InvalidTransition
from orders.models import Order, OrderEvent
from orders.services import order_transition
from orders.states import TERMINAL, TRANSITIONS, HoldReason, Status
from tests.factories import make_order

pytestmark = pytest.mark.django_db

ALLOWED = sorted((src, dst) for src, targets in TRANSITIONS.items() for dst in targets)
FORBIDDEN = sorted(
    (src, dst)
    for src, dst in itertools.product(Status.values, Status.values)
    if src != dst and (src, dst) not in ALLOWED
)


def _order_in(status: str) -> Order:
    """An order in ``status``, forced there directly so each transition is tested on its own."""
    order = make_order(status=Status.PAID)
    Order.objects.filter(pk=order.pk).update(
        status=status, hold_reason=HoldReason.MANUAL if status == Status.ON_HOLD else ""
    )
    order.refresh_from_db()
    return order


@pytest.mark.parametrize(("src", "dst"), ALLOWED)
def test_every_allowed_transition_moves_the_order_and_writes_an_event(src, dst, manager):
    order = _order_in(src)
    hold = HoldReason.RISK if dst == Status.ON_HOLD else ""

    order_transition(order=order, to_status=dst, actor=manager, reason="test move", hold_reason=hold)

    order.refresh_from_db()
    assert order.status == dst
    assert order.hold_reason == hold
    event = order.events.filter(kind=OrderEvent.Kind.TRANSITION).get()
    assert (event.from_status, event.to_status, event.actor, event.reason) == (src, dst, manager, "test move")


@pytest.mark.parametrize(("src", "dst"), FORBIDDEN)
def test_every_forbidden_transition_is_refused_and_changes_nothing(src, dst):
    order = _order_in(src)
    hold = HoldReason.RISK if dst == Status.ON_HOLD else ""

    with pytest.raises(InvalidTransition) as excinfo:
        order_transition(order=order, to_status=dst, system="tests", hold_reason=hold)

    assert src in excinfo.value.message and dst in excinfo.value.message
    assert excinfo.value.extra == {"order_number": order.number, "from": src, "to": dst}
    order.refresh_from_db()
    assert order.status == src
    assert not order.events.filter(kind=OrderEvent.Kind.TRANSITION).exists()


def test_terminal_statuses_have_no_way_out():
    assert TERMINAL == {Status.COMPLETED, Status.CANCELLED, Status.CLOSED}


def test_hold_needs_a_known_reason():
    order = make_order(status=Status.PAID)
    with pytest.raises(InvalidTransition) as excinfo:
        order_transition(order=order, to_status=Status.ON_HOLD, system="tests")
    assert excinfo.value.code == "hold_reason_required"
    with pytest.raises(InvalidTransition):
        order_transition(order=order, to_status=Status.ON_HOLD, hold_reason="bored", system="tests")
    order.refresh_from_db()
    assert order.status == Status.PAID


def test_leaving_hold_clears_the_reason_and_the_timeline_shows_both_moves():
    order = make_order(status=Status.PAID)
    order_transition(order=order, to_status=Status.ON_HOLD, hold_reason=HoldReason.OUT_OF_STOCK, system="inventory")
    assert (order.status, order.hold_reason) == (Status.ON_HOLD, HoldReason.OUT_OF_STOCK)

    order_transition(order=order, to_status=Status.APPROVED, system="review")

    order.refresh_from_db()
    assert (order.status, order.hold_reason, order.hold_note) == (Status.APPROVED, "", "")
    moves = list(order.events.filter(kind=OrderEvent.Kind.TRANSITION).values_list("from_status", "to_status", "system"))
    assert moves == [(Status.PAID, Status.ON_HOLD, "inventory"), (Status.ON_HOLD, Status.APPROVED, "review")]


def test_repeating_a_transition_is_a_no_op():
    order = make_order(status=Status.PAID)
    order_transition(order=order, to_status=Status.APPROVED, system="review")
    order_transition(order=order, to_status=Status.APPROVED, system="review")
    assert order.events.filter(kind=OrderEvent.Kind.TRANSITION).count() == 1


def test_paying_sets_payment_and_promised_ship_time_from_the_shop():
    order = make_order(status=Status.PENDING_PAYMENT)
    assert order.paid_at is None

    order_transition(order=order, to_status=Status.PAID, system="tests")

    order.refresh_from_db()
    assert order.paid_at is not None
    hours = (order.promised_ship_at - order.paid_at).total_seconds() / 3600
    assert hours == order.shop.ship_within_hours


def test_stale_instance_is_judged_against_the_current_status():
    order = make_order(status=Status.PAID)
    stale = Order.objects.get(pk=order.pk)
    order_transition(order=order, to_status=Status.CANCELLED, system="platform")

    with pytest.raises(InvalidTransition):
        order_transition(order=stale, to_status=Status.APPROVED, system="review")
    order.refresh_from_db()
    assert order.status == Status.CANCELLED


def test_history_records_each_status_change():
    order = make_order(status=Status.PAID)
    order_transition(order=order, to_status=Status.APPROVED, system="review")
    assert list(order.history.order_by("history_id").values_list("status", flat=True)) == [
        Status.PAID,
        Status.APPROVED,
    ]
