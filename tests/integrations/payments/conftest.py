"""Payment-provider fixtures: sandbox key pairs made once per test session, the providers' sandbox reached through
the transport, and a refund request like after-sales' refund execution sends."""

from __future__ import annotations

from decimal import Decimal

import pytest

from aftersales.services import ProviderRefund
from integrations.sandbox import payments as sandbox_payments


@pytest.fixture(scope="session")
def sandbox_key_dir(tmp_path_factory):
    return tmp_path_factory.mktemp("sandbox-keys")


@pytest.fixture
def payments(sandbox_http, settings, sandbox_key_dir):
    settings.PAYMENTS_SANDBOX_KEY_DIR = str(sandbox_key_dir)
    settings.PAYMENTS_ALIPAY_GATEWAY = "http://127.0.0.1:8000/sandbox/payments/alipay/gateway.do"
    settings.PAYMENTS_ALIPAY_APP_ID = "2021000000000000"
    settings.PAYMENTS_ALIPAY_PRIVATE_KEY = ""
    settings.PAYMENTS_ALIPAY_PUBLIC_KEY = ""
    settings.PAYMENTS_WECHATPAY_BASE_URL = "http://127.0.0.1:8000/sandbox/payments/wechatpay"
    settings.PAYMENTS_WECHATPAY_MCHID = "1900000109"
    settings.PAYMENTS_WECHATPAY_SERIAL_NO = "5157F09EFDC096DE15EBE81A47057A7232F1B8E1"
    settings.PAYMENTS_WECHATPAY_PRIVATE_KEY = ""
    settings.PAYMENTS_WECHATPAY_PLATFORM_PUBLIC_KEY = ""
    settings.PAYMENTS_WECHATPAY_APIV3_KEY = "0123456789abcdef0123456789abcdef"
    sandbox_payments.ALIPAY_SEEN.clear()
    return sandbox_http


def refund_request(**fields):
    values = dict(
        request_no="AS20261206000001R01",
        order_number="SO20261206000001",
        platform_order_id="W202612060001",
        amount=Decimal("88.80"),
        currency="CNY",
        order_amount=Decimal("120.00"),
        reason="尺码不合适",
    )
    values.update(fields)
    return ProviderRefund(**values)
