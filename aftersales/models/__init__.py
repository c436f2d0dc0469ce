"""After-sales models: cases (``cases``), approval tiers (``tiers``), refund executions (``payouts``), the risk
policy (``risk``) and parcels that match no case (``parcels``)."""

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
from aftersales.models.parcels import UnknownParcel
from aftersales.models.payouts import Payout
from aftersales.models.risk import RiskPolicy
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
    "RiskPolicy",
    "UnknownParcel",
]
