"""WeChat Pay v3 refunds: the signed request (``WECHATPAY2-SHA256-RSA2048``), the signed answer, which error codes
are retried, and the refund notification checked and opened (``AEAD_AES_256_GCM``)."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest

from config.retry import retry_decide
from integrations.exceptions import PayloadInvalid, SignatureInvalid
from integrations.payments import wechatpay
from integrations.payments.common import PaymentProviderError, sandbox_key
from integrations.payments.wechatpay import (
    WechatPayRefunds,
    answer_read,
    authorization,
    refund_body,
    refund_notice_read,
    resource_decrypt,
    resource_encrypt,
)
from integrations.sandbox.payments import wechatpay_refund_notice
from integrations.signing import rsa2_verify, wechatpay_message
from tests.integrations.payments.conftest import refund_request

pytestmark = pytest.mark.django_db

# The answer in the documentation (https://pay.weixin.qq.com/docs/merchant/apis/refund/refunds/create.html).
DOC_ANSWER = {
    "refund_id": "50000000382019052709732678859",
    "out_refund_no": "1217752501201407033233368018",
    "transaction_id": "1217752501201407033233368018",
    "out_trade_no": "1217752501201407033233368018",
    "channel": "ORIGINAL",
    "user_received_account": "招商银行信用卡0403",
    "success_time": "2020-12-01T16:18:12+08:00",
    "create_time": "2020-12-01T16:18:12+08:00",
    "status": "SUCCESS",
    "funds_account": "UNSETTLED",
    "amount": {
        "total": 100,
        "refund": 100,
        "from": [{"account": "AVAILABLE", "amount": 444}],
        "payer_total": 90,
        "payer_refund": 90,
        "settlement_refund": 100,
        "settlement_total": 100,
        "discount_refund": 10,
        "currency": "CNY",
    },
}


def test_the_body_is_in_fen_with_our_refund_number(settings):
    settings.PAYMENTS_WECHATPAY_NOTIFY_URL = "https://oms.example.com/payments/wechatpay/refund-notify/"

    body = refund_body(refund_request(amount=Decimal("0.01"), order_amount=Decimal("120.00"), reason="x" * 100))

    assert body == {
        "out_trade_no": "W202612060001",
        "out_refund_no": "AS20261206000001R01",
        "notify_url": "https://oms.example.com/payments/wechatpay/refund-notify/",
        "amount": {"refund": 1, "total": 12000, "currency": "CNY"},
        "reason": "x" * 80,
    }


def test_the_authorization_header_signs_method_path_time_nonce_and_body(payments):
    private, public = sandbox_key(wechatpay.SANDBOX_MERCHANT_KEY)
    url = "https://api.mch.weixin.qq.com/v3/refund/domestic/refunds"

    header = authorization(
        method="POST", url=url, body='{"a":1}', mchid="1900000109", serial_no="SN1", private_key=private,
        timestamp="1554208460", nonce="593BEC0C930BF1AFEB40B4A08C8FB242",
    )  # fmt: skip

    assert header.startswith(
        'WECHATPAY2-SHA256-RSA2048 mchid="1900000109",nonce_str="593BEC0C930BF1AFEB40B4A08C8FB242"'
    )
    assert header.endswith('timestamp="1554208460",serial_no="SN1"')
    signature = header.split('signature="')[1].split('"')[0]
    message = 'POST\n/v3/refund/domestic/refunds\n1554208460\n593BEC0C930BF1AFEB40B4A08C8FB242\n{"a":1}\n'
    assert wechatpay_message("POST", "/v3/refund/domestic/refunds", "1554208460",
                             "593BEC0C930BF1AFEB40B4A08C8FB242", '{"a":1}') == message  # fmt: skip
    assert rsa2_verify(public, message, signature)


def test_the_documented_answer_is_a_refund_done():
    result = answer_read(status=200, body=json.dumps(DOC_ANSWER), request_no="R1")

    assert (result.reference, result.done) == ("50000000382019052709732678859", True)


def test_a_refund_still_processing_waits_for_the_notification_and_a_closed_one_is_final():
    processing = {**DOC_ANSWER, "status": "PROCESSING", "success_time": None}
    assert answer_read(status=200, body=json.dumps(processing), request_no="R1").done is False

    with pytest.raises(PaymentProviderError) as closed:
        answer_read(status=200, body=json.dumps({**DOC_ANSWER, "status": "CLOSED"}), request_no="R1")
    assert closed.value.permanent and closed.value.code == "wechatpay:CLOSED"


@pytest.mark.parametrize(
    ("status", "code", "permanent"),
    [
        (500, "SYSTEM_ERROR", False),
        (429, "FREQUENCY_LIMITED", False),
        (403, "NOT_ENOUGH", False),
        (400, "PARAM_ERROR", True),
        (400, "INVALID_REQUEST", True),
        (401, "SIGN_ERROR", True),
        (404, "RESOURCE_NOT_EXISTS", True),
        (403, "USER_ACCOUNT_ABNORMAL", True),
    ],
)
def test_error_codes_are_retried_or_final(status, code, permanent):
    with pytest.raises(PaymentProviderError) as failed:
        answer_read(status=status, body=json.dumps({"code": code, "message": "…"}), request_no="R1")

    assert failed.value.code == f"wechatpay:{code}"
    assert retry_decide(failed.value, attempts=1).give_up is permanent


def test_a_refund_through_the_sandbox_is_accepted_signed_and_processing(payments):
    result = WechatPayRefunds().refund(refund_request())

    assert result.done is False and result.reference.startswith("5030")
    assert payments.calls == [("POST", "/sandbox/payments/wechatpay/v3/refund/domestic/refunds")]


def test_an_answer_signed_by_another_key_is_refused(payments, settings):
    settings.PAYMENTS_WECHATPAY_PLATFORM_PUBLIC_KEY = sandbox_key(wechatpay.SANDBOX_MERCHANT_KEY)[1]

    with pytest.raises(SignatureInvalid):
        WechatPayRefunds().refund(refund_request())


@pytest.mark.parametrize(
    ("fields", "code", "permanent"),
    [
        ({"platform_order_id": "W0000"}, "wechatpay:RESOURCE_NOT_EXISTS", True),
        ({"platform_order_id": "W9999"}, "wechatpay:SYSTEM_ERROR", False),
        ({"reason": "余额不足"}, "wechatpay:NOT_ENOUGH", False),
        ({"amount": Decimal("120.01")}, "wechatpay:INVALID_REQUEST", True),
    ],
)
def test_sandbox_failures(payments, fields, code, permanent):
    with pytest.raises(PaymentProviderError) as failed:
        WechatPayRefunds().refund(refund_request(**fields))

    assert (failed.value.code, failed.value.permanent) == (code, permanent)


def test_a_refund_notification_is_checked_and_opened(payments):
    headers, body = wechatpay_refund_notice(
        out_refund_no="AS20261206000001R01", out_trade_no="W1", refund=Decimal("88.80"), total=Decimal("120")
    )

    notice = refund_notice_read(headers=headers, body=body)

    assert (notice.event_type, notice.out_refund_no, notice.refund_status) == (
        "REFUND.SUCCESS",
        "AS20261206000001R01",
        "SUCCESS",
    )
    assert notice.refund["amount"]["refund"] == 8880 and notice.refund_id.startswith("5030")


def test_a_changed_notification_fails_its_signature(payments):
    headers, body = wechatpay_refund_notice(
        out_refund_no="R1", out_trade_no="W1", refund=Decimal("1"), total=Decimal("2")
    )

    with pytest.raises(SignatureInvalid):
        refund_notice_read(headers=headers, body=body.replace("REFUND.SUCCESS", "REFUND.CLOSED"))
    with pytest.raises(SignatureInvalid):
        refund_notice_read(headers={**headers, "wechatpay-signature": ""}, body=body)


def test_a_resource_that_does_not_open_with_the_api_v3_key_is_refused():
    resource = resource_encrypt({"out_refund_no": "R1"}, api_v3_key="0" * 32, nonce="abcdefabcdef")
    assert resource_decrypt(resource, api_v3_key="0" * 32) == {"out_refund_no": "R1"}

    with pytest.raises(PayloadInvalid):
        resource_decrypt(resource, api_v3_key="1" * 32)
    with pytest.raises(PayloadInvalid):
        resource_decrypt({**resource, "associated_data": "transaction"}, api_v3_key="0" * 32)
    with pytest.raises(PayloadInvalid):
        resource_decrypt({**resource, "algorithm": "AES_128_CBC"}, api_v3_key="0" * 32)
