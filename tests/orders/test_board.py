"""The command center's order figures against known data: orders placed at set times, in set statuses, with
timeline events at set times."""

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from orders import board
from orders.models import Order, OrderEvent, ReviewTask
from orders.states import HoldReason, Status
from tests.factories import UserFactory, make_order

pytestmark = pytest.mark.django_db

TZ = timezone.get_default_timezone()
NOW = dt.datetime(2026, 11, 11, 10, 30, tzinfo=TZ)


def order_at(world, *, created, status=Status.PENDING_PAYMENT, entered=None, shop="shop_a", **fields):
    """An order created at ``created`` and moved to ``status`` at ``entered`` (a timeline event at that time)."""
    order = make_order(shop=world[shop], skus=[(world["skus"][0], 1, Decimal("99.00"))])
    extra = {"hold_reason": HoldReason.MANUAL} if status == Status.ON_HOLD else {}
    Order.objects.filter(pk=order.pk).update(created_at=created, status=status, **extra, **fields)
    if entered is not None:
        event = OrderEvent.objects.create(
            order=order, kind=OrderEvent.Kind.TRANSITION, from_status=Status.PENDING_PAYMENT, to_status=status
        )
        OrderEvent.objects.filter(pk=event.pk).update(at=entered)
    order.refresh_from_db()
    return order


def test_orders_per_hour_counts_today_by_shanghai_hour_and_the_same_day_last_week(world):
    for hour, minute in [(0, 5), (9, 0), (9, 59), (10, 10)]:
        order_at(world, created=NOW.replace(hour=hour, minute=minute))
    order_at(world, created=NOW - dt.timedelta(days=7, hours=1))  # last week, 09:30
    order_at(world, created=NOW - dt.timedelta(days=7) + dt.timedelta(hours=5))  # last week, 15:30
    order_at(world, created=NOW - dt.timedelta(days=1))  # yesterday: in neither series
    order_at(world, created=NOW + dt.timedelta(minutes=5))  # after "now": not yet counted

    figures = board.orders_per_hour(now=NOW)

    assert figures["hour"] == 10
    assert figures["today"][:11] == [1, 0, 0, 0, 0, 0, 0, 0, 0, 2, 1]
    assert figures["today"][11:] == [None] * 13
    assert figures["last_week"][9] == 1 and figures["last_week"][15] == 1
    assert sum(figures["last_week"]) == 2


def test_backlog_counts_waiting_orders_by_status_and_time_in_that_status(world):
    order_at(world, created=NOW - dt.timedelta(hours=9), status=Status.PAID, entered=NOW - dt.timedelta(minutes=5))
    order_at(world, created=NOW - dt.timedelta(hours=9), status=Status.PAID, entered=NOW - dt.timedelta(minutes=30))
    order_at(world, created=NOW - dt.timedelta(hours=2), status=Status.PAID)  # no event: time since creation
    order_at(world, created=NOW - dt.timedelta(days=1), status=Status.ON_HOLD, entered=NOW - dt.timedelta(hours=5))
    order_at(world, created=NOW - dt.timedelta(days=1), status=Status.APPROVED, entered=NOW - dt.timedelta(hours=3))
    order_at(world, created=NOW - dt.timedelta(days=1), status=Status.SHIPPED, entered=NOW - dt.timedelta(hours=3))
    order_at(world, created=NOW - dt.timedelta(minutes=1))  # pending payment: waits for the buyer, not for us

    backlog = board.backlog_by_state_age(now=NOW)

    rows = {row["status"]: row["buckets"] for row in backlog["rows"]}
    assert rows["paid"] == {"0-10m": 1, "10-60m": 1, "1-4h": 1, "4h+": 0}
    assert rows["on_hold"] == {"0-10m": 0, "10-60m": 0, "1-4h": 0, "4h+": 1}
    assert rows["approved"] == {"0-10m": 0, "10-60m": 0, "1-4h": 1, "4h+": 0}
    assert rows["picking"] == {"0-10m": 0, "10-60m": 0, "1-4h": 0, "4h+": 0}
    assert backlog["total"] == 5


def test_the_latest_move_into_the_status_counts_when_an_order_came_back_to_it(world):
    order = order_at(
        world, created=NOW - dt.timedelta(hours=6), status=Status.PAID, entered=NOW - dt.timedelta(hours=5)
    )
    again = OrderEvent.objects.create(order=order, kind=OrderEvent.Kind.TRANSITION, to_status=Status.PAID)
    OrderEvent.objects.filter(pk=again.pk).update(at=NOW - dt.timedelta(minutes=3))

    rows = {row["status"]: row["buckets"] for row in board.backlog_by_state_age(now=NOW)["rows"]}

    assert rows["paid"]["0-10m"] == 1 and rows["paid"]["4h+"] == 0


