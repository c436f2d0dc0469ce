"""Pulling orders from the platforms: a per-shop cursor, paging, rate-limit back-off, catching up.

The schedule ``integrations.polls_due`` (every minute) queues ``shop_poll`` for every enabled connection
whose ``next_poll_at`` has come (every ``poll_interval_minutes``, default 5). A poll:

1. claims the shop (compare-and-set on ``next_poll_at``, so two workers never poll one shop at once);
2. walks windows of modification time from the cursor (minus a small overlap, for clock skew) up to a
   few seconds ago, each window at most the platform's longest span, page by page;
3. stores every page raw in the inbox (processed in the background: split into one message per order,
   each deduplicated by content — the overlap costs nothing), then, for a platform that keeps its after-sales
   apart from its orders (JD), the window's after-sales records, one message each; it moves the cursor past a
   window only when all its pages are stored;
4. on a rate limit waits briefly and retries (short bans) or stops until the ban ends; on an expired token
   refreshes it once (``integrations.tokens``) and asks for the page again; on other failures counts
   consecutive failures and backs off exponentially; after downtime it catches up window by window,
   re-queuing itself until it reaches the present.
"""

from __future__ import annotations

import datetime as dt
import logging
import time
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from config.tasks import enqueue_on_commit
from integrations.exceptions import PlatformError, RateLimited
from integrations.inbox import inbox_store
from integrations.models import InboxMessage, ShopConnection
from integrations.platforms import adapter_for, supported
from integrations.platforms.base import PushItem, to_json
from integrations.tokens import TokenRefresher

log = logging.getLogger(__name__)

POLL_TASK = "integrations.tasks.shop_poll"
OVERLAP = dt.timedelta(minutes=2)
SETTLE = dt.timedelta(seconds=5)
LEASE = dt.timedelta(minutes=3)
SHORT_BAN_SECONDS = 5.0
MIN_WINDOW = dt.timedelta(minutes=1)


def initial_lookback() -> dt.timedelta:
    return dt.timedelta(hours=settings.INTEGRATIONS_POLL_INITIAL_HOURS)


def max_pages() -> int:
    return settings.INTEGRATIONS_POLL_MAX_PAGES


@dataclass
class PollResult:
    status: str  # ok | partial | skipped | rate_limited | failed
    pages: int = 0
    orders: int = 0
    cursor: dt.datetime | None = None
    error: str = ""


def pollable() -> list[ShopConnection]:
    """Enabled connections that can be polled: a supported platform, an access token and an API base URL (a
    connection holding only a webhook secret, e.g. set through the shops API, receives pushes only)."""
    connections = (
        ShopConnection.objects.select_related("shop")
        .filter(is_enabled=True, shop__is_active=True)
        .exclude(access_token="")
    )
    return [
        c
        for c in connections
        if supported(c.shop.platform)
        and "poll" in adapter_for(c.shop.platform).capabilities
        and adapter_for(c.shop.platform).client(c).base_url
    ]


def polls_due(*, now: dt.datetime | None = None) -> int:
    """Queue a poll for every connection whose time has come. Returns how many were queued."""
    now = now or timezone.now()
    queued = 0
    for connection in pollable():
        if connection.next_poll_at and connection.next_poll_at > now:
            continue
        if connection.rate_limited_until and connection.rate_limited_until > now:
            continue
        enqueue_on_commit(POLL_TASK, connection.shop_id)
        queued += 1
    return queued


def _claim(connection: ShopConnection, now: dt.datetime) -> bool:
    due = Q(next_poll_at__isnull=True) | Q(next_poll_at__lte=now)
    return ShopConnection.objects.filter(due, pk=connection.pk).update(next_poll_at=now + LEASE) == 1


