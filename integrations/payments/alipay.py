"""Alipay refunds: ``alipay.trade.refund`` (统一收单交易退款接口) on the open API gateway.

Request (https://opendocs.alipay.com/open/02e7go, formerly https://docs.open.alipay.com/api_1/alipay.trade.refund):
a form POST of the common parameters ``app_id``, ``method``, ``format=JSON``, ``charset=utf-8``,
``sign_type=RSA2``, ``timestamp`` ("yyyy-MM-dd HH:mm:ss", Beijing time), ``version=1.0`` and ``biz_content`` (JSON:
``out_trade_no`` — the merchant's order number given at payment —, ``refund_amount`` in yuan with two decimals,
``refund_reason``, ``out_request_no``), signed with the application's private key: SHA256withRSA over the sorted
``k=v&…`` string (https://opendocs.alipay.com/common/02kf5q).

Answer: ``{"alipay_trade_refund_response": {...}, "sign": "..."}``; ``sign`` covers the response object's JSON
text exactly as sent, checked with Alipay's public key. ``code`` ``10000`` is success (``fund_change`` ``N`` on a
repeated ``out_request_no``: the refund was already made, success too); ``20000`` (service unavailable) is retried;
``40004`` (business failed) says why in ``sub_code`` — ``ACQ.SYSTEM_ERROR`` is retried, as is
``ACQ.SELLER_BALANCE_NOT_ENOUGH`` (the merchant's balance may be topped up); the others (trade missing, finished,
frozen, amount wrong…) are final; ``40001``/``40002``/``40006`` (parameters, signature, permission) are final.
"""

from __future__ import annotations

import json
import urllib.parse
from typing import Any

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _

from aftersales.services import ProviderAnswer, ProviderRefund
from integrations import transport
from integrations.exceptions import PlatformUnavailable
from integrations.payments.common import PaymentProviderError, key_or_sandbox
from integrations.signing import alipay_sign_content, rsa2_sign, rsa2_verify

METHOD = "alipay.trade.refund"
RESPONSE_KEY = "alipay_trade_refund_response"
SUCCESS = "10000"
RETRIED_CODES = frozenset({"20000"})
RETRIED_SUB_CODES = frozenset({"ACQ.SYSTEM_ERROR", "ACQ.SELLER_BALANCE_NOT_ENOUGH", "isp.unknow-error"})
SANDBOX_APP_KEY = "alipay-app"  # the application's key pair in the sandbox
SANDBOX_ALIPAY_KEY = "alipay-platform"  # Alipay's own key pair in the sandbox


def refund_params(request, *, app_id: str, private_key: str, now=None) -> dict[str, str]:
    """The signed form parameters of one refund request (``request``: after-sales' provider refund request)."""
    biz: dict[str, Any] = {
        "out_trade_no": request.platform_order_id or request.order_number,
        "refund_amount": f"{request.amount:.2f}",
        "out_request_no": request.request_no,
    }
    if request.reason:
        biz["refund_reason"] = request.reason[:256]
    params = {
        "app_id": app_id,
        "method": METHOD,
        "format": "JSON",
        "charset": "utf-8",
        "sign_type": "RSA2",
        "timestamp": timezone.localtime(now).strftime("%Y-%m-%d %H:%M:%S"),
        "version": "1.0",
        "biz_content": json.dumps(biz, ensure_ascii=False, separators=(",", ":")),
    }
    params["sign"] = rsa2_sign(private_key, alipay_sign_content(params))
    return params


def response_signed_text(body: str, key: str = RESPONSE_KEY) -> str:
    """The response object's JSON text exactly as sent (what Alipay's ``sign`` covers)."""
    marker = f'"{key}"'
    start = body.find(marker)
    if start < 0:
        return ""
    start = body.index(":", start + len(marker)) + 1
    while body[start] in " \t\r\n":
        start += 1
    _value, end = json.JSONDecoder().raw_decode(body, start)
    return body[start:end]


def response_read(body: str, *, alipay_public_key: str, request_no: str) -> ProviderAnswer:
    """Check the answer's signature and turn it into a result or a ``PaymentProviderError``."""
    try:
        document = json.loads(body)
    except ValueError:
        raise PaymentProviderError(
            _("alipay: the answer is not JSON: %(value)r") % {"value": body[:200]},
            code="alipay_invalid_answer",
            permanent=False,
        ) from None
    answer = document.get(RESPONSE_KEY) or document.get("error_response") or {}
    signature = document.get("sign") or ""
    if signature and alipay_public_key and not rsa2_verify(alipay_public_key, response_signed_text(body), signature):
        raise PaymentProviderError(
            _("alipay: the answer's signature does not match Alipay's public key"),
            code="alipay_signature_invalid",
            permanent=False,
        )
    code = str(answer.get("code") or "")
    if code == SUCCESS:
        return ProviderAnswer(reference=str(answer.get("trade_no") or request_no))
    sub_code = str(answer.get("sub_code") or "")
    message = answer.get("sub_msg") or answer.get("msg") or ""
    raise PaymentProviderError(
        f"alipay {code} {sub_code}: {message} (refund {request_no})".strip(),
        code=f"alipay:{sub_code or code or 'unknown'}",
        permanent=not (code in RETRIED_CODES or sub_code in RETRIED_SUB_CODES),
        extra={"code": code, "sub_code": sub_code, "request_no": request_no},
    )


class AlipayRefunds:
    """The Alipay refund client (provider code ``alipay``)."""

    code = "alipay"

    def refund(self, request: ProviderRefund) -> ProviderAnswer:
        private_key = key_or_sandbox(settings.PAYMENTS_ALIPAY_PRIVATE_KEY, sandbox=SANDBOX_APP_KEY)
        if not settings.PAYMENTS_ALIPAY_APP_ID or not private_key:
            raise PaymentProviderError(
                _("alipay: PAYMENTS_ALIPAY_APP_ID and PAYMENTS_ALIPAY_PRIVATE_KEY are not set"),
                code="alipay_not_configured",
                permanent=True,
            )
        params = refund_params(request, app_id=settings.PAYMENTS_ALIPAY_APP_ID, private_key=private_key)
        reply = transport.send(
            "POST",
            settings.PAYMENTS_ALIPAY_GATEWAY,
            body=urllib.parse.urlencode(params).encode(),
            headers={"Content-Type": "application/x-www-form-urlencoded;charset=utf-8"},
        )
        if reply.status >= 500:
            raise PlatformUnavailable(
                _("alipay: the gateway answered HTTP %(reply_status)s") % {"reply_status": reply.status}
            )
        public_key = key_or_sandbox(settings.PAYMENTS_ALIPAY_PUBLIC_KEY, sandbox=SANDBOX_ALIPAY_KEY, public=True)
        return response_read(reply.body.decode("utf-8"), alipay_public_key=public_key, request_no=request.request_no)
