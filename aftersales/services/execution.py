"""Giving the money back (``refund_execute``), one way for every path, idempotent by the refund request number.

- Platform orders (Taobao/Tmall, JD, PDD, Douyin, Shopify): the refund is agreed on the platform through the
  integrations outbox (``aftersales.signals.case_platform_decision``, written in the same transaction); the
  execution waits (``sent``) until the platform's feed says the money went back (``refund_record`` with
  ``refunded`` marks it succeeded).
- Orders paid through a payment provider Order Hub knows (``order.payment_method`` = a registered provider's
  code, e.g. ``alipay``, ``wechatpay``): the provider's refund API, called by the task
  ``aftersales.tasks.payout_send`` after commit, outside any transaction. Retried with ``config.retry``;
  out of attempts (or a permanent error) the execution is ``parked`` for staff to replay.
- Any other order: ``offline`` — staff gave the money back themselves; recorded at once.

Payment-provider clients plug in with ``refund_provider_register(provider)``: an object with a ``code`` and
``refund(request: ProviderRefund) -> ProviderAnswer`` that raises an ``ApplicationError`` (``permanent`` when
no retry can help) on failure. The request number is the provider's idempotency key (Alipay
``out_request_no``, WeChat Pay ``out_refund_no``), so a retried call never pays twice.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Protocol

from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from aftersales.exceptions import CaseStateError, RefundExecutionRefused
from aftersales.locks import case_lock
from aftersales.models import ApprovalTier, Case, CaseDecision, CaseEvent, Payout
from aftersales.services.cases import case_event_record, case_status_set
from aftersales.services.interception import case_order_settle
from aftersales.services.money import refund_check
from aftersales.services.platform import PLATFORMS, REFUND_AGREE, case_platform_decision_send
from config.retry import retry_decide
from config.sweep import due_ids, work_replay
from config.tasks import enqueue_on_commit

SEND_TASK = "aftersales.tasks.payout_send"
# The statuses from which the money may go: a refund approved, a return received.
PAYABLE = {
    Case.Kind.REFUND_ONLY: (Case.Status.APPROVED,),
    Case.Kind.COMPENSATION: (Case.Status.APPROVED,),
    Case.Kind.RETURN_REFUND: (Case.Status.RECEIVED,),
}
OPEN_PAYOUT = (Payout.Status.PENDING, Payout.Status.SENT, Payout.Status.FAILED)


@dataclass(frozen=True, slots=True)
class ProviderRefund:
    request_no: str
    order_number: str
    platform_order_id: str
    amount: Decimal
    currency: str
    order_amount: Decimal
    reason: str


@dataclass(frozen=True, slots=True)
class ProviderAnswer:
    reference: str  # the provider's refund id
    done: bool = True  # False: accepted, the result comes later (a notify callback) — see payout_result_record


class RefundProvider(Protocol):
    code: str

    def refund(self, request: ProviderRefund) -> ProviderAnswer: ...


PROVIDERS: dict[str, RefundProvider] = {}


def refund_provider_register(provider: RefundProvider) -> None:
    PROVIDERS[provider.code] = provider


def refund_method_for(case: Case) -> tuple[str, str]:
    """(method, provider code) for the case's order."""
    order = case.order
    if order.shop.platform in PLATFORMS:
        return Payout.Method.PLATFORM, order.shop.platform
    if order.payment_method in PROVIDERS:
        return Payout.Method.PROVIDER, order.payment_method
    return Payout.Method.OFFLINE, ""


def _finance_check(*, case: Case, actor) -> None:
    """A case approved under a tier with a second finance check pays out only after finance checked it:
    the finance user (or a superuser) executing it is that check, recorded as a decision."""
    approval = case.decisions.filter(verdict=CaseDecision.Verdict.APPROVE).select_related("tier").last()
    if approval is None or approval.tier is None or not approval.tier.finance_check:
        return
    if case.decisions.filter(verdict=CaseDecision.Verdict.FINANCE_CHECK).exists():
        return
    is_finance = actor is not None and (
        actor.is_superuser or actor.groups.filter(name=ApprovalTier.Approver.FINANCE).exists()
    )
    if not is_finance or (approval.actor_id and approval.actor_id == actor.pk and not actor.is_superuser):
        raise RefundExecutionRefused(
            _("Case %(number)s needs a second check by finance before the money goes back.") % {"number": case.number},
            code="finance_check_required",
        )
    CaseDecision.objects.create(
        case=case, verdict=CaseDecision.Verdict.FINANCE_CHECK, actor=actor, amount=case.amount, reason="refund"
    )


