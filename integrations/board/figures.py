"""The command center's panels: each function gathers one panel's figures from the apps' board selectors and
adds the links that drill down to the orders behind them. Called by the refresh task only (``snapshots``).

Values are JSON (numbers, strings, lists); labels are added when a page is rendered, in the reader's language.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode

from inventory.selectors import oversold_units
from orders import board as orders_board


def order_list_url(**params: Any) -> str:
    """The order list filtered by ``params`` (its filter form's fields)."""
    return f"{reverse('order-list')}?{urlencode({k: v for k, v in params.items() if v not in (None, '')})}"


def _hour_window(day: dt.date, hour: int) -> tuple[str, str]:
    tz = timezone.get_default_timezone()
    start = dt.datetime.combine(day, dt.time(hour), tzinfo=tz)
    return start.strftime("%Y-%m-%dT%H:%M"), (start + dt.timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M")


def panel_now(*, now: dt.datetime) -> dict[str, Any]:
    today = timezone.localdate(now)
    week_ago = today - dt.timedelta(days=7)
    per_hour = orders_board.orders_per_hour(now=now)
    per_hour["today_links"] = [order_list_url(since=a, until=b) for a, b in (_hour_window(today, h) for h in range(24))]
    per_hour["last_week_links"] = [
        order_list_url(since=a, until=b) for a, b in (_hour_window(week_ago, h) for h in range(24))
    ]
    backlog = orders_board.backlog_by_state_age(now=now)
    for row in backlog["rows"]:
        row["links"] = {key: order_list_url(status=row["status"], age=key) for key in row["buckets"]}
        row["link"] = order_list_url(status=row["status"])
    stuck = orders_board.stuck_orders(now=now)
    stuck["links"] = {status: order_list_url(status=status, age="10m+") for status in stuck["by_status"]}
    review = orders_board.review_queue(now=now)
    review["link"] = reverse("review:queue")
    oversold = oversold_units()
    oversold["link"] = reverse("stock-reservations")
    return {
        "orders_per_hour": per_hour,
        "backlog": backlog,
        "age_buckets": [key for key, _low, _high in orders_board.AGE_BUCKETS],
        "stuck": stuck,
        "review": review,
        "oversold": oversold,
        "staff_today": orders_board.orders_per_staff(day=today),
    }