def shop_poll(shop_id: int, *, now: dt.datetime | None = None) -> PollResult:
    now = now or timezone.now()
    connection = ShopConnection.objects.select_related("shop").get(shop_id=shop_id)
    if not connection.is_enabled or not _claim(connection, now):
        return PollResult("skipped")
    adapter = adapter_for(connection.shop.platform)
    client = adapter.client(connection)
    tokens = TokenRefresher(client)  # an expired token is refreshed once per run and the page asked again
    cursor = connection.poll_cursor
    start = (cursor - OVERLAP) if cursor else now - initial_lookback()
    target = now - SETTLE
    result = PollResult("ok", cursor=cursor)
    try:
        while start < target:
            if result.pages >= max_pages():
                raise _Budget
            end = min(target, start + client.max_window)
            page = tokens.call(_page, client, start, end, "")
            capacity = client.page_size * max(max_pages() - result.pages, 1)
            if page.total and page.total > capacity and end - start > MIN_WINDOW:
                # Too much for this run in one window: take a slice that fits (the page fetched so far is
                # simply fetched again; its orders are deduplicated).
                end = max(start + MIN_WINDOW, start + (end - start) * capacity / page.total)
                page = tokens.call(_page, client, start, end, "")
            token = ""
            while True:
                _page_store(connection, adapter.platform, page, start, end, token)
                result.pages += 1
                result.orders += len(page.orders)
                if not page.next_token:
                    break
                token = page.next_token
                page = tokens.call(_page, client, start, end, token)
            result.pages += _aftersales_store(connection, client, tokens, start, end)
            # Every page of the window is stored: the cursor may move past it.
            ShopConnection.objects.filter(pk=connection.pk).update(poll_cursor=end)
            result.cursor = end
            start = end
    except _Budget:
        result.status = "partial"
    except RateLimited as exc:
        until = timezone.now() + dt.timedelta(seconds=exc.retry_after)
        ShopConnection.objects.filter(pk=connection.pk).update(
            rate_limited_until=until, next_poll_at=until, last_error=str(exc)[:2000]
        )
        log.warning("poll %s rate limited until %s", connection.shop.code, until)
        return PollResult("rate_limited", result.pages, result.orders, result.cursor, str(exc))
    except Exception as exc:  # noqa: BLE001 - every failure counts and backs off
        failures = connection.consecutive_failures + 1
        delay = min(dt.timedelta(minutes=connection.poll_interval_minutes) * 2 ** (failures - 1), dt.timedelta(hours=1))
        ShopConnection.objects.filter(pk=connection.pk).update(
            consecutive_failures=F("consecutive_failures") + 1,
            last_error=f"{type(exc).__name__}: {exc}"[:2000],
            next_poll_at=timezone.now() + delay,
        )
        if not isinstance(exc, PlatformError):
            log.exception("poll %s failed", connection.shop.code)
        return PollResult("failed", result.pages, result.orders, result.cursor, f"{type(exc).__name__}: {exc}")
    caught_up = result.status == "ok"
    next_at = timezone.now() + dt.timedelta(minutes=connection.poll_interval_minutes) if caught_up else timezone.now()
    ShopConnection.objects.filter(pk=connection.pk).update(
        consecutive_failures=0,
        last_error="",
        last_pull_ok_at=timezone.now(),
        next_poll_at=next_at,
        rate_limited_until=None,
    )
    if not caught_up:
        enqueue_on_commit(POLL_TASK, connection.shop_id)  # more to catch up: go on right away
    return result


class _Budget(Exception):
    """This run has fetched as many pages as it may; the next run goes on from the cursor. A window is
    always finished once started, so every run moves the cursor forward."""


def _page(client, start: dt.datetime, end: dt.datetime, token: str):
    for _attempt in range(3):
        try:
            return client.orders_page(start=start, end=end, token=token)
        except RateLimited as exc:
            if exc.retry_after > SHORT_BAN_SECONDS:
                raise
            time.sleep(exc.retry_after)
    return client.orders_page(start=start, end=end, token=token)


def _aftersales_store(connection: ShopConnection, client, tokens: TokenRefresher, start, end) -> int:
    """Store the window's after-sales records, one inbox message each (deduplicated by content, so the overlap
    costs nothing), for the platforms that keep them apart from orders. Returns the pages fetched."""
    pages, token = 0, ""
    while True:
        page = tokens.call(client.aftersales_page, start=start, end=end, token=token)
        if page is None:
            return pages
        pages += 1
        items = [
            PushItem(
                topic=page.meta["topic"],
                event_id="",
                external_id=str(record.get("orderId") or ""),
                body=to_json(record),
            )
            for record in page.orders
            if isinstance(record, dict)
        ]
        if items:
            with transaction.atomic():
                inbox_store(
                    shop=connection.shop, platform=connection.shop.platform, kind=InboxMessage.Kind.POLL, items=items
                )
        if not page.next_token:
            return pages
        token = page.next_token


@transaction.atomic
def _page_store(
    connection: ShopConnection, platform: str, page, start: dt.datetime, end: dt.datetime, token: str
) -> None:
    """Store the page raw; its processing (split into orders, each deduplicated) runs after commit."""
    body = to_json(
        {"window": [start.isoformat(), end.isoformat()], "token": token, "total": page.total, "orders": page.orders}
    )
    inbox_store(
        shop=connection.shop,
        platform=platform,
        kind=InboxMessage.Kind.POLL_PAGE,
        items=[PushItem(topic=f"{platform}.page", event_id="", external_id="", body=body)],
        headers={"x-oh-window": f"{start.isoformat()}/{end.isoformat()}", "x-oh-page": token or "1"},
    )
