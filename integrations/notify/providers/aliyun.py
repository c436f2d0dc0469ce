"""Aliyun SMS (dysmsapi, API version 2017-05-25) ``SendSms`` and ``SendBatchSms``, RPC style with signature v1
(HMAC-SHA1).

Request: POST to https://dysmsapi.aliyuncs.com/ form-encoded with the common parameters (``AccessKeyId``,
``Action=SendSms``, ``Format=JSON``, ``RegionId``, ``SignatureMethod=HMAC-SHA1``, ``SignatureNonce``,
``SignatureVersion=1.0``, ``Timestamp`` in UTC ISO 8601, ``Version=2017-05-25``) and ``PhoneNumbers``,
``SignName``, ``TemplateCode``, ``TemplateParam`` (a JSON object of strings), ``OutId`` (ours, echoed back),
plus ``Signature`` (``integrations.signing.aliyun_rpc_signature``).
Answer: ``{"Code": "OK", "Message": "OK", "BizId": "…", "RequestId": "…"}``; any other ``Code`` is an error.

``SendBatchSms`` (the same endpoint and common parameters, ``Action=SendBatchSms``) sends one template to up to
100 numbers, each with its own sign name and values: ``PhoneNumberJson``, ``SignNameJson`` and
``TemplateParamJson`` are JSON arrays of the same length, in the same order, and ``TemplateCode`` is one. Its
answer is the same shape — one ``Code`` and one ``BizId`` for the whole call, nothing per number. So when a
batch is refused with a code that can come from one of its numbers or one message's values (``PER_MESSAGE``:
a malformed number, a number's flow control, a value too long or holding a link…), each of its messages is sent
again alone with ``SendSms`` (``SendAlone``; the send task saves each one's outcome as it comes), and gets its
own answer: one bad number does not hold the others, nor leave them unknown. Any other error (flow control of
the account, a system error, credentials, the template or sign name, the balance) is every message's.

Docs: SendSms https://help.aliyun.com/document_detail/419273.html; SendBatchSms
https://help.aliyun.com/document_detail/102364.htm; signature https://help.aliyun.com/document_detail/56189.html;
error codes https://help.aliyun.com/document_detail/101346.html and
https://www.alibabacloud.com/help/doc-detail/116206.htm.
"""

from __future__ import annotations

import datetime as dt
import json
import urllib.parse
import uuid
from typing import Any

from django.conf import settings
from django.utils.translation import gettext as _

from integrations import transport
from integrations.exceptions import NotifyProviderError
from integrations.notify.providers import Outcome, SendAlone, reply_json
from integrations.signing import aliyun_rpc_signature

NAME = "aliyun"
VERSION = "2017-05-25"
REGION = "cn-hangzhou"

# Codes after which sending the same message again later can succeed (system errors, flow control).
RETRYABLE = frozenset(
    {
        "isp.SYSTEM_ERROR",
        "isp.GATEWAY_ERROR",
        "isp.UNKNOWN",
        "isv.BUSINESS_LIMIT_CONTROL",  # flow control per number (per minute / hour): later is fine
        "BUSINESS_LIMIT_CONTROL_MINUTE",
        "isv.BUSINESS_LIMIT_HOUR",
        "Throttling.User",
        "ServiceUnavailable",
        "InternalError",
        "SignatureNonceUsed",  # our nonce collided: a new attempt has a new one
        "SignatureDoesNotMatch.Timestamp",
    }
)
# SendBatchSms errors that may be caused by one number or one message's values rather than the call: the
# batch's messages are then sent one by one (module docstring).
PER_MESSAGE = frozenset(
    {
        "isv.MOBILE_NUMBER_ILLEGAL",
        "isv.BUSINESS_LIMIT_CONTROL",
        "BUSINESS_LIMIT_CONTROL_MINUTE",
        "isv.BUSINESS_LIMIT_HOUR",
        "isv.BUSINESS_LIMIT_DAY",
        "isv.BLACK_KEY_CONTROL_LIMIT",
        "isv.PARAM_LENGTH_LIMIT",
        "isv.PARAM_NOT_SUPPORT_URL",
        "isv.INVALID_JSON_PARAM",
        "isv.TEMPLATE_MISSING_PARAMETERS",
    }
)
BATCH_LIMIT = 100  # numbers in one SendBatchSms call
# Final: the number, the template, the sign name, the account or the content is wrong, or the day's limit is
# spent — e.g. isv.MOBILE_NUMBER_ILLEGAL, isv.TEMPLATE_MISSING_PARAMETERS, isv.SMS_TEMPLATE_ILLEGAL,
# isv.SMS_SIGNATURE_ILLEGAL, isv.BLACK_KEY_CONTROL_LIMIT, isv.PARAM_LENGTH_LIMIT, isv.AMOUNT_NOT_ENOUGH,
# isv.OUT_OF_SERVICE, isv.DAY_LIMIT_CONTROL / isv.BUSINESS_LIMIT_DAY, isp.RAM_PERMISSION_DENY,
# InvalidAccessKeyId.NotFound, SignatureDoesNotMatch. Parked for staff; replayed once fixed.


