"""The part every platform API client shares: base URL, HTTP through ``integrations.transport``, and the
mapping of transport-level failures to ``PlatformUnavailable`` / ``RateLimited``."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _

from integrations import transport
from integrations.exceptions import (
    PlatformError,
    PlatformUnavailable,
    RateLimited,
    RefundDecisionRefused,
    SignatureInvalid,
    TokenRefreshFailed,
)
from integrations.mapping import SHANGHAI, local_datetime
from integrations.platforms.base import PushRequest, json_loads
from integrations.signing import equal, top_sign


@dataclass
class Page:
    """One page of an orders feed: the native orders, the raw body as received, the next page token."""

    orders: list[dict[str, Any]]
    raw: str
    next_token: str = ""
    total: int | None = None
    meta: dict[str, Any] = field(default_factory=dict)


@dataclass
class TokenGrant:
    """What a platform's token refresh answered: the new access token and, when the platform rotates it, the
    new refresh token; their expiry times (None when the platform does not say)."""

    access_token: str
    refresh_token: str = ""
    expires_at: dt.datetime | None = None
    refresh_expires_at: dt.datetime | None = None

    @classmethod
    def read(
        cls, token: Any, *, what: str, expires: dict[str, str], refresh_expires: dict[str, str] | None = None
    ) -> TokenGrant:
        """The grant in a platform's token answer ``token`` (a dict with ``access_token`` and, when the platform
        rotates it, ``refresh_token``). ``expires`` / ``refresh_expires`` name the answer's fields for
        ``expiry()`` (``{"seconds": "expires_in", "epoch_ms": "expire_time"}``). An answer without an access
        token raises ``TokenRefreshFailed``."""
        if not isinstance(token, dict) or not token.get("access_token"):
            raise TokenRefreshFailed(
                _("%(what)s: no access_token in the answer %(value)r.") % {"what": what, "value": str(token)[:200]}
            )

        def when(fields: dict[str, str] | None) -> dt.datetime | None:
            return expiry(**{kind: token.get(name) for kind, name in fields.items()}) if fields else None

        return cls(
            access_token=str(token["access_token"]),
            refresh_token=str(token.get("refresh_token") or ""),
            expires_at=when(expires),
            refresh_expires_at=when(refresh_expires),
        )


@dataclass
class Variant:
    """One sellable variant of the platform's catalogue, as the catalog sync needs it."""

    sku: str
    product_id: str
    variant_id: str
    inventory_item_id: str = ""
    title: str = ""


@dataclass
class CatalogPage:
    variants: list[Variant]
    next_token: str = ""
    products: int = 0


@dataclass(frozen=True)
class RefundProof:
    """An image backing a refusal (the case's newest evidence image): file name, content, content type."""

    name: str
    content: bytes
    content_type: str


@dataclass(frozen=True)
class RefundDecision:
    """A decision on a buyer's refund request, as a platform client sends it (``integrations.refunds``):
    ``refund_id`` is the platform's own refund / after-sales id, ``order_external_id`` the platform order,
    ``request_no`` Order Hub's refund request number (the idempotency key where the platform takes one), ``lines``
    (platform line id, quantity) where the platform refunds by line, ``return_address_id`` and ``return_address``
    the connection's."""

    refund_id: str
    order_external_id: str
    amount: Decimal
    currency: str = "CNY"
    request_no: str = ""
    reason: str = ""
    lines: tuple[tuple[str, int], ...] = ()
    return_address_id: str = ""
    return_address: Mapping[str, Any] | None = None  # the connection's return address, where a platform names it
    kind: str = "refund_only"  # the case's kind (aftersales.Case.Kind): some platforms answer each kind apart
    proof: RefundProof | None = None  # a refusal's proof image, where the platform takes one (Tmall)


