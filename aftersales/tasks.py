"""django-q2 entry points of after-sales. Idempotent, JSON arguments only. ``SCHEDULES`` is upserted by name
by ``manage.py schedules_sync``."""

from __future__ import annotations

from django_q.models import Schedule

from aftersales.services.execution import payout_send as _payout_send
from aftersales.services.execution import payouts_due

SCHEDULES = [
    {
        # Failed refund executions whose back-off ran out are sent again.
        "name": "aftersales.payouts_retry_due",
        "func": "aftersales.tasks.payouts_retry_due",
        "schedule_type": Schedule.MINUTES,
        "minutes": 1,
    },
]


def payout_send(payout_id: int) -> str:
    return _payout_send(payout_id=payout_id)


def payouts_retry_due() -> int:
    due = payouts_due()
    for payout_id in due:
        _payout_send(payout_id=payout_id)
    return len(due)
