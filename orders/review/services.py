"""The review queue: orders held for a person, and what the person decides.

- ``review_task_open`` holds an order (on_hold with a reason) and queues a task, with approval tiers when
  a rule asked for them (``require_approval``). One open task per order and kind.
- ``review_approve`` (通过): approves the next pending tier — by a member of that tier's role, and not by
  someone who approved a lower tier of the same task; after the last tier, or straight away when there are
  no tiers, the task is approved and, once the order has no other open task, the order moves to approved.
- ``review_reject`` (驳回): closes the task (and the order's other open tasks) and cancels the order.
- ``review_hold_release`` (解除挂起): lifts a hold without judging it: the order returns to the status it had
  before the hold; back in paid, the automatic review runs again, so a rule that still matches holds it
  again — releasing is "re-check", approving is "override". Tasks with pending approval tiers cannot be
  released.
- ``order_address_update``: CS corrects the consignee; recorded on the timeline as an address change
  (``data["change"] == "address"``, field names only, no personal data), which the SLA watch counts.
- ``review_bulk``: one of the above over many tasks, each in its own transaction, with a result per task.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from config.db import bulk_create_with_history_copy
from config.errors import ApplicationError
from config.messages import message, message_restored, message_stored
from orders.models import Approval, Order, OrderEvent, ReviewTask
from orders.models.orders import ADDRESS_FIELDS
from orders.review.exceptions import ApprovalRoleRequired, ReviewClosed, ReviewInvalid
from orders.roles import ADMIN
from orders.services import order_event_record, order_transition, order_transition_many
from orders.states import NOT_SHIPPED, HoldReason, Status

# Holds that a review decision may lift. out_of_stock, presale and refund holds are lifted by their flows.
REVIEW_HOLD_REASONS = frozenset({HoldReason.RISK, HoldReason.APPROVAL, HoldReason.MANUAL, HoldReason.ADDRESS})
ADDRESS_CHANGE = "address"


def user_has_role(user, role: str) -> bool:
    """Members of the role's group; administrators (管理员 group, superusers) may stand in for any role."""
    if not (user and user.is_authenticated and user.is_active):
        return False
    if user.is_superuser:
        return True
    return user.groups.filter(name__in=[role, ADMIN]).exists()


def _who(actor, system: str) -> dict:
    return {"actor": actor, "system": system or ("" if actor else "review")}


@transaction.atomic
def review_task_open(
    *,
    order: Order,
    kind: str,
    hold_reason: str,
    reason: str,
    approvals: list[tuple[str, str]] | tuple = (),
    rule_version=None,
    matched: list[str] | tuple = (),
    actor=None,
    system: str = "",
) -> ReviewTask:
    """Hold ``order`` and queue a review task; ``approvals`` = [(role, rule)] become tiers 1, 2, …

    Idempotent per (order, kind): an open task of that kind is returned as it is.
    """
    if hold_reason not in REVIEW_HOLD_REASONS:
        raise ReviewInvalid(
            _("hold_reason: %(hold_reason)r is not a review hold reason.") % {"hold_reason": hold_reason},
            extra={"field": "hold_reason"},
        )
    existing = ReviewTask.objects.filter(order=order, kind=kind, status=ReviewTask.Status.OPEN).first()
    if existing is not None:
        return existing
    current = Order.objects.only("status", "number").get(pk=order.pk)
    if current.status not in NOT_SHIPPED or current.status == Status.PENDING_PAYMENT:
        raise ReviewInvalid(
            _("Order %(current_number)s is %(label)s: only paid, approved or picking orders can be held for review.")
            % {"current_number": current.number, "label": Status(current.status).label},
            extra={"order_number": current.number, "status": current.status},
        )
    try:
        with transaction.atomic():
            task = ReviewTask.objects.create(
                order=order,
                kind=kind,
                hold_reason=hold_reason,
                reason=reason[:255],
                reason_message=message_stored(reason),
                rule_version=rule_version,
                matched=list(matched),
            )
    except IntegrityError:  # a concurrent caller opened it first
        return ReviewTask.objects.get(order=order, kind=kind, status=ReviewTask.Status.OPEN)
    for tier, (role, rule) in enumerate(approvals, start=1):
        Approval.objects.create(task=task, tier=tier, role=role, rule=rule[:80])
    if current.status != Status.ON_HOLD:
        order_transition(
            order=order, to_status=Status.ON_HOLD, hold_reason=hold_reason, reason=reason, **_who(actor, system)
        )
    return task


