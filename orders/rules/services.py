"""Writes of the rules engine: rule sets and versions, sandbox previews, publishing, and applying the live
rules to an order when it becomes paid (``order_rules_apply``).

A version is edited while it is a draft; a preview runs that exact content (by hash) against recent orders
next to the live rules and records which orders would change and how; publishing needs a preview of the
version's current content against the rules that are live at publishing time. Published versions never
change; publishing archives the set's previous version.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from typing import Any

from django.db import transaction
from django.db.models import Max, Prefetch
from django.utils import timezone
from django.utils.translation import gettext_noop

from config.messages import Message, message, message_list
from orders.health import HISTORY_KEYS as HEALTH_HISTORY_KEYS
from orders.health import order_health
from orders.models import (
    Order,
    OrderEvent,
    OrderLine,
    OrderRuleResult,
    PresaleTerms,
    ReviewTask,
    RulePreview,
    RuleSet,
    RuleSetVersion,
)
from orders.rules.actions import Plan
from orders.rules.engine import evaluate, history_keys, rules_compile, rules_hash, rules_validate
from orders.rules.exceptions import PreviewRequired, RuleSetInvalid, RuleVersionNotEditable
from orders.rules.facts import history_for_orders, order_facts
from orders.rules.selectors import compiled_for, live_rule_versions, rule_context
from orders.services import order_event_record, order_transition
from orders.states import HoldReason, Status

SYSTEM = "rules"
# The timeline reason of what the rules changed on an order (OrderEvent.reason_display): the live versions, then
# each change ("tags +vip", "queue a→b"); a warehouse the rules chose that cannot fill the order says why it stays.
RULES_CHANGED = gettext_noop("rules %(versions)s: %(changes)s")
WAREHOUSE_KEPT = gettext_noop("warehouse %(before)s→%(after)s (%(why)s)")
WAREHOUSE_UNFILLABLE = gettext_noop("%(code)s cannot fill the order: %(shortage)s")
PREVIEW_MAX_ROWS = 500
PREVIEW_MAX_ORDERS = 5000
EDITABLE = (RuleSetVersion.Status.DRAFT, RuleSetVersion.Status.PREVIEWED)


# --- rule sets and versions --------------------------------------------------------------------------------


@transaction.atomic
def rule_set_create(*, code: str, name: str, description: str = "", actor=None) -> RuleSet:
    if RuleSet.objects.filter(code=code).exists():
        raise RuleSetInvalid([{"path": "code", "message": f"a rule set with code {code!r} exists"}])
    return RuleSet.objects.create(code=code, name=name, description=description)


@transaction.atomic
def rule_version_create(
    *, rule_set: RuleSet, rules: list[dict[str, Any]] | None = None, note: str = "", actor=None
) -> RuleSetVersion:
    """A new draft: the given rules, or a copy of the newest version's (to edit the live rules)."""
    RuleSet.objects.select_for_update().get(pk=rule_set.pk)  # serialise version numbering
    if rules is None:
        latest = rule_set.versions.order_by("-number").first()
        rules = list(latest.rules) if latest else []
    normalised = rules_validate(rules, rule_context())
    number = (rule_set.versions.aggregate(n=Max("number"))["n"] or 0) + 1
    return RuleSetVersion.objects.create(
        rule_set=rule_set,
        number=number,
        rules=normalised,
        content_hash=rules_hash(normalised),
        note=note[:200],
        created_by=_user(actor),
    )


@transaction.atomic
def rule_version_update(
    *, version_id: int, rules: list[dict[str, Any]], note: str | None = None, actor=None
) -> RuleSetVersion:
    """Replace a draft's rules. Any earlier preview no longer counts: the version is a draft again."""
    version = RuleSetVersion.objects.select_for_update().select_related("rule_set").get(pk=version_id)
    if version.status not in EDITABLE:
        raise RuleVersionNotEditable(
            f"{version.rule_set.code} v{version.number} is {version.status}; create a new version to change it.",
            extra={"version": version.pk, "status": version.status},
        )
    normalised = rules_validate(rules, rule_context())
    content_hash = rules_hash(normalised)
    fields = ["rules", "content_hash", "status", "updated_at"]
    if content_hash != version.content_hash:
        version.status = RuleSetVersion.Status.DRAFT
    version.rules = normalised
    version.content_hash = content_hash
    if note is not None:
        version.note = note[:200]
        fields.append("note")
    version.save(update_fields=fields)
    return version


