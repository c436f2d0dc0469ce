"""orders_rules_apply: the automatic review of a batch, set-based, leaves what the one-order review leaves."""

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from orders.models import Approval, Order, OrderEvent, OrderRuleResult, ReviewTask
from orders.roles import MANAGER
from orders.rules.batch import orders_rules_apply
from orders.rules.services import order_rules_apply
from orders.states import Status
from orders.tasks import order_rules_apply as order_rules_apply_task
from tests.concurrency import run_together
from tests.factories import make_order
from tests.orders.rules.fixtures import rule

pytestmark = pytest.mark.django_db
RULES = [
    rule(
        "gift",
        {"fact": "remarks", "op": "contains", "value": "赠品"},
        [
            {"action": "add_tags", "tags": ["需配赠品"]},
            {"action": "set_queue", "queue": "urgent"},
            {"action": "set_priority", "priority": 7},
        ],
    ),
    rule(
        "insure",
        {"fact": "paid_amount", "op": "gt", "value": "300"},
        [{"action": "add_services", "services": ["保价"]}, {"action": "set_carrier", "carrier": "SF"}],
    ),
    rule("big", {"fact": "paid_amount", "op": "gt", "value": "1000"}, [{"action": "hold", "reason": "risk"}]),
    rule(
        "sign-off",
        {"fact": "paid_amount", "op": "gt", "value": "700"},
        [{"action": "require_approval", "role": MANAGER}],
    ),
]


def _mix(paid_order, world, phone="13800138000"):
    """Orders of every kind a batch meets: plain, tagged, with services and carrier, held by a rule, held for an
    approval, unpaid — all from one buyer's phone (its history counts in the health score)."""
    return [
        paid_order(amount=Decimal("99.00"), consignee_phone=phone),
        paid_order(amount=Decimal("99.00"), buyer_remark="记得放赠品", tags=["老客"], consignee_phone=phone),
        paid_order(amount=Decimal("500.00"), consignee_phone=phone),
        paid_order(amount=Decimal("1500.00"), consignee_phone=phone),
        paid_order(amount=Decimal("600.00"), buyer_remark="赠品", consignee_phone=phone),
        paid_order(amount=Decimal("800.00"), consignee_phone=phone),
        make_order(shop=world["shop_a"], status=Status.PENDING_PAYMENT, consignee_phone=phone),
    ]


def _outcome(order: Order) -> dict:
    order.refresh_from_db()
    result = OrderRuleResult.objects.filter(order=order).first()
    return {
        "order": (order.status, order.hold_reason, order.tags, order.queue, order.priority),
        "result": None
        if result is None
        else (result.matched, result.effects, result.services, result.carrier, result.health_score, result.health),
        "events": [
            (e.kind, e.system, e.from_status, e.to_status, e.reason, e.data)
            for e in order.events.exclude(system="tests").order_by("pk")
        ],
        "history": order.history.count(),
        "result_history": result.history.count() if result else 0,
        "tasks": list(order.review_tasks.values_list("kind", "status", "hold_reason", "reason", "matched")),
        "approvals": list(Approval.objects.filter(task__order=order).values_list("tier", "role", "rule", "status")),
    }


def test_a_batch_ends_as_reviewing_each_order_in_turn(publish, paid_order, world):
    publish(RULES)
    one_by_one = _mix(paid_order, world, phone="13800138000")
    together = _mix(paid_order, world, phone="13900139000")
    for order in one_by_one:
        order_rules_apply(order_id=order.pk)

    counts = orders_rules_apply(order_ids=[order.pk for order in together])

    assert [_outcome(order) for order in together] == [_outcome(order) for order in one_by_one]
    assert counts == {"approved": 4, "held": 2, "one_by_one": 0, "left": 1}
    statuses = [Order.objects.get(pk=o.pk).status for o in together]
    assert statuses == [Status.APPROVED] * 3 + [Status.ON_HOLD, Status.APPROVED, Status.ON_HOLD, Status.PENDING_PAYMENT]
    assert list(Approval.objects.filter(task__order=together[5]).values_list("tier", "role")) == [(1, MANAGER)]


