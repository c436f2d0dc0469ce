"""Alert deliveries: every send of an alert to a channel is a row, written with the alert and sent after commit;
the providers' real refusals decide retry or park (DingTalk errcode 130101 "send too fast, exceed 20 times per
minute" as robots answer it, https://github.com/ccfos/nightingale/issues/369; 310000 sign not match; WeCom 45009
api freq out of limit, 93000 invalid webhook url, https://developer.work.weixin.qq.com/document/path/90313; Aliyun
voice isv.BUSINESS_LIMIT_CONTROL / isv.MOBILE_NUMBER_ILLEGAL, https://help.aliyun.com/document_detail/393519.html);
parked deliveries are replayed by staff."""

from __future__ import annotations

import datetime as dt
import json
import threading

import pytest
from django.utils import timezone

from integrations import transport
from integrations.exceptions import PlatformError
from orders.models import Alert, AlertDelivery, NotificationChannel
from orders.services.alert_delivery import (
    alert_deliveries_replay,
    alert_deliveries_retry_due,
    alert_delivery_send,
)
from orders.services.alerts import alert_raise, alert_resolve
from tests.concurrency import run_together

pytestmark = pytest.mark.django_db
DINGTALK = "https://oapi.dingtalk.com/robot/send?access_token=t"
WECOM = "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=k"


class Robots:
    """The robots' answers, one JSON body a call (the last repeats); records what was posted."""

    def __init__(self, *answers: dict):
        self.answers = list(answers) or [{"errcode": 0, "errmsg": "ok"}]
        self.calls: list[str] = []
        self.lock = threading.Lock()

    def __call__(self, method, url, *, body=None, **kwargs):
        with self.lock:
            self.calls.append(url)
            answer = self.answers.pop(0) if len(self.answers) > 1 else self.answers[0]
        return transport.Response(200, json.dumps(answer).encode())


@pytest.fixture
def robots(monkeypatch):
    def install(*answers):
        fake = Robots(*answers)
        monkeypatch.setattr(transport, "send", fake)
        return fake

    return install


def _channel(kind="dingtalk", **fields):
    url = {"dingtalk": DINGTALK, "wecom": WECOM}.get(kind, "")
    return NotificationChannel.objects.create(name=f"{kind} 群", kind=kind, webhook_url=url, **fields)


def _raise(severity="warning", key="board:1"):
    return alert_raise(kind="board", key=key, severity=severity, title="卡单 35 单")[0]


def test_deliveries_are_written_with_the_alert_and_sent_after_commit(robots, django_capture_on_commit_callbacks):
    sent = robots()
    dingtalk, wecom = _channel("dingtalk"), _channel("wecom")
    _channel("wecom", min_severity="critical")  # a red-only group does not take an amber alert

    with django_capture_on_commit_callbacks() as queued:
        alert = _raise()
        rows = AlertDelivery.objects.filter(alert=alert).order_by("channel_id")
        assert [(d.channel_id, d.step, d.status) for d in rows] == [
            (dingtalk.pk, "warning", "pending"),
            (wecom.pk, "warning", "pending"),
        ]
        assert sent.calls == []  # nothing goes out inside the transaction
    assert len(queued) == 2
    for callback in queued:
        callback()

    assert sorted(AlertDelivery.objects.values_list("status", "attempts")) == [("sent", 1), ("sent", 1)]
    assert len(sent.calls) == 2
    alert.refresh_from_db()
    assert alert.notified_severity == "warning"


def test_an_escalation_is_a_step_of_its_own_and_a_step_is_written_once(robots, django_capture_on_commit_callbacks):
    robots()
    amber, red = _channel("dingtalk"), _channel("wecom", min_severity="critical")
    with django_capture_on_commit_callbacks(execute=True):
        _raise("warning")
        _raise("warning")  # the same open alert, not escalated: nothing new
        alert = _raise("critical")
        _raise("critical")

    steps = sorted(AlertDelivery.objects.filter(alert=alert).values_list("channel_id", "step", "status"))
    assert steps == [(amber.pk, "critical", "sent"), (amber.pk, "warning", "sent"), (red.pk, "critical", "sent")]


