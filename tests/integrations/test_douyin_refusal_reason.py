"""Douyin takes a refusal only with one of its refusal reasons (afterSale.operate ``reject_reason_code``, from
``/afterSale/rejectReasonCodeList`` for that after-sale): customer service names it in the rejection reason — its
words or its code first — and a reason that names none, or one Douyin wants evidence for, parks listing what Douyin
offers."""

from decimal import Decimal

import pytest

from aftersales.services import case_reject
from integrations.models import OutboxMessage, WorkStatus
from integrations.platforms.client import RefundDecision
from integrations.sandbox.views import RECEIVED
from tests.integrations.helpers import platform_case

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("refund_sandbox", "sandbox_http")]


def _operations():
    return [r["payload"] for r in RECEIVED if r["kind"] in ("after_sale_202", "after_sale_102")]


@pytest.mark.parametrize(
    ("reason", "code"),
    [("买家已签收，商品完好，不同意退款", 1), ("2 物流显示已在派送", 2), ("商品已发出，物流在途", 2)],
    ids=["its-words", "its-code-first", "exactly-its-words"],
)
def test_the_refusal_names_the_reason_customer_service_chose(
    douyin, skus, manager, django_capture_on_commit_callbacks, reason, code
):
    case = platform_case(douyin, skus, "7123401", prefix="69-")

    with django_capture_on_commit_callbacks(execute=True):
        case_reject(case=case, actor=manager, reason=reason)

    message = OutboxMessage.objects.get(kind=OutboxMessage.Kind.REFUND_REFUSE)
    assert message.status == WorkStatus.DONE, message.last_error
    (sent,) = _operations()
    assert (sent["reject_reason_code"], sent["reason"]) == (code, reason)


def test_a_reason_douyin_does_not_offer_parks_listing_what_it_offers(
    douyin, skus, manager, django_capture_on_commit_callbacks
):
    case = platform_case(douyin, skus, "7123402", kind="return_refund", prefix="69-")

    with django_capture_on_commit_callbacks(execute=True):
        case_reject(case=case, actor=manager, reason="不想退")

    message = OutboxMessage.objects.get(kind=OutboxMessage.Kind.REFUND_REFUSE)
    assert (message.status, message.error_code) == (WorkStatus.DEAD, "refund_decision_refused")
    assert "reject_reason_code" in message.last_error
    assert "1 买家已签收，商品完好" in message.last_error and "2 商品已发出，物流在途" in message.last_error
    assert _operations() == []


def test_a_reason_douyin_wants_evidence_for_parks_and_says_which_evidence(douyin, skus, manager):
    from integrations.exceptions import RefundDecisionRefused
    from integrations.platforms import adapter_for

    decision = RefundDecision(
        refund_id="7123403", order_external_id="69-7123403", amount=Decimal("99.00"), reason="3 影响二次销售"
    )
    with pytest.raises(RefundDecisionRefused) as caught:
        adapter_for("douyin").client(douyin).refund_refuse(decision)

    assert "请上传退回商品照片" in str(caught.value)
    assert _operations() == []


@pytest.mark.parametrize("offered", [[], None, [{"reason": "没有编码"}]], ids=["empty", "null", "without-codes"])
def test_without_reasons_offered_the_refusal_goes_without_a_code(
    douyin, skus, manager, django_capture_on_commit_callbacks, monkeypatch, offered
):
    case = platform_case(douyin, skus, "7123404", prefix="69-")
    monkeypatch.setattr(
        "integrations.platforms.douyin.client.DouyinClient.call",
        _answering({"afterSale.rejectReasonCodeList": {"items": offered}}),
    )

    with django_capture_on_commit_callbacks(execute=True):
        case_reject(case=case, actor=manager, reason="未发货，已拦截")

    message = OutboxMessage.objects.get(kind=OutboxMessage.Kind.REFUND_REFUSE)
    assert message.status == WorkStatus.DONE, message.last_error  # afterSale.operate asserted it names no code


def _answering(answers):
    """``DouyinClient.call`` answering some methods itself and recording afterSale.operate's items."""
    from integrations.platforms.douyin.client import DouyinClient

    real = DouyinClient.call

    def call(self, method, **params):
        if method in answers:
            return answers[method]
        if method == "afterSale.operate":
            assert "reject_reason_code" not in params["items"][0]
            return {"items": [{"aftersale_id": params["items"][0]["aftersale_id"], "status_code": 0}]}
        return real(self, method, **params)

    return call
