"""SMS sent in provider batches: Aliyun ``SendBatchSms`` (one answer for the whole call; a refusal that can come
from one number makes each message go alone) and Tencent Cloud ``SendSms`` with many numbers (one set of values
for all, a status per number) — through the sandbox, which checks their signatures, and with the providers'
varied real answers. WeChat and e-mail stay one to a call."""

from __future__ import annotations

import json
import types
import urllib.parse

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from integrations import transport
from integrations.notify import services
from integrations.notify.models import BuyerMessage, NotificationTemplate
from integrations.notify.providers import aliyun, calls_plan, tencent
from integrations.notify.services import buyer_messages_send, buyer_moments_record, buyer_opt_out
from integrations.signing import aliyun_rpc_signature
from tests.factories import make_order

pytestmark = pytest.mark.django_db
Status = BuyerMessage.Status
ALIYUN = ("POST", "/sandbox/notify/aliyun/")
TENCENT = ("POST", "/sandbox/notify/tencent/")


def _recorded(shop, phones: list[str], *, moment: str = "paid") -> list[int]:
    """The pending SMS of a paid moment of one order per phone, in the order of ``phones``."""
    orders = [make_order(shop=shop, consignee_phone=phone) for phone in phones]
    buyer_moments_record([[moment, order.pk, f"{moment}:{order.pk}", {}] for order in orders])
    return list(
        BuyerMessage.objects.filter(order__in=orders, channel="sms").order_by("order_id").values_list("pk", flat=True)
    )


def _statuses(ids):
    return [m.status for m in BuyerMessage.objects.filter(pk__in=ids).order_by("pk")]


def _answering(monkeypatch, body: dict, status: int = 200) -> list[dict]:
    """The network: every provider call answered with ``body``; returns the calls' forms/bodies."""
    seen: list[dict] = []
    answer = json.dumps(body).encode()

    def send(method, url, *, body: bytes = b"", headers=None, **kwargs):
        ctype = (headers or {}).get("Content-Type", "")
        seen.append(dict(urllib.parse.parse_qsl(body.decode())) if "form" in ctype else json.loads(body))
        return transport.Response(status, answer)

    monkeypatch.setattr(transport, "send", send)
    return seen


# --- Aliyun SendBatchSms --------------------------------------------------------------------------------------


def test_fifty_aliyun_messages_make_one_call_where_they_made_fifty(providers, website, queued):
    ids = _recorded(website, [f"1381000{i:04d}" for i in range(1, 51)])

    assert buyer_messages_send(ids) == {Status.SENT: 50}
    assert providers.calls.count(ALIYUN) == 1
    messages = list(BuyerMessage.objects.filter(pk__in=ids))
    assert {m.provider_message_id for m in messages} == {messages[0].provider_message_id} != {""}  # one BizId
    assert all(m.sent_at is not None and m.attempts == 1 for m in messages)


def test_sending_fifty_takes_as_many_queries_as_sending_two(providers, website, queued):
    # Claimed, checked (opt-outs, each phone's hour) and saved with their history once per call.
    two = _recorded(website, ["13820000001", "13820000002"])
    fifty = _recorded(website, [f"1383000{i:04d}" for i in range(1, 51)])

    with CaptureQueriesContext(connection) as small:
        assert buyer_messages_send(two) == {Status.SENT: 2}
    with CaptureQueriesContext(connection) as large:
        assert buyer_messages_send(fifty) == {Status.SENT: 50}

    assert len(large.captured_queries) == len(small.captured_queries)
    message = BuyerMessage.objects.get(pk=fifty[-1])
    assert [h.status for h in message.history.order_by("history_id")] == [Status.PENDING, Status.SENT]


