"""Approving several cases at once from the CS queue: each case goes through the one approval service
(``case_approve``: its tier, its money check, its own transaction), so one refusal never stops the others. A
high-risk case is not approved in bulk: a person opens it and decides it on its page."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from django.utils.translation import gettext as _

from aftersales.models import Case
from aftersales.services.decisions import case_approve
from aftersales.services.risk import case_risk_high
from config.errors import ApplicationError

APPROVED, REFUSED = "approved", "refused"


@dataclass(frozen=True, slots=True)
class BulkOutcome:
    case_id: int
    number: str
    result: str  # "approved" or "refused"
    code: str = ""  # why refused: approval_not_allowed, refund_exceeds_paid, case_state, risk_high
    message: str = ""


def cases_approve(*, cases: Iterable[Case], actor, reason: str = "") -> list[BulkOutcome]:
    """Approve each case (in case-number order) as ``actor``; one outcome per case."""
    outcomes = []
    for case in sorted(cases, key=lambda c: c.number):
        if case.status == Case.Status.REQUESTED and case_risk_high(case=case):
            outcomes.append(
                BulkOutcome(
                    case_id=case.pk,
                    number=case.number,
                    result=REFUSED,
                    code="risk_high",
                    message=_("Risk score %(score)s is high: open the case and decide it on its own.")
                    % {"score": case.risk_score},
                )
            )
            continue
        try:
            case_approve(case=case, actor=actor, reason=reason, system="cs queue")
        except ApplicationError as exc:
            outcomes.append(
                BulkOutcome(case_id=case.pk, number=case.number, result=REFUSED, code=exc.code, message=exc.message)
            )
        else:
            outcomes.append(BulkOutcome(case_id=case.pk, number=case.number, result=APPROVED))
    return outcomes


__all__ = ["APPROVED", "REFUSED", "BulkOutcome", "cases_approve"]
