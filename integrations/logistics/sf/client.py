"""SF Express open platform, standard interface ``POST /std/service`` (form-encoded).

Every call: ``partnerID`` (顾客编码), ``requestID`` (unique), ``serviceCode``, ``timestamp`` (ms),
``msgData`` (the JSON body) and ``msgDigest`` = base64(MD5(urlencode(msgData + timestamp + checkword))).
The answer: ``apiResultCode`` (A1000 success; A1001 missing parameter, A1002 request expired, A1003 IP not
allowed, A1004 no permission for the service, A1005 flow controlled, A1006 bad digest, A1007 repeated
request, A1008 decryption failed, A1009 target service unreachable, A1099 system error), ``apiErrorMsg`` and
``apiResultData`` — a JSON string with ``success``, ``errorCode`` (S0000 = ok; e.g. 8016 order id already
used, 1010 sender address missing, 8196 monthly card not valid) ``errorMsg`` and ``msgData``.

- ``EXP_RECE_CREATE_ORDER`` (下订单): ``orderId`` (ours, unique), ``monthlyCard``, ``expressTypeId``,
  ``payMethod``, ``cargoDetails``, ``totalWeight`` (kg), ``contactInfoList`` (contactType 1 sender, 2
  receiver), ``isReturnRoutelabel`` 1 → ``msgData.waybillNoInfoList[].waybillNo`` and ``routeLabelInfo``
  (destRouteLabel, twoDimensionCode, proCode) for the label we print ourselves.
- ``EXP_RECE_UPDATE_ORDER`` with ``dealType`` 2 cancels the order and its number.
- ``EXP_RECE_WANTED_INTERCEPT`` (截单转寄/退回): ``waybillNo``, ``serviceCode`` (1 转寄 redirect, 2 退回 return
  to sender, …), ``role`` (1 sender), ``payMode`` (4 sender's monthly card, with ``monthlyCardNo``) and
  ``newDestAddress`` (``province``/``city``/``county``/``address``/``contact``/``phone``) → success with
  ``msgData`` null or ``{"cusId", …}``; the carrier then turns the parcel back and the route shows it.

Documentation: https://open.sf-express.com/Api/ApiDetails?level3=393&interName=%E4%B8%8B%E8%AE%A2%E5%8D%95%E6%8E%A5%E5%8F%A3-EXP_RECE_CREATE_ORDER
(and …interName=订单确认取消接口-EXP_RECE_UPDATE_ORDER, …interName=截单转寄接口-EXP_RECE_WANTED_INTERCEPT; the digest:
https://open.sf-express.com/developSupport/976720?authId=1). The interception's field names and codes were
read from SF's open-platform SDK request templates (``18.wanted_intercept.json``) as published in public code;
the official page could not be opened from here, so they are unverified against it.
"""

from __future__ import annotations

import json
import time
import urllib.parse
import uuid
from typing import Any

from django.utils.translation import gettext as _

from fulfilment.carriers.adapters.base import (
    AccountRef,
    CarrierCallFailed,
    InterceptResult,
    Party,
    WaybillRequest,
    WaybillResult,
)
from integrations import transport
from integrations.exceptions import PlatformUnavailable
from integrations.logistics.common import items, json_text, service_connection
from integrations.signing import sf_msg_digest

PROVIDER = "sf"
BASE_URL = "https://sfapi.sf-express.com"
CREATE = "EXP_RECE_CREATE_ORDER"
UPDATE = "EXP_RECE_UPDATE_ORDER"
INTERCEPT = "EXP_RECE_WANTED_INTERCEPT"
INTERCEPT_RETURN = "2"  # serviceCode 2: 退回 — back to the sender
ROLE_SENDER = "1"
PAY_SENDER_MONTHLY = "4"
API_ERRORS = {
    "A1001": "a required parameter is empty",
    "A1002": "the request has expired",
    "A1003": "the caller's IP is not allowed",
    "A1004": "no permission for this service",
    "A1005": "flow controlled",
    "A1006": "the digital signature is invalid",
    "A1007": "repeated request",
    "A1008": "data decryption failed",
    "A1009": "the target service is unavailable or unreachable",
    "A1099": "system error",
}
DEFAULT_EXPRESS_TYPE = 2  # 顺丰标快


def contact(party: Party, contact_type: int) -> dict[str, Any]:
    return {
        "contactType": contact_type,
        "contact": party.name,
        "mobile": party.phone,
        "country": "CN",
        "province": party.province,
        "city": party.city,
        "county": party.district,
        "address": party.address,
    }


def create_order_data(request: WaybillRequest) -> dict[str, Any]:
    return {
        "language": "zh-CN",
        "orderId": request.request_id or request.order_reference,
        "monthlyCard": request.account.account_number,
        "expressTypeId": int(request.account.product_code or DEFAULT_EXPRESS_TYPE),
        "payMethod": 1,
        "isReturnRoutelabel": 1,
        "totalWeight": round(request.weight_grams / 1000, 3),
        "cargoDetails": [{"name": name, "count": count} for name, count in items(request)],
        "contactInfoList": [contact(request.sender, 1), contact(request.receiver, 2)],
    }


