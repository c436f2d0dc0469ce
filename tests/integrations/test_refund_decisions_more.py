"""Refund decisions on JD, Pinduoduo and Shopify through the outbox (the sandbox answers as they do), and the
platform clients reading the platforms' real answer shapes: absent optional fields, numbers as strings, nulls."""

import json
from decimal import Decimal

import pytest
from django.utils import timezone

from aftersales.models import Case, CaseEvent, Payout
from aftersales.services import LineRequest, case_approve, case_create, case_reject, refund_execute
from integrations import transport
from integrations.exceptions import RefundDecisionRefused, RefundStateChanged
from integrations.ingest import refund_event_apply
from integrations.models import OutboxMessage, WorkStatus
from integrations.platforms.client import RefundDecision
from integrations.platforms.pdd.client import PddClient
from integrations.platforms.taobao.client import TaobaoClient
from integrations.sandbox import data, formats
from integrations.sandbox.views import RECEIVED
from integrations.sandbox.views import refunds as sandbox_refunds
from orders.channel import RefundInput
from orders.services import order_transition
from orders.states import Status
from tests.factories import SKUFactory, make_order

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("refund_sandbox")]

Kind = OutboxMessage.Kind


def _platform_case(connection, skus, refund_id, external_id):
    order = make_order(
        shop=connection.shop,
        skus=[(skus["FLW-SERUM-30ML"], 1, Decimal("99.00"))],
        status=Status.PAID,
        external_id=external_id,
    )
    order_transition(order=order, to_status=Status.APPROVED, system="tests")
    refund_event_apply(
        shop=connection.shop,
        external_id=external_id,
        refund=RefundInput(external_id=refund_id, amount=Decimal("99.00"), status="requested"),
        system="tests",
    )
    return Case.objects.get(external_id=refund_id)


def test_jd_refund_application_agreed_with_reply_refund(
    jd, skus, manager, sandbox_http, django_capture_on_commit_callbacks
):
    case = _platform_case(jd, skus, "5551234", "JD-31")
    case_approve(case=case, actor=manager)

    with django_capture_on_commit_callbacks(execute=True):
        refund_execute(case=case, actor=manager)

    assert OutboxMessage.objects.get(kind=Kind.REFUND_AGREE).status == WorkStatus.DONE
    (reply,) = [r["payload"] for r in RECEIVED if r["kind"] == "reply_refund"]
    assert (reply["status"], reply["id"], reply["checkUserName"]) == (1, "5551234", "OrderHub")


def test_jd_refusal_names_the_reject_type_and_the_reason(
    jd, skus, manager, sandbox_http, django_capture_on_commit_callbacks
):
    case = _platform_case(jd, skus, "5551235", "JD-32")

    with django_capture_on_commit_callbacks(execute=True):
        case_reject(case=case, actor=manager, reason="已发货，无法取消")

    assert OutboxMessage.objects.get(kind=Kind.REFUND_REFUSE).status == WorkStatus.DONE
    (reply,) = [r["payload"] for r in RECEIVED if r["kind"] == "reply_refund"]
    assert (reply["status"], reply["rejectType"], reply["remark"]) == (2, 5, "已发货，无法取消")


def test_jd_refund_the_platform_refuses_is_parked(jd, skus, manager, sandbox_http, django_capture_on_commit_callbacks):
    case = _platform_case(jd, skus, "5551111", "JD-33")
    case_approve(case=case, actor=manager)

    with django_capture_on_commit_callbacks(execute=True):
        payout = refund_execute(case=case, actor=manager)

    message = OutboxMessage.objects.get(kind=Kind.REFUND_AGREE)
    assert (message.status, message.error_code) == (WorkStatus.DEAD, "refund_decision_refused")
    payout.refresh_from_db()
    assert payout.status == Payout.Status.SENT and payout.error_code == "refund_decision_refused"