def test_the_batch_carries_each_message_its_values_in_the_same_order(providers, website, queued, settings):
    ids = _recorded(website, ["13810000001", "13810000002"])
    form = aliyun.batch_request_params(
        phones=["13810000001", "13810000002"],
        sign_name=settings.NOTIFY_ALIYUN_SIGN_NAME,
        template_code="SMS_123456789",
        template_params=[m.params for m in BuyerMessage.objects.filter(pk__in=ids).order_by("pk")],
    )
    assert form["Action"] == "SendBatchSms" and form["Version"] == "2017-05-25"
    assert json.loads(form["PhoneNumberJson"]) == ["13810000001", "13810000002"]
    assert json.loads(form["SignNameJson"]) == ["测试店", "测试店"]
    orders = [m.params["order"] for m in BuyerMessage.objects.filter(pk__in=ids).order_by("pk")]
    assert [v["order"] for v in json.loads(form["TemplateParamJson"])] == orders


def test_a_batch_refused_for_one_bad_number_sends_each_alone(providers, website, queued):
    # Aliyun answers a batch once: a malformed number refuses the call, so each message goes by SendSms.
    ids = _recorded(website, ["13810000001", "13800000000", "13810000003"])

    assert buyer_messages_send(ids) == {Status.SENT: 2, Status.DEAD: 1}
    assert providers.calls.count(ALIYUN) == 1 + 3
    assert _statuses(ids) == [Status.SENT, Status.DEAD, Status.SENT]
    bad = BuyerMessage.objects.get(pk=ids[1])
    assert bad.error_code == "isv.MOBILE_NUMBER_ILLEGAL" and bad.attempts == 1


def test_messages_sent_alone_after_a_refused_batch_are_saved_as_each_is_answered(
    providers, website, queued, monkeypatch
):
    # A worker stopped in the middle leaves the ones already answered recorded: none is sent twice.
    ids = _recorded(website, ["13810000001", "13800000000", "13810000003"])
    one_by_one = aliyun.send

    def send(message):
        if message.pk == ids[2]:
            raise SystemExit("the worker is stopped")
        return one_by_one(message)

    monkeypatch.setattr(aliyun, "send", send)
    with pytest.raises(SystemExit):
        buyer_messages_send(ids)

    assert _statuses(ids) == [Status.SENT, Status.DEAD, Status.PROCESSING]


def test_a_whole_batch_throttled_is_retried_message_by_message(providers, website, queued, monkeypatch, settings):
    settings.RETRY_BASE_SECONDS = 300  # the first retry is due in 5 minutes
    ids = _recorded(website, ["13810000001", "13810000002", "13810000003"])
    seen = _answering(
        monkeypatch,
        {"Code": "Throttling.User", "Message": "Request was denied due to user flow control.", "RequestId": "R1"},
    )

    assert buyer_messages_send(ids) == {Status.FAILED: 3}
    assert len(seen) == 1 and seen[0]["Action"] == "SendBatchSms"
    for message in BuyerMessage.objects.filter(pk__in=ids):
        assert (message.error_code, message.attempts) == ("Throttling.User", 1)
        assert message.next_attempt_at > message.created_at
    assert buyer_messages_send(ids) == {"not_due": 3}  # not before the back-off


def test_a_batch_refused_for_its_template_parks_every_message(providers, website, queued, monkeypatch):
    ids = _recorded(website, ["13810000001", "13810000002"])
    seen = _answering(monkeypatch, {"Code": "isv.SMS_TEMPLATE_ILLEGAL"})  # no Message, no RequestId

    assert buyer_messages_send(ids) == {Status.DEAD: 2}
    assert len(seen) == 1
    assert set(BuyerMessage.objects.filter(pk__in=ids).values_list("error_code", flat=True)) == {
        "isv.SMS_TEMPLATE_ILLEGAL"
    }


def test_an_ok_batch_answer_without_a_bizid_is_sent(providers, website, queued, monkeypatch):
    ids = _recorded(website, ["13810000001", "13810000002"])
    _answering(monkeypatch, {"Code": "OK", "Message": "OK"})
    assert buyer_messages_send(ids) == {Status.SENT: 2}


