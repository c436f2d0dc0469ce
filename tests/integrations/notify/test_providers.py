"""The providers' request formats, signatures (against the examples their documentation works through) and
answers (documented error codes mapped to retry or park; absent optional fields, numbers as strings)."""

from __future__ import annotations

import json
import urllib.parse

import pytest
from django.core.cache import cache

from integrations.exceptions import NotifyProviderError
from integrations.notify.providers import aliyun, tencent, wechat
from integrations.signing import aliyun_rpc_signature, tc3_authorization

# --- signatures against the documented worked examples --------------------------------------------------------


def test_aliyun_signature_matches_the_documented_sendsms_example():
    # https://help.aliyun.com/document_detail/56189.html: AccessKeyId testId, secret testSecret, GET.
    params = {
        "AccessKeyId": "testId",
        "Action": "SendSms",
        "Format": "XML",
        "OutId": "123",
        "PhoneNumbers": "15300000001",
        "RegionId": "cn-hangzhou",
        "SignName": "阿里云短信测试专用",
        "SignatureMethod": "HMAC-SHA1",
        "SignatureNonce": "45e25e9b-0a6f-4070-8c85-2956eda1b466",
        "SignatureVersion": "1.0",
        "TemplateCode": "SMS_71390007",
        "TemplateParam": '{"customer":"test"}',
        "Timestamp": "2017-07-12T02:42:19Z",
        "Version": "2017-05-25",
    }
    assert aliyun_rpc_signature(params, "testSecret", method="GET") == "zJDF+Lrzhj/ThnlvIToysFRq6t4="
    assert aliyun_rpc_signature({**params, "Signature": "old"}, "testSecret", method="GET") == (
        "zJDF+Lrzhj/ThnlvIToysFRq6t4="
    )
    assert aliyun_rpc_signature(params, "testSecret", method="POST") != "zJDF+Lrzhj/ThnlvIToysFRq6t4="


def test_tc3_signature_matches_the_documented_example():
    # Tencent Cloud API 3.0 "Signature v3": DescribeInstances at 1551113065 with the example keys.
    payload = b'{"Limit": 1, "Filters": [{"Values": ["\\u672a\\u547d\\u540d"], "Name": "instance-name"}]}'
    authorization = tc3_authorization(
        secret_id="AKIDz8krbsJ5yKBZQpn74WFkmLPx3EXAMPLE",
        secret_key="Gu5t9xGARNpq86cd98joQYCN3EXAMPLE",
        service="cvm",
        host="cvm.tencentcloudapi.com",
        timestamp=1551113065,
        payload=payload,
    )
    assert authorization == (
        "TC3-HMAC-SHA256 Credential=AKIDz8krbsJ5yKBZQpn74WFkmLPx3EXAMPLE/2019-02-25/cvm/tc3_request, "
        "SignedHeaders=content-type;host, "
        "Signature=72e494ea809ad7a8c8f7a4507b9bddcbaa8e581f516e8da2f66e2c5a96525168"
    )


# --- Aliyun ---------------------------------------------------------------------------------------------------


def test_aliyun_request_carries_the_documented_parameters(settings):
    settings.NOTIFY_ALIYUN_ACCESS_KEY_ID, settings.NOTIFY_ALIYUN_ACCESS_KEY_SECRET = "id-1", "secret-1"
    params = aliyun.request_params(
        phone="13812345678", sign_name="店", template_code="SMS_1", template_param={"order": "A1"}, out_id="7"
    )
    assert {k: params[k] for k in ("Action", "Version", "SignatureMethod", "SignatureVersion", "Format")} == {
        "Action": "SendSms",
        "Version": "2017-05-25",
        "SignatureMethod": "HMAC-SHA1",
        "SignatureVersion": "1.0",
        "Format": "JSON",
    }
    assert json.loads(params["TemplateParam"]) == {"order": "A1"} and params["OutId"] == "7"
    assert params["Signature"] == aliyun_rpc_signature(params, "secret-1", method="POST")


