"""JD after-sales: refund applications (退款审核单) and after-sales service orders (售后服务单) open and move cases
like every platform's refunds — read from JD's records whatever shape they come in, polled from the sandbox or
pushed, repeated and late records changing nothing — and a refused or agreed return is answered on JD with its
audit call (the agreement with the connection's return address and the service order's application lines)."""

import datetime as dt
from decimal import Decimal

import pytest
from django.test import Client

from aftersales.models import Case, CaseEvent
from aftersales.services import case_approve, case_reject
from integrations import polling
from integrations.exceptions import PayloadInvalid, RefundDecisionRefused
from integrations.ingest import refund_event_apply
from integrations.models import InboxMessage, OutboxMessage, WorkStatus
from integrations.platforms.client import RefundDecision
from integrations.platforms.jd.adapter import adapter
from integrations.platforms.jd.aftersales import (
    REFUND_APPLY_TOPIC,
    SERVICE_ORDER_TOPIC,
    refund_apply_event,
    service_order_event,
)
from integrations.refunds import refund_decision_enqueue
from integrations.sandbox import data
from integrations.sandbox.views import RECEIVED
from integrations.sandbox.views import jd_aftersales as sandbox_jd
from orders.services import order_transition
from orders.states import Status
from tests.factories import make_order
from tests.integrations.helpers import SandboxClock, top_post

pytestmark = pytest.mark.django_db

SHANGHAI_NOON = dt.datetime(2026, 11, 11, 4, 0, tzinfo=dt.UTC)  # 12:00 in Beijing


def _apply(**changes):
    record = {
        "id": 5100000123,
        "orderId": "300010000123",
        "buyerId": "jd_buyer",
        "applyTime": "2026-11-11 12:00:00",
        "applyRefundSum": 9900,
        "status": 0,
        "reason": "不想要了",
    }
    record.update(changes)
    return {key: value for key, value in record.items() if value is not ...}


def _service(**changes):
    record = {
        "serviceId": 6200000123,
        "orderId": 300010000123,
        "customerExpect": 10,
        "serviceStatus": 10,
        "applyTime": "2026-11-11 12:00:00",
        "questionTypeCid1Name": "商品质量问题",
        "wareName": "精华液 30ml",
        "actualPayPrice": "199.00",
        "sysVersion": 1,
    }
    record.update(changes)
    return {key: value for key, value in record.items() if value is not ...}


# --- reading JD's records --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("changes", "amount", "requested_at"),
    [
        ({}, Decimal("99.00"), SHANGHAI_NOON),
        ({"id": "5100000123", "applyRefundSum": "9900", "status": "0"}, Decimal("99.00"), SHANGHAI_NOON),
        ({"applyRefundSum": 9900.0, "applyTime": 1_794_369_600_000}, Decimal("99.00"), SHANGHAI_NOON),
        ({"applyRefundSum": None, "applyTime": None, "reason": None, "status": None}, Decimal("0.00"), None),
        (
            {"applyRefundSum": ..., "applyTime": ..., "reason": ..., "status": ..., "buyerId": ...},
            Decimal("0.00"),
            None,
        ),
    ],
    ids=["numbers", "numbers-as-strings", "float-and-epoch-ms", "nulls", "absent"],
)
def test_a_refund_application_reads_whatever_shape_its_fields_come_in(changes, amount, requested_at):
    event = refund_apply_event(_apply(**changes))

    assert event.external_id == "300010000123"
    refund = event.refund
    assert (refund.external_id, refund.amount, refund.status, refund.kind) == (
        "5100000123",
        amount,
        "requested",
        "refund_only",
    )
    assert refund.requested_at == requested_at
    assert refund.reason == ("不想要了" if "reason" not in changes else "jd refund application 5100000123")


@pytest.mark.parametrize(
    ("status", "case_status"),
    [(0, "requested"), (1, "refunded"), ("2", "rejected"), (4, "rejected"), (8, "requested"), ("9", "refunded")],
)
def test_a_refund_applications_jd_status_says_where_the_case_stands(status, case_status):
    refund = refund_apply_event(_apply(status=status, checkTime="2026-11-11 13:00:00")).refund

    assert refund.status == case_status
    assert refund.refunded_at == (SHANGHAI_NOON + dt.timedelta(hours=1) if case_status == "refunded" else None)


