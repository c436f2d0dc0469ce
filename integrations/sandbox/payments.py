"""Sandbox of the payment providers' refund APIs, in their own formats, checking the merchant's signatures with
the sandbox key pairs (``integrations.payments.common.sandbox_key``) and signing their answers like the providers:

- Alipay ``alipay.trade.refund`` (form POST to ``gateway.do``) → ``{"alipay_trade_refund_response": {…}, "sign"}``;
- WeChat Pay ``POST /v3/refund/domestic/refunds`` → the refund with ``status`` ``PROCESSING`` and the
  ``Wechatpay-*`` signature headers (the result would come later by the refund notification).

Faults to play with: an ``out_trade_no`` ending in 0000 is an unknown trade (final); ending in 9999 the provider's
system error (retried); a refund reason containing "余额" the merchant's balance is too low (retried). The same
refund request number answers the same refund (Alipay says ``fund_change`` ``N``)."""

from __future__ import annotations

import hashlib
import json
import secrets
import time
from decimal import Decimal

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from integrations.payments import alipay, wechatpay
from integrations.payments.common import fen, sandbox_key
from integrations.sandbox.views.shared import sandbox_enabled_check
from integrations.signing import alipay_sign_content, rsa2_sign, rsa2_verify, wechatpay_message

ALIPAY_SEEN: dict[str, str] = {}  # out_request_no → refund_amount, per process (a restart forgets)


def _digits(text: str, length: int) -> str:
    return str(int(hashlib.sha256(text.encode()).hexdigest(), 16))[:length]


def _alipay_answer(answer: dict) -> HttpResponse:
    private, _public = sandbox_key(alipay.SANDBOX_ALIPAY_KEY)
    text = json.dumps(answer, ensure_ascii=False, separators=(",", ":"))
    body = f'{{"{alipay.RESPONSE_KEY}":{text},"sign":"{rsa2_sign(private, text)}"}}'
    return HttpResponse(body.encode(), content_type="application/json;charset=utf-8")


def _alipay_failed(code: str, msg: str, sub_code: str, sub_msg: str) -> HttpResponse:
    return _alipay_answer({"code": code, "msg": msg, "sub_code": sub_code, "sub_msg": sub_msg})


@csrf_exempt
@require_POST
def alipay_gateway(request: HttpRequest) -> HttpResponse:
    sandbox_enabled_check()
    form = request.POST.dict()
    if form.get("method") != alipay.METHOD:
        return _alipay_failed("40004", "Business Failed", "isv.invalid-method", "不存在的方法名")
    if form.get("app_id") != settings.PAYMENTS_ALIPAY_APP_ID:
        return _alipay_failed("40002", "Invalid Arguments", "isv.invalid-app-id", "无效的AppID参数")
    _private, public = sandbox_key(alipay.SANDBOX_APP_KEY)
    if form.get("sign_type") != "RSA2" or not rsa2_verify(public, alipay_sign_content(form), form.get("sign", "")):
        return _alipay_failed("40002", "Invalid Arguments", "isv.invalid-signature", "验签出错")
    try:
        biz = json.loads(form.get("biz_content") or "{}")
    except ValueError:
        return _alipay_failed("40002", "Invalid Arguments", "isv.invalid-biz-content", "biz_content格式错误")
    trade, amount = str(biz.get("out_trade_no") or ""), str(biz.get("refund_amount") or "")
    if not trade or not amount:
        return _alipay_failed("40001", "Missing Required Arguments", "isv.missing-biz-param", "缺少业务参数")
    if trade.endswith("0000"):
        return _alipay_failed("40004", "Business Failed", "ACQ.TRADE_NOT_EXIST", "交易不存在")
    if trade.endswith("9999"):
        return _alipay_failed("40004", "Business Failed", "ACQ.SYSTEM_ERROR", "系统错误")
    if "余额" in str(biz.get("refund_reason") or ""):
        return _alipay_failed("40004", "Business Failed", "ACQ.SELLER_BALANCE_NOT_ENOUGH", "卖家余额不足")
    request_no = str(biz.get("out_request_no") or trade)
    seen = ALIPAY_SEEN.get(request_no)
    if seen is not None and seen != amount:
        return _alipay_failed("40004", "Business Failed", "ACQ.DISCORDANT_REPEAT_REQUEST", "请求信息不一致")
    ALIPAY_SEEN[request_no] = amount
    return _alipay_answer(
        {
            "code": "10000",
            "msg": "Success",
            "trade_no": f"2026{_digits(trade, 24)}",
            "out_trade_no": trade,
            "buyer_logon_id": "159****5620",
            "fund_change": "N" if seen is not None else "Y",
            "refund_fee": amount,
            "gmt_refund_pay": time.strftime("%Y-%m-%d %H:%M:%S"),
        }
    )


def _wechatpay_error(status: int, code: str, message: str) -> JsonResponse:
    return JsonResponse({"code": code, "message": message}, status=status, json_dumps_params={"ensure_ascii": False})


