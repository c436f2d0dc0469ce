"""Decisions on a case, by approval tier (``aftersales.models.ApprovalTier``): approve, reject, withdraw.
Every decision is recorded with who, when, why and under which tier."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from aftersales.exceptions import ApprovalNotAllowed, CaseInvalid, CaseStateError
from aftersales.locks import case_lock
from aftersales.models import DEAD_STATUSES, ApprovalTier, Case, CaseDecision, CaseEvent
from aftersales.services.cases import case_event_record, case_status_set
from aftersales.services.interception import case_order_release, case_order_settle
from aftersales.services.money import refund_check
from aftersales.services.platform import REFUND_REFUSE, RETURN_AGREE, case_platform_decision_send
from aftersales.services.replacement import case_replacement_create
from aftersales.services.risk import case_risk_high
from config.messages import message
from orders.models import Order
from orders.states import NOT_SHIPPED, Status

# The kinds that need the goods back before the money or the replacement goes out.
RETURN_KINDS = frozenset({Case.Kind.RETURN_REFUND, Case.Kind.EXCHANGE})
# Orders whose goods never left: nothing can come back from them.
NEVER_SHIPPED = frozenset({*NOT_SHIPPED, Status.CANCELLED})


def tier_for(*, user, amount) -> ApprovalTier | None:
    """The tier under which ``user`` may approve ``amount``: the lowest active one covering it whose approver
    is one of the user's roles. A superuser may approve anything (the lowest covering tier, if any)."""
    tiers = [t for t in ApprovalTier.objects.filter(is_active=True) if t.covers(amount)]
    if user is not None and user.is_superuser:
        human = [t for t in tiers if t.approver != ApprovalTier.Approver.AUTOMATIC]
        return human[0] if human else ApprovalTier(name="superuser", approver=ApprovalTier.Approver.MANAGER)
    roles = set(user.groups.values_list("name", flat=True)) if user is not None else set()
    for tier in tiers:
        if tier.approver in roles:
            return tier
    return None


def buyer_history_clean(*, case: Case, days: int) -> bool:
    """No other case (not withdrawn) for the same buyer — same phone or same buyer id — in ``days``."""
    order = case.order
    since = timezone.now() - dt.timedelta(days=days)
    others = Case.objects.filter(created_at__gte=since).exclude(pk=case.pk).exclude(status=Case.Status.WITHDRAWN)
    same = others.none()
    if order.consignee_phone:
        same = same | others.filter(order__consignee_phone=order.consignee_phone)
    if order.buyer_id:
        same = same | others.filter(order__shop_id=order.shop_id, order__buyer_id=order.buyer_id)
    return not same.exists()


@transaction.atomic(savepoint=False)
def case_auto_approve(*, case: Case, system: str = "") -> bool:
    """Approve ``case`` by itself when an active automatic tier covers its amount (and the buyer's history is
    clean, when the tier asks for it). A high-risk case (``aftersales.services.risk``) never approves by itself:
    it is scored here and waits for a person."""
    if case_risk_high(case=case):
        return False
    for tier in ApprovalTier.objects.filter(is_active=True, approver=ApprovalTier.Approver.AUTOMATIC):
        if not tier.covers(case.amount):
            continue
        if tier.clean_history_only and not buyer_history_clean(case=case, days=tier.history_days):
            continue
        _approve(case=case, tier=tier, actor=None, automatic=True, reason=_("automatic tier"), system=system)
        return True
    return False


@transaction.atomic(durable=True)
def case_approve(*, case: Case, actor, reason: str = "", system: str = "") -> Case:
    """Approve a requested case: the user needs a tier covering its amount (403 ``approval_not_allowed``).
    A return or an exchange then waits for the goods (``awaiting_return``)."""
    case = case_lock(case_id=case.pk)
    if case.status != Case.Status.REQUESTED:
        raise CaseStateError(
            _("Case %(number)s is %(status)s; only a requested case can be approved.")
            % {"number": case.number, "status": case.get_status_display()},
            extra={"status": case.status},
        )
    tier = tier_for(user=actor, amount=case.amount)
    if tier is None:
        raise ApprovalNotAllowed(
            _("No approval tier lets you approve %(amount)s %(currency)s.")
            % {"amount": case.amount, "currency": case.currency},
            extra={"amount": str(case.amount)},
        )
    _approve(case=case, tier=tier if tier.pk else None, actor=actor, automatic=False, reason=reason, system=system)
    return case


