# ruff: noqa: F811  (pytest fixtures imported from tests.orders.rules.fixtures are used as arguments)
"""SLA watch with time frozen, alerts (acknowledge, assign, resolve), and the robots' signed webhooks."""

import base64
import datetime as dt
import hashlib
import hmac
import json
import urllib.parse
from unittest import mock

import pytest
from django.core import mail

from integrations.alerting.dingtalk import signed_url
from integrations.signing import dingtalk_sign
from orders.models import Alert, NotificationChannel
from orders.notifications import notification_broadcast
from orders.review.services import order_address_update
from orders.services import order_transition
from orders.services.alerts import alert_acknowledge, alert_assign
from orders.sla import (
    sla_ship_late_flag,
    sla_stuck_orders_flag,
    sla_suspicious_flag,
)
from orders.states import HoldReason, Status
from orders.tasks import SCHEDULES
from tests.factories import make_order
from tests.orders.helpers import FakeResponse
from tests.orders.rules.fixtures import clock, tasks_run_inline  # noqa: F401

pytestmark = pytest.mark.django_db


@pytest.fixture
def robots(db):
    ding = NotificationChannel.objects.create(
        name="运营钉钉群",
        kind="dingtalk",
        secret="SEC123",
        webhook_url="https://oapi.dingtalk.com/robot/send?access_token=abc",
        min_severity="warning",
    )
    wecom = NotificationChannel.objects.create(
        name="主管企微群",
        kind="wecom",
        webhook_url="https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=k1",
        min_severity="critical",
    )
    return ding, wecom


@pytest.fixture
def http():
    """The network: every robot answers errcode 0; ``http.requests`` are what was sent."""
    sent = []

    def urlopen(request, timeout):
        sent.append({"url": request.full_url, "body": json.loads(request.data.decode())})
        return FakeResponse({"errcode": 0, "errmsg": "ok"})

    with mock.patch("urllib.request.urlopen", side_effect=urlopen):
        yield sent


# --- monitors ------------------------------------------------------------------------------------------------


def test_an_order_paid_for_more_than_ten_minutes_is_flagged_and_resolved_when_it_moves(
    world, clock, robots, http, django_capture_on_commit_callbacks
):
    order = make_order(shop=world["shop_a"], status=Status.PAID, paid_at=clock.now)
    clock.advance(minutes=10)
    assert sla_stuck_orders_flag()["open"] == 0
    clock.advance(minutes=1)
    with django_capture_on_commit_callbacks(execute=True):
        result = sla_stuck_orders_flag()
    alert = Alert.objects.get(kind="stuck")
    assert result == {"raised": 1, "open": 1, "resolved": 0}
    assert (alert.order, alert.severity, alert.detail["minutes"]) == (order, "warning", 11)
    assert [r["url"].split("?")[0] for r in http] == ["https://oapi.dingtalk.com/robot/send"]  # amber: not WeCom
    with django_capture_on_commit_callbacks(execute=True):
        assert sla_stuck_orders_flag()["raised"] == 0  # still stuck: nothing new, no second message
    assert len(http) == 1

    order_transition(order=order, to_status=Status.APPROVED, system="tests")
    assert sla_stuck_orders_flag()["resolved"] == 1
    alert.refresh_from_db()
    assert alert.resolved_at == clock.now


def test_a_late_order_turns_red_notifies_its_supervisors_and_is_assigned(
    world, clock, robots, http, manager, django_capture_on_commit_callbacks
):
    manager.email = "boss@example.com"
    manager.save()
    order = make_order(
        shop=world["shop_a"], status=Status.PAID, paid_at=clock.now, promised_ship_at=clock.now + dt.timedelta(hours=3)
    )
    order_transition(order=order, to_status=Status.APPROVED, system="tests")
    assert sla_ship_late_flag()["open"] == 0
    clock.advance(hours=1, minutes=30)
    with django_capture_on_commit_callbacks(execute=True):
        sla_ship_late_flag()
    alert = Alert.objects.get(kind="ship_late")
    assert alert.severity == "warning" and alert.assignee is None
    assert len(http) == 1 and not mail.outbox

    clock.advance(hours=2)
    with django_capture_on_commit_callbacks(execute=True):
        sla_ship_late_flag()
    alert.refresh_from_db()
    assert (alert.severity, alert.assignee, alert.notified_severity) == ("critical", manager, "critical")
    assert len(http) == 3  # escalation: DingTalk again and the WeCom supervisors' group
    assert [m.to for m in mail.outbox] == [["boss@example.com"]]
    assert order.number in mail.outbox[0].subject

    for status in (Status.PICKING, Status.SHIPPED):
        order_transition(order=order, to_status=status, system="tests")
    assert sla_ship_late_flag()["resolved"] == 1


def test_presale_orders_waiting_for_their_balance_are_not_late(world, clock):
    order = make_order(shop=world["shop_a"], status=Status.PAID, promised_ship_at=clock.now - dt.timedelta(hours=1))
    order_transition(order=order, to_status=Status.ON_HOLD, hold_reason=HoldReason.PRESALE, system="tests")
    assert sla_ship_late_flag()["open"] == 0


