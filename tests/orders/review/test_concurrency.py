"""Real concurrent writers on PostgreSQL: decisions and the automatic review happen once."""

from decimal import Decimal

import pytest

from orders.models import OrderEvent, OrderRuleResult, ReviewTask
from orders.review.exceptions import ReviewClosed
from orders.review.services import review_approve
from orders.rules.services import order_rules_apply
from orders.states import Status
from tests.concurrency import run_together
from tests.orders.rules.fixtures import rule

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]
HOLD_ALL = [rule("hold-all", {"all": []}, [{"action": "hold", "reason": "risk"}])]


def test_two_reviewers_approving_the_same_task_approve_it_once(publish, paid_order, cs_a, manager):
    publish(HOLD_ALL)
    order = paid_order(amount=Decimal("50.00"))
    order_rules_apply(order_id=order.pk)
    task = ReviewTask.objects.get(order=order)

    results, errors = run_together(
        [
            lambda: review_approve(task_id=task.pk, actor=cs_a),
            lambda: review_approve(task_id=task.pk, actor=manager),
        ]
    )

    assert [type(r).__name__ for r in results if r is not None] == ["ReviewTask"]
    assert [type(e) for e in errors] == [ReviewClosed]
    assert OrderEvent.objects.filter(order=order, to_status=Status.APPROVED).count() == 1


def test_the_automatic_review_of_one_order_runs_once_under_concurrent_calls(publish, paid_order):
    publish(HOLD_ALL)
    order = paid_order(amount=Decimal("50.00"))

    results, errors = run_together([lambda: order_rules_apply(order_id=order.pk) for _ in range(3)])

    assert errors == []
    assert all(isinstance(r, OrderRuleResult) for r in results)
    assert OrderRuleResult.objects.filter(order=order).count() == 1
    assert ReviewTask.objects.filter(order=order).count() == 1
    assert OrderEvent.objects.filter(order=order, to_status=Status.ON_HOLD).count() == 1