@pytest.mark.parametrize(
    ("body", "code", "retry"),
    [
        (
            {"Code": "isv.MOBILE_NUMBER_ILLEGAL", "Message": "非法手机号", "RequestId": "R"},
            "isv.MOBILE_NUMBER_ILLEGAL",
            False,
        ),
        ({"Code": "isv.BUSINESS_LIMIT_CONTROL", "Message": "触发分钟级流控"}, "isv.BUSINESS_LIMIT_CONTROL", True),
        ({"Code": "isp.SYSTEM_ERROR"}, "isp.SYSTEM_ERROR", True),  # no Message
        ({"Code": "isv.SMS_TEMPLATE_ILLEGAL", "Message": None}, "isv.SMS_TEMPLATE_ILLEGAL", False),
        ({"Code": "SignatureDoesNotMatch", "Message": "x"}, "SignatureDoesNotMatch", False),
    ],
)
def test_aliyun_error_codes_are_retried_or_final_as_documented(body, code, retry):
    with pytest.raises(NotifyProviderError) as caught:
        aliyun.answer_read(200, body)
    assert (caught.value.provider_code, caught.value.retryable, caught.value.permanent) == (code, retry, not retry)


def test_aliyun_answers_ok_with_or_without_a_bizid_and_a_500_is_retried():
    assert aliyun.answer_read(200, {"Code": "OK", "Message": "OK", "BizId": "9006197469364984400^0"}) == (
        "9006197469364984400^0"
    )
    assert aliyun.answer_read(200, {"Code": "OK"}) == ""
    with pytest.raises(NotifyProviderError) as caught:
        aliyun.answer_read(503, None)
    assert caught.value.retryable


# --- Tencent Cloud --------------------------------------------------------------------------------------------


def test_tencent_request_is_e164_with_positional_parameters_and_signed_headers(settings):
    settings.NOTIFY_TENCENT_ENDPOINT = "https://sms.tencentcloudapi.com/"
    settings.NOTIFY_TENCENT_SECRET_ID, settings.NOTIFY_TENCENT_SECRET_KEY = "AKID-1", "key-1"
    body = tencent.request_body(
        phones=["138 1234 5678"],
        template_id="1110",
        params=tencent.positional({"2": "b", "10": "c", "1": "a"}),
        session="9",
    )
    assert body["PhoneNumberSet"] == ["+8613812345678"] and body["TemplateParamSet"] == ["a", "b", "c"]
    payload = json.dumps(body).encode()
    headers = tencent.request_headers(payload=payload, timestamp=1551113065)
    assert headers["X-TC-Action"] == "SendSms" and headers["X-TC-Version"] == "2021-01-11"
    assert headers["Host"] == "sms.tencentcloudapi.com"
    assert headers["Authorization"] == tc3_authorization(
        secret_id="AKID-1",
        secret_key="key-1",
        service="sms",
        host="sms.tencentcloudapi.com",
        timestamp=1551113065,
        payload=payload,
    )


def test_tencent_answers_per_number_status_and_whole_call_errors():
    ok = {
        "Response": {
            "SendStatusSet": [
                {
                    "SerialNo": "5000:1045710669157053657849499619",
                    "PhoneNumber": "+8613812345678",
                    "Fee": 1,
                    "SessionContext": "test",
                    "Code": "Ok",
                    "Message": "send success",
                    "IsoCode": "CN",
                }
            ],
            "RequestId": "a0aabda6",
        }
    }  # noqa: E501
    assert tencent.answer_read(200, ok) == "5000:1045710669157053657849499619"
    refused = {
        "Response": {
            "SendStatusSet": [
                {"Code": "InvalidParameterValue.IncorrectPhoneNumber", "Message": "incorrect number format"}
            ]
        }
    }  # noqa: E501
    with pytest.raises(NotifyProviderError) as caught:
        tencent.answer_read(200, refused)
    assert (caught.value.provider_code, caught.value.retryable) == ("InvalidParameterValue.IncorrectPhoneNumber", False)
    blacklisted = {"Response": {"SendStatusSet": [{"Code": "FailedOperation.PhoneNumberInBlacklist"}]}}
    with pytest.raises(NotifyProviderError) as caught:
        tencent.answer_read(200, blacklisted)
    assert caught.value.extra["opted_out"] is True
    for code, retry in (
        ("AuthFailure.SignatureFailure", False),
        ("InternalError.Timeout", True),
        ("RequestLimitExceeded", True),
    ):
        with pytest.raises(NotifyProviderError) as caught:
            tencent.answer_read(200, {"Response": {"Error": {"Code": code, "Message": "m"}, "RequestId": "r"}})
        assert caught.value.retryable is retry


