"""The alert's page: managers see every delivery of it (sent, parked, with the provider's answer) and send parked
ones again, one or all; a CS agent sees the alert but not its deliveries, and cannot replay."""

from __future__ import annotations

import json

import pytest
from django.urls import reverse

from integrations import transport
from orders.models import AlertDelivery, NotificationChannel
from orders.services.alerts import alert_raise

pytestmark = pytest.mark.django_db


@pytest.fixture
def parked_and_sent(db, monkeypatch, django_capture_on_commit_callbacks):
    """A board alert sent to one robot and parked at the other (DingTalk 310000, sign not match)."""

    def robots(method, url, **kwargs):
        answer = {"errcode": 310000, "errmsg": "sign not match"} if "dingtalk" in url else {"errcode": 0}
        return transport.Response(200, json.dumps(answer).encode())

    monkeypatch.setattr(transport, "send", robots)
    NotificationChannel.objects.create(
        name="钉钉值班群", kind="dingtalk", webhook_url="https://oapi.dingtalk.com/robot/send?access_token=t"
    )
    NotificationChannel.objects.create(
        name="企微主管群", kind="wecom", webhook_url="https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=k"
    )
    with django_capture_on_commit_callbacks(execute=True):
        alert, _new = alert_raise(kind="board", key="board:9", severity="warning", title="积压 520 单")
    return alert


def test_a_manager_sees_the_deliveries_and_sends_a_parked_one_again(
    client, manager, parked_and_sent, monkeypatch, django_capture_on_commit_callbacks
):
    alert = parked_and_sent
    client.force_login(manager)
    html = client.get(reverse("review:alert", args=[alert.pk])).content.decode()
    assert "钉钉值班群" in html and "企微主管群" in html and "310000" in html and "sign not match" in html
    parked = AlertDelivery.objects.get(status="parked")
    assert f'name="delivery" value="{parked.pk}"' in html  # the replay button, on the parked row only
    assert html.count('name="delivery"') == 1

    monkeypatch.setattr(transport, "send", lambda *a, **k: transport.Response(200, b'{"errcode":0,"errmsg":"ok"}'))
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("review:alert-replay", args=[alert.pk]), {"delivery": parked.pk})
    assert response.status_code == 302
    assert set(AlertDelivery.objects.values_list("status", flat=True)) == {"sent"}


def test_send_every_parked_delivery_again_replays_only_this_alerts(
    client, manager, parked_and_sent, django_capture_on_commit_callbacks
):
    other, _new = alert_raise(kind="board", key="board:10", severity="warning", title="卡单 25 单", notify=False)
    other_delivery = AlertDelivery.objects.create(alert=other, channel=None, step="warning", status="parked")
    client.force_login(manager)
    with django_capture_on_commit_callbacks(execute=False) as queued:
        client.post(reverse("review:alert-replay", args=[parked_and_sent.pk]))
    assert len(queued) == 1
    assert AlertDelivery.objects.get(alert=parked_and_sent, channel__kind="dingtalk").status == "pending"
    other_delivery.refresh_from_db()
    assert other_delivery.status == "parked"


def test_a_cs_agent_sees_no_deliveries_and_may_not_replay(client, cs_a, parked_and_sent):
    from orders.models import Alert

    order_alert = Alert.objects.filter(pk=parked_and_sent.pk)
    assert order_alert.exists()
    client.force_login(cs_a)
    # a board alert is about no order: only managers and administrators see it
    assert client.get(reverse("review:alert", args=[parked_and_sent.pk])).status_code == 404
    assert client.post(reverse("review:alert-replay", args=[parked_and_sent.pk])).status_code == 403
    assert AlertDelivery.objects.filter(status="parked").count() == 1


def test_the_admin_lists_deliveries_to_managers_and_replays_the_selected_parked_ones(
    client, manager, cs_a, parked_and_sent, monkeypatch, django_capture_on_commit_callbacks
):
    url = reverse("admin:orders_alertdelivery_changelist")
    parked = AlertDelivery.objects.get(status="parked")
    sent = AlertDelivery.objects.get(status="sent")
    client.force_login(cs_a)
    assert client.get(url).status_code == 403
    client.force_login(manager)
    assert "310000" in client.get(url).content.decode()

    monkeypatch.setattr(transport, "send", lambda *a, **k: transport.Response(200, b'{"errcode":0,"errmsg":"ok"}'))
    with django_capture_on_commit_callbacks(execute=True):
        client.post(url, {"action": "replay", "_selected_action": [parked.pk, sent.pk]})
    parked.refresh_from_db()
    sent.refresh_from_db()
    assert (parked.status, parked.attempts) == ("sent", 1)  # sent again; the sent one was left alone
    assert (sent.status, sent.attempts) == ("sent", 1)
