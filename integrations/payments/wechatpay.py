"""WeChat Pay v3 refunds: ``POST /v3/refund/domestic/refunds`` (申请退款) and its refund notification (退款结果通知).

Request (https://pay.weixin.qq.com/docs/merchant/apis/refund/refunds/create.html): JSON ``out_trade_no`` (the
merchant's order number given at payment), ``out_refund_no`` (our refund request number: the same number never
refunds twice), ``reason`` (at most 80 characters), ``notify_url``, ``amount`` ``{"refund", "total", "currency":
"CNY"}`` in fen. Signed by the ``Authorization`` header ``WECHATPAY2-SHA256-RSA2048 mchid="…",nonce_str="…",
signature="…",timestamp="…",serial_no="…"``: SHA256withRSA with the merchant key over ``METHOD\\nPATH\\nTIMESTAMP\\n
NONCE\\nBODY\\n`` (https://pay.weixin.qq.com/docs/merchant/development/interface-rules/signature-generation.html).

Answer: HTTP 200 with the refund (``refund_id``, ``status``: ``SUCCESS``, ``PROCESSING`` — the result comes by
notification —, ``CLOSED``, ``ABNORMAL``), signed in the ``Wechatpay-Timestamp``/``-Nonce``/``-Signature`` headers
over ``TIMESTAMP\\nNONCE\\nBODY\\n`` with the platform key. Errors are HTTP 4xx/5xx with ``{"code", "message"}``:
``SYSTEM_ERROR``, ``FREQUENCY_LIMITED`` and ``NOT_ENOUGH`` (balance) are retried; ``PARAM_ERROR``,
``INVALID_REQUEST``, ``SIGN_ERROR``, ``NO_AUTH``, ``RESOURCE_NOT_EXISTS``, ``USER_ACCOUNT_ABNORMAL``,
``MCH_NOT_EXISTS`` are final.

Notification (https://pay.weixin.qq.com/doc/v3/merchant/4012268885): a signed POST ``{"id", "create_time",
"event_type": "REFUND.SUCCESS|REFUND.ABNORMAL|REFUND.CLOSED", "resource_type": "encrypt-resource", "resource":
{"algorithm": "AEAD_AES_256_GCM", "ciphertext", "associated_data", "nonce", "original_type": "refund"}}``; the
ciphertext (base64, the 16-byte tag at its end) opens with the APIv3 key into the refund (``out_refund_no``,
``refund_id``, ``refund_status``, ``amount``…).
"""

from __future__ import annotations

import base64
import json
import secrets
import time
from dataclasses import dataclass
from urllib.parse import urlsplit

from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.conf import settings
from django.utils.translation import gettext as _

from aftersales.services import ProviderAnswer, ProviderRefund
from integrations import transport
from integrations.exceptions import PayloadInvalid, SignatureInvalid
from integrations.payments.common import PaymentProviderError, fen, key_or_sandbox
from integrations.signing import rsa2_sign, rsa2_verify, wechatpay_message

PATH = "/v3/refund/domestic/refunds"
SCHEMA = "WECHATPAY2-SHA256-RSA2048"
RETRIED = frozenset({"SYSTEM_ERROR", "FREQUENCY_LIMITED", "NOT_ENOUGH"})
SANDBOX_MERCHANT_KEY = "wechatpay-merchant"
SANDBOX_PLATFORM_KEY = "wechatpay-platform"


def authorization(
    *,
    method: str,
    url: str,
    body: str,
    mchid: str,
    serial_no: str,
    private_key: str,
    timestamp: str | None = None,
    nonce: str | None = None,
) -> str:
    """The ``Authorization`` header of one request."""
    parts = urlsplit(url)
    path = parts.path + (f"?{parts.query}" if parts.query else "")
    timestamp = timestamp or str(int(time.time()))
    nonce = nonce or secrets.token_hex(16).upper()
    signature = rsa2_sign(private_key, wechatpay_message(method.upper(), path, timestamp, nonce, body))
    return (
        f'{SCHEMA} mchid="{mchid}",nonce_str="{nonce}",signature="{signature}",'
        f'timestamp="{timestamp}",serial_no="{serial_no}"'
    )


def signature_check(*, headers: dict[str, str], body: str, platform_public_key: str) -> None:
    """Raise ``SignatureInvalid`` unless the ``Wechatpay-*`` headers sign ``body`` with the platform key."""
    timestamp = headers.get("wechatpay-timestamp", "")
    nonce = headers.get("wechatpay-nonce", "")
    signature = headers.get("wechatpay-signature", "")
    message = wechatpay_message(timestamp, nonce, body)
    if not (timestamp and nonce and signature and rsa2_verify(platform_public_key, message, signature)):
        raise SignatureInvalid(_("wechatpay: the Wechatpay-Signature header does not match the platform key"))


def refund_body(request) -> dict:
    body = {
        "out_trade_no": request.platform_order_id or request.order_number,
        "out_refund_no": request.request_no,
        "notify_url": settings.PAYMENTS_WECHATPAY_NOTIFY_URL,
        "amount": {"refund": fen(request.amount), "total": fen(request.order_amount), "currency": request.currency},
    }
    if request.reason:
        body["reason"] = request.reason[:80]
    return body


