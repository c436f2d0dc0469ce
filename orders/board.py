"""The order figures of the command center (指挥中心): reads only, computed for every shop at once.

The board (integrations.board) stores what these return in a snapshot every minute; no page calls them. Each
query is bounded by an index: orders created in a window (``created_at``), orders in a waiting status
(``order_status_shop_created_idx``), today's timeline events (``at``), open review tasks.

- ``orders_per_hour``: orders created per Shanghai hour today, and on the same day last week.
- ``backlog_by_state_age``: orders waiting in paid / on hold / approved / picking, by how long they have been
  in that status (since the timeline event that moved them there; their creation if there is none).
- ``stuck_orders``: orders longer than ``orders.sla.STUCK_AFTER`` in a status that should move on its own.
- ``review_queue``: open review tasks, the oldest and the median wait.
- ``orders_per_staff``: orders a person moved or annotated today (distinct orders per person).
- ``cycle_time``: paid → shipped of the orders shipped in a window, p50 / p90 against the target.
"""

from __future__ import annotations

import datetime as dt
from statistics import median
from typing import Any

from django.contrib.auth import get_user_model
from django.db.models import Case, CharField, Count, DateTimeField, F, OuterRef, Subquery, Value, When
from django.db.models.functions import Coalesce, TruncHour
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from orders.models import Order, OrderEvent, ReviewTask
from orders.sla import STUCK_AFTER
from orders.states import Status

# Statuses whose orders wait for us (pending payment waits for the buyer; shipped and later have left).
BACKLOG_STATUSES = (Status.PAID, Status.ON_HOLD, Status.APPROVED, Status.PICKING)
# Age buckets of the backlog, in minutes: (key, from, to); None = open-ended. Keys are the order list's
# ``age`` filter values, so every cell drills down to its orders.
AGE_BUCKETS: tuple[tuple[str, int, int | None], ...] = (
    ("0-10m", 0, 10),
    ("10-60m", 10, 60),
    ("1-4h", 60, 240),
    ("4h+", 240, None),
)
AGE_LABELS = {
    "0-10m": _("0–10 min"),
    "10-60m": _("10–60 min"),
    "1-4h": _("1–4 h"),
    "4h+": _("over 4 h"),
    "10m+": _("over 10 min"),
}
CYCLE_TARGET = dt.timedelta(hours=4)


def _day_start(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time.min, tzinfo=timezone.get_default_timezone())


def orders_per_hour(*, now: dt.datetime) -> dict[str, Any]:
    """``{"today": [24 counts, None after the current hour], "last_week": [24 counts], "hour": h}``."""
    tz = timezone.get_default_timezone()
    local = timezone.localtime(now, tz)
    today = _day_start(local.date())
    week_ago = _day_start(local.date() - dt.timedelta(days=7))

    def per_hour(start: dt.datetime, end: dt.datetime) -> list[int]:
        counts = [0] * 24
        rows = (
            Order.objects.filter(created_at__gte=start, created_at__lt=end)
            .annotate(hour=TruncHour("created_at", tzinfo=tz))
            .values("hour")
            .annotate(n=Count("pk"))
        )
        for row in rows:
            counts[timezone.localtime(row["hour"], tz).hour] += row["n"]
        return counts

    today_counts: list[int | None] = list(per_hour(today, now))
    for hour in range(local.hour + 1, 24):
        today_counts[hour] = None
    return {"hour": local.hour, "today": today_counts, "last_week": per_hour(week_ago, week_ago + dt.timedelta(days=1))}


def orders_with_status_since(orders=None):
    """``orders`` annotated with ``status_since``: when they entered their current status."""
    entered = (
        OrderEvent.objects.filter(order=OuterRef("pk"), to_status=OuterRef("status")).order_by("-at").values("at")[:1]
    )
    orders = Order.objects.all() if orders is None else orders
    return orders.annotate(status_since=Coalesce(Subquery(entered, output_field=DateTimeField()), F("created_at")))


def orders_by_age(orders, *, bucket: str, now: dt.datetime):
    """Orders of ``orders`` that have been in their status for as long as the ``AGE_BUCKETS`` key says (or
    ``"10m+"``: at least ten minutes, the stuck threshold). Unknown keys leave ``orders`` as they are."""
    bounds = {key: (low, high) for key, low, high in AGE_BUCKETS}
    bounds["10m+"] = (10, None)
    if bucket not in bounds:
        return orders
    low, high = bounds[bucket]
    orders = orders_with_status_since(orders).filter(status_since__lte=now - dt.timedelta(minutes=low))
    if high is not None:
        orders = orders.filter(status_since__gt=now - dt.timedelta(minutes=high))
    return orders


