"""The automatic review of many paid orders at once (the orders of a batch created together), set-based.

``orders_rules_apply`` has the same end result as ``services.order_rules_apply`` called for each order in turn,
at a fraction of the statements: what the review reads is read once for the batch, and the orders the rules
approve or hold for a rule (an approval tier, a hold action) are written together. The rarer cases (a health
score that needs a look, a move to another warehouse, an earlier result, an open rules task) take the one-order
path, in the same transaction.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence

from django.db import transaction
from django.utils import timezone

from config.db import bulk_create_with_history_copy, history_copy, rows_update
from orders.health import HISTORY_KEYS as HEALTH_HISTORY_KEYS
from orders.health import health_inputs_for_orders, order_health
from orders.models import Order, OrderEvent, OrderLine, OrderRuleResult, PresaleTerms, ReviewTask
from orders.review.services import Hold, review_tasks_open_many
from orders.rules.engine import evaluate, history_keys
from orders.rules.facts import history_for_orders, order_facts
from orders.rules.selectors import compiled_for, live_rule_versions
from orders.rules.services import (
    SYSTEM,
    approval_reason,
    order_fields_set,
    order_rules_apply,
    result_changes,
    result_values,
    review_event,
    rules_hold,
    versions_refs,
)
from orders.services import order_events_record, order_transition_many
from orders.states import Status


@transaction.atomic
def orders_rules_apply(*, order_ids: Sequence[int]) -> dict[str, int]:
    """The automatic review of the paid orders ``order_ids`` (idempotent, like the one-order review).

    The orders are locked together in pk order. An order already reviewed, no longer paid or a presale
    waiting for its balance is left alone. The others are evaluated against the live rules and scored. For
    those the rules approve or hold (no health review, no warehouse rule, no earlier result, no open rules
    task) the result rows, field changes (one UPDATE and its history) and ``updated`` events are written for
    all together, then the held ones' review tasks and tiers (``review_tasks_open_many``) and the others' move
    to approved (``order_transition_many``); the rest go through ``order_rules_apply`` one by one.
    Returns {"approved": …, "held": …, "one_by_one": …, "left": …}."""
    ids = sorted(set(order_ids))
    locked = list(
        Order.objects.select_for_update(of=("self",)).select_related("shop").filter(pk__in=ids).order_by("pk")
    )
    results = dict(OrderRuleResult.objects.filter(order_id__in=ids).values_list("order_id", "evaluated_at"))
    waiting = set(
        PresaleTerms.objects.filter(order_id__in=ids, state=PresaleTerms.State.AWAITING_BALANCE).values_list(
            "order_id", flat=True
        )
    )
    due = [o for o in locked if o.status == Status.PAID and o.pk not in waiting and results.get(o.pk) is None]
    one_by_one = [o.pk for o in due if o.pk in results]  # a result row without an evaluation: it decides
    fresh = [o for o in due if o.pk not in results]
    approve: list = []
    hold: list = []
    if fresh:
        versions = live_rule_versions()
        compiled = [compiled_for(v) for v in versions]
        refs = versions_refs(versions)
        lines: dict[int, list[OrderLine]] = defaultdict(list)
        for line in OrderLine.objects.filter(order_id__in=[o.pk for o in fresh]).select_related("sku"):
            lines[line.order_id].append(line)
        history = history_for_orders(fresh, history_keys(compiled) | set(HEALTH_HISTORY_KEYS))
        inputs = health_inputs_for_orders(fresh, lines)
        tasks_open = set(
            ReviewTask.objects.filter(
                order_id__in=[o.pk for o in fresh], kind=ReviewTask.Kind.RULES, status=ReviewTask.Status.OPEN
            ).values_list("order_id", flat=True)
        )
        for order in fresh:
            plan = evaluate(compiled, order_facts(order, lines[order.pk], history=history[order.pk]))
            health = order_health(order, lines=lines[order.pk], history=history[order.pk], **inputs[order.pk])
            if health.needs_review or plan.warehouse is not None or order.pk in tasks_open:
                one_by_one.append(order.pk)
            elif plan.needs_review:
                hold.append((order, plan, health))
            else:
                approve.append((order, plan, health))
        _evaluated_write(approve + hold, refs)
        review_tasks_open_many(holds=[_hold(order, plan, versions) for order, plan, _health in hold], system=SYSTEM)
        if approve:
            order_transition_many(
                orders=[order for order, _plan, _health in approve],
                to_status=Status.APPROVED,
                system=SYSTEM,
                reason=[approval_reason(refs, health) for _order, _plan, health in approve],
            )
    for order_id in sorted(one_by_one):
        order_rules_apply(order_id=order_id)
    return {
        "approved": len(approve),
        "held": len(hold),
        "one_by_one": len(one_by_one),
        "left": len(ids) - len(due),
    }


def _hold(order: Order, plan, versions) -> Hold:
    hold_reason, reason, version = rules_hold(plan, versions)
    return Hold(
        order=order,
        kind=ReviewTask.Kind.RULES,
        hold_reason=hold_reason,
        reason=reason,
        approvals=plan.approvals,
        rule_version=version,
        matched=plan.matched,
    )


def _evaluated_write(evaluated: list, refs: list[dict]) -> None:
    """Results, field changes and ``updated`` events of evaluated orders."""
    if not evaluated:
        return
    now = timezone.now()
    changed: list[Order] = []
    events: list[tuple[Order, str, dict]] = []
    for order, plan, _health in evaluated:
        changes, fields = order_fields_set(order, plan)
        if fields:
            order.updated_at = now
            changed.append(order)
        result_changes(changes, plan, None)
        if changes:
            events.append((order, *review_event(plan, changes, refs)))
    if changed:
        rows_update(
            Order,
            ["tags", "queue", "priority", "updated_at"],
            [(o.pk, o.tags, o.queue, o.priority, o.updated_at) for o in changed],
        )
        history_copy(Order, [o.pk for o in changed], history_type="~")
    bulk_create_with_history_copy(
        [OrderRuleResult(order=order, **result_values(plan, health, refs)) for order, plan, health in evaluated]
    )
    if events:
        order_events_record(
            orders=[order for order, _reason, _data in events],
            kind=OrderEvent.Kind.UPDATED,
            system=SYSTEM,
            reason=[reason for _order, reason, _data in events],
            data=[data for _order, _reason, data in events],
        )