def test_pdd_refund_agreed_with_its_request_object(
    pdd, skus, manager, sandbox_http, django_capture_on_commit_callbacks
):
    case = _platform_case(pdd, skus, "3300012", "PDD-41")
    case_approve(case=case, actor=manager)

    with django_capture_on_commit_callbacks(execute=True):
        refund_execute(case=case, actor=manager)

    message = OutboxMessage.objects.get(kind=Kind.REFUND_AGREE)
    assert message.status == WorkStatus.DONE and message.response["result"]["succ"] is True
    (sent,) = [r["payload"] for r in RECEIVED if r["kind"] == "pdd.refund.agree"]
    assert (sent["after_sales_id"], sent["order_sn"]) == (3300012, "PDD-41")


def test_pdd_refusal_is_taken_in_its_back_office_only(pdd, skus, manager, django_capture_on_commit_callbacks):
    case = _platform_case(pdd, skus, "3300013", "PDD-42")

    with django_capture_on_commit_callbacks(execute=True):
        case_reject(case=case, actor=manager, reason="不符合退款条件")

    assert not OutboxMessage.objects.exists()
    event = case.events.get(kind=CaseEvent.Kind.PLATFORM)
    assert (event.data["action"], event.data["outcome"]) == ("refund_refuse", "unsupported")


def test_pdd_answer_that_the_after_sale_changed_is_parked_with_the_platforms_words(
    pdd, skus, manager, sandbox_http, django_capture_on_commit_callbacks
):
    case = _platform_case(pdd, skus, "3300014", "PDD-43")
    case_approve(case=case, actor=manager)
    sandbox_refunds.STATES[(pdd.app_key, "3300014")] = sandbox_refunds.CLOSED

    with django_capture_on_commit_callbacks(execute=True):
        refund_execute(case=case, actor=manager)

    message = OutboxMessage.objects.get(kind=Kind.REFUND_AGREE)
    assert message.status == WorkStatus.DEAD and "售后单状态已变更" in message.last_error


def _shopify_order(connection):
    sku = SKUFactory(code="SANDBOX-REFUND")
    generated = data.generate(connection.app_key, data.seq_at(timezone.now()) - 5, skus=[(sku.code, "x")])
    order = make_order(
        shop=connection.shop,
        external_id=formats.order_id("shopify", generated),
        skus=[(sku, 1, generated.lines[0].price)],
        status=Status.PAID,
    )
    return order, sku


def test_shopify_staff_refund_is_created_once_and_settled_by_the_refunds_create_webhook(
    shopify, manager, sandbox_http, django_capture_on_commit_callbacks
):
    order, sku = _shopify_order(shopify)
    case = case_create(
        order=order, kind="refund_only", lines=[LineRequest(sku_code=sku.code, quantity=1)], actor=manager
    )
    case_approve(case=case, actor=manager)

    with django_capture_on_commit_callbacks(execute=True):
        payout = refund_execute(case=case, actor=manager)

    message = OutboxMessage.objects.get(kind=Kind.REFUND_AGREE)
    assert message.status == WorkStatus.DONE
    (created,) = [r["payload"] for r in RECEIVED if r["kind"] == "refund_create"]
    assert created["note"] == f"Order Hub {payout.request_no}"
    assert created["transactions"][0]["kind"] == "refund"
    assert Decimal(created["transactions"][0]["amount"]) == case.amount

    # A retried delivery finds the refund by its note: no second refund.
    message.status, message.attempts = WorkStatus.PENDING, 0
    message.save()
    from integrations.outbox import outbox_deliver

    assert outbox_deliver(message.pk) == WorkStatus.DONE
    assert len([r for r in RECEIVED if r["kind"] == "refund_create"]) == 1

    refund_id = str(message.response["refund_id"])
    refund_event_apply(
        shop=shopify.shop,
        external_id=order.external_id,
        refund=RefundInput(external_id=refund_id, amount=case.amount, status="refunded"),
        system="shopify",
    )
    case.refresh_from_db()
    payout.refresh_from_db()
    assert (case.status, case.external_id, payout.status) == ("refunded", refund_id, Payout.Status.SUCCEEDED)


