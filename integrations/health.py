"""Health of the shop connections: alerts (orders' one alert model: shown on the shop's health page and the
alert pages, sent to the notification channels) and the daily count check — orders the platform reports for a
day against orders Order Hub has.

Checks (``health_check_run``, hourly): token or certificate expiring within 15 days (for a connection with a
refresh token: the refresh token; refused refreshes alert at once, ``integrations.tokens``), 3+ consecutive poll
failures, pull lag over three poll intervals, callback failure rate over 5 % (24 h, at least 20 calls), new
dead letters. Each alert is raised once per key (per day, or per expiry date).
"""

from __future__ import annotations

import datetime as dt
import logging
from decimal import Decimal
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

from integrations.mapping import SHANGHAI
from integrations.models import CountCheck, ShopConnection
from integrations.platforms import adapter_for
from integrations.polling import pollable
from integrations.selectors import shop_health
from integrations.tokens import TokenRefresher
from orders.models import Alert, Order, Shop
from orders.services.alerts import alert_raise

log = logging.getLogger(__name__)

EXPIRY_WARNING = dt.timedelta(days=15)
GAP_THRESHOLD = Decimal("0.01")
FAILURES_ALERT = 3
CALLBACK_RATE_ALERT = Decimal("0.05")
CALLBACK_MIN_CALLS = 20
Kind = Alert.Kind


def health_alert_raise(
    *, shop: Shop | None, kind: str, dedup_key: str, message: str, data: dict[str, Any] | None = None
) -> Alert | None:
    """Raise a connection health alert (orders' one alert model), once per shop, kind and key: a key resolved
    by staff is not raised again. Returns the new alert, or None when the key was raised before."""
    alert, new = alert_raise(
        kind=kind,
        key=f"health:{shop.pk if shop else '-'}:{kind}:{dedup_key}"[:100],
        severity=Alert.Severity.WARNING,
        title=message,
        message=message,
        shop_id=shop.pk if shop else None,
        detail=data or {},
        once=True,
    )
    return alert if new else None


