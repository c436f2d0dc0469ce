"""Refund decisions reach the platforms through the outbox: the platform feed opens a case, staff decide it, the
decision is agreed (or refused) on the platform in its own API — the sandbox answers as the platform does — and the
platform's own "refunded" notice settles the money once. Already-settled refunds, final refusals and retries are
told apart; nothing is called twice and no decision is lost."""

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from aftersales.channel import RefundInput
from aftersales.models import Case, CaseEvent, Payout
from aftersales.services import case_approve, case_receive, case_reject, refund_execute
from aftersales.services.notes import case_evidence_add
from finance.services.vouchers import voucher_amounts
from integrations import outbox
from integrations.ingest import refund_event_apply
from integrations.models import OutboxMessage, WorkStatus
from integrations.sandbox.views import RECEIVED
from integrations.sandbox.views import refunds as sandbox_refunds
from orders.services import order_transition
from orders.states import Status
from tests.aftersales.helpers import order_shipped
from tests.factories import LegalEntityFactory, make_order

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("refund_sandbox")]

Kind = OutboxMessage.Kind


def _order(connection, skus, external_id="T-77"):
    order = make_order(
        shop=connection.shop,
        skus=[(skus["FLW-SERUM-30ML"], 1, Decimal("99.00"))],
        status=Status.PAID,
        external_id=external_id,
    )
    return order_transition(order=order, to_status=Status.APPROVED, system="tests")


def _notice(connection, refund_id, status, *, kind="refund_only", external_id="T-77", amount="99.00"):
    refund_event_apply(
        shop=connection.shop,
        external_id=external_id,
        refund=RefundInput(external_id=refund_id, amount=Decimal(amount), status=status, kind=kind),
        system="tests",
    )
    return Case.objects.get(order__shop=connection.shop, external_id=refund_id)


def _answers(case):
    return list(case.events.filter(kind=CaseEvent.Kind.PLATFORM).values_list("data__action", "data__outcome"))


def test_taobao_refund_agreed_on_the_platform_then_settled_by_its_notice_and_seen_by_finance(
    taobao, skus, manager, sandbox_http, django_capture_on_commit_callbacks
):
    entity = LegalEntityFactory(shops=[taobao.shop])
    _order(taobao, skus)
    case = _notice(taobao, "880012", "requested")
    case_approve(case=case, actor=manager)

    with django_capture_on_commit_callbacks(execute=True):
        payout = refund_execute(case=case, actor=manager)

    message = OutboxMessage.objects.get(kind=Kind.REFUND_AGREE)
    assert (message.status, message.dedup_key) == (WorkStatus.DONE, f"refund_agree:{payout.request_no}")
    assert message.response["msg_code"] == "OP_SUCC"
    assert ("POST", "/sandbox/taobao/router/rest") in sandbox_http.calls
    sent = [r for r in RECEIVED if r["kind"] == "refund_agree"]
    assert [(r["payload"]["refund_id"], r["payload"]["amount_fen"]) for r in sent] == [("880012", 9900)]
    assert _answers(case) == [("refund_agree", "done")]
    payout.refresh_from_db()
    assert payout.status == Payout.Status.SENT  # the answer does not pay: the platform's notice does

    _notice(taobao, "880012", "refunded")
    _notice(taobao, "880012", "refunded")  # repeated: nothing more

    case.refresh_from_db()
    payout.refresh_from_db()
    assert (case.status, payout.status) == (Case.Status.REFUNDED, Payout.Status.SUCCEEDED)
    assert Payout.objects.filter(case=case).count() == 1
    today = timezone.localdate()
    amounts = voucher_amounts(entity=entity, date_from=today - dt.timedelta(days=1), date_to=today)
    assert amounts[today]["refunds"]["tmall"] == Decimal("99.00")