def expiry(*, seconds: Any = None, epoch: Any = None, epoch_ms: Any = None) -> dt.datetime | None:
    """An expiry time from what a token answer gives: an absolute epoch (seconds or milliseconds) if present,
    else now + a lifetime in seconds; None when neither is readable."""
    for value, scale in ((epoch_ms, 1000), (epoch, 1)):
        try:
            if value not in (None, "", 0, "0"):
                return dt.datetime.fromtimestamp(int(value) / scale, tz=dt.UTC)
        except (TypeError, ValueError, OverflowError):
            pass
    try:
        if seconds not in (None, ""):
            return timezone.now() + dt.timedelta(seconds=int(seconds))
    except (TypeError, ValueError, OverflowError):
        pass
    return None


class PlatformClient:
    platform = ""
    default_base_url = ""
    page_size = 100
    # The longest modified-time window one orders query may span (several platforms cap it).
    max_window = dt.timedelta(days=1)

    def __init__(self, connection, *, timeout: float | None = None):
        self.connection = connection
        self.base_url = (connection.base_url or self.default_base_url).rstrip("/")
        self.timeout = timeout

    def send(self, method: str, path: str, *, base: str | None = None, **kwargs) -> transport.Response:
        response = transport.send(method, f"{base or self.base_url}{path}", timeout=self.timeout, **kwargs)
        if response.status == 429:
            raise RateLimited(
                _("%(platform)s: rate limited (HTTP 429).") % {"platform": self.platform},
                retry_after=_retry_after(response.header("retry-after")),
            )
        if response.status >= 500:
            raise PlatformUnavailable(
                _("%(platform)s: HTTP %(response_status)s from %(path)s.")
                % {"platform": self.platform, "response_status": response.status, "path": path}
            )
        return response

    def router_call(
        self,
        path: str,
        params: dict[str, Any],
        *,
        what: str,
        error: Callable[[dict[str, Any]], Exception],
        files: dict[str, tuple[str, bytes, str]] | None = None,
    ) -> dict[str, Any]:
        """One call through a TOP-style router (Taobao ``/router/rest``, JD ``/routerjson``, Pinduoduo
        ``/api/router``): the parameters without the ``None`` ones, signed with md5 over the sorted pairs
        between the app secret (``top_sign``), POSTed as the query; ``files`` (field → (name, content, content
        type)) go as a multipart body, outside the signature. An answer's ``error_response`` raises
        ``error(error_response)``. Returns the whole answer, whose ``<api>_response`` the platform names."""
        params = {k: v for k, v in params.items() if v is not None}
        params["sign"] = top_sign(params, self.connection.app_secret, sign_method="md5")
        if files:
            body, content_type = transport.multipart(files)
            response = self.send("POST", path, params=params, body=body, headers={"Content-Type": content_type})
        else:
            response = self.send("POST", path, params=params)
        data = json_loads(response.body, what=what)
        if not isinstance(data, dict):
            raise PlatformError(_("%(what)s: not a JSON object.") % {"what": what})
        if data.get("error_response"):
            raise error(data["error_response"])
        return data

    # The operations; each platform implements them.
    def orders_page(self, *, start: dt.datetime, end: dt.datetime, token: str = "") -> Page:
        raise NotImplementedError

    def order_get(self, external_id: str) -> dict[str, Any]:
        raise NotImplementedError

    def aftersales_page(self, *, start: dt.datetime, end: dt.datetime, token: str = "") -> Page | None:
        """One page of the after-sales records the platform keeps apart from its orders (JD), each stored as one
        inbox message under the topic in ``meta["topic"]``. None: the platform's after-sales come with its pushes
        and order versions."""
        return None

    def order_count(self, *, start: dt.datetime, end: dt.datetime) -> int:
        raise NotImplementedError

    def ship_confirm(
        self, *, external_id: str, carrier_code: str, tracking_number: str, lines: Sequence[tuple[str, int]] = ()
    ) -> dict[str, Any]:
        """Tell the platform the order shipped. ``lines``: (platform sub-order id, quantity) when the parcel
        carries part of the order — only for platforms whose adapter declares ``ship_partial``."""
        raise NotImplementedError

    def stock_update(self, *, sku_code: str, quantity: int) -> dict[str, Any]:
        raise NotImplementedError

    def delivery_confirm(self, *, external_id: str, tracking_number: str, delivered_at: str) -> dict[str, Any] | None:
        """Tell the platform the parcel was delivered, where the platform learns it only from the merchant
        (Shopify: a fulfillment event ``delivered``). None: the platform follows the carrier itself (Taobao,
        Tmall, JD, Pinduoduo, Douyin) — Order Hub then checks until the platform shows it signed for."""
        return None

    # After-sales decisions (``integrations.refunds``), for the platforms whose adapter declares them in
    # ``capabilities`` (``refund_agree``, ``return_agree``, ``refund_refuse``). Each returns the platform's answer,
    # or raises ``RefundStateChanged`` (the refund already moved on there) / ``RefundDecisionRefused`` (final).
    def refund_agree(self, decision: RefundDecision) -> dict[str, Any]:
        raise RefundDecisionRefused(
            _("%(platform)s: refunds are not agreed through its API.") % {"platform": self.platform}
        )

    def return_agree(self, decision: RefundDecision) -> dict[str, Any]:
        raise RefundDecisionRefused(
            _("%(platform)s: returns are not agreed through its API.") % {"platform": self.platform}
        )

    def refund_refuse(self, decision: RefundDecision) -> dict[str, Any]:
        raise RefundDecisionRefused(
            _("%(platform)s: refunds are not refused through its API.") % {"platform": self.platform}
        )

    def token_refresh(self) -> TokenGrant:
        """Exchange the connection's refresh token for a new access token (the platform's own refresh call).
        Raises ``TokenRefreshFailed`` when the platform refuses; transport failures as usual."""
        raise NotImplementedError


