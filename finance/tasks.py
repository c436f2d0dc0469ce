"""django-q2 entry points for finance, and the schedules the lead's ``schedules_sync`` upserts.

Every task takes ids/JSON values and is idempotent: imports claim their statement by compare-and-set,
exports claim their job the same way, reconciliation is idempotent by design.
"""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

SCHEDULES = [
    {
        "name": "finance.differences_remind",
        "func": "finance.tasks.differences_remind",
        "schedule_type": "I",
        "minutes": 60,
    },
    {
        "name": "finance.reconcile_recent",
        "func": "finance.tasks.reconcile_recent",
        "schedule_type": "I",
        "minutes": 360,
    },
]


def statement_import(statement_id: int) -> str:
    from finance.services.statements import statement_import as run

    statement = run(statement_id=statement_id)
    return f"statement {statement.pk}: {statement.status}, {statement.line_count} lines"


def reconcile(date_from: str, date_to: str, user_id: int | None = None) -> str:
    from django.contrib.auth import get_user_model

    from finance.services.reconciliation import reconcile as run

    user = get_user_model().objects.filter(pk=user_id).first() if user_id else None
    result = run(date_from=dt.date.fromisoformat(date_from), date_to=dt.date.fromisoformat(date_to), user=user)
    return f"run {result.pk}: {result.stats.get('differences')} differences"


def reconcile_recent() -> str:
    """Yesterday and the day before (settlements and cross-period payments arrive late)."""
    today = timezone.localdate()
    return reconcile((today - dt.timedelta(days=2)).isoformat(), (today - dt.timedelta(days=1)).isoformat())


def export_build(job_id: int) -> str:
    from finance.services.exports import export_build as run

    job = run(job_id=job_id)
    return f"export {job.pk}: {job.status}"


def differences_remind() -> int:
    from finance.services.differences import differences_remind as run

    return run()
