"""Quiet hours on a notification channel, on the Shanghai clock: a non-red alert raised inside them waits until
they end (the sweeper sends it then); a red one and a phone call still go. Hours may run across midnight."""

from __future__ import annotations

import datetime as dt
from unittest import mock
from zoneinfo import ZoneInfo

import pytest

from orders.models import AlertDelivery, NotificationChannel
from orders.notifications import channel_quiet_until
from orders.services.alerts import alert_raise

pytestmark = pytest.mark.django_db
SHANGHAI = ZoneInfo("Asia/Shanghai")


def at(day: int, hour: int, minute: int = 0, second: int = 0) -> dt.datetime:
    return dt.datetime(2026, 12, day, hour, minute, second, tzinfo=SHANGHAI)


def night(**fields) -> NotificationChannel:
    fields = {"name": "邮件组", "kind": "email", "emails": "ops@example.com", **fields}
    return NotificationChannel(quiet_from=dt.time(22, 0), quiet_to=dt.time(8, 0), **fields)


@pytest.mark.parametrize(
    "now, until",
    [
        (at(7, 21, 59, 59), None),  # just before
        (at(7, 22, 0), at(8, 8, 0)),  # from the first second
        (at(7, 23, 59, 59), at(8, 8, 0)),  # before midnight: tomorrow morning
        (at(8, 0, 0), at(8, 8, 0)),  # at midnight: this morning
        (at(8, 7, 59, 59), at(8, 8, 0)),
        (at(8, 8, 0), None),  # over at the last minute's end
        (at(8, 12, 0), None),
    ],
)
def test_quiet_hours_across_midnight(now, until):
    assert channel_quiet_until(night(), now.astimezone(dt.UTC)) == until


def test_quiet_hours_within_a_day_and_hours_that_are_not_set():
    lunch = NotificationChannel(kind="dingtalk", quiet_from=dt.time(12, 0), quiet_to=dt.time(14, 0))
    assert channel_quiet_until(lunch, at(7, 11, 59)) is None
    assert channel_quiet_until(lunch, at(7, 12, 0)) == at(7, 14, 0)
    assert channel_quiet_until(lunch, at(7, 14, 0)) is None
    assert channel_quiet_until(lunch, at(7, 23, 0)) is None
    assert channel_quiet_until(NotificationChannel(kind="dingtalk"), at(7, 23, 0)) is None


def test_a_phone_channel_has_no_quiet_hours():
    assert channel_quiet_until(night(kind="voice", phones="13800138000"), at(7, 23, 0)) is None


def test_an_amber_alert_waits_for_the_end_of_quiet_hours_and_a_red_one_goes_at_once(
    sync_tasks, mailoutbox, django_capture_on_commit_callbacks
):
    from orders.services.alert_delivery import alert_deliveries_retry_due

    channel = night(min_severity="warning")
    channel.save()
    with mock.patch("django.utils.timezone.now", return_value=at(7, 23, 30)):
        with django_capture_on_commit_callbacks(execute=True):
            amber, _new = alert_raise(kind="board", key="board:1", severity="warning", title="积压 520 单")
            alert_deliveries_retry_due()  # the sweeper in the night: not due yet
        held = AlertDelivery.objects.get(alert=amber)
        assert (held.status, held.next_attempt_at) == ("pending", at(8, 8, 0))
        assert mailoutbox == []

        with django_capture_on_commit_callbacks(execute=True):
            red, _new = alert_raise(kind="board", key="board:2", severity="critical", title="卡单 35 单")
        assert AlertDelivery.objects.get(alert=red).status == "sent" and len(mailoutbox) == 1

    with mock.patch("django.utils.timezone.now", return_value=at(8, 8, 0)):
        with django_capture_on_commit_callbacks(execute=True):
            alert_deliveries_retry_due()  # morning: the held amber alert goes
    held.refresh_from_db()
    assert held.status == "sent" and len(mailoutbox) == 2
