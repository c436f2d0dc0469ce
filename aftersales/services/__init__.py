"""Writes on after-sales cases, one module per concern: ``cases`` (numbers, timeline, statuses, the
platform's word), ``money`` (what may be given back)."""

from aftersales.services.cases import (
    case_event_record,
    case_match,
    case_number_allocate,
    case_status_set,
    refund_record,
)
from aftersales.services.money import refund_check, refunded_total

__all__ = [
    "case_event_record",
    "case_match",
    "case_number_allocate",
    "case_status_set",
    "refund_check",
    "refund_record",
    "refunded_total",
]