def _user(actor):
    return actor if actor is not None and getattr(actor, "is_authenticated", False) else None


# --- preview and publishing --------------------------------------------------------------------------------


def effects_diff(before: dict[str, Any], after: dict[str, Any]) -> list[dict[str, Any]]:
    """What differs between two plans' effects, one entry per effect, for people to read."""
    changes = []
    for what in ("hold", "approvals", "tags", "services", "queue", "priority", "warehouse", "carrier"):
        b, a = before.get(what), after.get(what)
        if b == a:
            continue
        entry: dict[str, Any] = {"what": what, "before": b, "after": a}
        if what in ("tags", "services", "approvals"):
            entry["added"] = [x for x in (a or []) if x not in (b or [])]
            entry["removed"] = [x for x in (b or []) if x not in (a or [])]
        changes.append(entry)
    return changes


@transaction.atomic
def rule_version_preview(*, version_id: int, actor=None, days: int = 7, limit: int = 2000) -> RulePreview:
    """Run the version in the sandbox: every order created in the last ``days`` (newest ``limit``) is
    evaluated with the live rules and with the live rules where this version replaces its set's published
    one. Nothing is written to the orders; the orders whose outcome differs are recorded, with how."""
    days = max(1, min(int(days), 90))
    limit = max(1, min(int(limit), PREVIEW_MAX_ORDERS))
    version = RuleSetVersion.objects.select_for_update().select_related("rule_set").get(pk=version_id)
    live = live_rule_versions()
    candidate_versions = sorted(
        [v for v in live if v.rule_set_id != version.rule_set_id] + [version], key=lambda v: v.rule_set.code
    )
    base = [compiled_for(v) for v in live]
    candidate = [
        compiled_for(v) if v.pk != version.pk else rules_compile(v.rule_set.code, v.rules) for v in candidate_versions
    ]
    since = timezone.now() - dt.timedelta(days=days)
    orders = list(
        Order.objects.filter(created_at__gte=since)
        .select_related("shop")
        .prefetch_related(Prefetch("lines", queryset=OrderLine.objects.select_related("sku")))
        .order_by("-created_at", "-id")[:limit]
    )
    history = history_for_orders(orders, history_keys(base) | history_keys(candidate))
    own = next(c for c in candidate if c.code == version.rule_set.code)
    counts: Counter[str] = Counter({rule.ref: 0 for rule in own.rules})
    rows = []
    changed = 0
    for order in orders:
        facts = order_facts(order, list(order.lines.all()), history=history[order.pk])
        before = evaluate(base, facts)
        after = evaluate(candidate, facts)
        counts.update(ref for ref in after.matched if ref.startswith(f"{own.code}/"))
        eb, ea = before.effects(), after.effects()
        if eb == ea:
            continue
        changed += 1
        if len(rows) < PREVIEW_MAX_ROWS:
            rows.append(
                {
                    "order_id": order.pk,
                    "number": order.number,
                    "status": order.status,
                    "shop": order.shop.code,
                    "paid_amount": str(order.paid_amount),
                    "currency": order.currency,
                    "before": eb,
                    "after": ea,
                    "changes": effects_diff(eb, ea),
                    "matched_before": before.matched,
                    "matched_after": after.matched,
                }
            )
    preview = RulePreview.objects.create(
        version=version,
        rules_hash=version.content_hash,
        baseline=[{"rule_set": v.rule_set.code, "version_id": v.pk, "number": v.number} for v in live],
        window_days=days,
        orders_scanned=len(orders),
        orders_changed=changed,
        rows=rows,
        rule_counts=dict(counts),
        created_by=_user(actor),
    )
    if version.status in EDITABLE:
        version.status = RuleSetVersion.Status.PREVIEWED
        version.preview_hash = version.content_hash
        version.save(update_fields=["status", "preview_hash", "updated_at"])
    return preview