def _authorization_fields(header: str) -> dict[str, str]:
    schema, _, rest = header.partition(" ")
    if schema != wechatpay.SCHEMA:
        return {}
    fields = {}
    for part in rest.split(","):
        key, _, value = part.strip().partition("=")
        fields[key] = value.strip('"')
    return fields


@csrf_exempt
@require_POST
def wechatpay_refunds(request: HttpRequest) -> HttpResponse:
    sandbox_enabled_check()
    fields = _authorization_fields(request.headers.get("Authorization", ""))
    body = request.body.decode("utf-8")
    _private, public = sandbox_key(wechatpay.SANDBOX_MERCHANT_KEY)
    message = wechatpay_message("POST", request.path, fields.get("timestamp", ""), fields.get("nonce_str", ""), body)
    if fields.get("mchid") != settings.PAYMENTS_WECHATPAY_MCHID or not rsa2_verify(
        public, message, fields.get("signature", "")
    ):
        return _wechatpay_error(401, "SIGN_ERROR", "签名错误")
    try:
        data = json.loads(body)
        refund, total = int(data["amount"]["refund"]), int(data["amount"]["total"])
        trade, request_no = str(data["out_trade_no"]), str(data["out_refund_no"])
    except (ValueError, KeyError, TypeError):
        return _wechatpay_error(400, "PARAM_ERROR", "参数错误")
    if refund <= 0 or refund > total:
        return _wechatpay_error(400, "INVALID_REQUEST", "退款金额超过订单可退金额")
    if trade.endswith("0000"):
        return _wechatpay_error(404, "RESOURCE_NOT_EXISTS", "订单不存在")
    if trade.endswith("9999"):
        return _wechatpay_error(500, "SYSTEM_ERROR", "系统超时")
    if "余额" in str(data.get("reason") or ""):
        return _wechatpay_error(403, "NOT_ENOUGH", "基本账户余额不足，请充值后重新发起")
    answer = {
        "refund_id": f"5030{_digits(request_no, 25)}",
        "out_refund_no": request_no,
        "transaction_id": f"4200{_digits(trade, 24)}",
        "out_trade_no": trade,
        "channel": "ORIGINAL",
        "user_received_account": "支付用户零钱",
        "create_time": time.strftime("%Y-%m-%dT%H:%M:%S+08:00"),
        "status": "PROCESSING",
        "funds_account": "AVAILABLE",
        "amount": {
            "total": total,
            "refund": refund,
            "payer_total": total,
            "payer_refund": refund,
            "settlement_refund": refund,
            "settlement_total": total,
            "discount_refund": 0,
            "currency": data["amount"].get("currency", "CNY"),
        },
    }
    text = json.dumps(answer, ensure_ascii=False, separators=(",", ":"))
    return HttpResponse(text.encode(), content_type="application/json", headers=_platform_headers(text))


def _platform_headers(text: str) -> dict[str, str]:
    """The ``Wechatpay-*`` headers WeChat Pay signs its answers and notifications with (the sandbox platform key)."""
    private, _public = sandbox_key(wechatpay.SANDBOX_PLATFORM_KEY)
    timestamp, nonce = str(int(time.time())), secrets.token_hex(16)
    return {
        "Wechatpay-Timestamp": timestamp,
        "Wechatpay-Nonce": nonce,
        "Wechatpay-Signature": rsa2_sign(private, wechatpay_message(timestamp, nonce, text)),
        "Wechatpay-Serial": "SANDBOX-PLATFORM",
    }


def wechatpay_refund_notice(
    *, out_refund_no: str, out_trade_no: str, refund: Decimal, total: Decimal, status: str = "SUCCESS"
) -> tuple[dict[str, str], str]:
    """The signed headers and body of the refund notification WeChat Pay would send for this refund (amounts in
    yuan): what the sandbox and the tests post to the notification URL."""
    resource = {
        "mchid": settings.PAYMENTS_WECHATPAY_MCHID,
        "out_trade_no": out_trade_no,
        "transaction_id": f"4200{_digits(out_trade_no, 24)}",
        "out_refund_no": out_refund_no,
        "refund_id": f"5030{_digits(out_refund_no, 25)}",
        "refund_status": status,
        "success_time": time.strftime("%Y-%m-%dT%H:%M:%S+08:00"),
        "user_received_account": "支付用户零钱",
        "amount": {"total": fen(total), "refund": fen(refund), "payer_total": fen(total), "payer_refund": fen(refund)},
    }
    body = {
        "id": f"EV-{_digits(out_refund_no + status, 18)}",
        "create_time": time.strftime("%Y-%m-%dT%H:%M:%S+08:00"),
        "resource_type": "encrypt-resource",
        "event_type": f"REFUND.{status}",
        "summary": "退款成功" if status == "SUCCESS" else "退款异常",
        "resource": wechatpay.resource_encrypt(
            resource, api_v3_key=settings.PAYMENTS_WECHATPAY_APIV3_KEY, nonce=secrets.token_hex(6)
        ),
    }
    text = json.dumps(body, ensure_ascii=False, separators=(",", ":"))
    return {k.lower(): v for k, v in _platform_headers(text).items()}, text
