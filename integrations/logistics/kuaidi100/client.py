"""Kuaidi100 e-waybills (``POST /label/order``, form-encoded).

Every call: ``method`` (``order`` to issue, ``cancel``), ``key`` (the account's key), ``t`` (ms),
``param`` (JSON) and ``sign`` = upper(MD5(param + t + key + secret)). ``param`` for ``order``:
``kuaidicom`` (Kuaidi100's carrier code), ``partnerId``/``partnerKey``/``net`` (the branch account the
carrier gave the merchant), ``recMan``/``sendMan`` (``name``, ``mobile``, ``printAddr``), ``cargo``,
``count``, ``weight`` (kg), ``payType`` SHIPPER, ``expType``, ``printType`` (NON: numbers only; CLOUD: a
cloud printer), ``orderId``. The answer: ``success``, ``code`` (200 = ok), ``message`` and ``data``
(``kuaidinum``, ``kuaidicom``, ``taskId``, ``bulkpen`` sort code, ``label`` image when asked).

Documentation: https://api.kuaidi100.com/document/5f0ff6e82977d50a94e10237 (电子面单下单),
https://api.kuaidi100.com/document/5f0ff9a8bc8da837cbd8aef1 (取消).
"""

from __future__ import annotations

import json
import time
import urllib.parse
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
from fulfilment.models.written import INTERCEPT_KUAIDI100
from integrations import transport
from integrations.exceptions import PlatformUnavailable
from integrations.logistics.common import carrier_code, full_address, items, json_text, service_connection
from integrations.signing import kuaidi100_sign

PROVIDER = "kuaidi100"
BASE_URL = "https://api.kuaidi100.com"


def man(party: Party) -> dict[str, str]:
    return {"name": party.name, "mobile": party.phone, "printAddr": full_address(party)}


def order_param(request: WaybillRequest) -> dict[str, Any]:
    return {
        "kuaidicom": carrier_code(request.carrier_code, "kuaidi100"),
        "partnerId": request.account.account_number,
        "net": request.account.branch_code,
        "recMan": man(request.receiver),
        "sendMan": man(request.sender),
        "cargo": "、".join(name for name, _count in items(request))[:50],
        "count": 1,
        "weight": round(request.weight_grams / 1000, 3),
        "payType": "SHIPPER",
        "expType": request.account.product_code or "标准快递",
        "printType": "NON",
        "orderId": request.request_id or request.order_reference,
    }


def form(*, method: str, key: str, secret: str, param: dict[str, Any], t: str) -> dict[str, str]:
    text = json_text(param)
    return {"method": method, "key": key, "t": t, "param": text, "sign": kuaidi100_sign(text, t, key, secret)}


def answer_data(status: int, body: bytes) -> dict[str, Any]:
    try:
        answer = json.loads(body or b"null")
    except ValueError:
        raise CarrierCallFailed(
            _("Kuaidi100 answered HTTP %(status)s, not JSON") % {"status": status}, code="bad_response"
        ) from None
    if not isinstance(answer, dict):
        raise CarrierCallFailed(
            _("Kuaidi100 answered HTTP %(status)s without a body") % {"status": status}, code="bad_response"
        )
    if not answer.get("success") or str(answer.get("code")) != "200":
        raise CarrierCallFailed(
            _("%(code)s: %(message)s") % {"code": answer.get("code"), "message": answer.get("message")},
            code=f"kuaidi100_{answer.get('code')}",
            body=answer,
        )
    return answer.get("data") or {}


def order_result(data: dict[str, Any]) -> WaybillResult:
    number = str(data.get("kuaidinum") or "").strip()
    if not number:
        raise CarrierCallFailed(_("Kuaidi100 answered without a kuaidinum"), code="no_tracking_number", body=data)
    return WaybillResult(
        tracking_number=number, label={"sort_code": data.get("bulkpen") or "", "task": data.get("taskId") or ""}
    )


class Kuaidi100Adapter:
    def __init__(self, account: AccountRef, carrier: str):
        self.account = account
        self.carrier = carrier

    def _call(self, method: str, param: dict[str, Any]) -> dict[str, Any]:
        connection = service_connection("kuaidi100")
        body = form(
            method=method, key=connection.key, secret=connection.secret, param=param, t=str(int(time.time() * 1000))
        )
        try:
            response = transport.send(
                "POST",
                f"{(connection.base_url or BASE_URL).rstrip('/')}/label/order",
                body=urllib.parse.urlencode(body).encode(),
                headers={"Content-Type": "application/x-www-form-urlencoded"},
            )
        except PlatformUnavailable as exc:
            raise CarrierCallFailed(str(exc), code="network") from exc
        return answer_data(response.status, response.body)

    def waybill_request(self, request: WaybillRequest) -> WaybillResult:
        return order_result(self._call("order", order_param(request)))

    def waybill_cancel(self, *, tracking_number: str, request: WaybillRequest) -> None:
        self._call(
            "cancel",
            {
                "partnerId": self.account.account_number,
                "kuaidicom": carrier_code(self.carrier, "kuaidi100"),
                "kuaidinum": tracking_number,
                "orderId": request.request_id or request.order_reference,
                "reason": "不再使用",
            },
        )

    def waybill_balance(self) -> None:
        return None  # Kuaidi100 e-waybills use the carrier branch account; no balance is read here

    def intercept(self, *, tracking_number: str, request: WaybillRequest, reason: str):
        raise InterceptNotSupported(message(INTERCEPT_KUAIDI100, tracking_number=tracking_number))

    def tracking_fetch(self, tracking_number: str):
        return []


def adapter_factory(account: AccountRef, carrier: str) -> Kuaidi100Adapter:
    return Kuaidi100Adapter(account, carrier)
