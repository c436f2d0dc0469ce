"""After-sales figures of the command center (指挥中心): reads only. The board calls this one function, so the
after-sales model may change underneath it as long as this keeps its answer."""

from __future__ import annotations

import datetime as dt
from statistics import median
from typing import Any

from django.db.models.functions import Coalesce

from aftersales.models import FINAL_STATUSES, Case


def aftersales_close_time(*, since: dt.datetime, until: dt.datetime) -> dict[str, Any]:
    """Cases closed (refunded, rejected, withdrawn or closed) in [since, until): how many, and the median and
    longest time from the buyer's request (the case's creation when the platform gave no request time) to the
    close, in hours (None when none closed)."""
    rows = (
        Case.objects.filter(status__in=FINAL_STATUSES, closed_at__gte=since, closed_at__lt=until)
        .annotate(opened=Coalesce("requested_at", "created_at"))
        .values_list("opened", "closed_at")
    )
    hours = sorted(max(0.0, (done - opened).total_seconds() / 3600) for opened, done in rows)
    return {
        "closed": len(hours),
        "median_h": round(median(hours), 1) if hours else None,
        "max_h": round(hours[-1], 1) if hours else None,
    }
