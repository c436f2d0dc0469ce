"""The one channel model: its credentials are write-only in the admin and every kind has a registered sender."""

from __future__ import annotations

import pytest

from orders.admin.alerts import NotificationChannelForm
from orders.models import NotificationChannel
from orders.notifications import _senders

pytestmark = pytest.mark.django_db

URL = "https://oapi.dingtalk.com/robot/send?access_token=tok123"


def _form(instance=None, **data):
    base = {"name": "值班群", "kind": "dingtalk", "min_severity": "warning", "alert_kinds": "[]", "is_active": "on"}
    return NotificationChannelForm(data={**base, **data}, instance=instance)


def test_the_url_and_secret_are_never_rendered_and_blank_keeps_them():
    channel = NotificationChannel.objects.create(name="值班群", kind="dingtalk", webhook_url=URL, secret="SECabc")
    html = str(_form(instance=channel))
    assert "tok123" not in html and "SECabc" not in html
    form = _form(instance=channel, webhook_url="", secret="")
    assert form.is_valid(), form.errors
    form.save()
    channel.refresh_from_db()
    assert (channel.webhook_url, channel.secret) == (URL, "SECabc")


def test_a_robot_without_url_and_an_email_channel_without_addresses_are_refused():
    robot = _form(webhook_url="")
    assert not robot.is_valid() and "webhook_url" in robot.errors
    email = _form(kind="email", emails=" ")
    assert not email.is_valid() and "emails" in email.errors


def test_every_channel_kind_has_a_sender():
    assert set(NotificationChannel.Kind.values) <= set(_senders)
