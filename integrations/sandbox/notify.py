"""Sandbox of the buyer notification providers, in their own formats, checking their signatures with the
credentials in settings (the sandbox defaults of ``NOTIFY_*``):

- Aliyun SMS ``SendSms`` and ``SendBatchSms`` (form POST, RPC signature v1; one endpoint, told apart by
  ``Action``) → ``{"Code": "OK", "BizId", "RequestId", "Message"}``, one answer for a whole batch;
- Tencent Cloud SMS ``SendSms`` 2021-01-11 (JSON POST, TC3-HMAC-SHA256), up to 200 numbers a call →
  ``{"Response": {"SendStatusSet": [one status per number], …}}``;
- Aliyun voice ``SingleCallByTts`` (form POST, the same RPC signature) → ``{"Code": "OK", "CallId", "RequestId",
  "Message"}`` — the phone calls of red staff alerts;
- DingTalk custom robot ``robot/send`` (加签 checked: ``timestamp`` within an hour, ``sign``) and WeCom group robot
  ``cgi-bin/webhook/send`` → ``{"errcode": 0, "errmsg": "ok"}`` — where the demo's staff alerts go;
- WeChat ``cgi-bin/token`` and ``cgi-bin/message/subscribe/send`` → ``{"errcode", "errmsg", "msgid"}``.

Faults to play with: a phone number ending in 0000 is refused as malformed (final: the message is parked);
one ending in 9999 meets flow control (retried) — in an Aliyun batch either refuses the whole call (its answer
has one ``Code``), in a Tencent call only that number's status; an openid starting with ``refused`` answers
43101 (the buyer did not subscribe)."""

from __future__ import annotations

import hashlib
import json
import time
import uuid

from django.conf import settings
from django.http import HttpRequest, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST

from integrations.sandbox.views.shared import sandbox_enabled_check
from integrations.signing import aliyun_rpc_signature, dingtalk_sign, equal, tc3_authorization

ALIYUN_REQUIRED = (
    "AccessKeyId",
    "Action",
    "SignatureMethod",
    "SignatureNonce",
    "SignatureVersion",
    "Timestamp",
    "Version",
    "PhoneNumbers",
    "SignName",
    "TemplateCode",
    "Signature",
)


def _mobile(phone: str) -> str:
    digits = "".join(c for c in phone if c.isdigit())
    return digits[-11:] if len(digits) >= 11 else digits


def _aliyun(code: str, message: str, **extra) -> JsonResponse:
    return JsonResponse(
        {"Code": code, "Message": message, "RequestId": str(uuid.uuid4()).upper(), **extra},
        json_dumps_params={"ensure_ascii": False},
    )


def _aliyun_call_refusal(request: HttpRequest, form: dict, required) -> JsonResponse | None:
    """What Aliyun answers a call it refuses for its parameters, access key or signature, or None."""
    missing = [name for name in required if not form.get(name)]
    if missing:
        return _aliyun("MissingParameter", f"{missing[0]} is mandatory for this action.")
    if form["AccessKeyId"] != settings.NOTIFY_ALIYUN_ACCESS_KEY_ID:
        return _aliyun("InvalidAccessKeyId.NotFound", "Specified access key is not found.")
    expected = aliyun_rpc_signature(form, settings.NOTIFY_ALIYUN_ACCESS_KEY_SECRET, method=request.method)
    if not equal(expected, form["Signature"]):
        return _aliyun("SignatureDoesNotMatch", "Specified signature is not matched with our calculation.")
    return None


def _aliyun_number_refusal(phones: list[str]) -> JsonResponse | None:
    """A malformed number (…0000), or one meeting flow control (…9999): the whole call's answer."""
    for phone in phones:
        if len(_mobile(phone)) != 11 or phone.endswith("0000"):
            return _aliyun("isv.MOBILE_NUMBER_ILLEGAL", "非法手机号")
    if any(phone.endswith("9999") for phone in phones):
        return _aliyun("isv.BUSINESS_LIMIT_CONTROL", "触发分钟级流控Permits:1")
    return None