def _approve(*, case: Case, tier: ApprovalTier | None, actor, automatic: bool, reason: str, system: str) -> None:
    from aftersales.locks import order_lock

    order = order_lock(order_id=case.order_id)
    refund_check(order=case.order, amount=case.amount, exclude_case_id=case.pk)
    if case.kind == Case.Kind.RETURN_REFUND and order.status in NEVER_SHIPPED:
        _refund_only(case=case, order=order, actor=actor, system=system)
    CaseDecision.objects.create(
        case=case,
        verdict=CaseDecision.Verdict.APPROVE,
        actor=actor if getattr(actor, "is_authenticated", False) else None,
        automatic=automatic,
        tier=tier,
        amount=case.amount,
        reason=reason,
    )
    to_status = Case.Status.AWAITING_RETURN if case.kind in RETURN_KINDS else Case.Status.APPROVED
    case_status_set(case=case, to_status=to_status, actor=actor, system=system, note=reason, decided_at=timezone.now())
    if case.kind in RETURN_KINDS:  # the platform shows the buyer where to send the goods
        case_platform_decision_send(case=case, action=RETURN_AGREE, reason=reason)
    if case.kind == Case.Kind.REFUND_ONLY:
        case_order_settle(case=case, actor=actor, system=system)
    elif case.kind == Case.Kind.RESHIP:
        case_replacement_create(case=case, actor=actor, system=system)


def _refund_only(*, case: Case, order: Order, actor, system: str) -> None:
    """A return and refund on an order whose goods never left (not shipped yet, or cancelled before): nothing
    can come back, so nothing is awaited — it is approved as a refund only (its units come off the order, or it
    cancels the order, as a refund does)."""
    case.kind = Case.Kind.REFUND_ONLY
    case.save(update_fields=["kind", "updated_at"])
    case_event_record(
        case=case,
        kind=CaseEvent.Kind.UPDATED,
        actor=actor,
        system=system,
        note=message(gettext_noop("refund only: the goods never left")),
        data={"kind": [Case.Kind.RETURN_REFUND, Case.Kind.REFUND_ONLY], "order_status": order.status},
    )


@transaction.atomic(durable=True)
def case_reject(*, case: Case, actor, reason: str, system: str = "") -> Case:
    """Reject an open case (the reason is required): its order goes back where it was."""
    reason = (reason or "").strip()
    if not reason:
        raise CaseInvalid(_("reason: say why the case is rejected."), extra={"field": "reason"})
    case = case_lock(case_id=case.pk)
    if case.status not in (Case.Status.REQUESTED, Case.Status.AWAITING_RETURN, Case.Status.RECEIVED):
        raise CaseStateError(
            _("Case %(number)s is %(status)s; it cannot be rejected.")
            % {"number": case.number, "status": case.get_status_display()},
            extra={"status": case.status},
        )
    CaseDecision.objects.create(
        case=case,
        verdict=CaseDecision.Verdict.REJECT,
        actor=actor if getattr(actor, "is_authenticated", False) else None,
        amount=case.amount,
        reason=reason,
    )
    case_status_set(
        case=case, to_status=Case.Status.REJECTED, actor=actor, system=system, note=reason, decided_at=timezone.now()
    )
    case_order_release(case=case, actor=actor, system=system)
    case_platform_decision_send(case=case, action=REFUND_REFUSE, reason=reason)
    return case


@transaction.atomic(durable=True)
def case_withdraw(*, case: Case, actor=None, reason: str = "", system: str = "") -> Case:
    """The buyer withdrew the case: it no longer counts, its order goes back where it was."""
    case = case_lock(case_id=case.pk)
    if case.status in (*DEAD_STATUSES, Case.Status.REFUNDED, Case.Status.CLOSED):
        raise CaseStateError(
            _("Case %(number)s is %(status)s; it cannot be withdrawn.")
            % {"number": case.number, "status": case.get_status_display()},
            extra={"status": case.status},
        )
    case_status_set(case=case, to_status=Case.Status.WITHDRAWN, actor=actor, system=system, note=reason)
    case_order_release(case=case, actor=actor, system=system)
    return case
