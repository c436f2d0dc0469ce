"""The daily shipping health report sent to the groups at the set time: once per day and channel, retried with
the one retry policy, parked and sent again."""

import datetime as dt
import json
from unittest import mock

import pytest
from django.test import override_settings
from django.utils import timezone

from fulfilment.models import ReportDelivery
from fulfilment.services.report_delivery import report_deliveries_replay, shipping_report_send_due
from orders.models import NotificationChannel
from tests.orders.helpers import FakeResponse

pytestmark = pytest.mark.django_db

TZ = timezone.get_default_timezone()
MORNING = dt.datetime(2026, 11, 12, 8, 3, tzinfo=TZ)


@pytest.fixture
def groups(db):
    ding = NotificationChannel.objects.create(
        name="运营群",
        kind="dingtalk",
        secret="SEC123",
        webhook_url="https://oapi.dingtalk.com/robot/send?access_token=abc",
        alert_kinds=["shipping_report"],
    )
    NotificationChannel.objects.create(  # alerts only: no daily report
        name="告警群", kind="wecom", webhook_url="https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=k1"
    )
    NotificationChannel.objects.create(
        name="停用群",
        kind="wecom",
        webhook_url="https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=k2",
        alert_kinds=["shipping_report"],
        is_active=False,
    )
    return ding


def run(now, answers):
    posted = []

    def urlopen(request, timeout):
        posted.append((request.full_url, json.loads(request.data)))
        return FakeResponse(next(answers))

    with mock.patch("urllib.request.urlopen", side_effect=urlopen):
        outcome = shipping_report_send_due(now=now)
    return outcome, posted


@override_settings(FULFILMENT_REPORT_SEND_AT="08:00")
def test_nothing_is_sent_before_the_set_time(groups):
    outcome, posted = run(MORNING.replace(hour=7, minute=59), iter([]))

    assert outcome == {"opened": 0, "sent": 0, "failed": 0} and posted == []


@override_settings(FULFILMENT_REPORT_SEND_AT="08:00")
def test_after_the_set_time_yesterdays_report_goes_once_to_each_opted_in_group(groups):
    outcome, posted = run(MORNING, iter([{"errcode": 0, "errmsg": "ok"}]))

    assert outcome == {"opened": 1, "sent": 1, "failed": 0}
    [(url, payload)] = posted
    assert url.startswith("https://oapi.dingtalk.com/robot/send?access_token=abc&timestamp=") and "&sign=" in url
    assert payload["msgtype"] == "markdown"
    assert payload["markdown"]["title"] == "发货健康度日报 2026-11-11"
    assert "/fulfilment/report.xlsx?day=2026-11-11" in payload["markdown"]["text"]
    delivery = ReportDelivery.objects.get()
    assert (delivery.day, delivery.status, delivery.attempts) == (dt.date(2026, 11, 11), "sent", 1)

    again, posted_again = run(MORNING + dt.timedelta(minutes=5), iter([]))
    assert again == {"opened": 0, "sent": 0, "failed": 0} and posted_again == []


@override_settings(FULFILMENT_REPORT_SEND_AT="08:00")
def test_a_wrong_signature_parks_the_delivery_at_once(groups):
    outcome, _posted = run(MORNING, iter([{"errcode": 310000, "errmsg": "sign not match"}]))
    delivery = ReportDelivery.objects.get()  # no retry fixes a wrong secret: parked for staff at once
    assert outcome["failed"] == 1 and (delivery.status, delivery.attempts) == ("dead", 1)
    assert "310000" in delivery.last_error


@override_settings(FULFILMENT_REPORT_SEND_AT="08:00", RETRY_MAX_ATTEMPTS=2)
def test_a_refused_message_is_retried_then_parked_and_can_be_sent_again(groups):
    refused = {"errcode": 130101, "errmsg": "send too fast, exceed 20 times per minute"}  # DingTalk's rate limit
    outcome, _posted = run(MORNING, iter([refused]))
    delivery = ReportDelivery.objects.get()
    assert outcome["failed"] == 1 and delivery.status == "failed" and "130101" in delivery.last_error
    assert delivery.next_attempt_at >= MORNING + dt.timedelta(seconds=60)  # not before the robot's minute is over

    early, posted = run(MORNING + dt.timedelta(seconds=1), iter([]))
    assert early["sent"] == early["failed"] == 0 and posted == []  # not due yet

    run(delivery.next_attempt_at, iter([refused]))
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == ("dead", 2)

    assert report_deliveries_replay(delivery_ids=[delivery.pk]) == 1
    outcome, _posted = run(delivery.next_attempt_at + dt.timedelta(minutes=1), iter([{"errcode": 0}]))
    delivery.refresh_from_db()
    assert outcome["sent"] == 1 and (delivery.status, delivery.attempts) == ("sent", 1)


def _stuck_sending(groups, *, claimed_at, attempts=1):
    """A delivery whose worker was killed while sending it: claimed, never finished."""
    with mock.patch("fulfilment.services.report_delivery.channel_send", side_effect=KeyboardInterrupt):
        with pytest.raises(KeyboardInterrupt):
            shipping_report_send_due(now=claimed_at)
    delivery = ReportDelivery.objects.get()
    ReportDelivery.objects.filter(pk=delivery.pk).update(attempts=attempts)
    assert delivery.status == "sending"
    return delivery


@override_settings(FULFILMENT_REPORT_SEND_AT="08:00", FULFILMENT_REPORT_CLAIM_EXPIRY_SECONDS=600)
def test_a_delivery_left_sending_by_a_killed_worker_is_sent_again_after_the_claim_expires(groups):
    delivery = _stuck_sending(groups, claimed_at=MORNING)

    before, posted = run(MORNING + dt.timedelta(seconds=599), iter([]))
    assert before["sent"] == 0 and posted == []  # the worker may still be at it
    after, posted = run(MORNING + dt.timedelta(seconds=601), iter([{"errcode": 0, "errmsg": "ok"}]))

    delivery.refresh_from_db()
    assert after["sent"] == 1 and len(posted) == 1
    assert (delivery.status, delivery.attempts) == ("sent", 2)


@override_settings(FULFILMENT_REPORT_SEND_AT="08:00", FULFILMENT_REPORT_CLAIM_EXPIRY_SECONDS=600, RETRY_MAX_ATTEMPTS=3)
def test_a_delivery_that_keeps_killing_its_worker_is_parked_once_out_of_attempts(groups):
    delivery = _stuck_sending(groups, claimed_at=MORNING, attempts=3)

    outcome, posted = run(MORNING + dt.timedelta(minutes=11), iter([]))

    delivery.refresh_from_db()
    assert outcome == {"opened": 0, "sent": 0, "failed": 1} and posted == []
    assert delivery.status == "dead" and "did not finish" in delivery.last_error