@transaction.atomic
def rule_version_publish(*, version_id: int, preview_id: int | None, actor=None) -> RuleSetVersion:
    """Make the version live. Needs ``preview_id``: a preview of exactly this content, run against the
    rules that are live now. The set's previously published version is archived."""
    version = RuleSetVersion.objects.select_for_update().select_related("rule_set").get(pk=version_id)
    RuleSet.objects.select_for_update().get(pk=version.rule_set_id)
    if version.status not in EDITABLE:
        raise RuleVersionNotEditable(
            f"{version.rule_set.code} v{version.number} is {version.status} and cannot be published.",
            extra={"version": version.pk, "status": version.status},
        )
    preview = RulePreview.objects.filter(pk=preview_id, version=version).first() if preview_id else None
    if preview is None:
        raise PreviewRequired(
            f"Preview {version.rule_set.code} v{version.number} against recent orders before publishing it.",
            extra={"version": version.pk},
        )
    if preview.rules_hash != version.content_hash:
        raise PreviewRequired(
            f"{version.rule_set.code} v{version.number} changed after preview {preview.pk}; preview it again.",
            extra={"version": version.pk, "preview": preview.pk},
        )
    live_ids = [v.pk for v in live_rule_versions()]
    if [b["version_id"] for b in preview.baseline] != live_ids:
        raise PreviewRequired(
            f"The live rules changed since preview {preview.pk} was run; preview again to see the real effect.",
            extra={"version": version.pk, "preview": preview.pk},
        )
    rules_validate(version.rules, rule_context())  # a warehouse may have been retired since
    now = timezone.now()
    for current in RuleSetVersion.objects.filter(rule_set=version.rule_set, status=RuleSetVersion.Status.PUBLISHED):
        current.status = RuleSetVersion.Status.ARCHIVED
        current.save(update_fields=["status", "updated_at"])
    version.status = RuleSetVersion.Status.PUBLISHED
    version.published_by = _user(actor)
    version.published_at = now
    version.save(update_fields=["status", "published_by", "published_at", "updated_at"])
    return version


# --- applying the rules to an order ------------------------------------------------------------------------


@transaction.atomic
def order_rules_apply(*, order_id: int, rerun: bool = False, auto_approve: bool = True) -> OrderRuleResult | None:
    """The automatic review of a paid order (call it when an order becomes paid; idempotent).

    Evaluates the live rules and the health score; writes tags/queue/priority/warehouse to the order and
    services/carrier to its ``OrderRuleResult``, recording an ``updated`` event with what changed and which
    rule set version did it; holds the order with a review task (and approval tiers) when a rule or the
    health score says so; otherwise, with ``auto_approve``, moves it on to approved.

    Without ``rerun`` an order is evaluated once: repeating the call returns the first result. Otherwise
    returns None, doing nothing, for orders that are not paid (with ``rerun``: paid or approved, e.g. after a
    merge or a released hold) and for presale orders still waiting for their balance.
    """
    order = Order.objects.select_for_update(of=("self",)).select_related("shop").get(pk=order_id)
    existing = OrderRuleResult.objects.filter(order=order).first()
    if existing is not None and existing.evaluated_at is not None and not rerun:
        return existing
    allowed = (Status.PAID, Status.APPROVED) if rerun else (Status.PAID,)
    if order.status not in allowed:
        return None
    if PresaleTerms.objects.filter(order=order, state=PresaleTerms.State.AWAITING_BALANCE).exists():
        return None
    versions = live_rule_versions()
    compiled = [compiled_for(v) for v in versions]
    lines = list(order.lines.select_related("sku"))
    history = history_for_orders([order], history_keys(compiled) | set(HEALTH_HISTORY_KEYS))[order.pk]
    facts = order_facts(order, lines, history=history)
    plan = evaluate(compiled, facts)
    changes = _order_fields_apply(order, plan)
    result_changes(changes, plan, existing)
    health = order_health(order, lines=lines, history=history)
    version_refs = versions_refs(versions)
    result, _created = OrderRuleResult.objects.update_or_create(
        order=order, defaults=result_values(plan, health, version_refs)
    )
    if changes:
        reason, data = review_event(plan, changes, version_refs)
        order_event_record(order=order, kind=OrderEvent.Kind.UPDATED, system=SYSTEM, reason=reason, data=data)
    held = _hold_if_needed(order, plan, versions, health)
    if not held and auto_approve and order.status == Status.PAID:
        order_transition(
            order=order, to_status=Status.APPROVED, system=SYSTEM, reason=approval_reason(version_refs, health)
        )
    return result


