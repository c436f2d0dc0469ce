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


def test_on_call_numbers_are_write_only_and_listed_masked(client, django_user_model):
    client.force_login(django_user_model.objects.create_superuser("root", "root@example.com", "pw"))
    channel = NotificationChannel.objects.create(name="值班电话", kind="voice", phones="13800138000\n13912345678")
    html = str(_form(instance=channel, kind="voice"))
    assert "13800138000" not in html
    listing = client.get("/admin/orders/notificationchannel/").content.decode()
    assert "138****8000, 139****5678" in listing and "13800138000" not in listing
    refused = _form(kind="voice", phones="")
    assert not refused.is_valid() and "phones" in refused.errors
