"""Sandbox of Kuaidi100: ``/label/order`` (order, cancel) and ``/poll`` (tracking subscription), signed as
Kuaidi100 checks them."""

from __future__ import annotations

import json

from django.http import HttpRequest, JsonResponse
from django.views.decorators.csrf import csrf_exempt

from fulfilment.models import CarrierPlatformCode
from integrations.logistics.models import LogisticsConnection
from integrations.sandbox.logistics.waybills import ServiceRefused, cancel, carrier_for, issue
from integrations.sandbox.views.shared import sandbox_enabled_check
from integrations.signing import equal, kuaidi100_sign

# Subscriptions the sandbox accepted: (kuaidicom, number) → parameters (callback URL, salt), for the demo's push.
SUBSCRIPTIONS: dict[tuple[str, str], dict] = {}


def _answer(code: int, message: str, data: dict | None = None) -> JsonResponse:
    return JsonResponse(
        {"success": code == 200, "code": code, "message": message, "data": data or {}},
        json_dumps_params={"ensure_ascii": False},
    )


@csrf_exempt
def label_order(request: HttpRequest) -> JsonResponse:
    sandbox_enabled_check()
    form = request.POST
    connection = LogisticsConnection.objects.filter(service="kuaidi100", key=form.get("key", "")).first()
    if connection is None:
        return _answer(400, "key 不存在")
    if not equal(
        kuaidi100_sign(form.get("param", ""), form.get("t", ""), connection.key, connection.secret),
        form.get("sign", ""),
    ):
        return _answer(400, "签名错误")
    param = json.loads(form.get("param") or "{}")
    try:
        carrier = carrier_for("kuaidi100", str(param.get("kuaidicom", "")))
        if form.get("method") == "cancel":
            cancel(tracking_number=str(param.get("kuaidinum", "")))
            return _answer(200, "success")
        if form.get("method") != "order":
            return _answer(400, f"method {form.get('method')!r} 不支持")
        receiver = param.get("recMan") or {}
        number = issue(
            carrier=carrier,
            reference=str(param.get("orderId") or ""),
            province="",
            city="",
            weight_grams=int(float(param.get("weight") or 0) * 1000),
            address=receiver.get("printAddr", ""),
        )
    except ServiceRefused as exc:
        return _answer(30002 if exc.code.startswith("isv.") else 400, exc.message)
    return _answer(
        200,
        "success",
        {"kuaidinum": number, "kuaidicom": param.get("kuaidicom"), "taskId": f"T{number}", "bulkpen": "571-A1"},
    )


@csrf_exempt
def poll(request: HttpRequest) -> JsonResponse:
    """``schema=json&param={"company","number","key","parameters":{"callbackurl","salt",…}}``."""
    sandbox_enabled_check()
    param = json.loads(request.POST.get("param") or "{}")
    if not LogisticsConnection.objects.filter(service="kuaidi100", key=param.get("key", "")).exists():
        return JsonResponse({"result": False, "returnCode": "600", "message": "您不是合法的订阅者"})
    if not CarrierPlatformCode.objects.filter(platform="kuaidi100", code=param.get("company", "")).exists():
        return JsonResponse({"result": False, "returnCode": "700", "message": "不支持的快递公司"})
    key = (param.get("company", ""), param.get("number", ""))
    if key in SUBSCRIPTIONS:
        return JsonResponse({"result": False, "returnCode": "501", "message": "重复订阅"})
    SUBSCRIPTIONS[key] = param.get("parameters") or {}
    return JsonResponse({"result": True, "returnCode": "200", "message": "提交成功"})