@dataclass(frozen=True)
class Hold:
    """One order to hold for review (``review_tasks_open_many``)."""

    order: Order
    kind: str
    hold_reason: str
    reason: str
    approvals: list[tuple[str, str]]
    rule_version: object
    matched: list[str]


@transaction.atomic(savepoint=False)
def review_tasks_open_many(*, holds: list[Hold], system: str = "") -> list[ReviewTask]:
    """``review_task_open`` for many orders at once, for a caller that holds their rows locked, has seen them
    paid and knows they have no open task of that kind (the automatic review of a batch): the tasks and their
    approval tiers written with their history by one statement each, the orders moved on hold together
    (``order_transition_many``, once per hold reason)."""
    if not holds:
        return []
    for hold in holds:
        if hold.hold_reason not in REVIEW_HOLD_REASONS:
            raise ReviewInvalid(
                _("hold_reason: %(hold_reason)r is not a review hold reason.") % {"hold_reason": hold.hold_reason},
                extra={"field": "hold_reason"},
            )
    now = timezone.now()
    tasks = bulk_create_with_history_copy(
        [
            ReviewTask(
                order=hold.order,
                kind=hold.kind,
                hold_reason=hold.hold_reason,
                reason=hold.reason[:255],
                reason_message=message_stored(hold.reason),
                rule_version=hold.rule_version,
                matched=list(hold.matched),
                created_at=now,
            )
            for hold in holds
        ]
    )
    bulk_create_with_history_copy(
        [
            Approval(task=task, tier=tier, role=role, rule=rule[:80])
            for task, hold in zip(tasks, holds, strict=True)
            for tier, (role, rule) in enumerate(hold.approvals, start=1)
        ]
    )
    by_reason: dict[str, list[Hold]] = {}
    for hold in holds:
        by_reason.setdefault(hold.hold_reason, []).append(hold)
    for hold_reason, group in by_reason.items():
        order_transition_many(
            orders=[hold.order for hold in group],
            to_status=Status.ON_HOLD,
            hold_reason=hold_reason,
            reason=[hold.reason for hold in group],
            **_who(None, system),
        )
    return tasks


def _task_for_update(task_id: int) -> ReviewTask:
    task = ReviewTask.objects.select_for_update().select_related("order").get(pk=task_id)
    if task.status != ReviewTask.Status.OPEN:
        raise ReviewClosed(
            _("Review task %(task_pk)s of order %(task_order_number)s is already %(value)s.")
            % {"task_pk": task.pk, "task_order_number": task.order.number, "value": task.get_status_display()},
            extra={"task": task.pk, "status": task.status},
        )
    return task


def _check_tier(task: ReviewTask, approval: Approval, actor) -> None:
    if not user_has_role(actor, approval.role):
        raise ApprovalRoleRequired(
            _("Tier %(approval_tier)s of order %(task_order_number)s must be approved by %(approval_role)s.")
            % {"approval_tier": approval.tier, "task_order_number": task.order.number, "approval_role": approval.role},
            extra={"tier": approval.tier, "role": approval.role},
        )
    earlier = task.approvals.filter(status=Approval.Status.APPROVED, decided_by=actor).exclude(pk=approval.pk)
    if earlier.exists():
        raise ApprovalRoleRequired(
            _("You approved an earlier tier of order %(task_order_number)s; tier %(approval_tier)s needs someone else.")
            % {"task_order_number": task.order.number, "approval_tier": approval.tier},
            code="approval_four_eyes",
            extra={"tier": approval.tier},
        )


def _tier_decide(task: ReviewTask, approval: Approval, status: str, actor, note: str) -> None:
    """The tier waiting for a decision takes ``status`` from ``actor`` (who must hold its role)."""
    _check_tier(task, approval, actor)
    approval.status = status
    approval.decided_by = actor
    approval.decided_at = timezone.now()
    approval.note = note[:255]
    approval.save(update_fields=["status", "decided_by", "decided_at", "note"])


def _close(task: ReviewTask, status: str, actor, note: str) -> None:
    """Close ``task``; a ``note`` made with ``config.messages.message`` reads in each reader's language, one a
    person typed as typed."""
    task.status = status
    task.decided_by = actor if actor is not None and actor.is_authenticated else None
    task.decided_at = timezone.now()
    task.decision_note, task.decision_note_message = note[:255], message_stored(note)
    task.save(update_fields=["status", "decided_by", "decided_at", "decision_note", "decision_note_message"])


