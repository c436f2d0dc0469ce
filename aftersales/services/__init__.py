"""Writes on after-sales cases, one module per concern: ``cases`` (numbers, timeline, statuses, the platform's
word), ``creation`` (a case entered by staff or a partner), ``money`` (what may be given back and how it is
spread), ``decisions`` (approval tiers, approve/reject/withdraw), ``interception`` (the order stopped,
released or cancelled), ``receiving`` (returned goods at the warehouse), ``execution`` (the money going back),
``replacement`` (the goods an exchange or re-ship sends), ``risk`` (the score and the policy), ``bulk`` (approving
several cases from the CS queue), ``notes`` (CS's notes and evidence)."""

from aftersales.services.cases import (
    case_event_record,
    case_match,
    case_number_allocate,
    case_status_set,
    refund_record,
)
from aftersales.services.creation import LineRequest, case_create, refund_allocate
from aftersales.services.decisions import case_approve, case_auto_approve, case_reject, case_withdraw, tier_for
from aftersales.services.execution import (
    ProviderAnswer,
    ProviderRefund,
    RefundProvider,
    payout_replay,
    payout_result_record,
    refund_execute,
    refund_provider_register,
)
from aftersales.services.interception import case_interception_record
from aftersales.services.money import refund_check, refunded_total
from aftersales.services.receiving import ReceivedLine, case_receive
from aftersales.services.replacement import case_replacement_create

__all__ = [
    "LineRequest",
    "ProviderAnswer",
    "ProviderRefund",
    "ReceivedLine",
    "RefundProvider",
    "case_approve",
    "case_auto_approve",
    "case_create",
    "case_event_record",
    "case_interception_record",
    "case_match",
    "case_number_allocate",
    "case_receive",
    "case_reject",
    "case_replacement_create",
    "case_status_set",
    "case_withdraw",
    "payout_replay",
    "payout_result_record",
    "refund_allocate",
    "refund_check",
    "refund_execute",
    "refund_provider_register",
    "refund_record",
    "refunded_total",
    "tier_for",
]