def test_executing_or_announcing_the_same_decision_twice_makes_one_call(
    taobao, skus, manager, sandbox_http, django_capture_on_commit_callbacks
):
    from integrations.refunds import refund_decision_enqueue

    _order(taobao, skus)
    case = _notice(taobao, "880013", "requested")
    case_approve(case=case, actor=manager)
    with django_capture_on_commit_callbacks(execute=True):
        payout = refund_execute(case=case, actor=manager)
    with django_capture_on_commit_callbacks(execute=True):
        again = refund_execute(case=case, actor=manager)
        repeated = refund_decision_enqueue(case_id=case.pk, action="refund_agree", request_no=payout.request_no)

    assert again.pk == payout.pk
    assert repeated.pk == OutboxMessage.objects.get(kind=Kind.REFUND_AGREE).pk
    assert len([r for r in RECEIVED if r["kind"] == "refund_agree"]) == 1


def test_a_refund_already_paid_on_the_platform_settles_the_case_without_a_second_payment(
    taobao, skus, manager, sandbox_http, django_capture_on_commit_callbacks
):
    _order(taobao, skus)
    case = _notice(taobao, "880000", "requested")  # the sandbox shows it refunded already
    case_approve(case=case, actor=manager)

    with django_capture_on_commit_callbacks(execute=True):
        payout = refund_execute(case=case, actor=manager)

    message = OutboxMessage.objects.get(kind=Kind.REFUND_AGREE)
    assert message.status == WorkStatus.DONE
    assert message.response == {"state_changed": "SUCCESS", "refunded": True}
    assert not [r for r in RECEIVED if r["kind"] == "refund_agree"]  # nothing agreed: it was paid already
    case.refresh_from_db()
    payout.refresh_from_db()
    assert (case.status, payout.status) == (Case.Status.REFUNDED, Payout.Status.SUCCEEDED)
    assert ("refund_agree", "state_changed") in _answers(case)

    _notice(taobao, "880000", "refunded")  # the platform's own notice after that changes nothing
    assert Payout.objects.filter(case=case, status=Payout.Status.SUCCEEDED).count() == 1


def test_a_refund_the_buyer_closed_meanwhile_is_done_without_paying(
    taobao, skus, manager, sandbox_http, django_capture_on_commit_callbacks
):
    _order(taobao, skus)
    case = _notice(taobao, "889999", "requested")
    case_approve(case=case, actor=manager)

    with django_capture_on_commit_callbacks(execute=True):
        payout = refund_execute(case=case, actor=manager)

    message = OutboxMessage.objects.get(kind=Kind.REFUND_AGREE)
    assert (message.status, message.response["state_changed"]) == (WorkStatus.DONE, "CLOSED")
    payout.refresh_from_db()
    case.refresh_from_db()
    assert (case.status, payout.status) == (Case.Status.APPROVED, Payout.Status.SENT)


def test_a_final_refusal_parks_the_decision_where_staff_replay_it(
    taobao, skus, manager, sandbox_http, django_capture_on_commit_callbacks
):
    _order(taobao, skus)
    case = _notice(taobao, "881111", "requested")  # the platform wants it handled in its back office
    case_approve(case=case, actor=manager)

    with django_capture_on_commit_callbacks(execute=True):
        payout = refund_execute(case=case, actor=manager)

    message = OutboxMessage.objects.get(kind=Kind.REFUND_AGREE)
    assert (message.status, message.attempts, message.error_code) == (WorkStatus.DEAD, 1, "refund_decision_refused")
    assert "881111" in message.last_error
    payout.refresh_from_db()
    assert (payout.status, payout.error_code) == (Payout.Status.SENT, "refund_decision_refused")
    assert "881111" in payout.error
    assert _answers(case) == [("refund_agree", "parked")]

    sandbox_refunds.STATES[(taobao.app_key, "881111")] = sandbox_refunds.WAITING
    with django_capture_on_commit_callbacks(execute=True):
        assert outbox.outbox_retry(message_ids=[message.pk]) == 1
    message.refresh_from_db()
    assert message.status == WorkStatus.DEAD  # still refused: the decision stays parked, never lost


def test_a_passing_platform_failure_is_retried_not_parked(
    taobao, skus, manager, sandbox_http, django_capture_on_commit_callbacks, settings
):
    _order(taobao, skus)
    case = _notice(taobao, "880014", "requested")
    case_approve(case=case, actor=manager)
    taobao.base_url = taobao.base_url.rstrip("/") + "/fault/503"
    taobao.save()

    with django_capture_on_commit_callbacks(execute=True):
        refund_execute(case=case, actor=manager)

    message = OutboxMessage.objects.get(kind=Kind.REFUND_AGREE)
    assert (message.status, message.error_code) == (WorkStatus.FAILED, "platform_unavailable")
    assert message.next_attempt_at > timezone.now()
    assert _answers(case) == []