@transaction.atomic(durable=True)
def refund_execute(*, case: Case, actor=None, system: str = "") -> Payout:
    """Give the case's money back (see the module). Executing again returns the execution already on its way
    or done: the same request number, never a second payment."""
    case = case_lock(case_id=case.pk)
    done = case.payouts.filter(status__in=(*OPEN_PAYOUT, Payout.Status.SUCCEEDED)).first()
    if done is not None:
        return done
    if case.status not in PAYABLE.get(case.kind, ()):
        raise CaseStateError(
            _("Case %(number)s is %(status)s; its money cannot go back now.")
            % {"number": case.number, "status": case.get_status_display()},
            extra={"status": case.status},
        )
    refund_check(order=case.order, amount=case.amount, exclude_case_id=case.pk)
    _finance_check(case=case, actor=actor)
    method, provider = refund_method_for(case)
    payout = Payout.objects.create(
        case=case,
        request_no=f"{case.number}R{case.payouts.count() + 1:02d}",
        method=method,
        provider=provider,
        amount=case.amount,
        currency=case.currency,
        requested_by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    case_event_record(
        case=case,
        kind=CaseEvent.Kind.REFUND,
        actor=actor,
        system=system,
        note=method,
        data={"request_no": payout.request_no},
    )
    if method == Payout.Method.OFFLINE:
        _succeed(payout=payout, case=case, reference="", actor=actor, system=system)
    elif method == Payout.Method.PLATFORM:
        Payout.objects.filter(pk=payout.pk).update(status=Payout.Status.SENT, attempts=1)
        payout.refresh_from_db()
        # The refund is agreed on the platform through the integrations outbox (written in this transaction);
        # the platform's "refunded" notice then settles the execution.
        case_platform_decision_send(case=case, action=REFUND_AGREE, request_no=payout.request_no)
    else:
        enqueue_on_commit(SEND_TASK, payout.pk)
    return payout


def _succeed(*, payout: Payout, case: Case, reference: str, actor=None, system: str = "") -> None:
    now = timezone.now()
    payout.status = Payout.Status.SUCCEEDED
    payout.reference = reference[:64]
    payout.succeeded_at = now
    payout.error, payout.error_code = "", ""
    payout.save()
    case_status_set(case=case, to_status=Case.Status.REFUNDED, actor=actor, system=system, refunded_at=now)
    case_order_settle(case=case, actor=actor, system=system)


@transaction.atomic(savepoint=False)
def platform_payout_settle(*, case: Case, system: str = "") -> None:
    """The platform says the case's money went back: its open execution on the platform succeeded."""
    payout = case.payouts.filter(method=Payout.Method.PLATFORM, status__in=OPEN_PAYOUT).first()
    if payout is not None:
        payout.status = Payout.Status.SUCCEEDED
        payout.succeeded_at = timezone.now()
        payout.save()


def payout_send(*, payout_id: int) -> str:
    """Send one provider execution (a task; idempotent: claimed by compare-and-set, the provider deduplicates
    by request number). Returns the execution's status afterwards."""
    claimed = Payout.objects.filter(
        pk=payout_id, method=Payout.Method.PROVIDER, status__in=(Payout.Status.PENDING, Payout.Status.FAILED)
    ).update(status=Payout.Status.SENT, attempts=F("attempts") + 1, updated_at=timezone.now())
    if claimed != 1:
        return Payout.objects.get(pk=payout_id).status
    payout = Payout.objects.select_related("case__order").get(pk=payout_id)
    provider = PROVIDERS.get(payout.provider)
    try:
        if provider is None:
            raise RefundExecutionRefused(
                _("No refund client for payment provider %(code)s.") % {"code": payout.provider},
                code="provider_missing",
            )
        answer = provider.refund(
            ProviderRefund(
                request_no=payout.request_no,
                order_number=payout.case.order.number,
                platform_order_id=payout.case.order.external_id,
                amount=payout.amount,
                currency=payout.currency,
                order_amount=payout.case.order.paid_amount,
                reason=payout.case.reason[:80],
            )
        )
    except Exception as exc:  # noqa: BLE001 - every failure is retried or parked by the one retry policy
        decision = retry_decide(exc, attempts=payout.attempts)
        Payout.objects.filter(pk=payout.pk, status=Payout.Status.SENT).update(
            status=Payout.Status.PARKED if decision.give_up else Payout.Status.FAILED,
            next_attempt_at=None if decision.give_up else decision.next_attempt_at,
            error=str(exc)[:2000],
            error_code=str(getattr(exc, "code", type(exc).__name__))[:64],
            updated_at=timezone.now(),
        )
        return Payout.objects.get(pk=payout.pk).status
    if answer.done:
        payout_result_record(request_no=payout.request_no, reference=answer.reference)
    else:
        Payout.objects.filter(pk=payout.pk).update(reference=answer.reference[:64])
    return Payout.objects.get(pk=payout.pk).status


@transaction.atomic
def payout_result_record(*, request_no: str, reference: str = "", system: str = "") -> Payout:
    """The provider confirmed the refund (the answer to the call, or its notify callback later): the execution
    succeeded and the case is refunded. Repeated confirmations change nothing."""
    payout = Payout.objects.select_related("case").get(request_no=request_no)
    case = case_lock(case_id=payout.case_id)
    payout = Payout.objects.select_for_update().get(pk=payout.pk)
    if payout.status != Payout.Status.SUCCEEDED:
        _succeed(payout=payout, case=case, reference=reference, system=system or payout.provider)
    return payout


@transaction.atomic
def payout_replay(*, payout: Payout, actor=None) -> Payout:
    """Staff send a parked execution again (its attempts start again from 0)."""
    # A pending execution is queued at once: it has no time of a next attempt (only a failed one waits).
    parked = Payout.objects.filter(pk=payout.pk, status=Payout.Status.PARKED)
    updated = work_replay(parked, status=Payout.Status.PENDING, next_attempt_at=None, updated_at=timezone.now())
    if updated:
        enqueue_on_commit(SEND_TASK, payout.pk)
    return Payout.objects.get(pk=payout.pk)


def payouts_due() -> list[int]:
    """Failed provider executions whose retry time has come."""
    return due_ids(Payout.objects.all(), statuses=[Payout.Status.FAILED], limit=None)