def _aliyun_refusal(request: HttpRequest, form: dict, required, *, phone_field: str) -> JsonResponse | None:
    """What Aliyun answers a call to one number it refuses (parameters, access key, signature, the number)."""
    refused = _aliyun_call_refusal(request, form, required)
    return refused if refused is not None else _aliyun_number_refusal([form[phone_field]])


def _aliyun_values_valid(params) -> bool:
    """Template values: an object of strings (Aliyun refuses a number as a value: isv.INVALID_JSON_PARAM)."""
    return isinstance(params, dict) and all(isinstance(v, str) for v in params.values())


def _json_or_none(text: str):
    try:
        return json.loads(text)
    except ValueError:
        return None


@csrf_exempt
@require_POST
def aliyun_send_sms(request: HttpRequest) -> JsonResponse:
    sandbox_enabled_check()
    form = request.POST.dict()
    if form.get("Action") == "SendBatchSms":
        return _aliyun_send_batch_sms(request, form)
    refused = _aliyun_refusal(request, form, ALIYUN_REQUIRED, phone_field="PhoneNumbers")
    if refused is not None:
        return refused
    if not _aliyun_values_valid(_json_or_none(form.get("TemplateParam") or "{}")):
        return _aliyun("isv.INVALID_JSON_PARAM", "JSON参数不合法，只接受字符串值")
    return _aliyun("OK", "OK", BizId=_aliyun_biz_id(form))


ALIYUN_BATCH_REQUIRED = (*ALIYUN_REQUIRED[:7], "PhoneNumberJson", "SignNameJson", "TemplateCode", "Signature")
ALIYUN_BATCH_LIMIT = 100


def _aliyun_send_batch_sms(request: HttpRequest, form: dict) -> JsonResponse:
    """SendBatchSms: ``PhoneNumberJson``, ``SignNameJson`` and ``TemplateParamJson`` JSON arrays of the same
    length (one sign name and one set of values per number), up to 100 numbers; one answer for the call."""
    refused = _aliyun_call_refusal(request, form, ALIYUN_BATCH_REQUIRED)
    if refused is not None:
        return refused
    phones = _json_or_none(form["PhoneNumberJson"])
    signs = _json_or_none(form["SignNameJson"])
    values = _json_or_none(form["TemplateParamJson"]) if form.get("TemplateParamJson") else None
    if not isinstance(phones, list) or not phones or not all(isinstance(phone, str) for phone in phones):
        return _aliyun("isv.INVALID_PARAMETERS", "参数异常: PhoneNumberJson")
    if len(phones) > ALIYUN_BATCH_LIMIT:
        return _aliyun("isv.MOBILE_COUNT_OVER_LIMIT", "手机号码数量超过限制")
    if not isinstance(signs, list) or len(signs) != len(phones):
        return _aliyun("isv.INVALID_PARAMETERS", "参数异常: SignNameJson")
    if values is not None and (not isinstance(values, list) or len(values) != len(phones)):
        return _aliyun("isv.INVALID_PARAMETERS", "参数异常: TemplateParamJson")
    if values is not None and not all(_aliyun_values_valid(value) for value in values):
        return _aliyun("isv.INVALID_JSON_PARAM", "JSON参数不合法，只接受字符串值")
    refused = _aliyun_number_refusal(phones)
    if refused is not None:
        return refused
    return _aliyun("OK", "OK", BizId=_aliyun_biz_id(form))


def _aliyun_biz_id(form: dict) -> str:
    return hashlib.sha1(form["SignatureNonce"].encode(), usedforsecurity=False).hexdigest()[:20] + "^0"


SANDBOX_ROBOT_SECRET = "SECsandbox"  # the demo DingTalk robot's 加签 secret


