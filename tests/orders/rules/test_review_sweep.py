"""The review sweep: paid orders whose review task was lost (a killed worker, a task past its timeout) are
queued for the automatic review again, once they have sat untouched long enough; reviewed, recent and presale
orders waiting for their balance are left alone."""

import datetime as dt

import pytest
from django.utils import timezone

from orders.models import Order, OrderRuleResult
from orders.states import HoldReason, Status
from orders.tasks import orders_review_sweep

pytestmark = pytest.mark.django_db


def age(order, minutes):
    then = timezone.now() - dt.timedelta(minutes=minutes)
    Order.objects.filter(pk=order.pk).update(paid_at=then, updated_at=then)


def test_a_paid_order_the_review_never_reached_is_reviewed_by_the_sweep(
    paid_order, settings, django_capture_on_commit_callbacks
):
    settings.ORDERS_REVIEW_SWEEP_AFTER_SECONDS = 300
    lost = paid_order()  # its review task never ran (no commit in this test: as if the worker died)
    recent = paid_order()
    age(lost, minutes=6)
    age(recent, minutes=2)

    with django_capture_on_commit_callbacks(execute=True):
        assert orders_review_sweep() == {"queued": 1}  # queued on commit; the queue runs tasks at once in tests

    lost.refresh_from_db()
    assert OrderRuleResult.objects.get(order=lost).evaluated_at is not None
    assert lost.status == Status.APPROVED  # no rule holds it: the review moved it on
    assert not OrderRuleResult.objects.filter(order=recent).exists()
    assert Order.objects.get(pk=recent.pk).status == Status.PAID

    assert orders_review_sweep() == {"queued": 0}  # reviewed once; nothing left to sweep


def test_the_sweep_queues_in_batches_and_leaves_held_orders_alone(
    paid_order, settings, django_capture_on_commit_callbacks, monkeypatch
):
    import orders.tasks

    batches = []
    enqueue = orders.tasks.enqueue_on_commit

    def recording(func, *args, **kwargs):
        batches.append(list(args[0]))
        enqueue(func, *args, **kwargs)

    monkeypatch.setattr(orders.tasks, "enqueue_on_commit", recording)
    settings.ORDERS_REVIEW_SWEEP_AFTER_SECONDS = 60
    settings.ORDERS_REVIEW_SWEEP_BATCH = 2
    orders = [paid_order() for _ in range(5)]
    held = paid_order()
    Order.objects.filter(pk=held.pk).update(status=Status.ON_HOLD, hold_reason=HoldReason.MANUAL)
    for order in [*orders, held]:
        age(order, minutes=5)

    with django_capture_on_commit_callbacks(execute=True):
        assert orders_review_sweep() == {"queued": 5}
    assert [len(batch) for batch in batches] == [2, 2, 1]
    assert sorted(sum(batches, [])) == sorted(order.pk for order in orders)

    assert OrderRuleResult.objects.filter(order__in=orders, evaluated_at__isnull=False).count() == 5
    assert not OrderRuleResult.objects.filter(order=held).exists()