@pytest.mark.parametrize(
    ("record", "field"),
    [
        (_apply(id=None), "id"),
        (_apply(orderId=""), "orderId"),
        (_apply(status=12), "status"),
        (_apply(status="审核通过"), "status"),
        (_apply(applyRefundSum="99.5元"), "applyRefundSum"),
        (_apply(applyTime="yesterday"), "applyTime"),
    ],
)
def test_a_refund_application_that_cannot_be_read_names_the_field(record, field):
    with pytest.raises(PayloadInvalid) as caught:
        refund_apply_event(record)

    assert caught.value.extra["field"] == field


@pytest.mark.parametrize(
    ("changes", "kind", "amount", "status"),
    [
        ({}, "return_refund", Decimal("199.00"), "requested"),
        ({"customerExpect": "20", "serviceStatus": "10"}, "exchange", Decimal("0.00"), "requested"),
        ({"customerExpect": 30, "actualPayPrice": 199}, "return_refund", Decimal("199.00"), "requested"),
        ({"serviceStatus": 20}, "return_refund", Decimal("199.00"), "rejected"),
        ({"serviceStatus": "60"}, "return_refund", Decimal("199.00"), "withdrawn"),
        ({"serviceStatus": 33}, "return_refund", Decimal("199.00"), "requested"),
        (
            {"customerExpect": None, "serviceStatus": None, "actualPayPrice": None},
            "return_refund",
            Decimal("0.00"),
            "requested",
        ),
        (
            {
                "customerExpect": ...,
                "serviceStatus": ...,
                "actualPayPrice": ...,
                "wareName": ...,
                "questionTypeCid1Name": ...,
            },
            "return_refund",
            Decimal("0.00"),
            "requested",
        ),
    ],
    ids=["return", "exchange-as-strings", "repair", "refused", "cancelled", "unknown-state", "nulls", "absent"],
)
def test_a_service_order_reads_whatever_shape_its_fields_come_in(changes, kind, amount, status):
    event = service_order_event(_service(**changes))

    assert event.external_id == "300010000123"
    refund = event.refund
    assert (refund.external_id, refund.kind, refund.amount, refund.status) == ("6200000123", kind, amount, status)
    assert refund.requested_at == SHANGHAI_NOON


def test_a_service_order_of_a_kind_order_hub_does_not_handle_is_refused_with_the_known_kinds():
    with pytest.raises(PayloadInvalid) as caught:
        service_order_event(_service(customerExpect=40))

    assert caught.value.extra["field"] == "customerExpect"
    assert "10" in str(caught.value) and "20" in str(caught.value) and "30" in str(caught.value)


def test_the_adapter_reads_both_topics_and_refuses_a_record_that_is_not_an_object():
    assert adapter.interpret(REFUND_APPLY_TOPIC, _apply())[0].refund.kind == "refund_only"
    assert adapter.interpret(SERVICE_ORDER_TOPIC, _service())[0].refund.kind == "return_refund"
    with pytest.raises(PayloadInvalid):
        adapter.interpret(SERVICE_ORDER_TOPIC, ["6200000123"])


# --- into cases --------------------------------------------------------------------------------------------------


def _order(connection, skus, external_id="300010000123", status=Status.DELIVERED):
    order = make_order(
        shop=connection.shop,
        skus=[(skus["FLW-SERUM-30ML"], 1, Decimal("199.00"))],
        status=Status.PAID,
        external_id=external_id,
    )
    if status != Status.PAID:
        for step in (Status.APPROVED, Status.PICKING, Status.SHIPPED, Status.IN_TRANSIT, Status.DELIVERED):
            order = order_transition(order=order, to_status=step, system="tests")
            if step == status:
                break
    return order


def _apply_event(connection, record):
    event = refund_apply_event(record) if "id" in record else service_order_event(record)
    return refund_event_apply(shop=connection.shop, external_id=event.external_id, refund=event.refund, system="tests")


