"""The Connections panel's figures, per shop with a platform connection (reads only).

- consistency index: Order Hub's count ÷ the platform's count of the shop's orders, in percent, from the latest
  daily count check (integrations.health.count_check); 100 means every platform order is here.
- callback answers in the last 24 h: platform pushes accepted (answered 200 and stored in the inbox) and refused
  (answered 401/400: bad signature or unreadable body, recorded as webhook rejections); what became of the
  accepted ones (done, failed and waiting for a retry, dead letters).
- latency: received → processed of the pushes processed in the last 24 h, p50 and p95 in seconds.
- consecutive failures of the shop's pulls, days until its access token and its certificate expire.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Count, OuterRef, Subquery
from django.urls import reverse

from integrations.models import CountCheck, InboxMessage, ShopConnection, WebhookRejection, WorkStatus

WINDOW = dt.timedelta(hours=24)


def _percentile(sorted_values: list[float], share: float) -> float | None:
    if not sorted_values:
        return None
    rank = max(1, -(-len(sorted_values) * share // 1))
    return round(sorted_values[int(rank) - 1], 2)


def _days_left(moment: dt.datetime | None, now: dt.datetime) -> int | None:
    return None if moment is None else (moment - now).days


def connection_figures(*, now: dt.datetime) -> list[dict[str, Any]]:
    since = now - WINDOW
    latest = CountCheck.objects.filter(shop=OuterRef("shop")).order_by("-day")
    connections = (
        ShopConnection.objects.select_related("shop")
        .annotate(
            check_day=Subquery(latest.values("day")[:1]),
            platform_count=Subquery(latest.values("platform_count")[:1]),
            hub_count=Subquery(latest.values("hub_count")[:1]),
        )
        .order_by("shop__code")
    )
    pushes = InboxMessage.objects.filter(kind=InboxMessage.Kind.PUSH, received_at__gte=since)
    outcome: dict[int, dict[str, int]] = {}
    for row in pushes.values("shop", "status").annotate(n=Count("pk")).order_by():
        outcome.setdefault(row["shop"], {})[row["status"]] = row["n"]
    refused = dict(
        WebhookRejection.objects.filter(at__gte=since, shop__isnull=False)
        .values("shop")
        .annotate(n=Count("pk"))
        .values_list("shop", "n")
        .order_by()
    )
    latencies: dict[int, list[float]] = {}
    for shop_id, received, processed in pushes.filter(processed_at__isnull=False).values_list(
        "shop", "received_at", "processed_at"
    ):
        latencies.setdefault(shop_id, []).append(max(0.0, (processed - received).total_seconds()))

    out = []
    for connection in connections:
        shop = connection.shop
        statuses = outcome.get(shop.pk, {})
        waits = sorted(latencies.get(shop.pk, []))
        platform_count = connection.platform_count
        out.append(
            {
                "shop": shop.code,
                "name": shop.name,
                "platform": shop.platform,
                "enabled": connection.is_enabled,
                "consistency_pct": (
                    round(connection.hub_count * 100 / platform_count, 1)
                    if platform_count
                    else (100.0 if platform_count == 0 else None)
                ),
                "checked_day": connection.check_day.isoformat() if connection.check_day else None,
                "platform_count": platform_count,
                "hub_count": connection.hub_count,
                "answers": {"200": sum(statuses.values()), "4xx": refused.get(shop.pk, 0)},
                "outcome": {status: statuses.get(status, 0) for status in WorkStatus.values},
                "latency_p50_s": _percentile(waits, 0.5),
                "latency_p95_s": _percentile(waits, 0.95),
                "consecutive_failures": connection.consecutive_failures,
                "token_days_left": _days_left(connection.token_expires_at, now),
                "certificate_days_left": _days_left(connection.certificate_expires_at, now),
                "link": reverse("integrations-shop-health", args=[shop.code]),
                "orders_link": f"{reverse('order-list')}?shop={shop.code}",
            }
        )
    return out
