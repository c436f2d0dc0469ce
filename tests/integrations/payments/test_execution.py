"""After-sales' refund execution through the payment providers: an own-site order paid with Alipay is refunded
through the sandbox once; WeChat Pay accepts and waits for its notification; a final error parks the execution
with the provider's code, a passing one is retried."""

from decimal import Decimal

import pytest

from aftersales.models import Case, Payout
from aftersales.services import LineRequest, case_approve, case_create, refund_execute
from orders.models import Shop
from orders.states import Status
from tests.factories import make_order

pytestmark = pytest.mark.django_db


@pytest.fixture
def approved(world, manager, payments, sync_tasks):
    shop = Shop.objects.create(code="web", name="官网", platform="website", default_warehouse=world["wh_a"])

    def make(payment_method, external_id="W202612060001"):
        order = make_order(
            shop=shop,
            skus=[(world["skus"][0], 2, Decimal("50.00"))],
            status=Status.PAID,
            payment_method=payment_method,
            external_id=external_id,
        )
        case = case_create(
            order=order, kind="refund_only", lines=[LineRequest(sku_code="SKU-1", quantity=1)], actor=manager
        )
        case_approve(case=case, actor=manager)
        return case

    return make


def test_an_alipay_order_is_refunded_through_alipay_once(
    approved, manager, payments, django_capture_on_commit_callbacks
):
    case = approved("alipay")

    with django_capture_on_commit_callbacks(execute=True):
        payout = refund_execute(case=case, actor=manager)
    with django_capture_on_commit_callbacks(execute=True):
        again = refund_execute(case=case, actor=manager)

    payout.refresh_from_db()
    case.refresh_from_db()
    assert (payout.method, payout.provider, payout.status) == ("provider", "alipay", Payout.Status.SUCCEEDED)
    assert payout.reference.startswith("2026") and again.pk == payout.pk
    assert case.status == Case.Status.REFUNDED
    assert payments.calls.count(("POST", "/sandbox/payments/alipay/gateway.do")) == 1


def test_a_wechat_pay_refund_is_sent_and_waits_for_the_notification(
    approved, manager, django_capture_on_commit_callbacks
):
    case = approved("wechatpay")

    with django_capture_on_commit_callbacks(execute=True):
        payout = refund_execute(case=case, actor=manager)

    payout.refresh_from_db()
    case.refresh_from_db()
    assert (payout.status, payout.reference[:4]) == (Payout.Status.SENT, "5030")
    assert case.status == Case.Status.APPROVED


def test_a_final_provider_error_parks_the_execution_with_its_code(
    approved, manager, django_capture_on_commit_callbacks
):
    case = approved("alipay", external_id="W2026120000")

    with django_capture_on_commit_callbacks(execute=True):
        payout = refund_execute(case=case, actor=manager)

    payout.refresh_from_db()
    assert (payout.status, payout.error_code) == (Payout.Status.PARKED, "alipay:ACQ.TRADE_NOT_EXIST")


def test_a_passing_provider_error_is_retried(approved, manager, django_capture_on_commit_callbacks):
    case = approved("wechatpay", external_id="W2026129999")

    with django_capture_on_commit_callbacks(execute=True):
        payout = refund_execute(case=case, actor=manager)

    payout.refresh_from_db()
    assert (payout.status, payout.error_code, payout.attempts) == (Payout.Status.FAILED, "wechatpay:SYSTEM_ERROR", 1)
    assert payout.next_attempt_at is not None


def test_the_refund_notification_is_stored_then_completes_the_wechat_pay_refund_once(
    approved, manager, client, django_capture_on_commit_callbacks
):
    from integrations.payments.models import PaymentNotice
    from integrations.sandbox.payments import wechatpay_refund_notice

    case = approved("wechatpay")
    with django_capture_on_commit_callbacks(execute=True):
        payout = refund_execute(case=case, actor=manager)
    headers, body = wechatpay_refund_notice(
        out_refund_no=payout.request_no, out_trade_no="W202612060001", refund=case.amount, total=Decimal("100.00")
    )
    extra = {f"HTTP_{name.upper().replace('-', '_')}": value for name, value in headers.items()}

    first = client.post("/payments/wechatpay/refund-notify/", body, content_type="application/json", **extra)
    again = client.post("/payments/wechatpay/refund-notify/", body, content_type="application/json", **extra)
    forged = client.post(
        "/payments/wechatpay/refund-notify/",
        body.replace("REFUND", "REFUNDX"),
        content_type="application/json",
        **extra,
    )

    assert (first.status_code, again.status_code, forged.status_code) == (204, 204, 500)
    assert forged.json() == {"code": "FAIL", "message": "失败"}
    payout.refresh_from_db()
    case.refresh_from_db()
    assert (payout.status, case.status) == (Payout.Status.SUCCEEDED, Case.Status.REFUNDED)
    notices = list(PaymentNotice.objects.order_by("pk").values_list("status", "request_no"))
    assert notices == [("done", payout.request_no), ("done", payout.request_no), ("failed", "")]