# --- the clients read the platforms' answers as they come --------------------------------------------------


class Canned:
    """``transport.send`` answering each call with the next canned JSON body."""

    def __init__(self, *bodies):
        self.bodies = list(bodies)
        self.params = []

    def __call__(self, method, url, *, params=None, body=None, headers=None, timeout=None):
        self.params.append(dict(params or {}))
        return transport.Response(200, json.dumps(self.bodies.pop(0)).encode(), {})


def _decision(**kw):
    return RefundDecision(
        refund_id=kw.pop("refund_id", "7012345"), order_external_id="T-1", amount=Decimal("99.00"), **kw
    )


@pytest.mark.parametrize(
    ("refund_fee", "version", "fen"),
    [("88.50", 1733450000000, "8850"), (None, "1733450000000", "9900"), ("", None, "9900")],
)
def test_taobao_agree_reads_the_refund_as_taobao_sends_it(taobao, monkeypatch, refund_fee, version, fen):
    refund = {"refund_id": "7012345", "status": "WAIT_SELLER_AGREE", "refund_phase": "onsale"}
    if refund_fee is not None:
        refund["refund_fee"] = refund_fee
    if version is not None:
        refund["refund_version"] = version
    agreed = {"rp_refunds_agree_response": {"msg_code": "OP_SUCC", "succ": True, "results": None}}
    canned = Canned({"refund_get_response": {"refund": refund}}, agreed)
    monkeypatch.setattr(transport, "send", canned)

    TaobaoClient(taobao).refund_agree(_decision())

    infos = canned.params[1]["refund_infos"].split("|")
    assert infos[:2] == ["7012345", fen] and infos[2] == str(version or "") and infos[3] == "onsale"


@pytest.mark.parametrize(("status", "refunded"), [("SUCCESS", True), ("CLOSED", False), ("SELLER_REFUSE_BUYER", False)])
def test_taobao_refund_no_longer_waiting_is_a_state_change(taobao, monkeypatch, status, refunded):
    monkeypatch.setattr(transport, "send", Canned({"refund_get_response": {"refund": {"status": status}}}))

    with pytest.raises(RefundStateChanged) as caught:
        TaobaoClient(taobao).refund_agree(_decision())
    assert (caught.value.platform_status, caught.value.refunded) == (status, refunded)


def test_taobao_partly_failed_batch_answer_is_a_refusal(taobao, monkeypatch):
    refund = {"refund_id": "7012345", "status": "WAIT_SELLER_AGREE", "refund_fee": "99.00"}
    failed = {
        "msg_code": "OP_FAILURE_UE",
        "succ": False,
        "message": "需要短信验证码",
        "results": {"refund_mapping_result": [{"refund_id": "7012345", "succ": False, "message": "需要短信验证码"}]},
    }
    canned = Canned({"refund_get_response": {"refund": refund}}, {"rp_refunds_agree_response": failed})
    monkeypatch.setattr(transport, "send", canned)

    with pytest.raises(RefundDecisionRefused, match="需要短信验证码"):
        TaobaoClient(taobao).refund_agree(_decision())


@pytest.mark.parametrize(
    "result",
    [
        {"after_sales_id": 3300012, "order_sn": "T-1", "succ": True, "message": "退款操作成功"},
        {"after_sales_id": "3300012", "order_sn": "T-1", "success": True, "message": None},
    ],
)
def test_pdd_agree_accepts_both_spellings_of_success(pdd, monkeypatch, result):
    monkeypatch.setattr(transport, "send", Canned({"response": {"result": result}}))

    answer = PddClient(pdd).refund_agree(_decision(refund_id="3300012"))

    assert answer["result"]["after_sales_id"] in (3300012, "3300012")
