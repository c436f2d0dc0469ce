"""After-sales models: cases (``cases``), approval tiers (``tiers``) and refund executions (``payouts``)."""

from aftersales.models.cases import (
    DEAD_STATUSES,
    FINAL_STATUSES,
    OPEN_STATUSES,
    Case,
    CaseDecision,
    CaseEvent,
    CaseEvidence,
    CaseLine,
)
from aftersales.models.payouts import Payout
from aftersales.models.tiers import ApprovalTier

__all__ = [
    "DEAD_STATUSES",
    "FINAL_STATUSES",
    "OPEN_STATUSES",
    "ApprovalTier",
    "Case",
    "CaseDecision",
    "CaseEvent",
    "CaseEvidence",
    "CaseLine",
    "Payout",
]