def intercept_data(*, tracking_number: str, request: WaybillRequest) -> dict[str, Any]:
    """Send the parcel back to the sender (the account's shipping address), paid by the monthly card."""
    sender = request.sender
    data: dict[str, Any] = {
        "waybillNo": tracking_number,
        "serviceCode": INTERCEPT_RETURN,
        "role": ROLE_SENDER,
        "payMode": PAY_SENDER_MONTHLY,
        "newDestAddress": {
            "province": sender.province,
            "city": sender.city,
            "county": sender.district,
            "address": sender.address,
            "contact": sender.name,
            "phone": sender.phone,
        },
    }
    if request.account.account_number:
        data["monthlyCardNo"] = request.account.account_number
    return data


def form(*, partner_id: str, check_word: str, service_code: str, msg_data: dict[str, Any], timestamp: str) -> dict:
    text = json_text(msg_data)
    return {
        "partnerID": partner_id,
        "requestID": str(uuid.uuid4()),
        "serviceCode": service_code,
        "timestamp": timestamp,
        "msgData": text,
        "msgDigest": sf_msg_digest(text, timestamp, check_word),
    }


def answer_data(status: int, body: bytes) -> dict[str, Any]:
    """The business ``msgData`` of an answer, or ``CarrierCallFailed`` with SF's code and message."""
    try:
        answer = json.loads(body or b"null")
    except ValueError:
        raise CarrierCallFailed(
            _("SF answered HTTP %(status)s, not JSON") % {"status": status}, code="bad_response"
        ) from None
    if not isinstance(answer, dict):
        raise CarrierCallFailed(
            _("SF answered HTTP %(status)s without a body") % {"status": status}, code="bad_response"
        )
    code = str(answer.get("apiResultCode") or "")
    if code != "A1000":
        message = answer.get("apiErrorMsg") or API_ERRORS.get(code, "error")
        raise CarrierCallFailed(
            _("%(code)s: %(message)s") % {"code": code, "message": message}, code=code or f"http_{status}", body=answer
        )
    raw = answer.get("apiResultData") or "{}"
    data = json.loads(raw) if isinstance(raw, str) else raw
    if not data.get("success"):
        raise CarrierCallFailed(
            _("%(errorCode)s: %(errorMsg)s") % {"errorCode": data.get("errorCode"), "errorMsg": data.get("errorMsg")},
            code=str(data.get("errorCode") or "error"),
            body=data,
        )
    return data.get("msgData") or {}


def create_order_result(msg_data: dict[str, Any]) -> WaybillResult:
    numbers = [w.get("waybillNo") for w in msg_data.get("waybillNoInfoList") or [] if w.get("waybillType") in (1, None)]
    if not numbers or not numbers[0]:
        raise CarrierCallFailed(_("SF answered without a waybill number"), code="no_tracking_number", body=msg_data)
    route = {}
    for item in msg_data.get("routeLabelInfo") or []:
        if str(item.get("code")) == "1000":
            route = item.get("routeLabelData") or {}
    return WaybillResult(
        tracking_number=str(numbers[0]),
        label={
            "sort_code": route.get("destRouteLabel") or "",
            "qr": route.get("twoDimensionCode") or "",
            "product": route.get("proCode") or "",
            "coding_mapping": route.get("codingMapping") or "",
        },
    )


class SfAdapter:
    def __init__(self, account: AccountRef, carrier: str):
        self.account = account

    def _call(self, service_code: str, msg_data: dict[str, Any]) -> dict[str, Any]:
        connection = service_connection("sf")
        body = form(
            partner_id=connection.key,
            check_word=connection.secret,
            service_code=service_code,
            msg_data=msg_data,
            timestamp=str(int(time.time() * 1000)),
        )
        try:
            response = transport.send(
                "POST",
                f"{(connection.base_url or BASE_URL).rstrip('/')}/std/service",
                body=urllib.parse.urlencode(body).encode(),
                headers={"Content-Type": "application/x-www-form-urlencoded;charset=UTF-8"},
            )
        except PlatformUnavailable as exc:
            raise CarrierCallFailed(str(exc), code="network") from exc
        return answer_data(response.status, response.body)

    def waybill_request(self, request: WaybillRequest) -> WaybillResult:
        return create_order_result(self._call(CREATE, create_order_data(request)))

    def waybill_cancel(self, *, tracking_number: str, request: WaybillRequest) -> None:
        self._call(
            UPDATE,
            {
                "orderId": request.request_id or request.order_reference,
                "dealType": 2,
                "waybillNoInfoList": [{"waybillType": 1, "waybillNo": tracking_number}],
            },
        )

    def waybill_balance(self) -> None:
        return None  # SF bills the monthly card: it counts no numbers

    def intercept(self, *, tracking_number: str, request: WaybillRequest, reason: str) -> InterceptResult:
        data = self._call(INTERCEPT, intercept_data(tracking_number=tracking_number, request=request)) or {}
        return InterceptResult(reference=str(data.get("cusId") or ""), answer=data)

    def tracking_fetch(self, tracking_number: str):
        return []


def adapter_factory(account: AccountRef, carrier: str) -> SfAdapter:
    return SfAdapter(account, carrier)