def test_a_case_without_the_platforms_refund_id_parks_with_why(
    taobao, skus, manager, sandbox_http, django_capture_on_commit_callbacks
):
    from aftersales.services import LineRequest, case_create

    order = _order(taobao, skus)
    case = case_create(
        order=order, kind="refund_only", lines=[LineRequest(sku_code="FLW-SERUM-30ML", quantity=1)], actor=manager
    )
    case_approve(case=case, actor=manager)

    with django_capture_on_commit_callbacks(execute=True):
        refund_execute(case=case, actor=manager)

    message = OutboxMessage.objects.get(kind=Kind.REFUND_AGREE)
    assert (message.status, message.error_code) == (WorkStatus.DEAD, "refund_decision_refused")
    assert case.number in message.last_error


def test_rejecting_a_platform_case_refuses_it_on_the_platform(
    taobao, skus, manager, sandbox_http, django_capture_on_commit_callbacks, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    from tests.integrations.helpers import png_upload

    _order(taobao, skus)
    case = _notice(taobao, "880015", "requested")
    case_evidence_add(case=case, files=[png_upload("签收凭证.png")], kind="other", actor=manager)  # Tmall's proof

    with django_capture_on_commit_callbacks(execute=True):
        case_reject(case=case, actor=manager, reason="商品已签收且完好，不符合退款条件")

    message = OutboxMessage.objects.get(kind=Kind.REFUND_REFUSE)
    assert message.status == WorkStatus.DONE
    refused = [r for r in RECEIVED if r["kind"] == "refund_refuse"]
    assert refused[0]["payload"]["refuse_message"] == "商品已签收且完好，不符合退款条件"
    assert _answers(case) == [("refund_refuse", "done")]


def test_rejecting_a_staff_case_the_platform_never_saw_sends_nothing(
    taobao, skus, manager, django_capture_on_commit_callbacks
):
    from aftersales.services import LineRequest, case_create

    order = _order(taobao, skus)
    case = case_create(
        order=order, kind="refund_only", lines=[LineRequest(sku_code="FLW-SERUM-30ML", quantity=1)], actor=manager
    )
    with django_capture_on_commit_callbacks(execute=True):
        case_reject(case=case, actor=manager, reason="重复申请")

    assert not OutboxMessage.objects.exists()


def test_douyin_return_agreed_then_refund_agreed_after_the_parcel_came_back(
    douyin, skus, manager, sandbox_http, django_capture_on_commit_callbacks
):
    douyin.return_address_id = "7001"
    douyin.save()
    order_shipped(_order(douyin, skus, external_id="DY-5"))
    case = _notice(douyin, "7123456", "requested", kind="return_refund", external_id="DY-5")

    with django_capture_on_commit_callbacks(execute=True):
        case_approve(case=case, actor=manager)
    with django_capture_on_commit_callbacks(execute=True):
        case_receive(case=case, actor=manager)
        refund_execute(case=case, actor=manager)

    operations = [(r["kind"], r["payload"]) for r in RECEIVED if r["kind"].startswith("after_sale_")]
    assert operations == [
        ("after_sale_101", {"aftersale_id": "7123456", "logistics": {"receiver_address_id": 7001}}),
        ("after_sale_111", {"aftersale_id": "7123456"}),
    ]
    assert _answers(case) == [("return_agree", "done"), ("refund_agree", "done")]


def test_douyin_return_without_a_return_address_parks_and_says_which_setting(
    douyin, skus, manager, sandbox_http, django_capture_on_commit_callbacks
):
    order_shipped(_order(douyin, skus, external_id="DY-6"))
    case = _notice(douyin, "7123457", "requested", kind="return_refund", external_id="DY-6")

    with django_capture_on_commit_callbacks(execute=True):
        case_approve(case=case, actor=manager)

    message = OutboxMessage.objects.get(kind=Kind.RETURN_AGREE)
    assert message.status == WorkStatus.DEAD and "receiver_address_id" in message.last_error
    case.refresh_from_db()
    assert case.status == Case.Status.AWAITING_RETURN  # the decision stands


def test_douyin_status_changed_answer_is_not_retried(
    douyin, skus, manager, sandbox_http, django_capture_on_commit_callbacks
):
    _order(douyin, skus, external_id="DY-7")
    case = _notice(douyin, "7123458", "requested", external_id="DY-7")
    case_approve(case=case, actor=manager)
    sandbox_refunds.STATES[(douyin.app_key, "7123458")] = sandbox_refunds.REFUSED  # decided in the back office

    with django_capture_on_commit_callbacks(execute=True):
        refund_execute(case=case, actor=manager)

    message = OutboxMessage.objects.get(kind=Kind.REFUND_AGREE)
    assert (message.status, message.response["state_changed"]) == (WorkStatus.DONE, "status_changed")
    assert _answers(case) == [("refund_agree", "state_changed")]


def test_the_demo_leaves_one_agreed_and_one_parked_refund_decision(
    skus, warehouse, manager, sandbox_http, django_capture_on_commit_callbacks
):
    from integrations.refund_demo import refund_decisions_demo_ensure
    from tests.integrations.helpers import make_shop

    flagship = make_shop("tmall-flagship", "tmall", warehouse)
    for number in (1, 2):
        order = make_order(
            shop=flagship.shop,
            skus=[(skus["FLW-SERUM-30ML"], 1, Decimal("99.00"))],
            status=Status.PAID,
            external_id=f"TM-DEMO-{number}",
        )
        order.status = Status.COMPLETED  # delivered long ago: the demo's refunds are after-sales
        order.save(update_fields=["status"])

    with django_capture_on_commit_callbacks(execute=True):
        assert refund_decisions_demo_ensure() == {"platform_refund_decisions": 2}
    assert refund_decisions_demo_ensure() == {"platform_refund_decisions": 0}

    flagship.refresh_from_db()
    assert flagship.return_address_id == "7001"
    statuses = dict(OutboxMessage.objects.filter(kind=Kind.REFUND_AGREE).values_list("payload__refund_id", "status"))
    assert statuses == {"DEMO8800012": WorkStatus.DONE, "DEMO8801111": WorkStatus.DEAD}


def _execute_with_an_expired_token(douyin, skus, manager, on_commit, *, refresh_token):
    """A Douyin case approved and executed while the shop's access token has expired."""
    douyin.access_token, douyin.refresh_token = "expired", refresh_token
    douyin.save()
    _order(douyin, skus, external_id="DY-8")
    case = _notice(douyin, "7123459", "requested", external_id="DY-8")
    case_approve(case=case, actor=manager)
    with on_commit(execute=True):
        refund_execute(case=case, actor=manager)
    return case


def test_an_expired_token_is_refreshed_once_and_the_decision_sent(
    douyin, skus, manager, sandbox_http, django_capture_on_commit_callbacks
):
    _execute_with_an_expired_token(douyin, skus, manager, django_capture_on_commit_callbacks, refresh_token="r-1")

    message = OutboxMessage.objects.get(kind=Kind.REFUND_AGREE)
    assert (message.status, message.attempts) == (WorkStatus.DONE, 1)
    douyin.refresh_from_db()
    assert douyin.access_token.startswith("sbx-")
    assert [r["kind"] for r in RECEIVED if r["kind"].startswith("after_sale_")] == ["after_sale_201"]


def test_a_refresh_the_platform_refuses_leaves_the_decision_to_retry(
    douyin, skus, manager, sandbox_http, django_capture_on_commit_callbacks
):
    case = _execute_with_an_expired_token(
        douyin, skus, manager, django_capture_on_commit_callbacks, refresh_token="revoked"
    )

    message = OutboxMessage.objects.get(kind=Kind.REFUND_AGREE)
    assert (message.status, message.error_code) == (WorkStatus.FAILED, "platform_token_expired")
    assert _answers(case) == []  # not parked: retried after staff authorise the shop again
