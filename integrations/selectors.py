"""Reads for the integrations back office, scoped to the shops the user may see."""

from __future__ import annotations

import datetime as dt
import hmac
from decimal import Decimal
from typing import Any

from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from config.sweep import due_oldest_wait
from integrations.listings import catalog_syncable
from integrations.models import (
    DUE_STATUSES,
    ChannelListing,
    CountCheck,
    ImportJob,
    InboxMessage,
    OutboxMessage,
    ShopConnection,
    WebhookRejection,
    WorkStatus,
)
from orders.models import CONNECTION_KINDS, Alert
from orders.selectors import shop_list_for_user

CALLBACK_WINDOW = dt.timedelta(hours=24)


def connection_list_for_user(user) -> QuerySet[ShopConnection]:
    return (
        ShopConnection.objects.select_related("shop")
        .filter(shop__in=shop_list_for_user(user).values("pk"))
        .order_by("shop__code")
    )


def connection_for_access_token(*, platform: str, token: str) -> ShopConnection | None:
    """The connection of a ``platform`` shop holding this access token. Tokens are stored encrypted (no
    WHERE can match them), so the platform's few connections are compared in Python, in constant time."""
    if not token:
        return None
    for connection in ShopConnection.objects.select_related("shop").filter(shop__platform=platform):
        if connection.access_token and hmac.compare_digest(connection.access_token, token):
            return connection
    return None


def _status_counts(queryset) -> dict[str, int]:
    rows = dict(queryset.values_list("status").annotate(n=Count("pk")).order_by())
    return {status: rows.get(status, 0) for status in WorkStatus.values}


def shop_health(connection: ShopConnection, *, now: dt.datetime | None = None) -> dict[str, Any]:
    """Everything the health page shows for one shop."""
    now = now or timezone.now()
    since = now - CALLBACK_WINDOW
    shop = connection.shop
    pushes = InboxMessage.objects.filter(shop=shop, kind=InboxMessage.Kind.PUSH, received_at__gte=since)
    push_total = pushes.count()
    push_failed = pushes.filter(status__in=[WorkStatus.FAILED, WorkStatus.DEAD]).count()
    rejected = WebhookRejection.objects.filter(shop=shop, at__gte=since).count()
    calls = push_total + rejected
    rate = Decimal(push_failed + rejected) / calls if calls else Decimal("0")
    return {
        "connection": connection,
        "shop": shop,
        "last_pull_ok_at": connection.last_pull_ok_at,
        "last_push_ok_at": connection.last_push_ok_at,
        "lag": (now - connection.poll_cursor) if connection.poll_cursor else None,
        "consecutive_failures": connection.consecutive_failures,
        "last_error": connection.last_error,
        "rate_limited_until": connection.rate_limited_until,
        "next_poll_at": connection.next_poll_at,
        "token_expires_at": connection.token_expires_at,
        "token_days_left": _days_left(connection.token_expires_at, now),
        "token_refreshable": bool(connection.refresh_token),
        "token_refreshed_at": connection.token_refreshed_at,
        "refresh_token_expires_at": connection.refresh_token_expires_at,
        "listings": _listings(connection),
        "certificate_expires_at": connection.certificate_expires_at,
        "certificate_days_left": _days_left(connection.certificate_expires_at, now),
        "callbacks": {
            "total": calls,
            "accepted": push_total,
            "failed": push_failed,
            "rejected": rejected,
            "failure_rate": rate.quantize(Decimal("0.0001")),
        },
        "inbox": _status_counts(InboxMessage.objects.filter(shop=shop)),
        "outbox": _status_counts(OutboxMessage.objects.filter(shop=shop)),
        "count_checks": list(CountCheck.objects.filter(shop=shop).order_by("-day")[:7]),
        "alerts": list(
            Alert.objects.filter(shop=shop, kind__in=CONNECTION_KINDS, resolved_at__isnull=True).order_by(
                "-created_at", "-pk"
            )[:20]
        ),
    }


def _listings(connection: ShopConnection) -> dict[str, Any] | None:
    """The catalog sync's state, for platforms whose stock pushes need it (Shopify); None for the others."""
    if not catalog_syncable(connection):
        return None
    return {
        "count": ChannelListing.objects.filter(shop_id=connection.shop_id).count(),
        "synced_at": connection.listings_synced_at,
        "location_id": connection.location_id,
    }


def _days_left(moment: dt.datetime | None, now: dt.datetime) -> int | None:
    return None if moment is None else (moment - now).days


def dead_letter_list_for_user(user, *, platform: str = "", shop_code: str = "") -> QuerySet[InboxMessage]:
    messages = InboxMessage.objects.select_related("shop").filter(
        status=WorkStatus.DEAD, shop__in=shop_list_for_user(user).values("pk")
    )
    if platform:
        messages = messages.filter(platform=platform)
    if shop_code:
        messages = messages.filter(shop__code=shop_code)
    return messages.order_by("-received_at", "-id")


def inbox_message_get_for_user(user, *, pk: int) -> InboxMessage:
    return InboxMessage.objects.select_related("shop", "order").get(
        pk=pk, shop__in=shop_list_for_user(user).values("pk")
    )


def alert_list_for_user(user, *, open_only: bool = True) -> QuerySet[Alert]:
    """The connections' health alerts (orders' one alert model) of the shops the user may see, and those about
    no shop (a partner webhook paused)."""
    alerts = Alert.objects.select_related("shop").filter(
        Q(shop__in=shop_list_for_user(user).values("pk")) | Q(shop__isnull=True), kind__in=CONNECTION_KINDS
    )
    if open_only:
        alerts = alerts.filter(resolved_at__isnull=True)
    return alerts.order_by("-created_at", "-id")


def import_job_list_for_user(user) -> QuerySet[ImportJob]:
    return ImportJob.objects.select_related("shop").filter(shop__in=shop_list_for_user(user).values("pk"))


def inbox_oldest_due_seconds(*, now: dt.datetime | None = None) -> float | None:
    """How long the oldest inbox message whose time has come has waited (seconds), or None when none waits.
    One step along the due index (``inbox_due_idx``), however large the backlog."""
    return due_oldest_wait(InboxMessage.objects.all(), statuses=DUE_STATUSES, now=now)