def test_a_service_order_opens_a_return_case_and_a_late_record_changes_nothing(jd, skus):
    order = _order(jd, skus)

    _apply_event(jd, _service())
    _apply_event(jd, _service())  # the same record again
    case = Case.objects.get(order=order)
    assert (case.kind, case.status, case.external_id, case.amount) == (
        "return_refund",
        "requested",
        "6200000123",
        Decimal("199.00"),
    )

    _apply_event(jd, _service(serviceStatus=60, sysVersion=2))  # the buyer cancelled it on JD
    _apply_event(jd, _service())  # an older record, late
    case.refresh_from_db()
    assert case.status == "withdrawn"
    assert case.events.filter(kind=CaseEvent.Kind.CREATED).count() == 1


def test_a_refund_application_holds_the_unshipped_order_and_jds_refusal_releases_it(jd, skus):
    order = _order(jd, skus, status=Status.APPROVED)

    _apply_event(jd, _apply(applyRefundSum="19900"))
    order.refresh_from_db()
    assert (order.status, order.hold_reason) == (Status.ON_HOLD, "refund")

    _apply_event(jd, _apply(applyRefundSum="19900", status="2"))
    order.refresh_from_db()
    assert order.status == Status.APPROVED
    assert Case.objects.get(order=order).status == "rejected"


# --- polled and pushed -------------------------------------------------------------------------------------------


def _requests_in_the_feed(app_key):
    """Two sandbox orders whose refund requests come an hour apart or more: one a refund application, one a return
    (a service order), both paid orders; and the moment just after the later request."""
    found = {}
    for seq in range(11 + 25 * 40, 11 + 25 * 400, 25):
        order = data.generate(app_key, seq, now=data.slot_time(seq) + dt.timedelta(hours=3))
        if order is None or order.refund_requested_at is None:
            continue
        found.setdefault(sandbox_jd.is_service_order(order), order)
        if len(found) == 2:
            break
    later = max(found.values(), key=lambda order: order.refund_requested_at)
    return found[False], found[True], later.refund_requested_at + dt.timedelta(minutes=1)