@pytest.mark.parametrize(
    "kind, errcode, errmsg, status, wait_seconds",
    [
        ("dingtalk", 130101, "send too fast, exceed 20 times per minute", "failed", 60),
        ("dingtalk", 410100, "send too fast", "failed", 60),
        ("dingtalk", 310000, "sign not match", "parked", 0),
        ("dingtalk", 300001, "token is not exist", "parked", 0),
        ("wecom", 45009, "api freq out of limit", "failed", 60),
        ("wecom", -1, "system busy", "failed", 30),
        ("wecom", 93000, "invalid webhook url", "parked", 0),
    ],
)
def test_a_robots_errcode_decides_retry_later_or_park(
    robots, django_capture_on_commit_callbacks, kind, errcode, errmsg, status, wait_seconds
):
    robots({"errcode": errcode, "errmsg": errmsg})
    _channel(kind)
    before = timezone.now()
    with django_capture_on_commit_callbacks(execute=True):
        _raise()

    delivery = AlertDelivery.objects.get()
    assert (delivery.status, delivery.attempts, delivery.error_code) == (status, 1, str(errcode))
    assert errmsg in delivery.last_error
    if status == "failed":
        assert delivery.next_attempt_at >= before + dt.timedelta(seconds=wait_seconds)


def test_an_unanswering_robot_is_retried_then_parked_when_the_policy_gives_up(
    robots, monkeypatch, settings, django_capture_on_commit_callbacks
):
    settings.RETRY_MAX_ATTEMPTS = 3

    def down(*args, **kwargs):
        raise PlatformError("connection refused")

    monkeypatch.setattr(transport, "send", down)
    _channel("dingtalk")
    with django_capture_on_commit_callbacks(execute=True):
        _raise()
    delivery = AlertDelivery.objects.get()
    assert (delivery.status, delivery.attempts, delivery.error_code) == ("failed", 1, "unreachable")

    for attempt in (2, 3):
        AlertDelivery.objects.filter(pk=delivery.pk).update(next_attempt_at=timezone.now())  # its back-off is over
        with django_capture_on_commit_callbacks(execute=True):
            assert alert_deliveries_retry_due() == {"expired": 0, "queued": 1}
        delivery.refresh_from_db()
        assert delivery.attempts == attempt
    assert delivery.status == "parked"
    with django_capture_on_commit_callbacks(execute=True):
        assert alert_deliveries_retry_due() == {"expired": 0, "queued": 0}  # parked: no more attempts


def test_a_parked_delivery_is_replayed_with_fresh_attempts(robots, django_capture_on_commit_callbacks):
    sent = robots({"errcode": 310000, "errmsg": "sign not match"}, {"errcode": 0, "errmsg": "ok"})
    _channel("dingtalk")
    with django_capture_on_commit_callbacks(execute=True):
        _raise()
    delivery = AlertDelivery.objects.get()
    assert delivery.status == "parked"

    with django_capture_on_commit_callbacks(execute=True):
        assert alert_deliveries_replay(delivery_ids=[delivery.pk]) == 1
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts, delivery.error_code) == ("sent", 1, "")
    assert len(sent.calls) == 2
    with django_capture_on_commit_callbacks(execute=True):
        assert alert_deliveries_replay(delivery_ids=[delivery.pk]) == 0  # sent: nothing to replay


def test_a_delivery_of_an_alert_resolved_before_it_went_out_is_skipped(robots, django_capture_on_commit_callbacks):
    sent = robots()
    _channel("dingtalk")
    with django_capture_on_commit_callbacks() as queued:
        alert = _raise()
    alert_resolve(alert_ids=[alert.pk])
    for callback in queued:
        callback()
    assert AlertDelivery.objects.get().status == "skipped" and sent.calls == []


