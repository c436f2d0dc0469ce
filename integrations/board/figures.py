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

from aftersales.board import aftersales_close_time
from finance import board as finance_board
from fulfilment import board as fulfilment_board
from fulfilment.reports import shipping_health
from integrations.board.connections import connection_figures
from inventory.selectors import oversold_units
from orders import board as orders_board

HEATMAP_DAYS = 7
MONEY_DAYS = 14
SETTLEMENT_DAYS = 30
AFTERSALES_DAYS = 30


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


def _today_start(now: dt.datetime) -> dt.datetime:
    return dt.datetime.combine(timezone.localdate(now), dt.time.min, tzinfo=timezone.get_default_timezone())


def panel_flow(*, now: dt.datetime) -> dict[str, Any]:
    today = timezone.localdate(now)
    on_time = fulfilment_board.on_time_by(since=_today_start(now), until=now)
    for row in on_time["channel"]:
        row["link"] = order_list_url(channel=row["key"], since=_today_start(now).strftime("%Y-%m-%dT%H:%M"))
    for row in on_time["warehouse"]:
        row["link"] = reverse("fulfilment:report") + f"?day={today.isoformat()}"
    report = shipping_health(day=today, user=None)["totals"]
    return {
        "cycle": orders_board.cycle_time(since=now - dt.timedelta(hours=24), until=now),
        "on_time": on_time,
        "label_errors": report["label_errors"],
        "label_attempts": report["label_attempts"],
        "exceptions": report["exceptions"],
        "manual_interventions": report["manual_interventions"],
        "report_link": reverse("fulfilment:report") + f"?day={today.isoformat()}",
        "work_items_link": reverse("fulfilment:work-items"),
        "aftersales": aftersales_close_time(since=now - dt.timedelta(days=AFTERSALES_DAYS), until=now),
    }


def panel_connections(*, now: dt.datetime) -> dict[str, Any]:
    return {"shops": connection_figures(now=now)}


def panel_heatmap(*, now: dt.datetime) -> dict[str, Any]:
    since = _today_start(now) - dt.timedelta(days=HEATMAP_DAYS - 1)
    heat = fulfilment_board.exception_heatmap(since=since, until=now)
    for axis in ("channel", "category"):
        for cell in heat[axis]:
            cell["link"] = order_list_url(numbers=",".join(cell.pop("numbers")))
    heat["days"] = HEATMAP_DAYS
    return heat


def panel_money(*, now: dt.datetime) -> dict[str, Any]:
    today = timezone.localdate(now)
    differences = finance_board.open_differences_by_type()
    for row in differences:
        row["link"] = f"{reverse('finance-differences')}?{urlencode({'type': row['type'], 'status': 'open'})}"
    return {
        "daily": finance_board.receivable_vs_received(
            date_from=today - dt.timedelta(days=MONEY_DAYS - 1), date_to=today
        ),
        "differences": differences,
        "settlement": finance_board.shipment_to_settlement_days(
            date_from=today - dt.timedelta(days=SETTLEMENT_DAYS - 1), date_to=today
        ),
        "link": reverse("finance-home"),
    }
