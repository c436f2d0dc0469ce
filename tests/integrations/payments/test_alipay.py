"""Alipay ``alipay.trade.refund``: the signed request, the signed answer read (the documentation's examples and
the sandbox), idempotency by ``out_request_no``, and which ``sub_code`` is retried."""

from __future__ import annotations

import json

import pytest

from config.retry import retry_decide
from integrations.payments import alipay
from integrations.payments.alipay import AlipayRefunds, refund_params, response_read, response_signed_text
from integrations.payments.common import PaymentProviderError, sandbox_key
from integrations.sandbox import payments as sandbox_payments
from integrations.signing import alipay_sign_content, rsa2_sign, rsa2_verify
from tests.integrations.payments.conftest import refund_request

pytestmark = pytest.mark.django_db

# The answers in the documentation (https://opendocs.alipay.com/open/02e7go): success with refund_fee as a number,
# and a business failure (as quoted in https://yq.aliyun.com/articles/707486).
DOC_SUCCESS = (
    '{"alipay_trade_refund_response":{"code":"10000","msg":"Success","trade_no":"2013112011001004330000121536",'
    '"out_trade_no":"6823789339978248","buyer_logon_id":"159****5620","fund_change":"Y","refund_fee":88.88,'
    '"gmt_refund_pay":"2014-11-27 15:45:57"}}'
)
DOC_FAILED = (
    '{"alipay_trade_refund_response":{"code":"40004","msg":"Business Failed","sub_code":'
    '"ACQ.REFUND_AMT_NOT_EQUAL_TOTAL","sub_msg":"撤销或退款金额与订单金额不一致","out_trade_no":"2017082114417614181",'
    '"refund_fee":"0.00","send_back_fee":"0.00"}}'
)


def test_the_request_is_signed_rsa2_over_the_sorted_parameters(payments):
    private, public = sandbox_key(alipay.SANDBOX_APP_KEY)

    params = refund_params(refund_request(), app_id="2021000000000000", private_key=private)

    assert params["method"] == "alipay.trade.refund" and params["sign_type"] == "RSA2"
    assert json.loads(params["biz_content"]) == {
        "out_trade_no": "W202612060001",
        "refund_amount": "88.80",
        "out_request_no": "AS20261206000001R01",
        "refund_reason": "尺码不合适",
    }
    assert rsa2_verify(public, alipay_sign_content(params), params["sign"])
    tampered = {**params, "biz_content": params["biz_content"].replace("88.80", "99.80")}
    assert not rsa2_verify(public, alipay_sign_content(tampered), params["sign"])


def test_an_order_without_a_platform_order_id_refunds_by_its_number_and_no_reason_is_left_out(payments):
    private, _public = sandbox_key(alipay.SANDBOX_APP_KEY)

    params = refund_params(refund_request(platform_order_id="", reason=""), app_id="1", private_key=private)

    assert json.loads(params["biz_content"]) == {
        "out_trade_no": "SO20261206000001",
        "refund_amount": "88.80",
        "out_request_no": "AS20261206000001R01",
    }


def test_the_documented_success_is_read():
    result = response_read(DOC_SUCCESS, alipay_public_key="", request_no="R1")
    assert (result.reference, result.done) == ("2013112011001004330000121536", True)


def test_the_signed_text_is_the_response_object_exactly_as_sent(payments):
    private, public = sandbox_key(alipay.SANDBOX_ALIPAY_KEY)
    inner = '{"code": "10000",  "msg":"Success","trade_no":"2013"}'
    body = f'{{"alipay_trade_refund_response" : {inner},"sign":"{rsa2_sign(private, inner)}"}}'

    assert response_signed_text(body) == inner
    assert response_read(body, alipay_public_key=public, request_no="R1").reference == "2013"
    forged = body.replace('"2013"', '"2014"')
    with pytest.raises(PaymentProviderError) as refused:
        response_read(forged, alipay_public_key=public, request_no="R1")
    assert refused.value.code == "alipay_signature_invalid"


def test_the_documented_business_failure_is_final_with_its_sub_code():
    with pytest.raises(PaymentProviderError) as failed:
        response_read(DOC_FAILED, alipay_public_key="", request_no="R1")

    assert failed.value.code == "alipay:ACQ.REFUND_AMT_NOT_EQUAL_TOTAL"
    assert failed.value.permanent
    assert retry_decide(failed.value, attempts=1).give_up
    assert "撤销或退款金额与订单金额不一致" in failed.value.message


def test_a_refund_through_the_sandbox_succeeds_and_the_same_request_number_again_pays_nothing_more(payments):
    client = AlipayRefunds()

    first = client.refund(refund_request())
    again = client.refund(refund_request())

    assert first.done and first.reference.startswith("2026") and again.reference == first.reference
    assert payments.calls == [("POST", "/sandbox/payments/alipay/gateway.do")] * 2
    assert sandbox_payments.ALIPAY_SEEN == {"AS20261206000001R01": "88.80"}


def test_the_same_request_number_with_another_amount_is_refused(payments):
    client = AlipayRefunds()
    client.refund(refund_request(request_no="AS-DISCORD-R01"))

    with pytest.raises(PaymentProviderError) as refused:
        client.refund(refund_request(request_no="AS-DISCORD-R01", amount=refund_request().amount + 1))

    assert refused.value.code == "alipay:ACQ.DISCORDANT_REPEAT_REQUEST" and refused.value.permanent


@pytest.mark.parametrize(
    ("fields", "code", "permanent"),
    [
        ({"platform_order_id": "W2026120000000"}, "alipay:ACQ.TRADE_NOT_EXIST", True),
        ({"platform_order_id": "W2026129999"}, "alipay:ACQ.SYSTEM_ERROR", False),
        ({"reason": "商户余额不足测试"}, "alipay:ACQ.SELLER_BALANCE_NOT_ENOUGH", False),
    ],
)
def test_sandbox_failures_are_retried_or_final_by_sub_code(payments, fields, code, permanent):
    with pytest.raises(PaymentProviderError) as failed:
        AlipayRefunds().refund(refund_request(request_no=f"AS-{code[-8:]}", **fields))

    assert failed.value.code == code
    assert failed.value.permanent is permanent
    assert retry_decide(failed.value, attempts=1).give_up is permanent


def test_a_wrong_application_key_is_refused_by_the_gateway_as_final(payments, settings):
    settings.PAYMENTS_ALIPAY_PRIVATE_KEY = sandbox_key(alipay.SANDBOX_ALIPAY_KEY)[0]  # not the application's key

    with pytest.raises(PaymentProviderError) as refused:
        AlipayRefunds().refund(refund_request(request_no="AS-WRONG-KEY"))

    assert refused.value.code == "alipay:isv.invalid-signature" and refused.value.permanent
