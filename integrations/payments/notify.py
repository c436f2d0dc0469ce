"""The WeChat Pay refund notification URL (``PAYMENTS_WECHATPAY_NOTIFY_URL``): the raw notification is stored
first, then checked (signature), opened (APIv3 key) and, for ``REFUND.SUCCESS``, the execution with that
``out_refund_no`` succeeds (``aftersales.services.payout_result_record``; repeated notifications change nothing).
Answers 204 when done; a failure is kept on the stored notice and answered 500 ``{"code": "FAIL", "message"}``,
so WeChat Pay sends it again on its own schedule (15s/15s/30s/3m/… over 24 h)."""

from __future__ import annotations

from django.db import transaction
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from aftersales.models import Payout
from aftersales.services import payout_result_record
from config.machine import machine_endpoint
from integrations.payments.models import PaymentNotice
from integrations.payments.wechatpay import refund_notice_read

HEADERS = ("wechatpay-timestamp", "wechatpay-nonce", "wechatpay-signature", "wechatpay-serial")


@machine_endpoint
@csrf_exempt
@require_POST
def wechatpay_refund_notify(request: HttpRequest) -> HttpResponse:
    headers = {name: request.headers.get(name, "") for name in HEADERS}
    body = request.body.decode("utf-8", errors="replace")
    notice = PaymentNotice.objects.create(provider="wechatpay", headers=headers, body=body)
    try:
        read = refund_notice_read(headers=headers, body=body)
        notice.event_type, notice.request_no = read.event_type, read.out_refund_no
        if read.event_type == "REFUND.SUCCESS":
            if not Payout.objects.filter(request_no=read.out_refund_no).exists():
                raise LookupError(f"no refund execution {read.out_refund_no}")
            with transaction.atomic():
                payout_result_record(request_no=read.out_refund_no, reference=read.refund_id, system="wechatpay")
    except Exception as exc:  # noqa: BLE001 - whatever failed is kept on the notice; WeChat Pay sends it again
        notice.status, notice.error = PaymentNotice.Status.FAILED, f"{type(exc).__name__}: {exc}"[:2000]
        notice.save(update_fields=["status", "error", "event_type", "request_no"])
        return JsonResponse({"code": "FAIL", "message": "失败"}, status=500)
    notice.status = PaymentNotice.Status.DONE
    notice.save(update_fields=["status", "event_type", "request_no"])
    return HttpResponse(status=204)
