"""Tracking callbacks from the aggregators, ``POST /webhooks/logistics/kuaidi100/`` and ``…/kdniao/``, and SF
Express's own route push, ``…/sf/``. The
signature is checked first (401 when wrong: nothing is stored), then the body is stored and answered in the
service's expected form; processing happens after commit."""

from __future__ import annotations

from django.http import HttpRequest, JsonResponse
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from config.machine import machine_endpoint
from integrations.exceptions import PayloadInvalid
from integrations.logistics.kdniao import client as kdniao
from integrations.logistics.kuaidi100 import tracking as kuaidi100
from integrations.logistics.models import LogisticsConnection
from integrations.logistics.sf import tracking as sf
from integrations.logistics.tracking import tracking_callback_receive


@machine_endpoint
@csrf_exempt
@require_POST
def kuaidi100_callback(request: HttpRequest) -> JsonResponse:
    connection = LogisticsConnection.objects.filter(service="kuaidi100", is_enabled=True).first()
    try:
        param = kuaidi100.callback_param(request.POST.dict(), connection.callback_salt if connection else "")
    except PayloadInvalid as exc:
        return JsonResponse({"result": False, "returnCode": "401", "message": exc.message}, status=401)
    tracking_callback_receive(service="kuaidi100", body=param)
    return JsonResponse({"result": True, "returnCode": "200", "message": "成功"})


@machine_endpoint
@csrf_exempt
@require_POST
def kdniao_callback(request: HttpRequest) -> JsonResponse:
    connection = LogisticsConnection.objects.filter(service="kdniao", is_enabled=True).first()
    try:
        data = kdniao.push_data(request.POST.dict(), connection.secret if connection else "")
    except PayloadInvalid as exc:
        return JsonResponse({"Success": False, "Reason": exc.message}, status=401)
    tracking_callback_receive(service="kdniao", body=data)
    return JsonResponse(
        {
            "EBusinessID": connection.key,
            "UpdateTime": timezone.localtime().strftime("%Y-%m-%d %H:%M:%S"),
            "Success": True,
            "Reason": "",
        }
    )


@machine_endpoint
@csrf_exempt
@require_POST
def sf_route_push(request: HttpRequest) -> JsonResponse:
    """SF's route push (路由推送): the digest is checked with the SF connection's checkword; the push is stored
    as it came and answered ``return_code`` 0000 (anything else makes SF push again)."""
    connection = LogisticsConnection.objects.filter(service="sf", is_enabled=True).first()
    try:
        data = sf.push_data(
            request.POST.dict(),
            partner_id=connection.key if connection else "",
            check_word=connection.secret if connection else "",
        )
    except PayloadInvalid as exc:
        return JsonResponse({"return_code": "1000", "return_msg": exc.message}, status=401)
    tracking_callback_receive(service="sf", body=data)
    return JsonResponse(sf.OK, json_dumps_params={"ensure_ascii": False})