@transaction.atomic
def review_approve(*, task_id: int, actor, note: str = "") -> ReviewTask:
    """Approve the next tier (or the task). Returns the task: still open while tiers are pending."""
    task = _task_for_update(task_id)
    pending = list(task.approvals.filter(status=Approval.Status.PENDING).order_by("tier"))
    if pending:
        current = pending[0]
        _tier_decide(task, current, Approval.Status.APPROVED, actor, note)
        order_event_record(
            order=task.order,
            kind=OrderEvent.Kind.NOTE,
            actor=actor,
            reason=(
                message(
                    gettext_noop("approval tier %(tier)s (%(role)s) approved: %(note)s"),
                    tier=current.tier,
                    role=current.role,
                    note=note,
                )
                if note
                else message(
                    gettext_noop("approval tier %(tier)s (%(role)s) approved"), tier=current.tier, role=current.role
                )
            ),
            data={"review_task": task.pk, "tier": current.tier, "role": current.role},
        )
        if len(pending) > 1:
            return task
    _close(task, ReviewTask.Status.APPROVED, actor, note)
    _order_continue(
        task.order,
        actor=actor,
        to_status=Status.APPROVED,
        reason=message(
            gettext_noop("review approved: %(reason)s"), reason=message_restored(task.reason_message, task.reason)
        ),
    )
    return task


def _order_continue(order: Order, *, actor, to_status: str, reason: str) -> None:
    """Lift the review hold once no review task of the order is open any more."""
    if ReviewTask.objects.filter(order=order, status=ReviewTask.Status.OPEN).exists():
        return
    order.refresh_from_db(fields=["status", "hold_reason"])
    if order.status == Status.ON_HOLD and order.hold_reason in REVIEW_HOLD_REASONS:
        order_transition(order=order, to_status=to_status, actor=actor, reason=reason)


@transaction.atomic
def review_reject(*, task_id: int, actor, note: str) -> ReviewTask:
    """Reject: the order is cancelled (its stock released by the lifecycle) and its open tasks closed."""
    if not note.strip():
        raise ReviewInvalid(_("note: say why the order is rejected."), extra={"field": "note"})
    task = _task_for_update(task_id)
    pending = task.approvals.filter(status=Approval.Status.PENDING).order_by("tier").first()
    if pending is not None:
        _tier_decide(task, pending, Approval.Status.REJECTED, actor, note)
    _close(task, ReviewTask.Status.REJECTED, actor, note)
    for other in ReviewTask.objects.select_for_update().filter(order=task.order, status=ReviewTask.Status.OPEN):
        _close(
            other,
            ReviewTask.Status.CANCELLED,
            actor,
            message(gettext_noop("order rejected in review task %(task)s"), task=task.pk),
        )
    order = task.order
    order.refresh_from_db(fields=["status", "hold_reason"])
    if order.can_transition_to(Status.CANCELLED):
        order_transition(
            order=order,
            to_status=Status.CANCELLED,
            actor=actor,
            reason=message(gettext_noop("review rejected: %(note)s"), note=note),
        )
    return task


def _status_before_hold(order: Order) -> str:
    event = (
        OrderEvent.objects.filter(order=order, kind=OrderEvent.Kind.TRANSITION, to_status=Status.ON_HOLD)
        .order_by("-at", "-id")
        .first()
    )
    before = event.from_status if event else Status.PAID
    if before == Status.PICKING:
        return Status.APPROVED  # picking restarts from approved (a new wave)
    return before if before in (Status.PAID, Status.APPROVED) else Status.PAID


@transaction.atomic
def review_hold_release(*, order_id: int, actor, note: str = "") -> Order:
    """Lift a review hold: back to the status before it; in paid the automatic review runs again."""
    order = Order.objects.select_for_update().get(pk=order_id)
    if order.status != Status.ON_HOLD or order.hold_reason not in REVIEW_HOLD_REASONS:
        raise ReviewInvalid(
            _("Order %(order_number)s is not held for review (status %(order_status)s, hold %(value)s).")
            % {"order_number": order.number, "order_status": order.status, "value": order.hold_reason or "-"},
            extra={"order_number": order.number, "status": order.status, "hold_reason": order.hold_reason},
        )
    tasks = list(ReviewTask.objects.select_for_update().filter(order=order, status=ReviewTask.Status.OPEN))
    if Approval.objects.filter(task__in=tasks, status=Approval.Status.PENDING).exists():
        raise ReviewInvalid(
            _("Order %(order_number)s waits for approval tiers; approve or reject it instead of releasing it.")
            % {"order_number": order.number},
            code="approval_pending",
            extra={"order_number": order.number},
        )
    for task in tasks:
        _close(task, ReviewTask.Status.RELEASED, actor, note or message(gettext_noop("hold released")))
    back_to = _status_before_hold(order)
    order_transition(
        order=order,
        to_status=back_to,
        actor=actor,
        reason=(
            message(gettext_noop("hold released: %(note)s"), note=note)
            if note
            else message(gettext_noop("hold released"))
        ),
    )
    if back_to == Status.PAID:
        from orders.rules.services import order_rules_apply

        order_rules_apply(order_id=order.pk, rerun=True)
        order.refresh_from_db()
    return order