def health_check_run(*, now: dt.datetime | None = None) -> int:
    """Raise the alerts the connections' state calls for. Returns how many new alerts were raised."""
    now = now or timezone.now()
    day = f"{timezone.localtime(now, SHANGHAI):%Y%m%d}"
    raised = 0
    for connection in ShopConnection.objects.select_related("shop").filter(is_enabled=True):
        health = shop_health(connection, now=now)
        shop = connection.shop
        checks = []
        # With a refresh token the access token is renewed automatically (integrations.tokens; a refused
        # refresh raises its own alert), so what runs out is the refresh token.
        token = (
            (_("refresh token"), "refresh", connection.refresh_token_expires_at)
            if connection.refresh_token
            else (_("access token"), "", connection.token_expires_at)
        )
        for what, prefix, kind, moment in (
            (*token[:2], Kind.TOKEN_EXPIRY, token[2]),
            (_("certificate"), "", Kind.CERT_EXPIRY, connection.certificate_expires_at),
        ):
            if moment is not None and moment - now <= EXPIRY_WARNING:
                values = {
                    "shop": shop.code,
                    "what": what,
                    "days": (moment - now).days,
                    "date": f"{timezone.localtime(moment, SHANGHAI):%Y-%m-%d}",
                }
                text = (
                    _("%(shop)s: %(what)s expired; re-authorise the shop.") % values
                    if moment <= now
                    else _("%(shop)s: %(what)s expires in %(days)d days (%(date)s); re-authorise the shop.") % values
                )
                checks.append((kind, f"{prefix}{moment:%Y%m%d}", text))
        if connection.consecutive_failures >= FAILURES_ALERT:
            checks.append(
                (
                    Kind.FAILURES,
                    day,
                    _("%(shop)s: %(count)d pulls failed in a row: %(error)s")
                    % {
                        "shop": shop.code,
                        "count": connection.consecutive_failures,
                        "error": connection.last_error[:300],
                    },
                )
            )
        lag = health["lag"]
        if lag is not None and lag > dt.timedelta(minutes=3 * connection.poll_interval_minutes + 5):
            checks.append(
                (
                    Kind.LAG,
                    day,
                    _("%(shop)s: orders pulled only up to %(minutes)d minutes ago.")
                    % {"shop": shop.code, "minutes": int(lag.total_seconds() // 60)},
                )
            )
        callbacks = health["callbacks"]
        if callbacks["total"] >= CALLBACK_MIN_CALLS and callbacks["failure_rate"] > CALLBACK_RATE_ALERT:
            checks.append(
                (
                    Kind.CALLBACK_FAILURES,
                    day,
                    _("%(shop)s: %(rate)s of %(total)d pushed messages in 24 h were rejected or failed.")
                    % {"shop": shop.code, "rate": f"{callbacks['failure_rate']:.1%}", "total": callbacks["total"]},
                )
            )
        if health["inbox"]["dead"] or health["outbox"]["dead"]:
            checks.append(
                (
                    Kind.DEAD_LETTERS,
                    day,
                    _("%(shop)s: %(inbound)d inbound and %(outbound)d outbound dead letters wait for a replay.")
                    % {"shop": shop.code, "inbound": health["inbox"]["dead"], "outbound": health["outbox"]["dead"]},
                )
            )
        for kind, key, message in checks:
            if health_alert_raise(shop=shop, kind=kind, dedup_key=key, message=message) is not None:
                raised += 1
    return raised


def day_bounds(day: dt.date) -> tuple[dt.datetime, dt.datetime]:
    start = dt.datetime.combine(day, dt.time.min, tzinfo=SHANGHAI)
    return start, start + dt.timedelta(days=1)


def count_check(*, connection: ShopConnection, day: dt.date) -> CountCheck:
    """Compare the platform's count of orders created on ``day`` with Order Hub's. A gap over 1 % raises
    an alert and rewinds the shop's poll cursor to the start of the day, so the next poll fetches the day
    again (what was missing comes in; what was there is deduplicated)."""
    start, end = day_bounds(day)
    client = adapter_for(connection.shop.platform).client(connection)
    platform_count = TokenRefresher(client).call(client.order_count, start=start, end=end)
    hub_count = (
        Order.objects.filter(shop=connection.shop, placed_at__gte=start, placed_at__lt=end)
        .exclude(external_id="")
        .count()
    )
    gap = Decimal(platform_count - hub_count) / platform_count if platform_count else Decimal("0")
    gap = gap.quantize(Decimal("0.0001"))
    check, _created = CountCheck.objects.update_or_create(
        shop=connection.shop,
        day=day,
        defaults={
            "platform_count": platform_count,
            "hub_count": hub_count,
            "gap_ratio": gap,
            "checked_at": timezone.now(),
        },
    )
    if gap > GAP_THRESHOLD:
        health_alert_raise(
            shop=connection.shop,
            kind=Kind.COUNT_GAP,
            dedup_key=f"{day:%Y%m%d}",
            message=_(
                "%(shop)s %(day)s: the platform reports %(platform)d orders, Order Hub has %(hub)d (%(gap)s missing). "
                "Pulling the day again."
            )
            % {
                "shop": connection.shop.code,
                "day": f"{day:%Y-%m-%d}",
                "platform": platform_count,
                "hub": hub_count,
                "gap": f"{gap:.2%}",
            },
            data={"platform": platform_count, "hub": hub_count, "gap": str(gap)},
        )
        ShopConnection.objects.filter(pk=connection.pk).update(
            poll_cursor=min(connection.poll_cursor or start, start), next_poll_at=None
        )
    return check


def count_check_run(*, day: dt.date | None = None) -> int:
    """The daily check for every pollable shop (yesterday by default). Returns how many shops were checked."""
    day = day or timezone.localdate(timezone.now(), SHANGHAI) - dt.timedelta(days=1)
    checked = 0
    for connection in pollable():
        try:
            count_check(connection=connection, day=day)
            checked += 1
        except Exception as exc:  # noqa: BLE001 - one unreachable shop must not stop the others
            log.warning("count check %s %s failed: %s", connection.shop.code, day, exc)
            ShopConnection.objects.filter(pk=connection.pk).update(last_error=f"count check: {exc}"[:2000])
    return checked
