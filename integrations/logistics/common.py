"""What the logistics clients share: the shop's platform client for platform e-waybills, the credentials
of carrier-direct services, addresses in the services' shapes, and platform errors turned into
``CarrierCallFailed`` with the service's own code."""

from __future__ import annotations

import json
from typing import Any

from django.utils.translation import gettext as _

from config.messages import message
from fulfilment.carriers.adapters.base import (
    AccountRef,
    CarrierCallFailed,
    InterceptNotSupported,
    Party,
    WaybillRequest,
    WaybillResult,
)
from fulfilment.carriers.library import carrier_get, carrier_platform_code
from fulfilment.exceptions import CarrierNotMapped, UnknownCarrier
from fulfilment.models.written import (
    CANCEL_REFUSED,
    INTERCEPT_CLOUD_PRINT_ONLY,
    SERVICE_CONNECTION_MISSING,
    SHOP_CONNECTION_MISSING,
)
from integrations.exceptions import PlatformError, PlatformUnavailable
from integrations.logistics.models import LogisticsConnection
from integrations.models import ShopConnection
from integrations.platforms import adapter_for
from integrations.tokens import TokenRefresher


def shop_client(account: AccountRef):
    """The platform API client of the shop that owns the e-waybill subscription."""
    connection = ShopConnection.objects.select_related("shop").filter(shop_id=account.shop_id, is_enabled=True).first()
    if connection is None:
        raise CarrierCallFailed(message(SHOP_CONNECTION_MISSING), code="connection_missing")
    return adapter_for(connection.shop.platform).client(connection)


def service_connection(service: str) -> LogisticsConnection:
    connection = LogisticsConnection.objects.filter(service=service, is_enabled=True).first()
    if connection is None:
        raise CarrierCallFailed(message(SERVICE_CONNECTION_MISSING, service=service), code="connection_missing")
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
        raise CarrierCallFailed(exc.said, code="carrier_not_mapped") from exc


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
            _("%(service)s: the subscription has %(value)s branch(es) %(account_branch_code)r for this carrier")
            % {
                "service": service,
                "value": "no" if not rows else len(rows),
                "account_branch_code": account.branch_code,
            },
            code="subscription_missing",
        )
    try:
        return int(rows[0].get(qty_key))
    except (TypeError, ValueError):
        raise CarrierCallFailed(
            _("%(service)s: %(qty_key)s is not a number: %(get)r")
            % {"service": service, "qty_key": qty_key, "get": rows[0].get(qty_key)},
            code="bad_response",
        ) from None


def waybill_address(party: Party) -> dict[str, str]:
    """An address as the cloud-print e-waybill requests of Cainiao and Pinduoduo take it."""
    return {
        "province": party.province,
        "city": party.city,
        "district": party.district,
        "town": "",
        "detail": party.address,
    }


def cloud_print_body(
    request: WaybillRequest,
    *,
    carrier: dict[str, str],
    channel: str,
    trade_order: str,
    recipient: dict[str, Any],
    package: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """The cloud-print e-waybill request body Cainiao (``cainiao.waybill.ii.get``) and Pinduoduo
    (``pdd.waybill.get``) both take, for one parcel: ``carrier`` is the service's carrier field (``cp_code`` /
    ``wp_code``), ``sender`` the account's shipping address, one ``trade_order_info_dtos`` entry naming the
    platform order (``order_channels_type`` TB/TM/PDD, ``trade_order_list``), the parcel's items (plus
    ``package``, e.g. its weight), the ``recipient`` as the service wants it and the account's template."""
    parcel = request.request_id or request.order_reference
    return {
        **carrier,
        "need_encrypt": True,
        "sender": {
            "address": waybill_address(request.sender),
            "name": request.sender.name,
            "mobile": request.sender.phone,
        },
        "trade_order_info_dtos": [
            {
                "object_id": parcel,
                "order_info": {"order_channels_type": channel, "trade_order_list": [trade_order]},
                "package_info": {
                    "id": parcel,
                    "items": [{"name": name, "count": count} for name, count in items(request)],
                    **(package or {}),
                },
                "recipient": recipient,
                "template_url": request.account.template_url,
            }
        ],
    }


def cloud_print_result(
    modules: list[dict[str, Any]], *, service: str, component: str, answer: dict[str, Any], label: dict | None = None
) -> WaybillResult:
    """The first module of a cloud-print answer (Cainiao, Pinduoduo): its ``waybill_code`` and its
    ``print_data`` — a JSON string only the service's print component renders."""
    if not modules or not modules[0].get("waybill_code"):
        raise CarrierCallFailed(
            _("%(service)s answered without a waybill_code") % {"service": service},
            code="no_tracking_number",
            body=answer,
        )
    raw = modules[0].get("print_data") or "{}"
    try:
        print_data = json.loads(raw) if isinstance(raw, str) else dict(raw)
    except ValueError as exc:
        raise CarrierCallFailed(
            _("print_data is not JSON: %(value)r") % {"value": raw[:80]}, code="bad_response"
        ) from exc
    return WaybillResult(
        tracking_number=str(modules[0]["waybill_code"]),
        label=label or {},
        print_data={"component": component, **print_data},
    )


class PlatformWaybillAdapter:
    """An e-waybill service reached through the shop's own platform client (Cainiao on TOP, Pinduoduo, Douyin,
    JD). What they do alike is here, named by the class attributes a service sets; its request body and the
    reading of its answer stay in the service's module."""

    service = ""  # the service as messages name it
    api = ""  # its e-waybill methods, as messages name them
    carrier_system = ""  # the code list the carrier code is read from (fulfilment.carriers.library)
    carrier_param = ""  # the name of the carrier code parameter
    tracking_param = "waybill_code"
    cancel_method = ""
    balance_method = ""
    branch_code_key = "branch_code"
    branch_quantity_key = "quantity"

    def __init__(self, account: AccountRef, carrier: str):
        self.account = account
        self.carrier = carrier

    def call(self, method: str, **params: Any) -> dict[str, Any]:
        return platform_call(shop_client(self.account), method, **params)

    def platform_carrier_code(self) -> str:
        return carrier_code(self.carrier, self.carrier_system)

    def waybill_cancel(self, *, tracking_number: str, request: WaybillRequest) -> None:
        params = {self.carrier_param: self.platform_carrier_code(), self.tracking_param: tracking_number}
        answer = self.call(self.cancel_method, **params)
        if not answer.get("cancel_result"):
            raise CarrierCallFailed(
                message(CANCEL_REFUSED, service=self.service, tracking_number=tracking_number),
                code="cancel_refused",
                body=answer,
            )

    def waybill_balance(self) -> int:
        code = self.platform_carrier_code()
        answer = self.call(self.balance_method, **{self.carrier_param: code})
        return branch_quantity(
            self.branches(answer, code),
            account=self.account,
            service=self.service,
            code_key=self.branch_code_key,
            qty_key=self.branch_quantity_key,
        )

    def branches(self, answer: dict[str, Any], code: str) -> list[dict[str, Any]]:
        """The branch rows of the balance answer for this carrier code."""
        raise NotImplementedError

    def intercept(self, *, tracking_number: str, request: WaybillRequest, reason: str):
        raise InterceptNotSupported(
            message(INTERCEPT_CLOUD_PRINT_ONLY, service=self.service, api=self.api, tracking_number=tracking_number)
        )

    def tracking_fetch(self, tracking_number: str):
        return []  # tracking comes from the aggregators (Kuaidi100, KDNiao)