@transaction.atomic
def review_hold_manual(*, order_id: int, actor, reason: str) -> ReviewTask:
    """Staff hold an order for review (a call to the buyer, a suspicion) with a task in the queue."""
    if not reason.strip():
        raise ReviewInvalid(_("reason: say why the order is held."), extra={"field": "reason"})
    order = Order.objects.get(pk=order_id)
    return review_task_open(
        order=order, kind=ReviewTask.Kind.MANUAL, hold_reason=HoldReason.MANUAL, reason=reason, actor=actor
    )


@transaction.atomic
def order_address_update(*, order_id: int, actor, system: str = "", **fields: str) -> Order:
    """Correct the consignee of an order that has not shipped. Unknown field names are refused."""
    unknown = set(fields) - set(ADDRESS_FIELDS)
    if unknown:
        raise ReviewInvalid(
            _("%(value)s: not an address field.") % {"value": ", ".join(sorted(unknown))},
            extra={"fields": sorted(unknown)},
        )
    order = Order.objects.select_for_update().get(pk=order_id)
    if order.status not in NOT_SHIPPED:
        raise ReviewInvalid(
            _("Order %(order_number)s has shipped (%(value)s); its address can no longer change.")
            % {"order_number": order.number, "value": order.get_status_display()},
            extra={"order_number": order.number, "status": order.status},
        )
    cleaned = {name: (value or "").strip() for name, value in fields.items()}
    if "address" in cleaned and not cleaned["address"]:
        raise ReviewInvalid(_("address: the detail address cannot be empty."), extra={"field": "address"})
    if "country" in cleaned:
        cleaned["country"] = cleaned["country"].upper()[:2] or "CN"
    changed = [name for name, value in cleaned.items() if getattr(order, name) != value]
    if not changed:
        return order
    for name in changed:
        setattr(order, name, cleaned[name])
    order.save(update_fields=[*changed, "updated_at"])
    order_event_record(
        order=order,
        kind=OrderEvent.Kind.UPDATED,
        actor=actor,
        system=system,
        reason=message(gettext_noop("address changed: %(fields)s"), fields=", ".join(changed)),
        data={"change": ADDRESS_CHANGE, "fields": changed},
    )
    return order


@dataclass
class BulkResult:
    task_id: int
    ok: bool
    message: str
    order_number: str = ""


BULK_ACTIONS = ("approve", "reject", "release")


def review_bulk(*, action: str, task_ids: list[int], actor, note: str = "") -> list[BulkResult]:
    """Apply one decision to many tasks; each task succeeds or fails on its own."""
    if action not in BULK_ACTIONS:
        raise ReviewInvalid(
            _("action: %(action)r is not one of %(value)s.") % {"action": action, "value": ", ".join(BULK_ACTIONS)},
            extra={"field": "action"},
        )
    if action == "reject" and not note.strip():
        raise ReviewInvalid(_("note: say why the orders are rejected."), extra={"field": "note"})
    results = []
    for task_id in dict.fromkeys(task_ids):
        number = ReviewTask.objects.filter(pk=task_id).values_list("order__number", flat=True).first() or ""
        try:
            if action == "approve":
                task = review_approve(task_id=task_id, actor=actor, note=note)
                message = "approved" if task.status == ReviewTask.Status.APPROVED else "tier approved"
            elif action == "reject":
                review_reject(task_id=task_id, actor=actor, note=note)
                message = "rejected"
            else:
                order_id = ReviewTask.objects.filter(pk=task_id).values_list("order_id", flat=True).first()
                if order_id is None:
                    raise ReviewInvalid(_("No review task %(task_id)s.") % {"task_id": task_id})
                review_hold_release(order_id=order_id, actor=actor, note=note)
                message = "released"
            results.append(BulkResult(task_id, True, message, number))
        except ReviewTask.DoesNotExist:
            results.append(BulkResult(task_id, False, f"No review task {task_id}.", number))
        except ApplicationError as error:
            results.append(BulkResult(task_id, False, error.message, number))
    return results
