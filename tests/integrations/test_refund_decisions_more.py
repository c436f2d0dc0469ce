"""Refund decisions on JD, Pinduoduo and Shopify through the outbox (the sandbox answers as they do), and the
platform clients reading the platforms' real answer shapes: absent optional fields, numbers as strings, nulls."""

import json
from decimal import Decimal

import pytest
from django.utils import timezone

from aftersales.channel import RefundInput
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
from inventory.models import SKU
from orders.services import order_transition
from orders.states import Status
from tests.factories import make_order

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
    # JD refunds when it answers success and sends Order Hub no refunded notice: the answer settles it, once.
    case.refresh_from_db()
    assert case.status == Case.Status.REFUNDED
    assert list(case.payouts.values_list("status", flat=True)) == [Payout.Status.SUCCEEDED]


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
    """A paid order of the Shopify sandbox as the sandbox itself generates it (from the active SKUs), one without
    discounts, so the sandbox lets any one of its units be refunded in full; Order Hub holds one unit of its first
    line."""
    latest = data.seq_at(timezone.now()) - 5
    generated = next(
        order
        for order in (data.generate(connection.app_key, seq) for seq in range(latest, latest - 200, -1))
        if order is not None and order.state == "paid" and order.shop_discount == order.platform_discount == 0
    )
    line = generated.lines[0]
    sku = SKU.objects.get(code=line.sku)
    order = make_order(
        shop=connection.shop,
        external_id=formats.order_id("shopify", generated),
        skus=[(sku, 1, line.price)],
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


# --- Pinduoduo's after-sales messages open the case with its after-sale id ----------------------------------------


def _pdd_message(topic, **content):
    # As PDD's message service delivers them: ``content`` is a JSON string, numbers as numbers.
    return {"type": topic, "mallID": 171504183, "content": json.dumps(content)}


@pytest.mark.parametrize(
    ("content", "amount", "kind"),
    [
        (
            {
                "mall_id": 171504183,
                "refund_fee": 1990,
                "bill_type": 1,
                "modified": 1625637425016,
                "refund_id": 7381745730,
                "operation": 1000,
                "tid": "210707-339507978993455",
            },
            Decimal("19.90"),
            "refund_only",
        ),
        (
            {"refund_fee": "990", "bill_type": "2", "refund_id": "7381745731", "tid": "210707-339507978993455"},
            Decimal("9.90"),
            "return_refund",
        ),
        (
            {"refund_fee": None, "refund_id": 7381745732, "tid": "210707-339507978993455"},
            Decimal("0.00"),
            "refund_only",
        ),
        (
            {"refund_fee": 500, "bill_type": 3, "refund_id": 7381745733, "tid": "210707-339507978993455"},
            Decimal("0.00"),
            "exchange",
        ),
    ],
)
def test_pdd_refund_created_message_reads_as_pdd_sends_it(content, amount, kind):
    from integrations.platforms import adapter_for
    from integrations.platforms.base import FetchOrder, RefundEvent

    fetch, event = adapter_for("pdd").interpret(
        "pdd_refund_RefundCreated", _pdd_message("pdd_refund_RefundCreated", **content)
    )

    assert isinstance(fetch, FetchOrder) and fetch.external_id == "210707-339507978993455"
    assert isinstance(event, RefundEvent) and event.external_id == "210707-339507978993455"
    refund = event.refund
    assert (refund.external_id, refund.amount, refund.kind, refund.status) == (
        str(content["refund_id"]),
        amount,
        kind,
        "requested",
    )


def test_pdd_refund_message_without_refund_id_or_with_an_unknown_type_is_refused_precisely():
    from integrations.exceptions import PayloadInvalid
    from integrations.platforms import adapter_for

    adapter = adapter_for("pdd")
    with pytest.raises(PayloadInvalid) as missing:
        adapter.interpret("pdd_refund_RefundCreated", _pdd_message("pdd_refund_RefundCreated", tid="T-1"))
    assert missing.value.extra == {"field": "content.refund_id"}
    with pytest.raises(PayloadInvalid) as unknown:
        adapter.interpret(
            "pdd_refund_RefundClosed", _pdd_message("pdd_refund_RefundClosed", tid="T-1", refund_id=1, bill_type=9)
        )
    assert unknown.value.extra == {"field": "content.bill_type"}


def test_pdd_feed_case_agreed_on_pdd_settled_by_the_answer_and_seen_by_finance(
    pdd, skus, manager, sandbox_http, django_capture_on_commit_callbacks
):
    import datetime as dt

    from finance.services.vouchers import voucher_amounts
    from integrations.platforms import adapter_for
    from tests.factories import LegalEntityFactory

    entity = LegalEntityFactory(shops=[pdd.shop])
    order = make_order(
        shop=pdd.shop, skus=[(skus["FLW-SERUM-30ML"], 1, Decimal("99.00"))], status=Status.PAID, external_id="PDD-50"
    )
    content = {"refund_fee": 9900, "bill_type": 1, "refund_id": 3300050, "tid": "PDD-50", "operation": 1000}
    _fetch, event = adapter_for("pdd").interpret(
        "pdd_refund_RefundCreated", _pdd_message("pdd_refund_RefundCreated", **content)
    )
    refund_event_apply(shop=pdd.shop, external_id=event.external_id, refund=event.refund, system="pdd")
    refund_event_apply(shop=pdd.shop, external_id=event.external_id, refund=event.refund, system="pdd")  # again
    case = Case.objects.get(order=order)
    assert (case.external_id, case.status) == ("3300050", Case.Status.REQUESTED)
    case_approve(case=case, actor=manager)

    with django_capture_on_commit_callbacks(execute=True):
        payout = refund_execute(case=case, actor=manager)

    (sent,) = [r["payload"] for r in RECEIVED if r["kind"] == "pdd.refund.agree"]
    assert sent["after_sales_id"] == 3300050
    case.refresh_from_db()
    payout.refresh_from_db()
    assert (case.status, payout.status) == (Case.Status.REFUNDED, Payout.Status.SUCCEEDED)
    today = timezone.localdate()
    amounts = voucher_amounts(entity=entity, date_from=today - dt.timedelta(days=1), date_to=today)
    assert amounts[today]["refunds"]["pdd"] == Decimal("99.00")