def versions_refs(versions: list[RuleSetVersion]) -> list[dict[str, Any]]:
    """The live versions as a result and its event name them."""
    return [{"rule_set": v.rule_set.code, "version": v.number, "id": v.pk} for v in versions]


def result_values(plan: Plan, health, version_refs: list[dict[str, Any]]) -> dict[str, Any]:
    """The fields of an order's ``OrderRuleResult`` after an evaluation."""
    effects = plan.effects()
    return {
        "evaluated_at": timezone.now(),
        "versions": version_refs,
        "matched": plan.matched,
        "effects": effects,
        "services": list(effects.get("services", [])),
        "carrier": effects.get("carrier", ""),
        "health_score": health.score,
        "health": health.as_json(),
    }


def result_changes(changes: dict[str, Any], plan: Plan, existing: OrderRuleResult | None) -> None:
    """Add to ``changes`` the services and carrier that differ from the order's previous result (none: empty)."""
    effects = plan.effects()
    services = list(effects.get("services", []))
    carrier = effects.get("carrier", "")
    before_services = existing.services if existing is not None else []
    before_carrier = existing.carrier if existing is not None else ""
    if before_services != services:
        changes["services"] = {"from": before_services, "to": services}
    if before_carrier != carrier:
        changes["carrier"] = {"from": before_carrier, "to": carrier}


def review_event(plan: Plan, changes: dict[str, Any], version_refs: list[dict[str, Any]]) -> tuple[Message, dict]:
    """The reason (a message, read in each reader's language) and data of the ``updated`` event that records what the
    rules changed on an order."""
    label = ", ".join(f"{v['rule_set']} v{v['version']}" for v in version_refs)
    described = [_describe(name, change) for name, change in changes.items()]  # codes, or a message
    reason = message(RULES_CHANGED, versions=label, changes=message_list(described))
    data = {"rule_versions": version_refs, "matched": plan.matched, "changes": changes, "sources": plan.sources()}
    return reason, data


def approval_reason(version_refs: list[dict[str, Any]], health) -> str:
    label = ", ".join(f"{v['rule_set']} v{v['version']}" for v in version_refs) or "no live rules"
    return f"auto-approved ({label}; health {health.score})"


def _describe(name: str, change: dict[str, Any]) -> Message | str:
    if "added" in change:
        return f"{name} +{' +'.join(change['added'])}"
    before = change["from"] if change["from"] not in ("", None, []) else "—"
    after = change["to"] if change["to"] not in ("", None, []) else "—"
    if "why" in change:  # a warehouse that cannot fill the order (a message)
        return message(WAREHOUSE_KEPT, before=before, after=after, why=change["why"])
    return f"{name} {before}→{after}"


def _order_fields_apply(order: Order, plan: Plan) -> dict[str, Any]:
    """Write the plan's tags, queue, priority and warehouse to the (locked) order; return what changed."""
    changes, fields = order_fields_set(order, plan)
    if fields:
        order.save(update_fields=[*fields, "updated_at"])
    if plan.warehouse is not None:
        moved = _order_warehouse_move(order, plan.warehouse[0])
        if moved:
            changes["warehouse"] = moved
    return changes


