# ruff: noqa: F811  (pytest fixtures imported from tests.orders.rules.fixtures are used as arguments)
"""What a minute's SLA watch costs: it runs over every waiting order, so orders whose alert is already open
must cost no writes and no per-order queries (the watch once ran past its one-minute timeout at ~200,000
orders with many old unfinished ones)."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from orders.models import Alert
from orders.services import order_transition
from orders.sla import sla_ship_late_flag, sla_stuck_orders_flag
from orders.states import Status
from orders.tasks import sla_watch_orders
from tests.factories import make_order
from tests.orders.rules.fixtures import clock, tasks_run_inline  # noqa: F401

pytestmark = pytest.mark.django_db


def _waiting_orders(world, clock, count):
    """``count`` orders paid 11 minutes ago (stuck) and ``count`` approved ones promised an hour ago (late), over
    both shops."""
    for n in range(count):
        shop = world["shop_a"] if n % 2 else world["shop_b"]
        make_order(shop=shop, status=Status.PAID, paid_at=clock.now - dt.timedelta(minutes=11))
        late = make_order(
            shop=shop,
            status=Status.PAID,
            paid_at=clock.now - dt.timedelta(hours=5),
            promised_ship_at=clock.now - dt.timedelta(hours=1),
        )
        order_transition(order=late, to_status=Status.APPROVED, system="tests")


def _steady_run() -> tuple[int, int, dict]:
    """(queries, history rows written, result) of a watch run that finds every alert already open."""
    history = Alert.history.count()
    with CaptureQueriesContext(connection) as queries:
        result = sla_watch_orders()
    return len(queries), Alert.history.count() - history, result


def test_a_watch_over_orders_already_alerted_writes_nothing_and_costs_the_same_for_more_orders(world, clock, manager):
    # Orders that are "stuck" only by the time they were created at: they entered paid when made.
    clock.advance(minutes=-11)
    _waiting_orders(world, clock, 2)
    clock.advance(minutes=11)
    first = sla_watch_orders()
    assert (first["stuck"]["open"], first["ship_late"]["open"]) == (2, 2)
    assert Alert.objects.filter(kind="ship_late", severity="critical", assignee=manager).count() == 2

    few_queries, few_history, few = _steady_run()

    clock.advance(minutes=-11)
    _waiting_orders(world, clock, 6)
    clock.advance(minutes=11)
    assert sla_watch_orders()["ship_late"]["raised"] == 6
    many_queries, many_history, many = _steady_run()

    assert few["stuck"] == {"raised": 0, "open": 2, "resolved": 0}
    assert many["ship_late"] == {"raised": 0, "open": 8, "resolved": 0}
    assert (few_history, many_history) == (0, 0)  # nothing rewritten
    assert many_queries == few_queries  # no query per order


def test_an_open_warning_still_escalates_when_the_order_becomes_late(world, clock, manager):
    order = make_order(
        shop=world["shop_a"], status=Status.PAID, paid_at=clock.now, promised_ship_at=clock.now + dt.timedelta(hours=1)
    )
    order_transition(order=order, to_status=Status.APPROVED, system="tests")
    assert sla_ship_late_flag()["raised"] == 1
    assert sla_ship_late_flag()["raised"] == 0  # open at the same severity: nothing new

    clock.advance(hours=1, minutes=1)
    assert sla_ship_late_flag()["raised"] == 1

    alert = Alert.objects.get(kind="ship_late", order=order, resolved_at__isnull=True)
    assert (alert.severity, alert.assignee) == ("critical", manager)
    assert sla_stuck_orders_flag()["open"] == 0
