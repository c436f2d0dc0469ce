"""Real concurrency on PostgreSQL: a message sent by several workers at once reaches the provider once; the same
moment recorded by several workers at once is one message."""

from __future__ import annotations

import json
import threading

import pytest

from integrations import transport
from integrations.notify.models import BuyerMessage, NotificationTemplate
from integrations.notify.services import buyer_message_send, buyer_moment_record, notification_templates_ensure
from tests.concurrency import run_together
from tests.integrations.notify.helpers import paid_order

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def aliyun_ok(monkeypatch, settings):
    """The network: Aliyun answering OK to every SendSms, counted."""
    settings.NOTIFY_SMS_PROVIDER = "aliyun"
    settings.NOTIFY_ALIYUN_ACCESS_KEY_ID, settings.NOTIFY_ALIYUN_ACCESS_KEY_SECRET = "id", "secret"
    calls = []
    lock = threading.Lock()

    def send(method, url, **kwargs):
        with lock:
            calls.append(url)
        return transport.Response(200, json.dumps({"Code": "OK", "Message": "OK", "BizId": f"{len(calls)}^0"}).encode())

    monkeypatch.setattr(transport, "send", send)
    notification_templates_ensure()
    NotificationTemplate.objects.filter(channel="sms").update(code="SMS_1")
    return calls


def test_four_workers_sending_the_same_message_send_it_once(aliyun_ok, monkeypatch):
    from tests.factories import ShopFactory

    monkeypatch.setattr("integrations.notify.services.enqueue_on_commit", lambda *args, **kwargs: None)
    order = paid_order(ShopFactory(platform="website"))
    [message_id] = buyer_moment_record(moment="paid", order_id=order.pk, source_key="race")

    results, errors = run_together([lambda: buyer_message_send(message_id) for _ in range(4)])

    assert errors == []
    assert sorted(results) == sorted([BuyerMessage.Status.SENT, "not_due", "not_due", "not_due"])
    assert len(aliyun_ok) == 1
    assert BuyerMessage.objects.get(pk=message_id).attempts == 1


def test_the_same_moment_recorded_at_once_is_one_message(aliyun_ok, monkeypatch):
    from tests.factories import ShopFactory

    monkeypatch.setattr("integrations.notify.services.enqueue_on_commit", lambda *args, **kwargs: None)
    order = paid_order(ShopFactory(platform="website"))

    results, errors = run_together(
        [lambda: buyer_moment_record(moment="shipped", order_id=order.pk, source_key="shipment:1") for _ in range(3)]
    )

    assert errors == []
    assert sorted(len(r) for r in results) == [0, 0, 1]
    assert BuyerMessage.objects.filter(order=order, moment="shipped").count() == 1
