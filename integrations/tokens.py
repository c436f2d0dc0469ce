"""Access-token refresh: each platform client's ``token_refresh()`` exchanges the connection's refresh token
for a new access token; this module stores it, keeps tokens fresh on a schedule, and recovers calls that
found the token expired.

- ``connection_token_refresh(connection=)`` calls the platform (outside any transaction), then stores the new
  access token, the new refresh token (platforms rotate them) and both expiry times with one compare-and-set
  ``UPDATE`` on the tokens it started from. If another worker refreshed meanwhile, its tokens win and are
  returned. A refusal (no refresh token, refresh token expired or revoked) raises ``TokenRefreshFailed``,
  keeps the stored tokens and raises a ``token_refresh`` health alert; a passing failure (HTTP 5xx, timeout,
  rate limit) raises as it is, without an alert, and is tried again later.
- ``token_refresh_due`` (schedule, every 30 minutes) queues a refresh for every enabled connection with a
  refresh token whose access token expires within ``INTEGRATIONS_TOKEN_REFRESH_WINDOW_HOURS`` (48).
- ``TokenRefresher`` wraps client calls (polling, outbox, catalog sync): on ``TokenExpired`` it refreshes
  once and repeats the call.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from typing import Any, TypeVar

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from config.tasks import enqueue_on_commit
from integrations.exceptions import PlatformError, PlatformUnavailable, RateLimited, TokenExpired, TokenRefreshFailed
from integrations.models import ShopConnection
from integrations.platforms import adapter_for, supported
from orders.models import Alert
from orders.services.alerts import alert_resolve

log = logging.getLogger(__name__)

REFRESH_TASK = "integrations.tasks.connection_token_refresh"
T = TypeVar("T")


def refresh_window() -> dt.timedelta:
    return dt.timedelta(hours=settings.INTEGRATIONS_TOKEN_REFRESH_WINDOW_HOURS)


def connection_token_refresh(*, connection: ShopConnection) -> ShopConnection:
    """Refresh the shop's access token now and store it. Returns the connection as stored afterwards.

    Never call it inside a transaction: it waits for the platform.
    """
    current = ShopConnection.objects.select_related("shop").get(pk=connection.pk)
    platform = current.shop.platform
    old_access, old_refresh = current.access_token, current.refresh_token
    now = timezone.now()
    try:
        if not supported(platform):
            raise TokenRefreshFailed(
                _("%(platform)s: Order Hub has no client for this platform, so nothing to refresh.")
                % {"platform": platform}
            )
        if not old_refresh and platform != "shopify":  # Shopify's client explains its own case
            raise TokenRefreshFailed(
                _(
                    "%(platform)s: no refresh token is stored for shop "
                    "%(current_shop_code)s; authorise the shop again (or enter a new "
                    "access and refresh token in the admin)."
                )
                % {"platform": platform, "current_shop_code": current.shop.code}
            )
        if current.refresh_token_expires_at is not None and current.refresh_token_expires_at <= now:
            raise TokenRefreshFailed(
                _(
                    "%(platform)s: the refresh token of shop %(shop_code)s expired at "
                    "%(expired_at)s; authorise the shop again."
                )
                % {
                    "platform": platform,
                    "shop_code": current.shop.code,
                    "expired_at": f"{timezone.localtime(current.refresh_token_expires_at):%Y-%m-%d %H:%M}",
                }
            )
        grant = adapter_for(platform).client(current).token_refresh()
    except (PlatformUnavailable, RateLimited):
        raise  # passing: the old token stays, the next sweep or retry tries again
    except PlatformError as exc:
        stored = ShopConnection.objects.select_related("shop").get(pk=current.pk)
        if stored.access_token != old_access:
            return stored  # another worker refreshed it meanwhile (a rotated refresh token is then refused)
        failure = exc if isinstance(exc, TokenRefreshFailed) else TokenRefreshFailed(f"{exc}", extra=exc.extra)
        token_refresh_failure_record(connection=current, error=failure)
        raise failure from exc
    # Compare-and-set on the tokens read before the call. They are stored encrypted (a fresh IV each time, so
    # no WHERE can compare them): lock the row, compare in Python, write — a short transaction, no network.
    with transaction.atomic():
        stored = ShopConnection.objects.select_for_update().only("access_token", "refresh_token").get(pk=current.pk)
        updated = (stored.access_token, stored.refresh_token) == (old_access, old_refresh)
        if updated:
            ShopConnection.objects.filter(pk=current.pk).update(
                access_token=grant.access_token,
                refresh_token=grant.refresh_token or old_refresh,
                token_expires_at=grant.expires_at,
                refresh_token_expires_at=grant.refresh_expires_at
                if grant.refresh_token or grant.refresh_expires_at
                else current.refresh_token_expires_at,
                token_refreshed_at=now,
            )
    if updated:
        alert_resolve(
            alert_ids=Alert.objects.filter(
                shop=current.shop,
                kind__in=[Alert.Kind.TOKEN_REFRESH, Alert.Kind.TOKEN_EXPIRY],
                resolved_at__isnull=True,
            ).values_list("pk", flat=True),
            now=now,
        )
        log.info("token of shop %s refreshed; expires %s", current.shop.code, grant.expires_at)
    else:
        log.info("token of shop %s was changed while refreshing; keeping the stored one", current.shop.code)
    return ShopConnection.objects.select_related("shop").get(pk=current.pk)


def token_refresh_failure_record(*, connection: ShopConnection, error: Exception) -> None:
    """A refused refresh: an alert (once a day per shop) saying why; the stored tokens are left alone."""
    from integrations.health import health_alert_raise
    from integrations.mapping import SHANGHAI

    day = f"{timezone.localtime(timezone.now(), SHANGHAI):%Y%m%d}"
    log.warning("token refresh refused for shop %s: %s", connection.shop.code, error)
    health_alert_raise(
        shop=connection.shop,
        kind=Alert.Kind.TOKEN_REFRESH,
        dedup_key=day,
        message=f"{connection.shop.code}: the access token could not be refreshed: {error}",
        data={"error": str(error)[:500]},
    )


def _due(now: dt.datetime):
    return (
        ShopConnection.objects.select_related("shop")
        .filter(is_enabled=True, token_expires_at__isnull=False, token_expires_at__lte=now + refresh_window())
        .exclude(refresh_token="")
    )


def token_refresh_due(*, now: dt.datetime | None = None) -> int:
    """Queue a refresh for every connection whose token expires within the window. Returns how many."""
    now = now or timezone.now()
    queued = 0
    for connection in _due(now):
        if supported(connection.shop.platform):
            enqueue_on_commit(REFRESH_TASK, connection.shop_id)
            queued += 1
    return queued


def token_refresh_if_due(*, shop_id: int, force: bool = False, now: dt.datetime | None = None) -> str:
    """The task: refresh the shop's token if it is still due (another run may have refreshed it already), or
    in any case with ``force`` (staff asked in the admin). Returns ``refreshed``, ``not_due`` or ``failed``
    (the reason is in the alert or the log)."""
    now = now or timezone.now()
    candidates = ShopConnection.objects.select_related("shop") if force else _due(now)
    connection = candidates.filter(shop_id=shop_id).first()
    if connection is None:
        return "not_due"
    try:
        connection_token_refresh(connection=connection)
    except PlatformError as exc:
        log.warning("token refresh for shop %s failed: %s", connection.shop.code, exc)
        return "failed"
    return "refreshed"


class TokenRefresher:
    """Runs calls of one platform client; when the platform answers that the access token expired, refreshes
    the token once (``connection_token_refresh``), gives the client the new one and repeats the call. If the
    refresh fails, the call fails with ``TokenExpired`` saying why the refresh failed too."""

    def __init__(self, client):
        self.client = client
        self.refreshed = False

    def call(self, func: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        try:
            return func(*args, **kwargs)
        except TokenExpired as exc:
            if self.refreshed:
                raise
            self.refreshed = True
            try:
                fresh = connection_token_refresh(connection=self.client.connection)
            except PlatformError as failed:
                raise TokenExpired(
                    _("%(exc)s Refreshing the token failed: %(failed)s") % {"exc": exc, "failed": failed},
                    extra=exc.extra,
                ) from failed
            self.client.connection = fresh
            return func(*args, **kwargs)