def test_a_batch_reviewed_again_changes_nothing(publish, paid_order, world):
    publish(RULES)
    orders = _mix(paid_order, world)
    ids = [order.pk for order in orders]
    orders_rules_apply(order_ids=ids)
    before = [_outcome(order) for order in orders]

    counts = orders_rules_apply(order_ids=ids)

    assert counts == {"approved": 0, "held": 0, "one_by_one": 0, "left": 7}
    assert [_outcome(order) for order in orders] == before


def test_an_order_already_reviewed_alone_is_left_alone_in_a_batch(publish, paid_order):
    publish(RULES)
    first, second = paid_order(amount=Decimal("99.00")), paid_order(amount=Decimal("99.00"))
    order_rules_apply(order_id=first.pk)

    counts = orders_rules_apply(order_ids=[first.pk, second.pk, second.pk])

    assert counts == {"approved": 1, "held": 0, "one_by_one": 0, "left": 1}
    assert OrderEvent.objects.filter(order__in=[first, second], to_status=Status.APPROVED).count() == 2


def test_the_statements_of_a_batch_do_not_grow_with_its_orders(publish, paid_order):
    publish(RULES)
    small = [paid_order(amount=Decimal("99.00"), buyer_remark="赠品") for _ in range(3)]
    large = [paid_order(amount=Decimal("99.00"), buyer_remark="赠品") for _ in range(12)]

    with CaptureQueriesContext(connection) as few:
        orders_rules_apply(order_ids=[o.pk for o in small])
    with CaptureQueriesContext(connection) as many:
        orders_rules_apply(order_ids=[o.pk for o in large])

    assert len(many.captured_queries) == len(few.captured_queries)
    assert Order.objects.filter(pk__in=[o.pk for o in small + large], status=Status.APPROVED).count() == 15


def test_the_review_task_reviews_a_batch_and_counts_it(publish, paid_order):
    publish(RULES)
    orders = [paid_order(amount=Decimal("99.00")), paid_order(amount=Decimal("1500.00"))]

    assert order_rules_apply_task([o.pk for o in orders]) == 2

    assert ReviewTask.objects.filter(order=orders[1]).count() == 1
    assert Order.objects.get(pk=orders[0].pk).status == Status.APPROVED


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_overlapping_batches_under_concurrent_workers_review_each_order_once(publish, paid_order, monkeypatch):
    publish(RULES)
    monkeypatch.setattr("orders.services.lifecycle.enqueue_on_commit", lambda *args, **kwargs: None)  # no review yet
    orders = [paid_order(amount=Decimal(amount)) for amount in ("99.00", "500.00", "1500.00", "99.00")]
    ids = [o.pk for o in orders]

    results, errors = run_together(
        [
            lambda: orders_rules_apply(order_ids=ids),
            lambda: orders_rules_apply(order_ids=list(reversed(ids))),
            lambda: orders_rules_apply(order_ids=ids[1:]),
        ]
    )

    assert errors == []
    assert sum(r["approved"] + r["held"] + r["one_by_one"] for r in results) == 4
    assert OrderRuleResult.objects.filter(order_id__in=ids).count() == 4
    assert ReviewTask.objects.filter(order_id__in=ids).count() == 1
    for order in orders:
        moved = OrderEvent.objects.filter(order=order, system="rules", kind=OrderEvent.Kind.TRANSITION).count()
        assert moved == 1


def test_orders_paid_together_are_queued_for_review_in_tasks_of_bounded_size(paid_order, monkeypatch, world):
    from orders.services import order_transition_many

    orders = [make_order(shop=world["shop_a"], status=Status.PENDING_PAYMENT) for _ in range(5)]
    queued: list = []
    monkeypatch.setattr("orders.services.lifecycle.REVIEW_TASK_ORDERS", 2)
    monkeypatch.setattr(
        "orders.services.lifecycle.enqueue_on_commit", lambda func, ids, **kwargs: queued.append((func, ids))
    )

    order_transition_many(orders=orders, to_status=Status.PAID, system="tests")

    ids = sorted(o.pk for o in orders)
    assert queued == [
        ("orders.tasks.order_rules_apply", ids[0:2]),
        ("orders.tasks.order_rules_apply", ids[2:4]),
        ("orders.tasks.order_rules_apply", ids[4]),
    ]