def _robot(errcode: int, errmsg: str) -> JsonResponse:
    return JsonResponse({"errcode": errcode, "errmsg": errmsg})


@csrf_exempt
@require_POST
def dingtalk_robot_send(request: HttpRequest) -> JsonResponse:
    """DingTalk custom robot with 加签: 310000 when the signature or timestamp is wrong, 300001 without a token."""
    sandbox_enabled_check()
    if not request.GET.get("access_token"):
        return _robot(300001, "token is not exist")
    timestamp = request.GET.get("timestamp", "")
    if not timestamp.isdigit() or abs(int(timestamp) - int(time.time() * 1000)) > 3_600_000:
        return _robot(310000, "sign not match, more: [timestamp is not valid]")
    if not equal(dingtalk_sign(secret=SANDBOX_ROBOT_SECRET, timestamp_ms=int(timestamp)), request.GET.get("sign", "")):
        return _robot(310000, "sign not match")
    body = _json_body(request)
    if not isinstance(body, dict) or body.get("msgtype") != "markdown" or not body.get("markdown", {}).get("text"):
        return _robot(40035, "缺少参数 markdown")
    return _robot(0, "ok")


@csrf_exempt
@require_POST
def wecom_robot_send(request: HttpRequest) -> JsonResponse:
    """WeCom group robot: 93000 without a key."""
    sandbox_enabled_check()
    if not request.GET.get("key"):
        return _robot(93000, "invalid webhook url")
    body = _json_body(request)
    if not isinstance(body, dict) or not body.get("markdown", {}).get("content"):
        return _robot(44004, "empty content")
    return _robot(0, "ok")


def _json_body(request: HttpRequest):
    try:
        return json.loads(request.body or b"null")
    except ValueError:
        return None


VOICE_REQUIRED = (*ALIYUN_REQUIRED[:7], "CalledNumber", "TtsCode", "Signature")


@csrf_exempt
@require_POST
def aliyun_single_call_by_tts(request: HttpRequest) -> JsonResponse:
    """Aliyun voice SingleCallByTts: the same faults as SMS (0000: malformed number, 9999: flow control)."""
    sandbox_enabled_check()
    form = request.POST.dict()
    refused = _aliyun_refusal(request, form, VOICE_REQUIRED, phone_field="CalledNumber")
    if refused is not None:
        return refused
    phone = form["CalledNumber"]
    call_id = hashlib.sha1(form["SignatureNonce"].encode(), usedforsecurity=False).hexdigest()[:16]
    return _aliyun("OK", "OK", CallId=f"{call_id}^{len(phone)}")


def _tencent_error(code: str, message: str) -> JsonResponse:
    return JsonResponse({"Response": {"Error": {"Code": code, "Message": message}, "RequestId": str(uuid.uuid4())}})


TENCENT_NUMBERS_LIMIT = 200


