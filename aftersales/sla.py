"""The platforms' after-sales deadlines in the SLA watch (``orders.sla``): a platform agrees a refund by itself
when the merchant has not answered by the case's ``deadline_at``. A requested case whose deadline is less
than ``DEADLINE_SOON`` away raises an amber alert; one past its deadline is a breach — red, counted by the
watch. The alert resolves itself once the case is decided."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from aftersales.models import Case
from orders.models import Alert
from orders.services.alerts import alert_raise, alerts_resolve

DEADLINE_SOON = dt.timedelta(hours=6)
KIND = Alert.Kind.AFTERSALES_DEADLINE


def case_deadlines_flag(*, now: dt.datetime | None = None) -> dict[str, int]:
    now = now or timezone.now()
    due = (
        Case.objects.filter(status=Case.Status.REQUESTED, deadline_at__lte=now + DEADLINE_SOON)
        .select_related("order", "order__shop")
        .order_by("deadline_at")
    )
    keep: set[str] = set()
    raised = breached = 0
    for case in due:
        key = f"aftersales_deadline:{case.pk}"
        keep.add(key)
        late = case.deadline_at <= now
        breached += late
        when = timezone.localtime(case.deadline_at).strftime("%m-%d %H:%M")
        _alert, notify = alert_raise(
            kind=KIND,
            key=key,
            order=case.order,
            severity=Alert.Severity.CRITICAL if late else Alert.Severity.WARNING,
            title=(
                f"{case.number} ({case.order.number}): platform deadline {when} passed"
                if late
                else f"{case.number} ({case.order.number}): decide before {when}"
            ),
            detail={
                "case": case.number,
                "deadline_at": case.deadline_at.isoformat(),
                "shop": case.order.shop.code,
                "amount": str(case.amount),
                "late": late,
            },
        )
        raised += notify
    return {
        "raised": raised,
        "open": len(keep),
        "breached": breached,
        "resolved": alerts_resolve(kind=KIND, keep=keep, now=now),
    }