def order_fields_set(order: Order, plan: Plan) -> tuple[dict[str, Any], list[str]]:
    """Set the plan's tags, queue and priority on the order instance (not saved); return what changed and the
    fields set."""
    changes: dict[str, Any] = {}
    fields: list[str] = []
    added = [tag for tag in plan.tags if tag not in (order.tags or [])]
    if added:
        order.tags = [*(order.tags or []), *added]
        changes["tags"] = {"added": added}
        fields.append("tags")
    for name in ("queue", "priority"):
        value = getattr(plan, name)
        if value is not None and getattr(order, name) != value[0]:
            changes[name] = {"from": getattr(order, name), "to": value[0]}
            setattr(order, name, value[0])
            fields.append(name)
    return changes, fields


def _order_warehouse_move(order: Order, code: str) -> dict[str, Any] | None:
    """Ship from another warehouse: the reservations move with it (release here, reserve there), all or
    nothing — if the new warehouse cannot fill the order, it stays where it is and the event says so."""
    from inventory.models import Warehouse
    from inventory.services import order_stock_release
    from orders.stock import order_stock_reserve_for

    target = Warehouse.objects.filter(code=code, is_active=True).first()
    before = order.warehouse.code if order.warehouse_id else ""
    if target is None or target.pk == order.warehouse_id:
        return None
    old_warehouse_id = order.warehouse_id
    try:
        with transaction.atomic():
            released = order_stock_release(
                order_id=order.pk, system=SYSTEM, reason=message(gettext_noop("rules: ship from %(code)s"), code=code)
            )
            order.warehouse = target
            order.save(update_fields=["warehouse", "updated_at"])
            if released:
                result = order_stock_reserve_for(order=order)
                if not result.ok:
                    raise _Unfillable(result.describe())
    except _Unfillable as short:
        order.warehouse_id = old_warehouse_id
        why = message(WAREHOUSE_UNFILLABLE, code=code, shortage=short.args[0])  # in English here, the reason says it
        return {"from": before, "to": before, "refused": code, "why": why}
    return {"from": before, "to": code}


class _Unfillable(Exception):
    pass


def _hold_if_needed(order: Order, plan: Plan, versions: list[RuleSetVersion], health) -> bool:
    from orders.review.services import review_task_open

    held = False
    if plan.needs_review:
        hold_reason, reason, version = rules_hold(plan, versions)
        review_task_open(
            order=order,
            kind=ReviewTask.Kind.RULES,
            hold_reason=hold_reason,
            reason=reason,
            approvals=plan.approvals,
            rule_version=version,
            matched=plan.matched,
            system=SYSTEM,
        )
        held = True
    if health.needs_review:
        review_task_open(
            order=order,
            kind=ReviewTask.Kind.HEALTH,
            hold_reason=HoldReason.RISK,
            reason=health.summary(),
            system="health",
        )
        held = True
    return held


def rules_hold(plan: Plan, versions: list[RuleSetVersion]) -> tuple[str, str, RuleSetVersion | None]:
    """For a plan that needs a review: the hold reason, the reason written on the task and the hold (the
    rule's note, else the names of the rules asking for it) and the version of the rule set responsible."""
    source = plan.hold[2] if plan.hold else plan.approvals[0][1]
    version = {v.rule_set.code: v for v in versions}.get(source.split("/", 1)[0])
    responsible = ([plan.hold[2]] if plan.hold else []) + [rule for _role, rule in plan.approvals]
    names = _rule_names(versions, list(dict.fromkeys(responsible)))
    reason = (plan.hold[1] if plan.hold and plan.hold[1] else "") or "; ".join(names) or message(gettext_noop("rules"))
    return (plan.hold[0] if plan.hold else HoldReason.APPROVAL), reason, version


def _rule_names(versions: list[RuleSetVersion], refs: list[str]) -> list[str]:
    names = {}
    for version in versions:
        for rule in version.rules:
            names[f"{version.rule_set.code}/{rule['id']}"] = rule["name"]
    return [names.get(ref, ref) for ref in refs]
