"""What the logistics clients share: the shop's platform client for platform e-waybills, the credentials
of carrier-direct services, addresses in the services' shapes, and platform errors turned into
``CarrierCallFailed`` with the service's own code."""

from __future__ import annotations

import json
from typing import Any

from fulfilment.carriers.adapters.base import AccountRef, CarrierCallFailed, Party, WaybillRequest
from fulfilment.carriers.library import carrier_get, carrier_platform_code
from fulfilment.exceptions import CarrierNotMapped, UnknownCarrier
from integrations.exceptions import PlatformError, PlatformUnavailable
from integrations.logistics.models import LogisticsConnection
from integrations.models import ShopConnection
from integrations.platforms import adapter_for
from integrations.tokens import TokenRefresher


def shop_client(account: AccountRef):
    """The platform API client of the shop that owns the e-waybill subscription."""
    connection = ShopConnection.objects.select_related("shop").filter(shop_id=account.shop_id, is_enabled=True).first()
    if connection is None:
        raise CarrierCallFailed(
            "the shop of this e-waybill account has no enabled platform connection", code="connection_missing"
        )
    return adapter_for(connection.shop.platform).client(connection)


def service_connection(service: str) -> LogisticsConnection:
    connection = LogisticsConnection.objects.filter(service=service, is_enabled=True).first()
    if connection is None:
        raise CarrierCallFailed(f"no enabled {service} connection is configured", code="connection_missing")
    return connection


def platform_call(client, method: str, **params: Any) -> dict[str, Any]:
    """``client.call`` with one token refresh on expiry; platform errors become ``CarrierCallFailed`` carrying
    the platform's sub-code (or code) and message."""
    try:
        return TokenRefresher(client).call(client.call, method, **params)
    except PlatformUnavailable as exc:
        raise CarrierCallFailed(str(exc), code="network") from exc
    except PlatformError as exc:
        extra = exc.extra or {}
        code = str(extra.get("sub_code") or extra.get("code") or exc.code)
        raise CarrierCallFailed(str(exc), code=code, body=extra) from exc


def carrier_code(carrier_code: str, system: str) -> str:
    try:
        return carrier_platform_code(carrier=carrier_get(carrier_code, active_only=False), platform=system)
    except (CarrierNotMapped, UnknownCarrier) as exc:
        raise CarrierCallFailed(exc.message, code="carrier_not_mapped") from exc


def json_text(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def cipher(request: WaybillRequest, *names: str) -> str:
    """The first ciphertext the order holds under one of ``names`` (the platforms name them differently)."""
    for name in names:
        value = request.receiver_cipher.get(name)
        if value:
            return str(value)
    return ""


def items(request: WaybillRequest) -> list[tuple[str, int]]:
    return list(request.items) or [(request.order_reference, 1)]


def full_address(party: Party) -> str:
    return f"{party.province}{party.city}{party.district}{party.address}"


def branch_quantity(
    branches: list[dict[str, Any]], *, account: AccountRef, service: str, code_key: str, qty_key: str
) -> int:
    """The numbers left on the account's branch among a service's subscription rows (the only row when the
    account names no branch). ``CarrierCallFailed`` when the subscription has no such branch."""
    rows = [b for b in branches if isinstance(b, dict)]
    if account.branch_code:
        rows = [b for b in rows if str(b.get(code_key) or "") == account.branch_code]
    if len(rows) != 1:
        raise CarrierCallFailed(
            f"{service}: the subscription has {'no' if not rows else len(rows)} branch(es) "
            f"{account.branch_code!r} for this carrier",
            code="subscription_missing",
        )
    try:
        return int(rows[0].get(qty_key))
    except (TypeError, ValueError):
        raise CarrierCallFailed(
            f"{service}: {qty_key} is not a number: {rows[0].get(qty_key)!r}", code="bad_response"
        ) from None
