"""Writes on shop connections and the push entry point (webhooks)."""

from __future__ import annotations

import datetime as dt
import logging
import time

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from integrations.exceptions import ConnectionInvalid, PayloadInvalid, SignatureInvalid
from integrations.inbox import Stored, inbox_store, inbox_store_dead
from integrations.models import InboxMessage, ShopConnection, WebhookRejection
from integrations.platforms import adapter_for, supported
from integrations.platforms.base import PushRequest
from orders.models import Shop

log = logging.getLogger(__name__)

PLATFORM_ALIASES = {"taobao": {"taobao", "tmall"}, "tmall": {"taobao", "tmall"}}
PUSH_TOUCH_EVERY = dt.timedelta(seconds=60)
_push_connections: dict[str, tuple[float, ShopConnection]] = {}  # shop code → (expires, enabled connection)


@transaction.atomic
def connection_set_webhook_secret(*, shop: Shop, secret: str) -> ShopConnection:
    """Set (or clear, with "") the secret the shop's platform signs its pushes with. Write-only: nothing
    ever returns it. The shops API calls this for its write-only ``webhook_secret`` field
    (``settings.ORDERS_SHOP_SECRET_SETTER``), inside the shop create/update transaction. A shop without a
    connection gets one holding just the secret (pushes are accepted; it is not polled until it has an
    access token). Shops on platforms that push nothing to Order Hub are refused."""
    if not (supported(shop.platform) and "push" in adapter_for(shop.platform).capabilities):
        raise ConnectionInvalid(
            _(
                "webhook_secret: shops on platform %(shop_platform)r push nothing to "
                "Order Hub, so they have no webhook secret."
            )
            % {"shop_platform": shop.platform},
            extra={"field": "webhook_secret", "platform": shop.platform},
        )
    connection, _created = ShopConnection.objects.get_or_create(shop=shop)
    connection.webhook_secret = secret.strip()
    connection.save(update_fields=["webhook_secret", "updated_at"])
    return connection


def webhook_accept(*, platform: str, shop_code: str, request: PushRequest, remote_addr: str | None = None) -> Stored:
    """A platform pushed something: verify it, store it raw, queue it. Nothing is processed here.

    Raises ``SignatureInvalid`` (→ 401, recorded as a ``WebhookRejection``) for an unknown shop, a shop on
    another platform, or a bad/missing signature; ``PayloadInvalid`` (→ 400) for a correctly signed body
    that cannot be read, which is kept as a dead letter.
    """
    connection = push_connection(shop_code) if supported(platform) else None
    shop = connection.shop if connection else Shop.objects.filter(code=shop_code).first()
    topic = request.header("x-shopify-topic") or request.query.get("topic", "")
    if connection is None or shop.platform not in PLATFORM_ALIASES.get(platform, {platform}):
        reason = f"no enabled {platform} connection for shop {shop_code!r}"
        webhook_rejection_record(
            shop=shop, platform=platform, shop_code=shop_code, reason=reason, request=request, remote_addr=remote_addr
        )
        raise SignatureInvalid(reason)
    adapter = adapter_for(platform)
    try:
        adapter.verify(connection, request)
    except SignatureInvalid as exc:
        webhook_rejection_record(
            shop=shop, platform=platform, shop_code=shop_code, reason=str(exc), request=request, remote_addr=remote_addr
        )
        raise
    try:
        items = adapter.split(request)
    except PayloadInvalid as exc:
        inbox_store_dead(
            shop=shop,
            platform=adapter.platform,
            kind=InboxMessage.Kind.PUSH,
            topic=topic,
            event_id=request.header("x-shopify-webhook-id"),
            body=request.body.decode("utf-8", errors="replace"),
            headers=request.headers,
            error=exc,
        )
        raise
    stored = inbox_store(
        shop=shop, platform=adapter.platform, kind=InboxMessage.Kind.PUSH, items=items, headers=request.headers
    )
    now = timezone.now()
    if connection.last_push_ok_at is None or now - connection.last_push_ok_at > PUSH_TOUCH_EVERY:
        ShopConnection.objects.filter(pk=connection.pk).update(last_push_ok_at=now)
        connection.last_push_ok_at = now
    return stored


def push_connection(shop_code: str) -> ShopConnection | None:
    """The shop's enabled connection, for verifying its pushes. A webhook peak asks for the same few shops
    hundreds of times a second, so each process keeps what it read for
    ``INTEGRATIONS_PUSH_CONNECTION_SECONDS`` (5; 0 = always read). Saving or deleting a connection or a shop
    forgets everything this process kept (``push_connections_forget``); other processes see the change —
    a new secret, a disabled connection — within those seconds (a push refused meanwhile is retried by the
    platform)."""
    ttl = settings.INTEGRATIONS_PUSH_CONNECTION_SECONDS
    kept = _push_connections.get(shop_code)
    if kept is not None and kept[0] > time.monotonic():
        return kept[1]
    connection = ShopConnection.objects.select_related("shop").filter(shop__code=shop_code, is_enabled=True).first()
    if connection is not None and ttl > 0:
        _push_connections[shop_code] = (time.monotonic() + ttl, connection)
    return connection


def push_connections_forget(*args, **kwargs) -> None:
    _push_connections.clear()


def webhook_rejection_record(
    *, shop: Shop | None, platform: str, shop_code: str, reason: str, request: PushRequest, remote_addr: str | None
) -> None:
    log.warning("webhook rejected: %s/%s from %s: %s", platform, shop_code, remote_addr, reason)
    WebhookRejection.objects.create(
        shop=shop,
        platform=platform[:16],
        shop_code=shop_code[:64],
        reason=reason[:255],
        remote_addr=remote_addr or None,
        topic=(request.header("x-shopify-topic") or request.query.get("topic", ""))[:64],
        body_size=len(request.body),
    )