def _bucket_case(now: dt.datetime) -> Case:
    whens = [
        When(status_since__gt=now - dt.timedelta(minutes=high), then=Value(key))
        for key, _low, high in AGE_BUCKETS
        if high is not None
    ]
    return Case(*whens, default=Value(AGE_BUCKETS[-1][0]), output_field=CharField())


def backlog_by_state_age(*, now: dt.datetime) -> dict[str, Any]:
    """``{"rows": [{"status", "buckets": {key: n}, "total"}], "total"}`` for the waiting statuses."""
    rows = (
        orders_with_status_since(Order.objects.filter(status__in=BACKLOG_STATUSES))
        .annotate(bucket=_bucket_case(now))
        .values("status", "bucket")
        .annotate(n=Count("pk"))
    )
    table = {status: dict.fromkeys((key for key, _low, _high in AGE_BUCKETS), 0) for status in BACKLOG_STATUSES}
    for row in rows:
        table[row["status"]][row["bucket"]] += row["n"]
    out = [{"status": str(status), "buckets": table[status], "total": sum(table[status].values())} for status in table]
    return {"rows": out, "total": sum(row["total"] for row in out)}


def stuck_orders(*, now: dt.datetime) -> dict[str, Any]:
    """Orders longer than their limit in a status that should move by itself: ``{"total", "by_status"}``."""
    by_status = {}
    for status, limit in STUCK_AFTER.items():
        by_status[str(status)] = (
            orders_with_status_since(Order.objects.filter(status=status)).filter(status_since__lte=now - limit).count()
        )
    return {"total": sum(by_status.values()), "by_status": by_status}


def review_queue(*, now: dt.datetime) -> dict[str, Any]:
    """Open review tasks: how many, and the oldest and median wait in minutes (None when the queue is empty)."""
    opened = list(
        ReviewTask.objects.filter(status=ReviewTask.Status.OPEN)
        .order_by("created_at")
        .values_list("created_at", flat=True)
    )
    waits = [(now - at).total_seconds() / 60 for at in opened]
    return {
        "open": len(opened),
        "oldest_wait_min": round(max(waits), 1) if waits else None,
        "median_wait_min": round(median(waits), 1) if waits else None,
    }


def orders_per_staff(*, day: dt.date) -> list[dict[str, Any]]:
    """Per person who worked on orders that day (timeline events with an actor): distinct orders, busiest first."""
    start = _day_start(day)
    rows = (
        OrderEvent.objects.filter(at__gte=start, at__lt=start + dt.timedelta(days=1), actor__isnull=False)
        .values("actor")
        .annotate(orders=Count("order", distinct=True))
        .order_by("-orders", "actor")
    )
    names = {
        user.pk: user.get_full_name() or user.get_username()
        for user in get_user_model().objects.filter(pk__in=[row["actor"] for row in rows])
    }
    return [{"user_id": row["actor"], "name": names.get(row["actor"], ""), "orders": row["orders"]} for row in rows]


def _percentile(sorted_values: list[float], share: float) -> float | None:
    """Nearest-rank percentile of an ascending list (None for an empty one)."""
    if not sorted_values:
        return None
    rank = max(1, -(-len(sorted_values) * share // 1))  # ceil without floats drifting
    return sorted_values[int(rank) - 1]


def cycle_time(*, since: dt.datetime, until: dt.datetime) -> dict[str, Any]:
    """Paid → shipped, in hours, of the orders that shipped in [since, until): p50, p90, and the share within
    ``CYCLE_TARGET``. Shipped means the timeline event to ``shipped``; paid is the order's ``paid_at``."""
    rows = (
        OrderEvent.objects.filter(to_status=Status.SHIPPED, at__gte=since, at__lt=until, order__paid_at__isnull=False)
        .values_list("at", "order__paid_at")
        .order_by()
    )
    hours = sorted(max(0.0, (shipped - paid).total_seconds() / 3600) for shipped, paid in rows)
    within = sum(1 for h in hours if h <= CYCLE_TARGET.total_seconds() / 3600)
    return {
        "shipped": len(hours),
        "p50_h": round(_percentile(hours, 0.5), 2) if hours else None,
        "p90_h": round(_percentile(hours, 0.9), 2) if hours else None,
        "target_h": CYCLE_TARGET.total_seconds() / 3600,
        "within_target_pct": round(within * 100 / len(hours), 1) if hours else None,
    }