@csrf_exempt
@require_POST
def tencent_send_sms(request: HttpRequest) -> JsonResponse:
    sandbox_enabled_check()
    if request.headers.get("X-TC-Action") != "SendSms" or request.headers.get("X-TC-Version") != "2021-01-11":
        return _tencent_error("InvalidAction", "The action requested does not exist in this version.")
    timestamp = request.headers.get("X-TC-Timestamp", "")
    if not timestamp.isdigit():
        return _tencent_error("MissingParameter", "X-TC-Timestamp is missing.")
    expected = tc3_authorization(
        secret_id=settings.NOTIFY_TENCENT_SECRET_ID,
        secret_key=settings.NOTIFY_TENCENT_SECRET_KEY,
        service="sms",
        host=request.META.get("HTTP_HOST", ""),
        timestamp=int(timestamp),
        payload=request.body,
        content_type=request.META.get("CONTENT_TYPE", ""),
    )
    if not equal(expected, request.headers.get("Authorization", "")):
        return _tencent_error("AuthFailure.SignatureFailure", "The provided credentials could not be validated.")
    try:
        body = json.loads(request.body)
    except ValueError:
        return _tencent_error("FailedOperation.FailResolvePacket", "Request package parsing failed.")
    if body.get("SmsSdkAppId") != settings.NOTIFY_TENCENT_SDK_APP_ID:
        return _tencent_error("InvalidParameterValue.SdkAppIdNotExist", "The SdkAppId does not exist.")
    if not body.get("TemplateId"):
        return _tencent_error("MissingParameter", "TemplateId is missing.")
    phones = body.get("PhoneNumberSet") or []
    if len(phones) > TENCENT_NUMBERS_LIMIT:
        return _tencent_error(
            "LimitExceeded.PhoneNumberCountLimit", "the number of mobile numbers in one request exceeds 200"
        )
    statuses = []
    for phone in phones:
        if len(_mobile(phone)) != 11 or phone.endswith("0000"):
            code, message = "InvalidParameterValue.IncorrectPhoneNumber", "incorrect number format"
        elif phone.endswith("9999"):
            code, message = (
                "LimitExceeded.PhoneNumberThirtySecondLimit",
                "the number of SMS messages sent from a single mobile number within 30 seconds exceeds the upper limit",
            )
        else:
            code, message = "Ok", "send success"
        statuses.append(
            {
                "SerialNo": f"2433:{uuid.uuid4().int % 10**20}" if code == "Ok" else "",
                "PhoneNumber": phone,
                "Fee": 1 if code == "Ok" else 0,
                "SessionContext": body.get("SessionContext", ""),
                "Code": code,
                "Message": message,
                "IsoCode": "CN",
            }
        )
    return JsonResponse({"Response": {"SendStatusSet": statuses, "RequestId": str(uuid.uuid4())}})


def _wechat_token() -> str:
    text = f"{settings.NOTIFY_WECHAT_APP_ID}:{settings.NOTIFY_WECHAT_APP_SECRET}"
    return "SANDBOX_" + hashlib.sha256(text.encode()).hexdigest()[:40]


@require_GET
def wechat_token(request: HttpRequest) -> JsonResponse:
    sandbox_enabled_check()
    if request.GET.get("grant_type") != "client_credential":
        return JsonResponse({"errcode": 40002, "errmsg": "invalid grant_type"})
    if request.GET.get("appid") != settings.NOTIFY_WECHAT_APP_ID:
        return JsonResponse({"errcode": 40013, "errmsg": "invalid appid"})
    if request.GET.get("secret") != settings.NOTIFY_WECHAT_APP_SECRET:
        return JsonResponse({"errcode": 40125, "errmsg": "invalid appsecret"})
    return JsonResponse({"access_token": _wechat_token(), "expires_in": 7200})


@csrf_exempt
@require_POST
def wechat_subscribe_send(request: HttpRequest) -> JsonResponse:
    sandbox_enabled_check()
    if not equal(_wechat_token(), request.GET.get("access_token", "")):
        return JsonResponse({"errcode": 40001, "errmsg": "invalid credential, access_token is invalid or not latest"})
    try:
        body = json.loads(request.body)
    except ValueError:
        return JsonResponse({"errcode": 47001, "errmsg": "data format error"})
    touser = body.get("touser") or ""
    if not touser:
        return JsonResponse({"errcode": 40003, "errmsg": "invalid openid"})
    if not body.get("template_id"):
        return JsonResponse({"errcode": 40037, "errmsg": "invalid template_id"})
    data = body.get("data")
    if (
        not isinstance(data, dict)
        or not data
        or any(not isinstance(v, dict) or v.get("value") in ("", None) for v in data.values())
    ):
        return JsonResponse({"errcode": 47003, "errmsg": "argument invalid! data.value is empty"})
    if touser.startswith("refused"):
        return JsonResponse({"errcode": 43101, "errmsg": "user refuse to accept the msg"})
    return JsonResponse({"errcode": 0, "errmsg": "ok", "msgid": uuid.uuid4().int % 10**19})
