"""Tencent Cloud SMS ``SendSms``, API 3.0 version 2021-01-11, signed with TC3-HMAC-SHA256.

Request: POST https://sms.tencentcloudapi.com/ with JSON ``{"PhoneNumberSet": ["+8613…"], "SmsSdkAppId",
"SignName", "TemplateId", "TemplateParamSet": ["…", …], "SessionContext"}`` and the headers ``X-TC-Action:
SendSms``, ``X-TC-Version: 2021-01-11``, ``X-TC-Region``, ``X-TC-Timestamp``, ``Host``, ``Authorization``
(``integrations.signing.tc3_authorization``).
Answer: ``{"Response": {"SendStatusSet": [{"SerialNo", "PhoneNumber", "Fee", "SessionContext", "Code": "Ok",
"Message", "IsoCode"}], "RequestId"}}``, or ``{"Response": {"Error": {"Code", "Message"}, "RequestId"}}`` when the
whole call failed. A number's own ``Code`` other than ``Ok`` is that number's error.

Docs: SendSms https://cloud.tencent.com/document/api/382/55981; common errors
https://cloud.tencent.com/document/api/382/52075; sending error codes https://cloud.tencent.com/document/api/382/59177.
"""

from __future__ import annotations

import json
import time
import urllib.parse
from typing import Any

from django.conf import settings
from django.utils.translation import gettext as _

from integrations import transport
from integrations.exceptions import NotifyProviderError
from integrations.notify.providers import reply_json
from integrations.signing import tc3_authorization

NAME = "tencent"
SERVICE = "sms"
VERSION = "2021-01-11"

# Codes after which the same message may go through later. Everything else is final (a wrong number, an
# unapproved template or sign name, a number on the do-not-disturb list, the daily limit, bad credentials).
RETRYABLE_PREFIXES = ("InternalError", "RequestLimitExceeded")
RETRYABLE = frozenset(
    {
        "LimitExceeded.DeliveryFrequencyLimit",
        "LimitExceeded.PhoneNumberThirtySecondLimit",
        "LimitExceeded.PhoneNumberOneHourLimit",
        "AuthFailure.SignatureExpire",  # our clock was off; the next attempt signs anew
        "FailedOperation.FailResolvePacket",
    }
)
# The buyer unsubscribed (or the carrier's do-not-disturb list has the number): record an opt-out.
OPTED_OUT = frozenset({"FailedOperation.PhoneNumberInBlacklist"})


def retryable(code: str) -> bool:
    return code in RETRYABLE or code.startswith(RETRYABLE_PREFIXES)


def e164(phone: str) -> str:
    """A mainland mobile number as Tencent wants it: +86 and the 11 digits."""
    digits = "".join(c for c in phone if c.isdigit())
    if phone.startswith("+"):
        return f"+{digits}"
    return f"+86{digits[-11:]}"


def positional(params: dict[str, Any]) -> list[str]:
    """TemplateParamSet is positional: a Tencent template numbers its variables {1}, {2}…, so the parameters are
    keyed "1", "2"… and sent in that order (JSON objects keep no order in the database)."""
    return [
        str(params[key])
        for key in sorted(params, key=lambda k: (not str(k).isdigit(), int(k) if str(k).isdigit() else 0, str(k)))
    ]


def request_body(*, phone: str, template_id: str, params: list[str], session: str) -> dict[str, Any]:
    return {
        "PhoneNumberSet": [e164(phone)],
        "SmsSdkAppId": settings.NOTIFY_TENCENT_SDK_APP_ID,
        "SignName": settings.NOTIFY_TENCENT_SIGN_NAME,
        "TemplateId": template_id,
        "TemplateParamSet": params,
        "SessionContext": session,
    }


def request_headers(*, payload: bytes, timestamp: int | None = None) -> dict[str, str]:
    host = urllib.parse.urlparse(settings.NOTIFY_TENCENT_ENDPOINT).netloc
    timestamp = int(timestamp if timestamp is not None else time.time())
    return {
        "Content-Type": "application/json; charset=utf-8",
        "Host": host,
        "X-TC-Action": "SendSms",
        "X-TC-Version": VERSION,
        "X-TC-Region": settings.NOTIFY_TENCENT_REGION,
        "X-TC-Timestamp": str(timestamp),
        "Authorization": tc3_authorization(
            secret_id=settings.NOTIFY_TENCENT_SECRET_ID,
            secret_key=settings.NOTIFY_TENCENT_SECRET_KEY,
            service=SERVICE,
            host=host,
            timestamp=timestamp,
            payload=payload,
        ),
    }


def answer_read(status: int, body: Any) -> str:
    """The ``SerialNo`` of the one number sent, or ``NotifyProviderError`` with Tencent's code."""
    response = body.get("Response") if isinstance(body, dict) else None
    if not isinstance(response, dict):
        raise NotifyProviderError(
            _("Tencent Cloud SMS answered HTTP %(status)s without a Response.") % {"status": status},
            provider_code=f"http_{status}",
            retryable=True,
        )
    error = response.get("Error")
    if error:
        code = str(error.get("Code") or "")
        raise NotifyProviderError(
            f"Tencent Cloud SMS {code}: {error.get('Message') or ''}".strip(),
            provider_code=code,
            retryable=retryable(code),
            extra={"request_id": response.get("RequestId")},
        )
    statuses = response.get("SendStatusSet") or []
    if not statuses:
        raise NotifyProviderError(
            _("Tencent Cloud SMS answered without a SendStatusSet."), provider_code="empty_status", retryable=True
        )
    sent = statuses[0]
    code = str(sent.get("Code") or "")
    if code.lower() != "ok":
        raise NotifyProviderError(
            f"Tencent Cloud SMS {code}: {sent.get('Message') or ''}".strip(),
            provider_code=code,
            retryable=retryable(code),
            extra={"request_id": response.get("RequestId"), "opted_out": code in OPTED_OUT},
        )
    return str(sent.get("SerialNo") or "")


def send(message) -> str:
    if not settings.NOTIFY_TENCENT_SECRET_ID or not settings.NOTIFY_TENCENT_SECRET_KEY:
        raise NotifyProviderError(
            _("Tencent Cloud SMS is not configured (NOTIFY_TENCENT_SECRET_ID / _KEY)."),
            provider_code="not_configured",
            retryable=False,
        )
    params = positional(message.params or {})
    payload = json.dumps(
        request_body(phone=message.recipient, template_id=message.code, params=params, session=str(message.pk)),
        ensure_ascii=False,
    ).encode()
    reply = transport.send(
        "POST",
        settings.NOTIFY_TENCENT_ENDPOINT,
        body=payload,
        headers=request_headers(payload=payload),
        timeout=settings.NOTIFY_TIMEOUT_SECONDS,
    )
    return answer_read(reply.status, reply_json(reply.body))
