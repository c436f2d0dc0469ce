"""Sandbox of SF Express's ``/std/service``: checks ``msgDigest`` with the connection's checkword and answers
``EXP_RECE_CREATE_ORDER`` / ``EXP_RECE_UPDATE_ORDER`` / ``EXP_RECE_WANTED_INTERCEPT`` in SF's envelope
(apiResultCode + apiResultData)."""

from __future__ import annotations

import json

from django.http import HttpRequest, JsonResponse
from django.views.decorators.csrf import csrf_exempt

from fulfilment.carriers import carrier_get
from integrations.logistics.models import LogisticsConnection
from integrations.sandbox.logistics.waybills import ServiceRefused, cancel, intercept, issue
from integrations.sandbox.views.shared import sandbox_enabled_check
from integrations.signing import equal, sf_msg_digest


def _envelope(code: str, message: str = "", data: dict | None = None) -> JsonResponse:
    return JsonResponse(
        {
            "apiResultCode": code,
            "apiErrorMsg": message,
            "apiResponseID": "SANDBOX",
            "apiResultData": json.dumps(data, ensure_ascii=False) if data is not None else None,
        },
        json_dumps_params={"ensure_ascii": False},
    )


def _business(success: bool, code: str, message: str | None, msg_data: dict | None = None) -> JsonResponse:
    return _envelope("A1000", "", {"success": success, "errorCode": code, "errorMsg": message, "msgData": msg_data})


@csrf_exempt
def std_service(request: HttpRequest) -> JsonResponse:
    sandbox_enabled_check()
    form = request.POST
    connection = LogisticsConnection.objects.filter(service="sf", key=form.get("partnerID", "")).first()
    if not all(form.get(k) for k in ("partnerID", "requestID", "serviceCode", "timestamp", "msgData", "msgDigest")):
        return _envelope("A1001", "必传参数不可为空")
    if connection is None or not equal(
        sf_msg_digest(form["msgData"], form["timestamp"], connection.secret), form["msgDigest"]
    ):
        return _envelope("A1006", "数字签名无效")
    data = json.loads(form["msgData"])
    if form["serviceCode"] == "EXP_RECE_CREATE_ORDER":
        receiver = next((c for c in data.get("contactInfoList") or [] if c.get("contactType") == 2), {})
        if not receiver.get("address"):
            return _business(False, "1010", "到件地址不能为空")
        try:
            number = issue(
                carrier=carrier_get("SF", active_only=False),
                reference=str(data.get("orderId") or ""),
                province=receiver.get("province", ""),
                city=receiver.get("city", ""),
                weight_grams=int(float(data.get("totalWeight") or 0) * 1000),
                address=receiver.get("address", ""),
            )
        except ServiceRefused as exc:
            return _business(False, "8196", exc.message)
        return _business(
            True,
            "S0000",
            None,
            {
                "orderId": data.get("orderId"),
                "waybillNoInfoList": [{"waybillType": 1, "waybillNo": number}],
                "routeLabelInfo": [
                    {
                        "code": "1000",
                        "routeLabelData": {
                            "waybillNo": number,
                            "destRouteLabel": "571WE-010A",
                            "twoDimensionCode": f"MMM={{'k1':'571WE','k5':'{number}'}}",
                            "proCode": "T6",
                        },
                    }
                ],
            },
        )
    if form["serviceCode"] == "EXP_RECE_UPDATE_ORDER" and str(data.get("dealType")) == "2":
        for item in data.get("waybillNoInfoList") or []:
            try:
                cancel(tracking_number=str(item.get("waybillNo") or ""))
            except ServiceRefused as exc:
                return _business(False, "8017", exc.message)
        return _business(True, "S0000", None, {"orderId": data.get("orderId"), "resStatus": 2})
    if form["serviceCode"] == "EXP_RECE_WANTED_INTERCEPT":
        if not data.get("waybillNo") or not data.get("serviceCode"):
            return _business(False, "20001", "运单号或服务类型不能为空")
        try:
            reference = intercept(tracking_number=str(data["waybillNo"]))
        except ServiceRefused as exc:
            return _business(False, "20025", exc.message)
        return _business(True, "S0000", None, {"cusId": reference})
    return _envelope("A1004", "无对应服务权限")