@pytest.fixture
def jd_feed(settings, sandbox_http, refund_sandbox, monkeypatch, jd):
    monkeypatch.setattr(polling.time, "sleep", lambda seconds: None)
    settings.SANDBOX_ORDERS_PER_HOUR = 6
    applied, returned, now = _requests_in_the_feed(jd.app_key)
    earliest = min(applied.created, returned.created)
    settings.INTEGRATIONS_POLL_INITIAL_HOURS = int((now - earliest).total_seconds() // 3600) + 1
    jd.seller_id = "10098765"
    jd.save()
    monkeypatch.setattr(data, "timezone", SandboxClock(now))
    return applied, returned, now


def test_a_poll_opens_the_refund_application_and_the_service_order_once(
    jd, jd_feed, django_capture_on_commit_callbacks
):
    applied, returned, now = jd_feed

    with django_capture_on_commit_callbacks(execute=True):
        result = polling.shop_poll(jd.shop_id, now=now)
    assert result.status == "ok", result.error

    cases = {case.external_id: case for case in Case.objects.filter(order__shop=jd.shop)}
    apply_id, service_id = sandbox_jd.refund_apply_id(applied), sandbox_jd.service_id(returned)
    assert set(cases) == {apply_id, service_id}
    assert (cases[apply_id].kind, cases[apply_id].status, cases[apply_id].amount) == (
        "refund_only",
        "requested",
        applied.refund_amount,
    )
    assert (cases[service_id].kind, cases[service_id].status) == ("return_refund", "requested")
    assert not InboxMessage.objects.exclude(status=WorkStatus.DONE).exists()

    jd.refresh_from_db()
    jd.poll_cursor, jd.next_poll_at = now - dt.timedelta(hours=12), None  # the same windows again
    jd.save()
    with django_capture_on_commit_callbacks(execute=True):
        polling.shop_poll(jd.shop_id, now=now)
    assert Case.objects.filter(order__shop=jd.shop).count() == 2
    assert CaseEvent.objects.filter(case__order__shop=jd.shop, kind=CaseEvent.Kind.CREATED).count() == 2


@pytest.mark.parametrize(
    "decided, case_status", [("refunded", Case.Status.REFUNDED), ("refused", Case.Status.REJECTED)]
)
def test_a_refund_application_decided_in_jds_back_office_later_moves_its_case(
    jd, jd_feed, monkeypatch, django_capture_on_commit_callbacks, decided, case_status
):
    from integrations.sandbox.views import refunds as sandbox_refunds

    applied, _returned, now = jd_feed
    with django_capture_on_commit_callbacks(execute=True):
        polling.shop_poll(jd.shop_id, now=now)
    apply_id = sandbox_jd.refund_apply_id(applied)
    case = Case.objects.get(external_id=apply_id)
    assert case.status == Case.Status.REQUESTED

    # Hours after it was read (its apply time long past), JD's back office decides it.
    key = (jd.app_key, apply_id)
    sandbox_refunds.STATES[key] = decided
    sandbox_refunds.DECIDED[key] = now + dt.timedelta(hours=2)
    later = now + dt.timedelta(hours=3)
    monkeypatch.setattr(data, "timezone", SandboxClock(later))
    jd.refresh_from_db()
    jd.poll_cursor, jd.next_poll_at = now + dt.timedelta(hours=1), None  # polled since: its apply time is behind
    jd.save()
    with django_capture_on_commit_callbacks(execute=True):
        result = polling.shop_poll(jd.shop_id, now=later)

    assert result.status == "ok", result.error
    case.refresh_from_db()
    assert case.status == case_status
    assert not InboxMessage.objects.exclude(status=WorkStatus.DONE).exists()


def test_without_a_seller_id_only_refund_applications_are_polled(jd, jd_feed, django_capture_on_commit_callbacks):
    applied, _returned, now = jd_feed
    jd.seller_id = ""
    jd.save()

    with django_capture_on_commit_callbacks(execute=True):
        result = polling.shop_poll(jd.shop_id, now=now)

    assert result.status == "ok", result.error
    assert list(Case.objects.filter(order__shop=jd.shop).values_list("external_id", flat=True)) == [
        sandbox_jd.refund_apply_id(applied)
    ]


def test_a_pushed_service_order_opens_its_case(jd, skus, django_capture_on_commit_callbacks):
    order = _order(jd, skus)
    message = {"topic": SERVICE_ORDER_TOPIC, "msgId": "m-1", **_service(orderId="300010000123")}

    with django_capture_on_commit_callbacks(execute=True):
        response = top_post(Client(), "jd", jd.shop.code, [message])
    with django_capture_on_commit_callbacks(execute=True):
        top_post(Client(), "jd", jd.shop.code, [message])  # delivered twice

    assert response.status_code == 200, response.content
    assert Case.objects.get(order=order).external_id == "6200000123"
    assert InboxMessage.objects.filter(shop=jd.shop, topic=SERVICE_ORDER_TOPIC).count() == 1


# --- decisions on JD ---------------------------------------------------------------------------------------------


@pytest.fixture
def polled_return(jd, jd_feed, django_capture_on_commit_callbacks):
    """The return service order of the JD feed, polled into its case."""
    _applied, returned, now = jd_feed
    with django_capture_on_commit_callbacks(execute=True):
        polling.shop_poll(jd.shop_id, now=now)
    return Case.objects.get(external_id=sandbox_jd.service_id(returned))


def _answers(case):
    return list(case.events.filter(kind=CaseEvent.Kind.PLATFORM).values_list("data__action", "data__outcome"))


def test_rejecting_a_jd_return_refuses_the_service_order_with_its_current_version(
    jd, polled_return, manager, django_capture_on_commit_callbacks
):
    case = polled_return

    with django_capture_on_commit_callbacks(execute=True):
        case_reject(case=case, actor=manager, reason="商品已使用，不支持退货")

    message = OutboxMessage.objects.get(kind=OutboxMessage.Kind.REFUND_REFUSE)
    assert message.status == WorkStatus.DONE, message.last_error
    sent = [r["payload"] for r in RECEIVED if r["kind"] == "asc_refuse"]
    assert len(sent) == 1
    assert sent[0]["serviceId"] == int(case.external_id)
    assert (sent[0]["buId"], sent[0]["sysVersion"], sent[0]["approveNotes"]) == (
        "10098765",
        1,
        "商品已使用，不支持退货",
    )
    assert sent[0]["approveReasonCid1"] == 1
    assert _answers(case) == [("refund_refuse", "done")]


def test_refusing_a_jd_return_without_the_seller_id_parks_and_names_the_setting(
    jd, polled_return, manager, django_capture_on_commit_callbacks
):
    case = polled_return
    jd.seller_id = ""
    jd.save()

    with django_capture_on_commit_callbacks(execute=True):
        case_reject(case=case, actor=manager, reason="不支持退货")

    message = OutboxMessage.objects.get(kind=OutboxMessage.Kind.REFUND_REFUSE)
    assert (message.status, message.error_code) == (WorkStatus.DEAD, "refund_decision_refused")
    assert "buId" in message.last_error
    assert _answers(case) == [("refund_refuse", "parked")]


def test_a_service_order_jd_already_moved_on_parks_with_jds_words(
    jd, polled_return, manager, django_capture_on_commit_callbacks
):
    case = polled_return
    from integrations.sandbox.views import refunds as sandbox_refunds

    sandbox_refunds.STATES[(jd.app_key, case.external_id)] = sandbox_refunds.REFUSED  # refused in JD's back office

    with django_capture_on_commit_callbacks(execute=True):
        case_reject(case=case, actor=manager, reason="不支持退货")

    message = OutboxMessage.objects.get(kind=OutboxMessage.Kind.REFUND_REFUSE)
    assert (message.status, message.error_code) == (WorkStatus.DEAD, "refund_decision_refused")
    assert "jingdong.asc.audit.refuse" in message.last_error


RETURN_ADDRESS = {
    "name": "退货仓",
    "tel": "010-88886666",
    "zipcode": "100020",
    "province_code": "1",  # numbers as strings
    "city_code": 72,
    "county_code": "2799",
    "detail": "朝阳区建国路88号",
    "address_type": 1,
}


@pytest.fixture
def delivered_return(jd, skus, jd_feed):
    """The JD feed's return service order, on its order as delivered (the goods are with the buyer)."""
    from integrations.sandbox.formats import order_id

    _applied, returned, _now = jd_feed
    order = _order(jd, skus, external_id=order_id("jd", returned))
    _apply_event(jd, _service(serviceId=int(sandbox_jd.service_id(returned)), orderId=order.external_id))
    return Case.objects.get(order=order)


def test_agreeing_a_jd_return_sends_the_return_address_and_the_service_orders_lines_once(
    jd, delivered_return, manager, django_capture_on_commit_callbacks
):
    case = delivered_return
    jd.return_address = RETURN_ADDRESS
    jd.save()

    with django_capture_on_commit_callbacks(execute=True):
        case_approve(case=case, actor=manager, reason="同意退货")
    message = OutboxMessage.objects.get(kind=OutboxMessage.Kind.RETURN_AGREE)
    assert message.status == WorkStatus.DONE, message.last_error
    with django_capture_on_commit_callbacks(execute=True):  # the same decision announced again
        assert refund_decision_enqueue(case_id=case.pk, action="return_agree") == message

    sent = [r["payload"] for r in RECEIVED if r["kind"] == "asc_send"]
    assert len(sent) == 1
    detail_id = int(case.external_id) % 1_000_000 + 1  # the sandbox view's applyDetailList
    assert sent[0]["serviceId"] == int(case.external_id)
    assert sent[0]["applyDetailIdList"] == [detail_id]
    assert (sent[0]["returnProvince"], sent[0]["returnCity"], sent[0]["returnCounty"]) == (1, 72, 2799)
    assert (sent[0]["returnContactName"], sent[0]["returnZipcode"], sent[0]["returnAddressType"]) == (
        "退货仓",
        "100020",
        1,
    )
    assert "returnContactMobile" not in sent[0] and "returnVillage" not in sent[0]  # optional, left out
    assert (sent[0]["buId"], sent[0]["sysVersion"], sent[0]["approveNotes"]) == ("10098765", 1, "同意退货")
    assert _answers(case) == [("return_agree", "done")]


@pytest.mark.parametrize(
    "address, named",
    [
        ({}, "return_address.name"),
        ({**RETURN_ADDRESS, "province_code": None}, "return_address.province_code"),
        ({**RETURN_ADDRESS, "county_code": "朝阳"}, "return_address.county_code"),
        ({**RETURN_ADDRESS, "address_type": ""}, "return_address.address_type"),
    ],
)
def test_agreeing_a_jd_return_without_a_usable_return_address_parks_and_names_the_setting(
    jd, delivered_return, manager, django_capture_on_commit_callbacks, address, named
):
    case = delivered_return
    jd.return_address = address
    jd.save()

    with django_capture_on_commit_callbacks(execute=True):
        case_approve(case=case, actor=manager)

    message = OutboxMessage.objects.get(kind=OutboxMessage.Kind.RETURN_AGREE)
    assert (message.status, message.error_code) == (WorkStatus.DEAD, "refund_decision_refused")
    assert named in message.last_error
    assert not [r for r in RECEIVED if r["kind"] == "asc_send"]
    assert _answers(case) == [("return_agree", "parked")]


def test_a_jd_return_with_optional_parts_and_no_application_lines(jd, sandbox_http, refund_sandbox, monkeypatch):
    jd.seller_id = "10098765"
    jd.save()
    decision = RefundDecision(
        refund_id="6200000123",
        order_external_id="300010000123",
        amount=Decimal("199.00"),
        kind="return_refund",
        return_address={**RETURN_ADDRESS, "mobile": "13800000000", "village_code": "0"},
    )
    client = adapter.client(jd)
    calls = []

    def answer(method, **params):
        calls.append((method, params))
        if method == "jingdong.asc.query.view":
            return {"result": {"success": True, "data": {"sysVersion": "3", "applyDetailList": details}}}
        return {"result": {"success": True, "code": "200"}}

    monkeypatch.setattr(client, "call", answer)
    details = [{"applyDetailId": None, "applyDetailIdLong": "88001"}, {"applyDetailId": 88002}, "junk"]
    client.return_agree(decision)
    sent = calls[-1][1]
    assert calls[-1][0] == "jingdong.asc.audit.send"
    assert sent["applyDetailIdList"] == [88001, 88002]
    assert (sent["returnContactMobile"], sent["returnVillage"]) == ("13800000000", 0)

    details = None  # JD's view without its application lines: nothing to agree
    with pytest.raises(RefundDecisionRefused) as caught:
        client.return_agree(decision)
    assert caught.value.extra == {"field": "applyDetailList"}


def test_a_refund_application_is_never_agreed_as_a_return(jd, sandbox_http, refund_sandbox):
    decision = RefundDecision(
        refund_id="5100000123",
        order_external_id="300010000123",
        amount=Decimal("99.00"),
        return_address=RETURN_ADDRESS,
    )

    with pytest.raises(RefundDecisionRefused):
        adapter.client(jd).return_agree(decision)
    assert not RECEIVED


def test_the_money_of_a_jd_return_is_never_sent_as_a_refund_application(jd, sandbox_http, refund_sandbox):
    decision = RefundDecision(
        refund_id="6200000123", order_external_id="300010000123", amount=Decimal("199.00"), kind="return_refund"
    )

    with pytest.raises(RefundDecisionRefused) as caught:
        adapter.client(jd).refund_agree(decision)

    assert "6200000123" in str(caught.value)
    assert not RECEIVED  # no replyRefund with a service order's id


def test_the_demo_leaves_a_jd_return_to_decide_and_the_jd_shops_seller_id(skus, warehouse):
    from integrations.refund_demo import JD_SELLER_ID, jd_aftersales_demo_ensure
    from tests.integrations.helpers import make_shop

    connection = make_shop("jd-pop", "jd", warehouse)
    order = _order(connection, skus, external_id="300099000001")

    assert jd_aftersales_demo_ensure() == {"jd_aftersales_cases": 1}
    assert jd_aftersales_demo_ensure() == {"jd_aftersales_cases": 0}

    case = Case.objects.get(order=order)
    assert (case.kind, case.status, case.source, case.amount) == (
        "return_refund",
        "requested",
        "platform",
        Decimal("199.00"),
    )
    connection.refresh_from_db()
    assert connection.seller_id == JD_SELLER_ID
    assert connection.return_address["province_code"] == 1
