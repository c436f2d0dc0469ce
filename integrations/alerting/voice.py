"""Phone calls to on-call staff: Aliyun 语音服务 (dyvmsapi, API version 2017-05-25) ``SingleCallByTts``, RPC style
with signature v1 (HMAC-SHA1) — the same signer as Aliyun SMS (``integrations.signing.aliyun_rpc_signature``).

Request: POST to https://dyvmsapi.aliyuncs.com/ form-encoded with the common parameters (``AccessKeyId``,
``Action=SingleCallByTts``, ``Format=JSON``, ``RegionId``, ``SignatureMethod=HMAC-SHA1``, ``SignatureNonce``,
``SignatureVersion=1.0``, ``Timestamp`` in UTC ISO 8601, ``Version=2017-05-25``) and ``CalledNumber`` (one number
a call), ``TtsCode`` (the approved TTS template), ``TtsParam`` (a JSON object of its variables), ``PlayTimes``
(at most 3), ``OutId`` (ours, echoed back in the call receipt) and — for a dedicated number only —
``CalledShowNumber`` (left out, the call comes from the public number pool), plus ``Signature``.
Answer: ``{"Code": "OK", "Message": "OK", "RequestId": "…", "CallId": "…"}``; any other ``Code`` is an error.
Aliyun limits calls to one number: 1 a minute, 5 an hour, 20 a day (``isv.BUSINESS_LIMIT_CONTROL``); public-pool
calls are not placed 12:00–14:00 and 21:00–09:00.

Docs: SingleCallByTts https://help.aliyun.com/document_detail/393519.html (and the older page
https://help.aliyun.com/document_detail/55315.html with the answer's ``CallId``); signature
https://help.aliyun.com/document_detail/56189.html.

A channel of kind ``voice`` calls each of its numbers in turn; one number refused does not stop the others, the
call fails only when no number could be called. Flow control and Aliyun's system errors (``RETRYABLE``) are tried
again later; any other ``Code`` (``isv.MOBILE_NUMBER_ILLEGAL``, ``SignatureDoesNotMatch``, ``isv.TTS_TEMPLATE_ILLEGAL``,
…) needs a person: the delivery is parked.
"""

from __future__ import annotations

import datetime as dt
import json
import urllib.parse
from typing import Any

from django.conf import settings
from django.utils.translation import gettext as _

from integrations import transport
from integrations.exceptions import PlatformError
from integrations.notify.providers import reply_json
from integrations.notify.providers.aliyun import rpc_common_params
from integrations.signing import aliyun_rpc_signature
from orders.masking import mask_phone
from orders.notifications import NotificationFailed

KIND = "voice"
VERSION = "2017-05-25"
PLAY_TIMES = 2
TITLE_MAX = 40  # what a TTS variable carries is read out: keep it short

# Codes after which calling again later can succeed (flow control, system errors).
RETRYABLE = frozenset(
    {"isv.BUSINESS_LIMIT_CONTROL", "isp.SYSTEM_ERROR", "Throttling.User", "ServiceUnavailable", "InternalError"}
)


def phone_numbers(text: str) -> list[str]:
    """The numbers of a channel: one per line, or separated by commas or semicolons."""
    return [p.strip() for p in text.replace(",", "\n").replace(";", "\n").splitlines() if p.strip()]


def request_params(*, phone: str, title: str, out_id: str, now: dt.datetime | None = None) -> dict[str, str]:
    """The signed form of one SingleCallByTts call."""
    params = {
        **rpc_common_params(action="SingleCallByTts", version=VERSION, now=now),
        "CalledNumber": phone,
        "TtsCode": settings.NOTIFY_ALIYUN_VOICE_TTS_CODE,
        "TtsParam": json.dumps({"title": title[:TITLE_MAX]}, ensure_ascii=False, separators=(",", ":")),
        "PlayTimes": str(PLAY_TIMES),
        "OutId": out_id,
    }
    if settings.NOTIFY_ALIYUN_VOICE_SHOW_NUMBER:
        params["CalledShowNumber"] = settings.NOTIFY_ALIYUN_VOICE_SHOW_NUMBER
    params["Signature"] = aliyun_rpc_signature(params, settings.NOTIFY_ALIYUN_ACCESS_KEY_SECRET, method="POST")
    return params


def answer_read(status: int, body: Any, *, phone: str) -> str:
    """The ``CallId`` of a placed call, or ``NotificationFailed`` with Aliyun's code (the number masked)."""
    code = str(body.get("Code") or f"http_{status}") if isinstance(body, dict) else f"http_{status}"
    if code == "OK":
        return str(body.get("CallId") or "")
    message = body.get("Message", "") if isinstance(body, dict) else ""
    retryable = code in RETRYABLE or status >= 500
    raise NotificationFailed(
        _("Aliyun voice call to %(phone)s refused: %(code)s %(message)s")
        % {"phone": mask_phone(phone), "code": code, "message": message},
        code="voice_refused",
        extra={"provider_code": code, "retryable": retryable},
        provider_code=code,
        permanent=not retryable,
        retry_after=60 if code == "isv.BUSINESS_LIMIT_CONTROL" else None,  # 1 call a minute per number
    )


def call(*, phone: str, title: str, out_id: str) -> str:
    """Place one call; returns Aliyun's ``CallId``."""
    if not settings.NOTIFY_ALIYUN_ACCESS_KEY_ID or not settings.NOTIFY_ALIYUN_VOICE_TTS_CODE:
        raise NotificationFailed(
            _("Aliyun voice is not configured (NOTIFY_ALIYUN_ACCESS_KEY_ID, NOTIFY_ALIYUN_VOICE_TTS_CODE)."),
            code="voice_not_configured",
            provider_code="voice_not_configured",
            permanent=True,
        )
    try:
        reply = transport.send(
            "POST",
            settings.NOTIFY_ALIYUN_VOICE_ENDPOINT,
            body=urllib.parse.urlencode(request_params(phone=phone, title=title, out_id=out_id)).encode(),
            headers={"Content-Type": "application/x-www-form-urlencoded; charset=utf-8", "Accept": "application/json"},
            timeout=settings.NOTIFY_TIMEOUT_SECONDS,
        )
    except PlatformError as exc:
        raise NotificationFailed(
            _("Aliyun voice unreachable: %(error)s") % {"error": exc},
            code="voice_unreachable",
            provider_code="unreachable",
        ) from exc
    return answer_read(reply.status, reply_json(reply.body), phone=phone)


def send(channel, *, title: str, text: str, **kwargs) -> None:
    """Call every number of the channel; fail only when none could be called (then permanent only when no
    number's refusal is worth trying again)."""
    errors = []
    placed = 0
    for index, phone in enumerate(phone_numbers(channel.phones)):
        try:
            call(phone=phone, title=title, out_id=f"alert-channel-{channel.pk}-{index}")
            placed += 1
        except NotificationFailed as exc:
            errors.append(exc)
    if errors and not placed:
        raise NotificationFailed(
            "; ".join(str(e) for e in errors),
            code="voice_refused",
            extra={"errors": [e.extra for e in errors]},
            provider_code=",".join(sorted({e.provider_code for e in errors})),
            permanent=all(e.permanent for e in errors),
            retry_after=max((e.retry_after or 0 for e in errors), default=0) or None,
        )
