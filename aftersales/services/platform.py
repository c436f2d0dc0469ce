"""What a platform answered to a decision Order Hub sent it (agree the refund, agree the return, refuse), on the
case's timeline: the integrations outbox calls ``case_platform_answer_record`` after each call that ended — done,
the refund already moved on at the platform, or parked for staff. The money itself is settled only by the
platform's own "refunded" notice (``refund_record`` → ``platform_payout_settle``): an answer never pays twice."""

from __future__ import annotations

from typing import Any

from django.db import transaction

from aftersales.models import Case, CaseEvent, Payout
from aftersales.services.cases import case_event_record
from aftersales.signals import case_platform_decision
from orders.models import Platform

# The sales platforms whose refunds are decided on the platform (the refund execution's ``platform`` method).
PLATFORMS = frozenset({Platform.TAOBAO, Platform.TMALL, Platform.JD, Platform.PDD, Platform.DOUYIN, Platform.SHOPIFY})

# The actions a platform hears (``aftersales.signals.case_platform_decision``).
REFUND_AGREE = "refund_agree"
RETURN_AGREE = "return_agree"
REFUND_REFUSE = "refund_refuse"
ACTIONS = (REFUND_AGREE, RETURN_AGREE, REFUND_REFUSE)


def case_platform_decision_send(*, case: Case, action: str, request_no: str = "", reason: str = "") -> bool:
    """Tell the platform of the case's order about a decision (``aftersales.signals.case_platform_decision``),
    inside the decision's transaction. Cases of orders from other channels → False (nothing to tell)."""
    if case.order.shop.platform not in PLATFORMS:
        return False
    case_platform_decision.send(
        sender=Case, case_id=case.pk, action=action, request_no=request_no, reason=(reason or "")[:200]
    )
    return True


@transaction.atomic
def case_platform_answer_record(
    *,
    case_id: int,
    action: str,
    outcome: str,
    answer: dict[str, Any] | None = None,
    message: str = "",
    request_no: str = "",
    system: str = "",
) -> CaseEvent:
    """Write the platform's answer to ``action`` on the case's timeline. ``outcome`` is ``done`` (the platform
    took the decision), ``state_changed`` (the refund had already moved on there — its notice settles it),
    ``unsupported`` (the platform takes this decision only in its own back office) or ``parked`` (refused or out
    of attempts: staff replay it from the outbox). A parked refund agreement also leaves its error on the refund
    execution (``request_no``), which stays open: the decision is kept and nothing is paid twice."""
    case = Case.objects.get(pk=case_id)
    if outcome == "parked" and request_no:
        Payout.objects.filter(request_no=request_no, method=Payout.Method.PLATFORM).exclude(
            status=Payout.Status.SUCCEEDED
        ).update(error=message[:2000], error_code=str((answer or {}).get("code") or "platform")[:64])
    elif outcome in ("done", "state_changed") and request_no:
        Payout.objects.filter(request_no=request_no, method=Payout.Method.PLATFORM).exclude(
            status=Payout.Status.SUCCEEDED
        ).update(error="", error_code="")
    return case_event_record(
        case=case,
        kind=CaseEvent.Kind.PLATFORM,
        system=system,
        note=f"{action} {outcome}: {message}".strip(": ")[:500],
        data={"action": action, "outcome": outcome, "answer": answer or {}, "request_no": request_no},
    )
