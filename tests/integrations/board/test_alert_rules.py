"""Alert rules on the board's figures: a threshold held for a while fires one alert (orders' Alert, kind board),
sent once through the notification channels; escalation; a channel's quiet hours hold the message back; the alert
resolves itself when the figure is back."""

import datetime as dt
import json
from decimal import Decimal
from unittest import mock

import pytest
from django.utils import timezone

from integrations.board.models import BoardAlertRule, BoardSnapshot
from integrations.board.rules import board_alert_rules_evaluate
from orders.models import Alert, NotificationChannel
from tests.orders.helpers import FakeResponse

pytestmark = pytest.mark.django_db

TZ = timezone.get_default_timezone()
T0 = dt.datetime(2026, 11, 11, 10, 0, tzinfo=TZ)


@pytest.fixture
def robot(db, sync_tasks):
    return NotificationChannel.objects.create(
        name="值班群", kind="wecom", webhook_url="https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=k1"
    )


def backlog(total):
    rows = [{"status": "paid", "buckets": {"0-10m": total, "10-60m": 0, "1-4h": 0, "4h+": 0}, "total": total}]
    BoardSnapshot.objects.update_or_create(
        panel="now",
        defaults={
            "computed_at": T0,
            "data": {
                "backlog": {"rows": rows, "total": total},
                "stuck": {"total": 0},
                "review": {"open": 0, "oldest_wait_min": None},
                "oversold": {"units": 0},
            },
        },
    )


def evaluate(now, django_capture_on_commit_callbacks):
    sent = []

    def urlopen(request, timeout):
        sent.append(json.loads(request.data)["markdown"]["content"])
        return FakeResponse({"errcode": 0, "errmsg": "ok"})

    with mock.patch("urllib.request.urlopen", side_effect=urlopen):
        with django_capture_on_commit_callbacks(execute=True):
            outcome = board_alert_rules_evaluate(now=now)
    return outcome, sent


def rule(**fields):
    values = dict(name="积压过高", figure="backlog", comparison="above", threshold=Decimal("500"), for_minutes=10)
    values.update(fields)
    return BoardAlertRule.objects.create(**values)


def test_a_figure_out_of_bounds_for_the_set_minutes_raises_one_alert_sent_once(
    robot, django_capture_on_commit_callbacks
):
    rule()
    backlog(600)

    first, sent = evaluate(T0, django_capture_on_commit_callbacks)
    assert first["raised"] == 0 and sent == [] and not Alert.objects.exists()  # not yet 10 minutes

    fired, sent = evaluate(T0 + dt.timedelta(minutes=10), django_capture_on_commit_callbacks)
    alert = Alert.objects.get()
    assert fired["raised"] == 1 and (alert.kind, alert.severity) == ("board", "warning")
    assert alert.title == "积压过高: 待处理订单 = 600 (高于 500)"
    assert len(sent) == 1 and "积压过高" in sent[0]

    again, sent = evaluate(T0 + dt.timedelta(minutes=11), django_capture_on_commit_callbacks)
    assert again["raised"] == 0 and sent == [] and Alert.objects.count() == 1  # deduplicated


def test_the_alert_resolves_itself_when_the_figure_is_back_and_a_new_breach_starts_over(
    robot, django_capture_on_commit_callbacks
):
    watched = rule(for_minutes=0)
    backlog(600)
    evaluate(T0, django_capture_on_commit_callbacks)
    backlog(100)

    outcome, _sent = evaluate(T0 + dt.timedelta(minutes=1), django_capture_on_commit_callbacks)

    assert outcome["resolved"] == 1 and Alert.objects.get().resolved_at is not None
    watched.refresh_from_db()
    assert watched.breach_started_at is None and watched.last_value == Decimal("100")


def test_a_breach_that_lasts_turns_red_and_is_sent_again(robot, django_capture_on_commit_callbacks):
    rule(escalate_after_minutes=20)
    backlog(600)
    evaluate(T0, django_capture_on_commit_callbacks)
    evaluate(T0 + dt.timedelta(minutes=10), django_capture_on_commit_callbacks)

    _outcome, sent = evaluate(T0 + dt.timedelta(minutes=30), django_capture_on_commit_callbacks)

    alert = Alert.objects.get()
    assert alert.severity == "critical" and alert.notified_severity == "critical" and len(sent) == 1


def test_a_channels_quiet_hours_hold_a_rules_amber_alert_until_they_end(robot, django_capture_on_commit_callbacks):
    from orders.services.alert_delivery import alert_deliveries_retry_due

    robot.quiet_from, robot.quiet_to = dt.time(22, 0), dt.time(8, 0)
    robot.save()
    night = dt.datetime(2026, 11, 11, 23, 0, tzinfo=TZ)
    rule(for_minutes=0)
    backlog(600)

    with mock.patch("django.utils.timezone.now", return_value=night):
        _outcome, sent = evaluate(night, django_capture_on_commit_callbacks)
    assert sent == [] and Alert.objects.get().deliveries.get().status == "pending"  # raised, visible, held

    with mock.patch("django.utils.timezone.now", return_value=night + dt.timedelta(hours=9)):  # 08:00
        with mock.patch("urllib.request.urlopen", return_value=FakeResponse({"errcode": 0, "errmsg": "ok"})) as post:
            with django_capture_on_commit_callbacks(execute=True):
                alert_deliveries_retry_due()
    assert Alert.objects.get().deliveries.get().status == "sent" and post.call_count == 1


def test_a_figure_below_its_threshold_and_one_not_computed_yet(robot, django_capture_on_commit_callbacks):
    rule(figure="consistency_min", comparison="below", threshold=Decimal("99"), for_minutes=0)
    outcome, sent = evaluate(T0, django_capture_on_commit_callbacks)  # no connections panel yet: nothing
    assert outcome["raised"] == 0 and sent == []

    BoardSnapshot.objects.create(
        panel="connections",
        computed_at=T0,
        data={"shops": [{"consistency_pct": 98.5}, {"consistency_pct": None}, {"consistency_pct": 100.0}]},
    )
    outcome, sent = evaluate(T0, django_capture_on_commit_callbacks)
    assert outcome["raised"] == 1 and "98.5" in Alert.objects.get().title


def test_board_alerts_are_listed_for_managers_not_for_shop_staff(
    robot, manager, cs_a, django_capture_on_commit_callbacks
):
    from orders.review.selectors import alert_list_for_user

    rule(for_minutes=0)
    backlog(600)
    evaluate(T0, django_capture_on_commit_callbacks)

    assert [a.kind for a in alert_list_for_user(manager)] == ["board"]
    assert not alert_list_for_user(cs_a).exists()