def test_one_phone_behind_many_accounts_is_flagged(world, clock):
    for buyer in ("a", "b"):
        make_order(shop=world["shop_a"], consignee_phone="13512345678", buyer_id=buyer)
    assert sla_suspicious_flag()["open"] == 0
    make_order(shop=world["shop_b"], consignee_phone="13512345678", buyer_id="c")
    make_order(shop=world["shop_b"], consignee_phone="135****5678", buyer_id="d")  # masked: not counted
    assert sla_suspicious_flag()["raised"] == 1
    alert = Alert.objects.get(kind="phone_many_accounts")
    assert alert.detail == {"phone": "135****5678", "accounts": 3, "orders": 3}
    assert "13512345678" not in alert.title + alert.key
    clock.advance(days=31)
    assert sla_suspicious_flag()["resolved"] == 1


def test_repeated_address_changes_are_flagged(world, clock):
    order = make_order(shop=world["shop_a"], status=Status.PAID)
    order_address_update(order_id=order.pk, actor=None, system="taobao", address="新地址1号")
    assert sla_suspicious_flag()["open"] == 0
    order_address_update(order_id=order.pk, actor=None, system="taobao", address="新地址2号")
    sla_suspicious_flag()
    assert Alert.objects.get(kind="address_changes").order == order


def test_the_watch_is_scheduled():
    names = {s["name"]: s for s in SCHEDULES}
    assert names["orders.sla_watch_orders"]["minutes"] == 1
    assert {
        "orders.sla_watch_suspicious",
        "orders.presale_reminders_send",
        "orders.presale_deadlines_enforce",
        "orders.orders_retry_out_of_stock",
    } <= set(names)


# --- alerts --------------------------------------------------------------------------------------------------


def test_alerts_are_acknowledged_once_and_assigned(world, clock, cs_a, manager):
    make_order(shop=world["shop_a"], status=Status.PAID, paid_at=clock.now)
    clock.advance(minutes=30)
    sla_stuck_orders_flag()
    alert = Alert.objects.get()
    alert_acknowledge(alert_id=alert.pk, actor=cs_a)
    clock.advance(minutes=1)
    alert_acknowledge(alert_id=alert.pk, actor=manager)
    alert_assign(alert_id=alert.pk, assignee=manager, actor=cs_a)
    alert.refresh_from_db()
    assert (alert.acknowledged_by, alert.assignee) == (cs_a, manager)
    assert alert.acknowledged_at == clock.now - dt.timedelta(minutes=1)


# --- robots ---------------------------------------------------------------------------------------------------


def test_dingtalk_sign_is_hmac_sha256_of_timestamp_and_secret():
    timestamp, secret = 1731290000000, "SECabc"
    expected = base64.b64encode(hmac.new(secret.encode(), f"{timestamp}\n{secret}".encode(), hashlib.sha256).digest())
    assert dingtalk_sign(secret=secret, timestamp_ms=timestamp) == expected.decode()
    url = signed_url("https://oapi.dingtalk.com/robot/send?access_token=t", secret, timestamp_ms=timestamp)
    query = urllib.parse.parse_qs(urllib.parse.urlsplit(url).query)
    assert query["timestamp"] == [str(timestamp)] and query["sign"] == [expected.decode()]
    assert query["access_token"] == ["t"]


def test_messages_go_to_matching_channels_and_a_refusing_robot_does_not_stop_the_others(robots):
    email = NotificationChannel.objects.create(
        name="邮件", kind="email", emails="ops@example.com, cs@example.com", min_severity="info"
    )
    answers = iter([{"errcode": 310000, "errmsg": "sign not match"}, {"errcode": 0}])
    with mock.patch("urllib.request.urlopen", side_effect=lambda req, timeout: FakeResponse(next(answers))) as post:
        result = notification_broadcast(title="测试", text="- 订单 OH1", severity="critical", kind="stuck")
    assert result == {"sent": 2, "failed": 1}
    assert post.call_count == 2
    wecom_body = json.loads(post.call_args_list[1].args[0].data.decode())
    assert wecom_body == {"msgtype": "markdown", "markdown": {"content": "**测试**\n- 订单 OH1"}}
    assert mail.outbox[0].to == ["cs@example.com", "ops@example.com"]
    email.alert_kinds = ["ship_late"]
    email.save()
    with mock.patch("urllib.request.urlopen", side_effect=lambda req, timeout: FakeResponse({"errcode": 0})):
        notification_broadcast(title="x", text="y", severity="critical", kind="stuck")
    assert len(mail.outbox) == 1  # the e-mail channel only wants ship_late alerts


def test_an_alert_whose_every_channel_fails_is_retried_from_its_deliveries(
    world, clock, robots, django_capture_on_commit_callbacks
):
    from orders.services.alert_delivery import alert_deliveries_retry_due

    make_order(shop=world["shop_a"], status=Status.PAID, paid_at=clock.now)
    clock.advance(minutes=30)
    with mock.patch("urllib.request.urlopen", side_effect=OSError("down")):
        with django_capture_on_commit_callbacks(execute=True):
            sla_stuck_orders_flag()
    alert = Alert.objects.get()
    delivery = alert.deliveries.get()  # the amber robot; the red-only group does not take it
    assert (delivery.status, delivery.attempts, delivery.error_code) == ("failed", 1, "unreachable")
    clock.advance(minutes=1)  # past the first back-off (30 s)
    with mock.patch("urllib.request.urlopen", side_effect=lambda req, timeout: FakeResponse({"errcode": 0})):
        with django_capture_on_commit_callbacks(execute=True):
            assert alert_deliveries_retry_due()["queued"] == 1
        with django_capture_on_commit_callbacks(execute=True):
            assert alert_deliveries_retry_due()["queued"] == 0
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == ("sent", 2)
