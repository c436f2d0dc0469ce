"""After-sales figures of the command center (指挥中心): reads only. The board calls this one function, so the
after-sales model may change underneath it as long as this keeps its answer."""

from __future__ import annotations

import datetime as dt
from statistics import median
from typing import Any

from aftersales.models import Refund


def aftersales_close_time(*, since: dt.datetime, until: dt.datetime) -> dict[str, Any]:
    """Refunds closed (refunded) in [since, until): how many, and the median and longest time from the buyer's
    request to the refund, in hours (None when none closed)."""
    rows = Refund.objects.filter(
        status=Refund.Status.REFUNDED, refunded_at__gte=since, refunded_at__lt=until, requested_at__isnull=False
    ).values_list("requested_at", "refunded_at")
    hours = sorted(max(0.0, (done - asked).total_seconds() / 3600) for asked, done in rows)
    return {
        "closed": len(hours),
        "median_h": round(median(hours), 1) if hours else None,
        "max_h": round(hours[-1], 1) if hours else None,
    }
