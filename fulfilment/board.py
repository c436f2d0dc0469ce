"""The floor's figures of the command center (指挥中心): reads only, for every warehouse at once; stored by
the board's refresh task (integrations.board), never computed by a page.

- ``on_time_by``: parcels shipped in a window, on time (by the order's promised ship time) per channel and per
  warehouse — the same rule as the daily shipping health report (fulfilment.reports).
- ``exception_heatmap``: work items caught in a window (exceptions intercepted on the floor), by hour of day ×
  channel and by hour of day × product category, with the orders created in each cell to give a density
  (exceptions per 100 orders) and the order numbers behind each cell for the drill-down.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db.models import Count, F, Q
from django.db.models.functions import ExtractHour
from django.utils import timezone

from fulfilment.models import Shipment, WorkItem
from orders.models import Order, OrderLine

CELL_NUMBERS = 200  # order numbers kept per heat-map cell for its drill-down link
UNCATEGORISED = ""


def _pct(part: int, whole: int) -> float | None:
    if not whole:
        return None
    return float((Decimal(part) * 100 / Decimal(whole)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP))


def on_time_by(*, since: dt.datetime, until: dt.datetime) -> dict[str, list[dict[str, Any]]]:
    """``{"channel": [{"key", "shipped", "on_time", "rate"}], "warehouse": [...]}`` for parcels shipped in
    [since, until). On time: shipped no later than the order's promised ship time (no promise: on time)."""
    shipped = Shipment.objects.filter(shipped_at__gte=since, shipped_at__lt=until)
    on_time = Q(order__promised_ship_at__isnull=True) | Q(shipped_at__lte=F("order__promised_ship_at"))
    out: dict[str, list[dict[str, Any]]] = {}
    for name, field in (("channel", "order__shop__platform"), ("warehouse", "warehouse__code")):
        rows = shipped.values(field).annotate(total=Count("pk"), ok=Count("pk", filter=on_time)).order_by(field)
        out[name] = [
            {"key": row[field], "shipped": row["total"], "on_time": row["ok"], "rate": _pct(row["ok"], row["total"])}
            for row in rows
        ]
    return out


def exception_heatmap(*, since: dt.datetime, until: dt.datetime) -> dict[str, Any]:
    """Work items caught in [since, until) by Shanghai hour × channel and hour × category.

    Each cell: ``{"hour", "key", "exceptions", "orders", "density", "numbers"}`` — orders created in that hour
    of the window in that channel (category: orders with a line of it), density = exceptions per 100 of them
    (None without orders), and up to ``CELL_NUMBERS`` order numbers of the exceptions."""
    tz = timezone.get_default_timezone()
    items = list(
        WorkItem.objects.filter(created_at__gte=since, created_at__lt=until)
        .annotate(hour=ExtractHour("created_at", tzinfo=tz))
        .values_list("hour", "order_id", "order__number", "order__shop__platform")
    )
    order_ids = {order_id for _h, order_id, _n, _p in items}
    categories: dict[int, set[str]] = defaultdict(set)
    for order_id, category in OrderLine.objects.filter(order_id__in=order_ids).values_list("order_id", "sku__category"):
        categories[order_id].add(category or UNCATEGORISED)

    created = Order.objects.filter(created_at__gte=since, created_at__lt=until).annotate(
        hour=ExtractHour("created_at", tzinfo=tz)
    )
    orders_by_channel = {
        (row["hour"], row["shop__platform"]): row["n"]
        for row in created.values("hour", "shop__platform").annotate(n=Count("pk")).order_by()
    }
    orders_by_category = {
        (row["hour"], row["lines__sku__category"] or UNCATEGORISED): row["n"]
        for row in created.values("hour", "lines__sku__category").annotate(n=Count("pk", distinct=True)).order_by()
    }

    def cells(keyed: dict[tuple[int, str], list[str]], orders: dict[tuple[int, str], int]) -> list[dict[str, Any]]:
        out = []
        for (hour, key), numbers in sorted(keyed.items()):
            made = orders.get((hour, key), 0)
            out.append(
                {
                    "hour": hour,
                    "key": key,
                    "exceptions": len(numbers),
                    "orders": made,
                    "density": round(len(numbers) * 100 / made, 1) if made else None,
                    "numbers": sorted(set(numbers))[:CELL_NUMBERS],
                }
            )
        return out

    by_channel: dict[tuple[int, str], list[str]] = defaultdict(list)
    by_category: dict[tuple[int, str], list[str]] = defaultdict(list)
    for hour, order_id, number, platform in items:
        by_channel[(hour, platform)].append(number)
        for category in categories.get(order_id, {UNCATEGORISED}):
            by_category[(hour, category)].append(number)
    return {
        "channel": cells(by_channel, orders_by_channel),
        "category": cells(by_category, orders_by_category),
        "total": len(items),
    }