def test_tencent_sandbox_send_and_a_refused_number_parks_the_message(providers, website, settings):
    from integrations.notify.services import buyer_message_send, buyer_moment_record
    from tests.integrations.notify.helpers import paid_order

    settings.NOTIFY_SMS_PROVIDER = "tencent"
    good = paid_order(website, consignee_phone="13812345678")
    bad = paid_order(website, consignee_phone="13800000000")
    [good_id] = buyer_moment_record(moment="paid", order_id=good.pk, source_key="g")
    [bad_id] = buyer_moment_record(moment="paid", order_id=bad.pk, source_key="b")
    assert buyer_message_send(good_id) == "sent"
    assert buyer_message_send(bad_id) == "dead"
    assert ("POST", "/sandbox/notify/tencent/") in providers.calls


# --- WeChat ---------------------------------------------------------------------------------------------------


def test_wechat_values_are_cut_to_what_their_kind_allows():
    body = wechat.request_body(
        openid="o1",
        template_id="t",
        params={"thing1": "一" * 30, "character_string2": "A" * 40, "time3": "x"},
        order_ref="5",
    )
    assert body["data"]["thing1"]["value"] == "一" * 20
    assert body["data"]["character_string2"]["value"] == "A" * 32
    assert body["data"]["time3"] == {"value": "x"} and body["touser"] == "o1" and body["lang"] == "zh_CN"


@pytest.mark.parametrize(
    ("body", "code", "retry"),
    [
        ({"errcode": 43101, "errmsg": "user refuse to accept the msg"}, "43101", False),
        ({"errcode": "47003", "errmsg": "argument invalid! data.thing1.value exceeds limit"}, "47003", False),
        ({"errcode": 40001, "errmsg": "invalid credential"}, "40001", True),
        ({"errcode": -1, "errmsg": "system error"}, "-1", True),
        ({"errcode": 40037}, "40037", False),
    ],
)
def test_wechat_errcodes_are_retried_or_final_as_documented(body, code, retry):
    with pytest.raises(NotifyProviderError) as caught:
        wechat.answer_read(200, body)
    assert (caught.value.provider_code, caught.value.retryable) == (code, retry)


def test_an_expired_wechat_token_is_dropped_and_fetched_again(providers, settings):
    cache.set(wechat._token_key(), "stale-token")
    with pytest.raises(NotifyProviderError):
        wechat.answer_read(200, {"errcode": 42001, "errmsg": "access_token expired"})
    assert cache.get(wechat._token_key()) is None
    token = wechat.access_token()
    assert token.startswith("SANDBOX_") and cache.get(wechat._token_key()) == token
    query = [urllib.parse.urlparse(path).path for _m, path in providers.calls]
    assert "/sandbox/notify/wechat/cgi-bin/token" in query


def test_ok_answers_without_msgid_or_errcode_are_sent():
    assert wechat.answer_read(200, {"errcode": 0, "errmsg": "ok", "msgid": 294402298110051942}) == "294402298110051942"
    assert wechat.answer_read(200, {"errmsg": "ok"}) == ""


def test_an_unknown_sms_provider_fails_the_system_check(settings):
    from integrations.notify.checks import sms_provider_check

    assert sms_provider_check() == []
    settings.NOTIFY_SMS_PROVIDER = "yunpian"
    [error] = sms_provider_check()
    assert error.id == "integrations.E101" and "'yunpian'" in error.msg