def test_opted_out_and_over_the_hourly_limit_are_taken_out_of_the_batch(providers, website, queued, settings):
    settings.NOTIFY_PHONE_MAX_PER_HOUR = 1
    ids = _recorded(website, ["13810000001", "13810000002", "13810000003"])
    twice = _recorded(website, ["13810000003"], moment="refunded")
    buyer_opt_out(channel="sms", address="13810000002")

    assert buyer_messages_send(ids + twice) == {Status.SENT: 2, Status.OPTED_OUT: 1, Status.RATE_LIMITED: 1}
    assert _statuses(ids + twice) == [Status.SENT, Status.OPTED_OUT, Status.SENT, Status.RATE_LIMITED]


# --- Tencent Cloud SendSms with many numbers --------------------------------------------------------------------


@pytest.fixture
def tencent_same_values(settings, website):
    """Tencent Cloud, and a paid template whose values are the same for every order of the shop."""
    settings.NOTIFY_SMS_PROVIDER = "tencent"
    NotificationTemplate.objects.create(
        moment="paid", channel="sms", shop=website, code="1110", body="{shop}：订单已付款", params={"1": "{shop}"}
    )


def test_tencent_messages_with_the_same_values_share_a_call_and_each_gets_its_number_status(
    providers, website, queued, tencent_same_values
):
    ids = _recorded(website, ["13810000001", "13800000000", "13810009999", "13810000004"])

    assert buyer_messages_send(ids) == {Status.SENT: 2, Status.DEAD: 1, Status.FAILED: 1}
    assert providers.calls.count(TENCENT) == 1
    messages = list(BuyerMessage.objects.filter(pk__in=ids).order_by("pk"))
    assert [m.error_code for m in messages] == [
        "",
        "InvalidParameterValue.IncorrectPhoneNumber",
        "LimitExceeded.PhoneNumberThirtySecondLimit",
        "",
    ]
    assert messages[0].provider_message_id.startswith("2433:") and messages[3].provider_message_id


def test_tencent_messages_with_different_values_go_one_to_a_call(providers, website, queued, settings):
    settings.NOTIFY_SMS_PROVIDER = "tencent"
    ids = _recorded(website, ["13810000001", "13810000002"])  # each with its own order number

    assert buyer_messages_send(ids) == {Status.SENT: 2}
    assert providers.calls.count(TENCENT) == 2


def test_tencent_answers_are_read_per_number_whatever_their_spelling(
    providers, website, queued, tencent_same_values, monkeypatch
):
    ids = _recorded(website, ["13810000001", "13810000002", "13810000003", "13810000004"])
    answer = {
        "Response": {
            "SendStatusSet": [
                {"SerialNo": "5000:1", "PhoneNumber": "8613810000001", "Fee": "1", "Code": "Ok"},  # no + ; a string
                {"PhoneNumber": "+8613810000002", "Code": "FailedOperation.PhoneNumberInBlacklist", "Message": None},
                {"SerialNo": "5000:3", "PhoneNumber": "+8613810000003", "Code": "ok", "Fee": 1},
            ]
        }  # no RequestId; 13810000004 not answered
    }
    seen = _answering(monkeypatch, answer)

    assert buyer_messages_send(ids) == {Status.SENT: 2, Status.DEAD: 1, Status.FAILED: 1}
    assert seen[0]["PhoneNumberSet"] == ["+8613810000001", "+8613810000002", "+8613810000003", "+8613810000004"]
    assert seen[0]["TemplateParamSet"] == ["品牌官网"]
    messages = list(BuyerMessage.objects.filter(pk__in=ids).order_by("pk"))
    assert [m.provider_message_id for m in messages] == ["5000:1", "", "5000:3", ""]
    assert messages[1].error_code == "FailedOperation.PhoneNumberInBlacklist"
    assert services.is_opted_out(channel="sms", address="13810000002")  # Tencent's do-not-disturb list
    assert messages[3].error_code == "no_status"


