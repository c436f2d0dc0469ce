"""Tencent Cloud SMS ``SendSms``, API 3.0 version 2021-01-11, signed with TC3-HMAC-SHA256.

Request: POST https://sms.tencentcloudapi.com/ with JSON ``{"PhoneNumberSet": ["+8613…"], "SmsSdkAppId",
"SignName", "TemplateId", "TemplateParamSet": ["…", …], "SessionContext"}`` and the headers ``X-TC-Action:
SendSms``, ``X-TC-Version: 2021-01-11``, ``X-TC-Region``, ``X-TC-Timestamp``, ``Host``, ``Authorization``
(``integrations.signing.tc3_authorization``).
Answer: ``{"Response": {"SendStatusSet": [{"SerialNo", "PhoneNumber", "Fee", "SessionContext", "Code": "Ok",
"Message", "IsoCode"}], "RequestId"}}``, or ``{"Response": {"Error": {"Code", "Message"}, "RequestId"}}`` when the
whole call failed. A number's own ``Code`` other than ``Ok`` is that number's error.

One call takes up to 200 numbers (``PhoneNumberSet``) but one ``TemplateParamSet`` for all of them: messages go
in one call only when they have the same template and the same values (``batch_key``); otherwise each is a
call of its own. The ``SendStatusSet`` has a status per number, matched to each message by its number. A whole
call's ``Error`` is every message's.

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
from integrations.notify.providers import Outcome, reply_json
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
BATCH_LIMIT = 200  # numbers in one SendSms call (more: LimitExceeded.PhoneNumberCountLimit)
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


def request_body(*, phones: list[str], template_id: str, params: list[str], session: str) -> dict[str, Any]:
    return {
        "PhoneNumberSet": [e164(phone) for phone in phones],
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


def statuses_read(status: int, body: Any) -> tuple[list[dict], Any]:
    """The ``SendStatusSet`` of an answer and its ``RequestId``, or ``NotifyProviderError`` when the whole call
    failed."""
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
    statuses = [sent for sent in response.get("SendStatusSet") or [] if isinstance(sent, dict)]
    if not statuses:
        raise NotifyProviderError(
            _("Tencent Cloud SMS answered without a SendStatusSet."), provider_code="empty_status", retryable=True
        )
    return statuses, response.get("RequestId")


def status_read(sent: dict, *, request_id: Any = None) -> str:
    """The ``SerialNo`` of one number's status, or ``NotifyProviderError`` with that number's code."""
    code = str(sent.get("Code") or "")
    if code.lower() != "ok":
        raise NotifyProviderError(
            f"Tencent Cloud SMS {code}: {sent.get('Message') or ''}".strip(),
            provider_code=code,
            retryable=retryable(code),
            extra={"request_id": request_id, "opted_out": code in OPTED_OUT},
        )
    return str(sent.get("SerialNo") or "")


def answer_read(status: int, body: Any) -> str:
    """The ``SerialNo`` of the one number sent, or ``NotifyProviderError`` with Tencent's code."""
    statuses, request_id = statuses_read(status, body)
    return status_read(statuses[0], request_id=request_id)


def _configured_check() -> None:
    if not settings.NOTIFY_TENCENT_SECRET_ID or not settings.NOTIFY_TENCENT_SECRET_KEY:
        raise NotifyProviderError(
            _("Tencent Cloud SMS is not configured (NOTIFY_TENCENT_SECRET_ID / _KEY)."),
            provider_code="not_configured",
            retryable=False,
        )


def _post(messages: list, *, session: str) -> tuple[int, Any]:
    payload = json.dumps(
        request_body(
            phones=[message.recipient for message in messages],
            template_id=messages[0].code,
            params=positional(messages[0].params or {}),
            session=session,
        ),
        ensure_ascii=False,
    ).encode()
    reply = transport.send(
        "POST",
        settings.NOTIFY_TENCENT_ENDPOINT,
        body=payload,
        headers=request_headers(payload=payload),
        timeout=settings.NOTIFY_TIMEOUT_SECONDS,
    )
    return reply.status, reply_json(reply.body)


def send(message) -> str:
    _configured_check()
    return answer_read(*_post([message], session=str(message.pk)))


def batch_key(message) -> tuple[str, tuple[str, ...]]:
    """One call carries one set of values: only messages of the same template with the same values share it."""
    return (message.code, tuple(positional(message.params or {})))


def send_batch(messages: list) -> list[Outcome]:
    """Send messages of one template and the same values in one SendSms call (``BATCH_LIMIT`` numbers at most,
    each once); each gets its number's status. A number the answer does not name is retried."""
    _configured_check()
    try:
        statuses, request_id = statuses_read(*_post(messages, session=""))
    except NotifyProviderError as exc:
        return [(message, exc) for message in messages]
    by_number = {e164(str(sent.get("PhoneNumber") or "")): sent for sent in statuses}
    outcomes: list[Outcome] = []
    for message in messages:
        sent = by_number.get(e164(message.recipient))
        if sent is None:
            missing = NotifyProviderError(
                _("Tencent Cloud SMS answered no status for this number."),
                provider_code="no_status",
                retryable=True,
                extra={"request_id": request_id},
            )
            outcomes.append((message, missing))
            continue
        try:
            outcomes.append((message, status_read(sent, request_id=request_id)))
        except NotifyProviderError as exc:
            outcomes.append((message, exc))
    return outcomes