def _retry_after(value: str) -> float:
    try:
        return max(float(value), 1.0)
    except (TypeError, ValueError):
        return 60.0


def shanghai_text(moment: dt.datetime) -> str:
    return timezone.localtime(moment, SHANGHAI).strftime("%Y-%m-%d %H:%M:%S")


def push_secret(connection) -> str:
    return connection.webhook_secret or connection.app_secret


def max_skew() -> dt.timedelta:
    return dt.timedelta(seconds=settings.INTEGRATIONS_PUSH_MAX_SKEW_SECONDS)


def verify_top_push(connection, request: PushRequest, *, epoch_timestamp: bool = False) -> None:
    """TOP/Qimen-style signed push: ``sign`` over the sorted query parameters plus the raw body, keyed by
    the app (or webhook) secret; ``timestamp`` must be within the allowed skew so old captures do not
    replay."""
    secret = push_secret(connection)
    given = request.query.get("sign", "")
    if not secret:
        raise SignatureInvalid(_("the shop has no app/webhook secret configured, so no push can be verified."))
    if not given:
        raise SignatureInvalid(_("missing sign parameter."))
    method = request.query.get("sign_method", "md5").lower()
    try:
        expected = top_sign(request.query, secret, sign_method=method, body=request.body)
    except (ValueError, UnicodeDecodeError):
        raise SignatureInvalid(
            _("unsupported sign_method %(method)r or undecodable body.") % {"method": method}
        ) from None
    if not equal(expected, given.upper()):
        raise SignatureInvalid(_("sign does not match."))
    raw = request.query.get("timestamp", "")
    try:
        sent = (
            dt.datetime.fromtimestamp(int(raw), tz=dt.UTC) if epoch_timestamp or raw.isdigit() else local_datetime(raw)
        )
    except (ValueError, OverflowError):
        sent = None
    if sent is None:
        raise SignatureInvalid(_("timestamp %(raw)r missing or unreadable.") % {"raw": raw})
    if abs(timezone.now() - sent) > max_skew():
        raise SignatureInvalid(_("timestamp %(raw)s is outside the allowed clock skew.") % {"raw": raw})
