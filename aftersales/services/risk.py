"""A case's risk score (0–100) from the risk policy's documented inputs (``aftersales.models.risk``), written on
the case with the factors behind it, so CS sees why and the queue filters by it.

``case_risk_assess`` is called when a case is created or changes what it is about, before the automatic tier
decides (a high-risk case never approves by itself: ``case_risk_high``), and after the warehouse graded its
parcel. It only writes the case's own risk fields; running it again gives the same score for the same facts.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from aftersales.exceptions import CaseInvalid
from aftersales.models import Case, RiskPolicy
from aftersales.selectors import buyer_cases

HISTORY, VALUE, REASON, INSPECTION, EARLIER_FRAUD = "history", "value", "reason", "inspection", "earlier_fraud"


@dataclass(frozen=True, slots=True)
class RiskAssessment:
    score: int
    level: str  # "low", "watch" or "high"
    factors: dict[str, int] = field(default_factory=dict)
    earlier_cases: int = 0


def risk_policy_get() -> RiskPolicy:
    """The newest active policy, else the defaults (not saved)."""
    return RiskPolicy.objects.filter(is_active=True).first() or RiskPolicy()


# The fields of the risk policy managers set (outside the admin too: ``/aftersales/risk/``).
POLICY_FIELDS = (
    "window_days",
    "points_per_case",
    "history_cap",
    "value_from",
    "value_points",
    "risky_reasons",
    "reason_points",
    "fraud_points",
    "watch_from",
    "high_from",
)


@transaction.atomic
def risk_policy_save(*, values: dict, actor=None) -> RiskPolicy:
    """Set the risk policy that counts (the newest active one; the first one is created from the defaults):
    ``values`` holds some of ``POLICY_FIELDS``. The policy's history (who, when, what) is kept by
    simple-history. Scores already written stay until their case is scored again."""
    unknown = set(values) - set(POLICY_FIELDS)
    if unknown:
        raise CaseInvalid(
            _("%(fields)s: not a setting of the risk policy.") % {"fields": ", ".join(sorted(unknown))},
            extra={"fields": sorted(unknown)},
        )
    watch, high = values.get("watch_from"), values.get("high_from")
    policy = RiskPolicy.objects.select_for_update().filter(is_active=True).first() or RiskPolicy()
    watch = policy.watch_from if watch is None else watch
    high = policy.high_from if high is None else high
    if not watch <= high <= 100:
        raise CaseInvalid(
            _("high_from: %(high)s must be at least the watch score %(watch)s and at most 100.")
            % {"high": high, "watch": watch},
            extra={"field": "high_from"},
        )
    reasons = values.get("risky_reasons")
    if reasons is not None and set(reasons) - set(Case.ReasonCode.values):
        raise CaseInvalid(
            _("risky_reasons: %(codes)s are not reason codes.")
            % {"codes": ", ".join(sorted(set(reasons) - set(Case.ReasonCode.values)))},
            extra={"field": "risky_reasons"},
        )
    for name, value in values.items():
        setattr(policy, name, value)
    if actor is not None and getattr(actor, "is_authenticated", False):
        policy._history_user = actor
    policy.save()
    return policy


def risk_level(*, score: int | None, policy: RiskPolicy) -> str:
    if score is None:
        return ""
    if score >= policy.high_from:
        return "high"
    return "watch" if score >= policy.watch_from else "low"


def case_risk_score(*, case: Case, policy: RiskPolicy | None = None, now: dt.datetime | None = None) -> RiskAssessment:
    """The case's score and its factors, read from the database (writes nothing)."""
    policy = policy or risk_policy_get()
    since = (now or timezone.now()) - dt.timedelta(days=policy.window_days)
    earlier = buyer_cases(order=case.order, since=since).exclude(pk=case.pk).exclude(status=Case.Status.WITHDRAWN)
    counts = earlier.values_list("fraud_flag", flat=True)
    flags = list(counts)
    factors: dict[str, int] = {}
    if flags:
        factors[HISTORY] = min(policy.history_cap, policy.points_per_case * len(flags))
    if case.amount >= policy.value_from:
        factors[VALUE] = policy.value_points
    if case.reason_code and case.reason_code in (policy.risky_reasons or []):
        factors[REASON] = policy.reason_points
    if case.fraud_flag:
        factors[INSPECTION] = policy.fraud_points
    if any(flags):
        factors[EARLIER_FRAUD] = policy.fraud_points
    factors = {key: value for key, value in factors.items() if value}
    score = min(100, sum(factors.values()))
    return RiskAssessment(
        score=score, level=risk_level(score=score, policy=policy), factors=factors, earlier_cases=len(flags)
    )


@transaction.atomic(savepoint=False)
def case_risk_assess(*, case: Case, policy: RiskPolicy | None = None) -> RiskAssessment:
    """Score ``case`` and write the score and its factors on it (only when they changed)."""
    assessment = case_risk_score(case=case, policy=policy)
    factors = {**assessment.factors, "earlier_cases": assessment.earlier_cases}
    if case.risk_score != assessment.score or case.risk_factors != factors:
        Case.objects.filter(pk=case.pk).update(risk_score=assessment.score, risk_factors=factors)
        case.risk_score, case.risk_factors = assessment.score, factors
    return assessment


def case_risk_high(*, case: Case) -> bool:
    """Whether the case is high risk now (scored afresh): such a case never approves by itself."""
    policy = risk_policy_get()
    return case_risk_assess(case=case, policy=policy).score >= policy.high_from


__all__ = [
    "POLICY_FIELDS",
    "RiskAssessment",
    "risk_policy_save",
    "case_risk_assess",
    "case_risk_high",
    "case_risk_score",
    "risk_level",
    "risk_policy_get",
]