def rpc_common_params(*, action: str, version: str = VERSION, now: dt.datetime | None = None) -> dict[str, str]:
    """The common parameters of an Aliyun RPC call (SMS, and the voice calls of staff alerts) before signing."""
    now = now or dt.datetime.now(dt.UTC)
    return {
        "AccessKeyId": settings.NOTIFY_ALIYUN_ACCESS_KEY_ID,
        "Action": action,
        "Format": "JSON",
        "RegionId": REGION,
        "SignatureMethod": "HMAC-SHA1",
        "SignatureNonce": str(uuid.uuid4()),
        "SignatureVersion": "1.0",
        "Timestamp": now.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "Version": version,
    }


def request_params(
    *, phone: str, sign_name: str, template_code: str, template_param: dict[str, str], out_id: str, now=None
) -> dict[str, str]:
    """The signed form of one SendSms call."""
    params = {
        **rpc_common_params(action="SendSms", now=now),
        "PhoneNumbers": phone,
        "SignName": sign_name,
        "TemplateCode": template_code,
        "TemplateParam": _json(template_param),
        "OutId": out_id,
    }
    params["Signature"] = aliyun_rpc_signature(params, settings.NOTIFY_ALIYUN_ACCESS_KEY_SECRET, method="POST")
    return params


def batch_request_params(
    *, phones: list[str], sign_name: str, template_code: str, template_params: list[dict[str, str]], now=None
) -> dict[str, str]:
    """The signed form of one SendBatchSms call: one number, sign name and set of values per message."""
    params = {
        **rpc_common_params(action="SendBatchSms", now=now),
        "PhoneNumberJson": _json(phones),
        "SignNameJson": _json([sign_name] * len(phones)),
        "TemplateCode": template_code,
        "TemplateParamJson": _json(template_params),
    }
    params["Signature"] = aliyun_rpc_signature(params, settings.NOTIFY_ALIYUN_ACCESS_KEY_SECRET, method="POST")
    return params


def _json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def answer_read(status: int, body: Any) -> str:
    """The ``BizId`` of a successful answer, or ``NotifyProviderError`` with Aliyun's code."""
    if not isinstance(body, dict):
        raise NotifyProviderError(
            _("Aliyun SMS answered HTTP %(status)s without a JSON object.") % {"status": status},
            provider_code=f"http_{status}",
            retryable=True,
        )
    code = str(body.get("Code") or f"http_{status}")
    if code == "OK":
        return str(body.get("BizId") or "")
    raise NotifyProviderError(
        f"Aliyun SMS {code}: {body.get('Message') or ''}".strip(),
        provider_code=code,
        retryable=code in RETRYABLE or status >= 500,
        extra={"request_id": body.get("RequestId")},
    )


def _configured_check() -> None:
    if not settings.NOTIFY_ALIYUN_ACCESS_KEY_ID or not settings.NOTIFY_ALIYUN_ACCESS_KEY_SECRET:
        raise NotifyProviderError(
            _("Aliyun SMS is not configured (NOTIFY_ALIYUN_ACCESS_KEY_ID / _SECRET)."),
            provider_code="not_configured",
            retryable=False,
        )


def _values(message) -> dict[str, str]:
    return {str(k): str(v) for k, v in (message.params or {}).items()}


def _post(params: dict[str, str]) -> str:
    reply = transport.send(
        "POST",
        settings.NOTIFY_ALIYUN_ENDPOINT,
        body=urllib.parse.urlencode(params).encode(),
        headers={"Content-Type": "application/x-www-form-urlencoded; charset=utf-8", "Accept": "application/json"},
        timeout=settings.NOTIFY_TIMEOUT_SECONDS,
    )
    return answer_read(reply.status, reply_json(reply.body))


def send(message) -> str:
    _configured_check()
    params = request_params(
        phone=message.recipient,
        sign_name=settings.NOTIFY_ALIYUN_SIGN_NAME,
        template_code=message.code,
        template_param=_values(message),
        out_id=str(message.pk),
    )
    return _post(params)


def batch_key(message) -> tuple[str]:
    """Messages of one template go in one SendBatchSms call (each keeps its own values)."""
    return (message.code,)


def send_batch(messages: list) -> list[Outcome]:
    """Send messages of one template in one SendBatchSms call (``BATCH_LIMIT`` at most). Its one answer is
    every message's — but for a ``PER_MESSAGE`` refusal, after which each is to be sent alone (``SendAlone``)."""
    _configured_check()
    params = batch_request_params(
        phones=[message.recipient for message in messages],
        sign_name=settings.NOTIFY_ALIYUN_SIGN_NAME,
        template_code=messages[0].code,
        template_params=[_values(message) for message in messages],
    )
    try:
        biz_id = _post(params)
    except NotifyProviderError as exc:
        outcome = SendAlone(exc) if exc.provider_code in PER_MESSAGE else exc
        return [(message, outcome) for message in messages]
    return [(message, biz_id) for message in messages]
