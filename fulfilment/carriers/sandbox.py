"""The built-in carrier sandbox, served by Django under /fulfilment/sandbox/carriers/ — the default base
URL of every carrier adapter (``FULFILMENT_CARRIER_SANDBOX_URL``). It speaks the same protocol a real
carrier gateway would (see adapters/http.py) and plays scenarios chosen by markers in the address:

- ``#FAIL`` in the street address: the waybill request fails (503, ``service_unavailable``);
- ``#STUCK``: a waybill is issued but the parcel is never scanned (no tracking events);
- ``#FAR``: the parcel is delivered in 新疆 (a suspicious delivery).

Otherwise tracking events appear as time passes since the waybill was issued: picked up after 1 h, in
transit after 6 h and 20 h, out for delivery after 30 h, delivered after 32 h in the consignee's city.
Only for development and tests: it accepts any caller and keeps no secrets.
"""

from __future__ import annotations

import datetime as dt
import functools
import json

from django.db import transaction
from django.http import JsonResponse
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST

from fulfilment.models import Carrier, SandboxWaybill

TIMELINE = [
    (dt.timedelta(hours=1), "picked_up", "快件已揽收", "origin"),
    (dt.timedelta(hours=6), "in_transit", "快件已到达分拨中心", "origin"),
    (dt.timedelta(hours=20), "in_transit", "快件已到达目的地分拨中心", "destination"),
    (dt.timedelta(hours=30), "out_for_delivery", "快递员正在派送", "destination"),
    (dt.timedelta(hours=32), "delivered", "已签收，签收人：本人", "destination"),
]
FAR_AWAY = ("新疆维吾尔自治区", "乌鲁木齐市")


def _error(status: int, code: str, message: str) -> JsonResponse:
    return JsonResponse(
        {"error": {"code": code, "message": message}}, status=status, json_dumps_params={"ensure_ascii": False}
    )


@csrf_exempt
@require_POST
def waybill_create(request, carrier_code: str):
    carrier = Carrier.objects.filter(code=carrier_code).first()
    if carrier is None:
        return _error(404, "unknown_carrier", f"carrier {carrier_code!r} is not served by this sandbox")
    try:
        body = json.loads(request.body.decode() or "{}")
        receiver = body["receiver"]
        weight = int(body["weight_grams"])
    except (ValueError, KeyError, TypeError):
        return _error(400, "bad_request", "body must be JSON with receiver and weight_grams")
    address = str(receiver.get("address") or "")
    if "#FAIL" in address:
        return _error(503, "service_unavailable", "the carrier's e-waybill service is unavailable")
    if weight > carrier.max_weight_grams:
        return _error(400, "overweight", f"{weight} g is over the {carrier.max_weight_grams} g limit")
    scenario = "stuck" if "#STUCK" in address else "far_delivery" if "#FAR" in address else "normal"
    with transaction.atomic():
        waybill = SandboxWaybill.objects.create(
            carrier_code=carrier.code,
            tracking_number=f"pending-{timezone.now().timestamp()}",
            order_reference=str(body.get("order_reference") or "")[:64],
            province=str(receiver.get("province") or "")[:32],
            city=str(receiver.get("city") or "")[:32],
            weight_grams=weight,
            scenario=scenario,
        )
        waybill.tracking_number = f"{carrier.code}{7_000_000_000 + waybill.pk:012d}"
        waybill.save(update_fields=["tracking_number"])
    sender = body.get("sender") or {}
    return JsonResponse(
        {
            "tracking_number": waybill.tracking_number,
            "label": {
                "sort_code": "-".join(
                    [
                        (receiver.get("province") or "??")[:2],
                        (receiver.get("city") or "??")[:2],
                        f"{waybill.pk % 100:02d}",
                    ]
                ),
                "route": f"{sender.get('city') or ''} → {receiver.get('city') or ''}",
                "printed_at": timezone.now().isoformat(),
                "sandbox": True,
            },
        },
        json_dumps_params={"ensure_ascii": False},
    )


def _issued(view):
    """The view is given the sandbox waybill of the URL's carrier and number; a number never issued is a 404."""

    @functools.wraps(view)
    def with_waybill(request, carrier_code: str, tracking_number: str):
        waybill = SandboxWaybill.objects.filter(carrier_code=carrier_code, tracking_number=tracking_number).first()
        if waybill is None:
            return _error(404, "unknown_tracking_number", f"{tracking_number} was not issued by {carrier_code}")
        return view(request, waybill)

    return with_waybill


@csrf_exempt
@require_POST
@_issued
def waybill_cancel(request, waybill: SandboxWaybill):
    """Give an unused number back. Cancelling twice is fine; a scanned parcel cannot be cancelled."""
    if waybill.cancelled_at is None and sandbox_events(waybill, now=timezone.now()):
        return _error(409, "already_picked_up", f"{waybill.tracking_number} was already picked up")
    SandboxWaybill.objects.filter(pk=waybill.pk, cancelled_at__isnull=True).update(cancelled_at=timezone.now())
    return JsonResponse({"tracking_number": waybill.tracking_number, "cancelled": True})


@csrf_exempt
@require_POST
@_issued
def waybill_intercept(request, waybill: SandboxWaybill):
    """Stop a parcel on its way: refused before pickup (cancel the number instead) and once delivered."""
    number = waybill.tracking_number
    events = sandbox_events(waybill, now=timezone.now()) if waybill.cancelled_at is None else []
    if not events:
        return _error(409, "not_picked_up", f"{number} has not been picked up: cancel the number instead")
    if events[-1]["kind"] == "delivered":
        return _error(409, "already_delivered", f"{number} was already signed for")
    return JsonResponse(
        {"tracking_number": number, "intercept_id": f"INT-{waybill.pk}", "message": "拦截申请已受理"},
        json_dumps_params={"ensure_ascii": False},
    )


@require_GET
@_issued
def tracking_get(request, waybill: SandboxWaybill):
    return JsonResponse(
        {"events": sandbox_events(waybill, now=timezone.now())}, json_dumps_params={"ensure_ascii": False}
    )


def sandbox_events(waybill: SandboxWaybill, *, now: dt.datetime) -> list[dict]:
    if waybill.scenario == "stuck":
        return []
    events = []
    for index, (after, kind, text, where) in enumerate(TIMELINE, start=1):
        at = waybill.created_at + after
        if at > now:
            break
        if where == "origin":
            province, city = "", ""
        elif waybill.scenario == "far_delivery" and kind == "delivered":
            province, city = FAR_AWAY
        else:
            province, city = waybill.province, waybill.city
        events.append(
            {
                "id": f"{waybill.tracking_number}-{index}",
                "kind": kind,
                "at": at.isoformat(),
                "description": text,
                "province": province,
                "city": city,
            }
        )
    return events
