"""Money figures of the command center (指挥中心): reads only, for every legal entity at once; stored by the
board's refresh task (integrations.board), never computed by a page.

- ``receivable_vs_received``: per day, what the orders say should arrive (``DailyBalance.expected``) and what the
  payment statements say did (``received``), summed over channels and shops, per currency.
- ``open_differences_by_type``: differences still open or under investigation, by type.
- ``shipment_to_settlement_days``: for statement lines of a window matched to an order, days from the order's
  shipping (its timeline event to shipped) to the money's movement in the statement (``occurred_at``).
"""

from __future__ import annotations

import datetime as dt
from statistics import median
from typing import Any

from django.db.models import Count, Min, Q, Sum

from finance.models import DailyBalance, Difference, StatementLine
from finance.models.reconciliation import UNRESOLVED_STATUSES
from orders.models import OrderEvent
from orders.states import Status


def receivable_vs_received(*, date_from: dt.date, date_to: dt.date) -> list[dict[str, Any]]:
    """``[{"date", "currency", "expected", "received", "difference"}]`` (amounts as strings, two places), by date."""
    rows = (
        DailyBalance.objects.filter(date__gte=date_from, date__lte=date_to)
        .values("date", "currency")
        .annotate(expected=Sum("expected"), received=Sum("received"))
        .order_by("date", "currency")
    )
    return [
        {
            "date": row["date"].isoformat(),
            "currency": row["currency"],
            "expected": str(row["expected"]),
            "received": str(row["received"]),
            "difference": str(row["received"] - row["expected"]),
        }
        for row in rows
    ]


def open_differences_by_type() -> list[dict[str, Any]]:
    """``[{"type", "count"}]`` of the unresolved differences, most first."""
    rows = (
        Difference.objects.filter(status__in=UNRESOLVED_STATUSES)
        .values("type")
        .annotate(count=Count("pk"))
        .order_by("-count", "type")
    )
    return [{"type": row["type"], "count": row["count"]} for row in rows]


def shipment_to_settlement_days(*, date_from: dt.date, date_to: dt.date) -> dict[str, Any]:
    """Statement lines with business dates in [date_from, date_to] matched to a shipped order: how many, and the
    median and longest days from shipping to settlement (one decimal; None when there are none)."""
    lines = (
        StatementLine.objects.filter(
            business_date__gte=date_from, business_date__lte=date_to, order__isnull=False, amount__gt=0
        )
        .values("order_id")
        .annotate(settled=Min("occurred_at"))
    )
    settled = {row["order_id"]: row["settled"] for row in lines}
    shipped = dict(
        OrderEvent.objects.filter(Q(order_id__in=list(settled)) & Q(to_status=Status.SHIPPED))
        .values("order_id")
        .annotate(at=Min("at"))
        .values_list("order_id", "at")
    )
    days = sorted(
        max(0.0, (settled[order_id] - at).total_seconds() / 86400)
        for order_id, at in shipped.items()
        if order_id in settled
    )
    return {
        "lines": len(days),
        "median_days": round(median(days), 1) if days else None,
        "max_days": round(days[-1], 1) if days else None,
    }
