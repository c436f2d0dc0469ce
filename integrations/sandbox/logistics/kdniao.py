"""Sandbox of KDNiao's ``/api/dist`` for the tracking subscription (RequestType 1008), DataSign checked."""

from __future__ import annotations

import json

from django.http import HttpRequest, JsonResponse
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt

from fulfilment.models import CarrierPlatformCode
from integrations.logistics.models import LogisticsConnection
from integrations.sandbox.views.shared import sandbox_enabled_check
from integrations.signing import equal, kdniao_data_sign


def _answer(business_id: str, success: bool, reason: str = "") -> JsonResponse:
    return JsonResponse(
        {
            "EBusinessID": business_id,
            "UpdateTime": timezone.localtime().strftime("%Y-%m-%d %H:%M:%S"),
            "Success": success,
            "Reason": reason,
        },
        json_dumps_params={"ensure_ascii": False},
    )


@csrf_exempt
def api_dist(request: HttpRequest) -> JsonResponse:
    sandbox_enabled_check()
    form = request.POST
    business_id = form.get("EBusinessID", "")
    connection = LogisticsConnection.objects.filter(service="kdniao", key=business_id).first()
    raw = form.get("RequestData", "")
    if connection is None or not equal(kdniao_data_sign(raw, connection.secret), form.get("DataSign", "")):
        return _answer(business_id, False, "数据签名错误")
    if form.get("RequestType") != "1008":
        return _answer(business_id, False, f"RequestType {form.get('RequestType')} 不支持")
    data = json.loads(raw or "{}")
    if not CarrierPlatformCode.objects.filter(platform="kdniao", code=data.get("ShipperCode", "")).exists():
        return _answer(business_id, False, "快递公司编码错误")
    return _answer(business_id, True)