def test_stuck_orders_are_paid_orders_older_than_ten_minutes_in_paid(world):
    order_at(world, created=NOW - dt.timedelta(hours=1), status=Status.PAID, entered=NOW - dt.timedelta(minutes=11))
    order_at(world, created=NOW - dt.timedelta(hours=1), status=Status.PAID, entered=NOW - dt.timedelta(minutes=9))
    order_at(world, created=NOW - dt.timedelta(hours=1), status=Status.ON_HOLD, entered=NOW - dt.timedelta(hours=2))

    assert board.stuck_orders(now=NOW) == {"total": 1, "by_status": {"paid": 1}}


def test_orders_by_age_filters_the_order_list_like_the_backlog_cells(world):
    old = order_at(
        world, created=NOW - dt.timedelta(hours=2), status=Status.PAID, entered=NOW - dt.timedelta(minutes=45)
    )
    order_at(world, created=NOW - dt.timedelta(hours=2), status=Status.PAID, entered=NOW - dt.timedelta(minutes=2))

    assert [o.pk for o in board.orders_by_age(Order.objects.all(), bucket="10-60m", now=NOW)] == [old.pk]
    assert [o.pk for o in board.orders_by_age(Order.objects.all(), bucket="10m+", now=NOW)] == [old.pk]
    assert board.orders_by_age(Order.objects.all(), bucket="nonsense", now=NOW).count() == 2


def test_review_queue_counts_open_tasks_and_their_oldest_and_median_wait(world):
    for minutes, status in [(47, ReviewTask.Status.OPEN), (10, ReviewTask.Status.OPEN), (5, ReviewTask.Status.OPEN)]:
        order = order_at(world, created=NOW - dt.timedelta(hours=1))
        task = ReviewTask.objects.create(
            order=order, kind=ReviewTask.Kind.MANUAL, hold_reason=HoldReason.MANUAL, status=status
        )
        ReviewTask.objects.filter(pk=task.pk).update(created_at=NOW - dt.timedelta(minutes=minutes))
    done = ReviewTask.objects.create(
        order=order, kind=ReviewTask.Kind.MANUAL, hold_reason=HoldReason.MANUAL, status=ReviewTask.Status.APPROVED
    )
    ReviewTask.objects.filter(pk=done.pk).update(created_at=NOW - dt.timedelta(hours=9))

    assert board.review_queue(now=NOW) == {"open": 3, "oldest_wait_min": 47.0, "median_wait_min": 10.0}


def test_review_queue_reads_none_for_waits_when_empty(world):
    assert board.review_queue(now=NOW) == {"open": 0, "oldest_wait_min": None, "median_wait_min": None}


def test_orders_per_staff_counts_distinct_orders_a_person_touched_that_day(world):
    alice = UserFactory(username="alice", first_name="Alice")
    bob = UserFactory(username="bob")
    first = order_at(world, created=NOW - dt.timedelta(hours=3))
    second = order_at(world, created=NOW - dt.timedelta(hours=3))
    for order, actor, at in [
        (first, alice, NOW - dt.timedelta(hours=1)),
        (first, alice, NOW - dt.timedelta(minutes=30)),  # same order twice: counted once
        (second, alice, NOW - dt.timedelta(minutes=20)),
        (second, bob, NOW - dt.timedelta(minutes=10)),
        (second, bob, NOW - dt.timedelta(days=1)),  # yesterday
    ]:
        event = OrderEvent.objects.create(order=order, kind=OrderEvent.Kind.NOTE, actor=actor)
        OrderEvent.objects.filter(pk=event.pk).update(at=at)

    rows = board.orders_per_staff(day=NOW.date())

    assert [(row["name"], row["orders"]) for row in rows] == [("Alice", 2), ("bob", 1)]


def test_cycle_time_paid_to_shipped_percentiles_and_share_within_four_hours(world):
    for hours in [1, 2, 3, 5, 10]:
        order = order_at(
            world, created=NOW - dt.timedelta(hours=12), status=Status.SHIPPED, paid_at=NOW - dt.timedelta(hours=11)
        )
        event = OrderEvent.objects.create(order=order, kind=OrderEvent.Kind.TRANSITION, to_status=Status.SHIPPED)
        OrderEvent.objects.filter(pk=event.pk).update(at=NOW - dt.timedelta(hours=11) + dt.timedelta(hours=hours))

    figures = board.cycle_time(since=NOW - dt.timedelta(days=1), until=NOW)

    assert figures == {"shipped": 5, "p50_h": 3.0, "p90_h": 10.0, "target_h": 4.0, "within_target_pct": 60.0}