def test_a_whole_tencent_call_refused_is_every_messages_error(
    providers, website, queued, tencent_same_values, monkeypatch
):
    ids = _recorded(website, ["13810000001", "13810000002"])
    _answering(monkeypatch, {"Response": {"Error": {"Code": "RequestLimitExceeded", "Message": "m"}, "RequestId": "r"}})

    assert buyer_messages_send(ids) == {Status.FAILED: 2}
    assert set(BuyerMessage.objects.filter(pk__in=ids).values_list("error_code", flat=True)) == {"RequestLimitExceeded"}


# --- which messages share a call ------------------------------------------------------------------------------


def _message(pk, provider, recipient, code="T1", params=None):
    return types.SimpleNamespace(pk=pk, provider=provider, recipient=recipient, code=code, params=params or {})


def test_calls_keep_to_the_providers_limits_and_never_carry_a_number_twice():
    aliyun_lot = [_message(i, "aliyun", f"138{i:08d}", params={"order": str(i)}) for i in range(150)]
    again = _message(150, "aliyun", "13800000120")  # a number the second call has
    other = _message(151, "aliyun", "13900000001", code="T2")
    mail = [_message(152, "email", "a@example.com"), _message(153, "email", "b@example.com")]
    wechat = _message(154, "wechat", "openid-1")

    calls = calls_plan([*aliyun_lot, again, other, *mail, wechat])

    assert [len(call) for call in calls] == [100, 50, 1, 1, 1, 1, 1]
    assert calls[2] == [again] and calls[3] == [other] and calls[4:] == [[mail[0]], [mail[1]], [wechat]]
    tencent_lot = [_message(i, "tencent", f"138{i:08d}", params={"1": "x"}) for i in range(250)]
    assert [len(call) for call in calls_plan(tencent_lot)] == [tencent.BATCH_LIMIT, 50]


def test_the_one_message_task_queued_before_batches_still_sends(providers, website, queued):
    from integrations import tasks

    [message_id] = _recorded(website, ["13810000001"])
    assert tasks.buyer_message_send(message_id) == Status.SENT
    assert providers.calls.count(ALIYUN) == 1


# --- the sandbox answers batches as the providers do ----------------------------------------------------------


def test_the_sandbox_checks_a_batchs_signature_and_shape(providers, settings):
    def post(form):
        reply = transport.send(
            "POST",
            settings.NOTIFY_ALIYUN_ENDPOINT,
            body=urllib.parse.urlencode(form).encode(),
            headers={"Content-Type": "application/x-www-form-urlencoded; charset=utf-8"},
        )
        return json.loads(reply.body)["Code"]

    def form(phones, values=None):
        return aliyun.batch_request_params(
            phones=phones, sign_name="测试店", template_code="SMS_1", template_params=values or [{}] * len(phones)
        )

    assert post(form(["13810000001", "13810000002"])) == "OK"
    assert post({**form(["13810000001"]), "Signature": "forged"}) == "SignatureDoesNotMatch"
    assert post(form([f"1381000{i:04d}" for i in range(101)])) == "isv.MOBILE_COUNT_OVER_LIMIT"
    assert post(form(["13810000001"], values=[{"amount": 1}])) == "isv.INVALID_JSON_PARAM"
    short = {**form(["13810000001", "13810000002"]), "SignNameJson": json.dumps(["测试店"])}
    short["Signature"] = aliyun_rpc_signature(short, settings.NOTIFY_ALIYUN_ACCESS_KEY_SECRET, method="POST")
    assert post(short) == "isv.INVALID_PARAMETERS"  # one sign name per number


def test_the_sandbox_refuses_a_tencent_call_of_more_than_200_numbers(providers, settings):
    lot = [_message(i, "tencent", f"138{i:08d}", code="1110", params={"1": "x"}) for i in range(201)]
    outcomes = tencent.send_batch(lot)
    assert {exc.provider_code for _message, exc in outcomes} == {"LimitExceeded.PhoneNumberCountLimit"}
    assert providers.calls.count(TENCENT) == 1
