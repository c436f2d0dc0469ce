"""What every emulated platform shares: the errors it answers with, app keys and tokens checked (and refreshed)
like the platforms do, fault modes, time windows and pages, the generated orders, and the record of outbound
calls the sandbox accepted."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import secrets
import time
from collections import deque
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from django.utils import timezone

from integrations.mapping import local_datetime
from integrations.models import ShopConnection
from integrations.sandbox import data, formats
from integrations.signing import equal

RECEIVED: deque[dict[str, Any]] = deque(maxlen=500)
FAULTS = ("503", "timeout", "expired_token", "rate_limit", "flaky")
_flaky_counter = iter(range(10**12))
REFRESH_LIFETIME = 30 * 86400


class SandboxError(Exception):
    def __init__(self, kind: str, message: str, sub_code: str = ""):
        super().__init__(message)
        self.kind = kind  # signature | token | rate_limit | invalid | not_found | refused
        self.message = message
        self.sub_code = sub_code  # a logistics service's own business code


def logistics_call(platform: str, connection, method: str, params: dict[str, Any]) -> dict | None:
    """A logistics method of the platform's router (e-waybills), answered by its sandbox module, or None."""
    from integrations.sandbox.logistics import PLATFORM_METHODS
    from integrations.sandbox.logistics.waybills import ServiceRefused

    handler = PLATFORM_METHODS.get(platform, {}).get(method)
    if handler is None:
        return None
    try:
        return handler(connection, params)
    except ServiceRefused as exc:
        raise SandboxError("refused", exc.message, sub_code=exc.code) from None


def sandbox_enabled_check() -> None:
    if not settings.SANDBOX_ENABLED:
        raise Http404("The sandbox is switched off (SANDBOX_ENABLED).")


def connection_for(app_key: str) -> ShopConnection:
    connection = ShopConnection.objects.filter(app_key=app_key).select_related("shop").first() if app_key else None
    if connection is None:
        raise SandboxError("signature", f"unknown app key {app_key!r}")
    return connection


def gateway_call(
    *,
    app_key: str,
    signed: Callable[[ShopConnection], bool],
    sign_message: str,
    limit_message: str,
    fault: str,
    token: str,
    call: Callable[[ShopConnection], Any],
    refresh: Callable[[ShopConnection], Any] | None = None,
) -> Any:
    """A signed platform gateway call, checked in the order the platforms check it: the app key, the signature,
    the call limit (the ``rate_limit`` fault), then the access token — except for a token refresh, which the app
    signs without one. ``SandboxError`` says which check refused; each platform words the answer."""
    connection = connection_for(app_key)
    if not signed(connection):
        raise SandboxError("signature", sign_message)
    if fault == "rate_limit":
        raise SandboxError("rate_limit", limit_message)
    if refresh is not None:
        return refresh(connection)
    token_check(connection, token, fault)
    return call(connection)


def token_check(connection: ShopConnection, token: str, fault: str) -> None:
    expired = connection.token_expires_at is not None and connection.token_expires_at < timezone.now()
    refused = fault == "expired_token" and not token_issued_here(connection, token)
    if refused or token == "expired" or expired or token != connection.access_token:
        raise SandboxError("token", "access token expired or invalid")


def _token_mac(connection: ShopConnection, nonce: str) -> str:
    return hmac.new(connection.app_secret.encode(), nonce.encode(), hashlib.sha256).hexdigest()[:16]


def token_issued_here(connection: ShopConnection, token: str) -> bool:
    """A token this sandbox issued by a refresh (``sbx-<nonce>-<mac>``)."""
    parts = (token or "").split("-")
    return len(parts) == 3 and parts[0] == "sbx" and equal(_token_mac(connection, parts[1]), parts[2])


def token_refresh(connection: ShopConnection, given: str) -> tuple[str, str]:
    """Spend the connection's refresh token for a new (access, refresh) pair, as the platforms do."""
    spent = connection.refresh_token_expires_at is not None and connection.refresh_token_expires_at < timezone.now()
    if not given or given in ("expired", "revoked") or given != connection.refresh_token or spent:
        raise SandboxError("refresh", "refresh_token is invalid or expired")
    nonce = secrets.token_hex(8)
    return f"sbx-{nonce}-{_token_mac(connection, nonce)}", f"sbxr-{secrets.token_hex(12)}"


def token_lifetime(platform: str) -> int:
    """Seconds an issued access token lives (Shopify's expiring offline tokens: one hour)."""
    default = 3600 if platform == "shopify" else 86400
    return settings.SANDBOX_TOKEN_LIFETIME_SECONDS or default


def window(value: str, epoch: bool = False) -> dt.datetime:
    if epoch or str(value).isdigit():
        return dt.datetime.fromtimestamp(int(value), tz=dt.UTC)
    moment = local_datetime(value)
    if moment is None:
        raise SandboxError("invalid", f"bad time {value!r}")
    return moment


def page_of(items: list, page: int, size: int) -> tuple[list, bool]:
    start = (page - 1) * size
    return items[start : start + size], start + size < len(items)


def fault_apply(fault: str) -> HttpResponse | None:
    if fault == "503" or (fault == "flaky" and next(_flaky_counter) % 3 == 0):
        return HttpResponse("Service Unavailable", status=503)
    if fault == "timeout":
        time.sleep(settings.SANDBOX_TIMEOUT_SECONDS)
        return HttpResponse("Gateway Timeout", status=504)
    return None


def request_params(request: HttpRequest) -> dict[str, str]:
    params = request.GET.dict()
    params.update(request.POST.dict())
    return params


def order_get(platform: str, app_key: str, external_id: str) -> data.GenOrder:
    seq = formats.seq_of(platform, app_key, external_id)
    order = data.generate(app_key, seq) if seq is not None else None
    check = formats.visible(platform)
    if order is None or (check is not None and not check(order)):
        raise SandboxError("not_found", f"order {external_id} does not exist")
    return order


def carrier_check(platform: str, code: str) -> None:
    from fulfilment.carriers.library import platform_codes

    if code not in platform_codes(platform):
        raise SandboxError("invalid", f"company_code {code!r} is not a {platform} carrier code")


def received_record(connection: ShopConnection, kind: str, payload: dict[str, Any]) -> None:
    RECEIVED.append(
        {
            "shop": connection.shop.code,
            "kind": kind,
            "payload": {k: v for k, v in payload.items() if k not in ("sign", "access_token", "session")},
            "at": timezone.now().isoformat(),
        }
    )
