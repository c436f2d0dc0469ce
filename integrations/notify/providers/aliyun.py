"""Aliyun SMS (dysmsapi, API version 2017-05-25) ``SendSms``, RPC style with signature v1 (HMAC-SHA1).

Request: POST to https://dysmsapi.aliyuncs.com/ form-encoded with the common parameters (``AccessKeyId``,
``Action=SendSms``, ``Format=JSON``, ``RegionId``, ``SignatureMethod=HMAC-SHA1``, ``SignatureNonce``,
``SignatureVersion=1.0``, ``Timestamp`` in UTC ISO 8601, ``Version=2017-05-25``) and ``PhoneNumbers``,
``SignName``, ``TemplateCode``, ``TemplateParam`` (a JSON object of strings), ``OutId`` (ours, echoed back),
plus ``Signature`` (``integrations.signing.aliyun_rpc_signature``).
Answer: ``{"Code": "OK", "Message": "OK", "BizId": "…", "RequestId": "…"}``; any other ``Code`` is an error.

Docs: SendSms https://help.aliyun.com/document_detail/419273.html; signature
https://help.aliyun.com/document_detail/56189.html; error codes
https://www.alibabacloud.com/help/doc-detail/116206.htm (and 短信服务 API 错误码).
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
from integrations.notify.providers import reply_json
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
        "TemplateParam": json.dumps(template_param, ensure_ascii=False, separators=(",", ":")),
        "OutId": out_id,
    }
    params["Signature"] = aliyun_rpc_signature(params, settings.NOTIFY_ALIYUN_ACCESS_KEY_SECRET, method="POST")
    return params


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


def send(message) -> str:
    if not settings.NOTIFY_ALIYUN_ACCESS_KEY_ID or not settings.NOTIFY_ALIYUN_ACCESS_KEY_SECRET:
        raise NotifyProviderError(
            _("Aliyun SMS is not configured (NOTIFY_ALIYUN_ACCESS_KEY_ID / _SECRET)."),
            provider_code="not_configured",
            retryable=False,
        )
    params = request_params(
        phone=message.recipient,
        sign_name=settings.NOTIFY_ALIYUN_SIGN_NAME,
        template_code=message.code,
        template_param={str(k): str(v) for k, v in (message.params or {}).items()},
        out_id=str(message.pk),
    )
    reply = transport.send(
        "POST",
        settings.NOTIFY_ALIYUN_ENDPOINT,
        body=urllib.parse.urlencode(params).encode(),
        headers={"Content-Type": "application/x-www-form-urlencoded; charset=utf-8", "Accept": "application/json"},
        timeout=settings.NOTIFY_TIMEOUT_SECONDS,
    )
    return answer_read(reply.status, reply_json(reply.body))