def answer_read(*, status: int, body: str, request_no: str) -> ProviderAnswer:
    """Turn the answer into a result (``done`` only when the refund already succeeded) or an error."""
    try:
        document = json.loads(body or "{}")
    except ValueError:
        raise PaymentProviderError(
            _("wechatpay: HTTP %(status)s with a body that is not JSON: %(value)r")
            % {"status": status, "value": body[:200]},
            code="wechatpay_invalid_answer",
            permanent=False,
        ) from None
    if status >= 300:
        code = str(document.get("code") or f"HTTP_{status}")
        raise PaymentProviderError(
            _("wechatpay %(code)s: %(message)s (refund %(request_no)s)")
            % {"code": code, "message": document.get("message", ""), "request_no": request_no},
            code=f"wechatpay:{code}",
            permanent=status < 500 and code not in RETRIED,
            extra={"code": code, "status": status, "request_no": request_no},
        )
    refund_status = document.get("status")
    if refund_status in ("CLOSED", "ABNORMAL"):
        raise PaymentProviderError(
            _("wechatpay: refund %(request_no)s is %(refund_status)s")
            % {"request_no": request_no, "refund_status": refund_status},
            code=f"wechatpay:{refund_status}",
            permanent=True,
            extra={"refund_id": document.get("refund_id", ""), "request_no": request_no},
        )
    return ProviderAnswer(reference=str(document.get("refund_id") or ""), done=refund_status == "SUCCESS")


class WechatPayRefunds:
    """The WeChat Pay refund client (provider code ``wechatpay``)."""

    code = "wechatpay"

    def refund(self, request: ProviderRefund) -> ProviderAnswer:
        private_key = key_or_sandbox(settings.PAYMENTS_WECHATPAY_PRIVATE_KEY, sandbox=SANDBOX_MERCHANT_KEY)
        if not (settings.PAYMENTS_WECHATPAY_MCHID and settings.PAYMENTS_WECHATPAY_SERIAL_NO and private_key):
            raise PaymentProviderError(
                _("wechatpay: PAYMENTS_WECHATPAY_MCHID, _SERIAL_NO and _PRIVATE_KEY are not set"),
                code="wechatpay_not_configured",
                permanent=True,
            )
        url = settings.PAYMENTS_WECHATPAY_BASE_URL.rstrip("/") + PATH
        body = json.dumps(refund_body(request), ensure_ascii=False, separators=(",", ":"))
        header = authorization(
            method="POST",
            url=url,
            body=body,
            mchid=settings.PAYMENTS_WECHATPAY_MCHID,
            serial_no=settings.PAYMENTS_WECHATPAY_SERIAL_NO,
            private_key=private_key,
        )
        reply = transport.send(
            "POST",
            url,
            body=body.encode(),
            headers={"Authorization": header, "Accept": "application/json", "Content-Type": "application/json"},
        )
        text = reply.body.decode("utf-8")
        if reply.status < 300:
            signature_check(headers=reply.headers, body=text, platform_public_key=platform_key())
        return answer_read(status=reply.status, body=text, request_no=request.request_no)


def platform_key() -> str:
    return key_or_sandbox(settings.PAYMENTS_WECHATPAY_PLATFORM_PUBLIC_KEY, sandbox=SANDBOX_PLATFORM_KEY, public=True)


@dataclass(frozen=True, slots=True)
class RefundNotice:
    event_id: str
    event_type: str  # REFUND.SUCCESS, REFUND.ABNORMAL, REFUND.CLOSED
    out_refund_no: str
    refund_id: str
    refund_status: str
    refund: dict


def resource_decrypt(resource: dict, *, api_v3_key: str) -> dict:
    """Open an ``AEAD_AES_256_GCM`` resource with the APIv3 key (``PayloadInvalid`` when it does not open)."""
    if resource.get("algorithm") != "AEAD_AES_256_GCM":
        raise PayloadInvalid(
            _("wechatpay: resource.algorithm %(algorithm)r is not AEAD_AES_256_GCM")
            % {"algorithm": resource.get("algorithm")}
        )
    try:
        plain = AESGCM(api_v3_key.encode()).decrypt(
            (resource.get("nonce") or "").encode(),
            base64.b64decode(resource.get("ciphertext") or ""),
            (resource.get("associated_data") or "").encode() or None,
        )
        return json.loads(plain)
    except Exception as exc:  # noqa: BLE001 - any failure to open or read is the same answer
        reason = type(exc).__name__
        raise PayloadInvalid(
            _("wechatpay: resource does not decrypt with the APIv3 key (%(reason)s)") % {"reason": reason}
        ) from None


def resource_encrypt(data: dict, *, api_v3_key: str, nonce: str, associated_data: str = "refund") -> dict:
    """The encrypted ``resource`` of a notification (the sandbox sends them; tests build them)."""
    cipher = AESGCM(api_v3_key.encode()).encrypt(
        nonce.encode(), json.dumps(data, ensure_ascii=False).encode(), associated_data.encode()
    )
    return {
        "original_type": "refund",
        "algorithm": "AEAD_AES_256_GCM",
        "ciphertext": base64.b64encode(cipher).decode(),
        "associated_data": associated_data,
        "nonce": nonce,
    }


def refund_notice_read(*, headers: dict[str, str], body: str) -> RefundNotice:
    """Check a refund notification's signature and open it (``SignatureInvalid``, ``PayloadInvalid``)."""
    signature_check(headers=headers, body=body, platform_public_key=platform_key())
    try:
        document = json.loads(body)
    except ValueError:
        raise PayloadInvalid(_("wechatpay: the notification is not JSON")) from None
    refund = resource_decrypt(document.get("resource") or {}, api_v3_key=settings.PAYMENTS_WECHATPAY_APIV3_KEY)
    out_refund_no = str(refund.get("out_refund_no") or "")
    if not out_refund_no:
        raise PayloadInvalid(_("wechatpay: resource.out_refund_no is missing"))
    return RefundNotice(
        event_id=str(document.get("id") or ""),
        event_type=str(document.get("event_type") or ""),
        out_refund_no=out_refund_no,
        refund_id=str(refund.get("refund_id") or ""),
        refund_status=str(refund.get("refund_status") or ""),
        refund=refund,
    )