def test_a_claim_whose_worker_died_counts_as_an_attempt_and_is_sent_again(
    robots, settings, django_capture_on_commit_callbacks
):
    sent = robots()
    _channel("dingtalk")
    with django_capture_on_commit_callbacks():
        _raise()
    long_ago = timezone.now() - dt.timedelta(seconds=settings.ALERT_DELIVERY_CLAIM_EXPIRY_SECONDS + 1)
    AlertDelivery.objects.update(status="sending", attempts=1, claimed_at=long_ago)  # a killed worker's claim

    with django_capture_on_commit_callbacks(execute=True):
        assert alert_deliveries_retry_due()["expired"] == 1
    delivery = AlertDelivery.objects.get()
    assert (delivery.status, delivery.attempts, delivery.error_code) == ("failed", 1, "RuntimeError")
    AlertDelivery.objects.update(next_attempt_at=timezone.now())
    with django_capture_on_commit_callbacks(execute=True):
        alert_deliveries_retry_due()
    assert AlertDelivery.objects.get().status == "sent" and len(sent.calls) == 1


@pytest.mark.parametrize(
    "code, status",
    [("isv.BUSINESS_LIMIT_CONTROL", "failed"), ("isv.MOBILE_NUMBER_ILLEGAL", "parked")],
)
def test_a_phone_call_refused_by_aliyun_is_retried_or_parked_by_its_code(
    monkeypatch, settings, django_capture_on_commit_callbacks, code, status
):
    settings.NOTIFY_ALIYUN_ACCESS_KEY_ID = "id"
    settings.NOTIFY_ALIYUN_ACCESS_KEY_SECRET = "secret"
    settings.NOTIFY_ALIYUN_VOICE_TTS_CODE = "TTS_10001"
    answer = {"Code": code, "Message": "refused", "RequestId": "r-1"}
    monkeypatch.setattr(transport, "send", lambda *a, **k: transport.Response(200, json.dumps(answer).encode()))
    NotificationChannel.objects.create(name="值班电话", kind="voice", phones="13800138000", min_severity="critical")
    with django_capture_on_commit_callbacks(execute=True):
        _raise("critical")
    delivery = AlertDelivery.objects.get()
    assert (delivery.status, delivery.error_code) == (status, code)
    assert "138****8000" in delivery.last_error and "13800138000" not in delivery.last_error


def test_a_red_late_shipment_emails_the_supervisors_when_no_email_channel_takes_it(
    mailoutbox, django_capture_on_commit_callbacks, monkeypatch
):
    from orders.services import alert_delivery

    monkeypatch.setattr(alert_delivery, "order_supervisors", lambda order: [type("U", (), {"email": "boss@x.cn"})()])
    from tests.factories.orders import make_order

    order = make_order()
    with django_capture_on_commit_callbacks(execute=True):
        alert_raise(kind="ship_late", key="late:1", severity="critical", title="超时未发货", order=order)
    delivery = AlertDelivery.objects.get()
    assert (delivery.channel, delivery.extra_emails, delivery.status) == (None, ["boss@x.cn"], "sent")
    assert mailoutbox[0].to == ["boss@x.cn"]


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_workers_send_a_delivery_once_and_concurrent_raises_write_it_once(robots, monkeypatch):
    from orders.services import alert_delivery

    sent = robots()
    _channel("dingtalk")
    _channel("wecom")
    queued = []
    monkeypatch.setattr(alert_delivery, "enqueue_on_commit", lambda task, pk: queued.append(pk))  # workers, below
    results, errors = run_together([lambda: _raise(key="board:race") for _ in range(4)])
    assert errors == []
    assert AlertDelivery.objects.count() == 2  # one per channel, however many raised it at once
    assert sorted(queued) == sorted(AlertDelivery.objects.values_list("pk", flat=True))

    deliveries = list(AlertDelivery.objects.values_list("pk", flat=True))
    results, errors = run_together([lambda pk=pk: alert_delivery_send(pk) for pk in deliveries for _ in range(3)])
    assert errors == []
    assert sorted(results).count("sent") == 2 and sorted(results).count("not_due") == 4
    assert len(sent.calls) == 2
    assert set(AlertDelivery.objects.values_list("status", "attempts")) == {("sent", 1)}
    assert Alert.objects.get().notified_severity == "warning"
