"""Real concurrency on PostgreSQL: a delivery claimed by two workers at once is sent once; the same event
published twice at once is recorded once with one delivery per subscription."""

from __future__ import annotations

import uuid

import pytest

from integrations.hooks.services import webhook_deliver, webhooks_publish
from integrations.models import WebhookDelivery, WebhookEvent, WorkStatus
from tests.concurrency import run_together

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_two_workers_sending_the_same_delivery_post_it_once(manager, subscribe, receiver):
    subscription = subscribe(manager, "order.created")
    event = WebhookEvent.objects.create(id=uuid.uuid4(), type="order.created", source_key="order_event:1")
    delivery = WebhookDelivery.objects.create(subscription=subscription, event=event, body='{"id": "x"}')

    results, errors = run_together([lambda: webhook_deliver(delivery.pk) for _ in range(4)])

    assert errors == []
    assert sorted(results) == sorted([WorkStatus.DONE, "not_due", "not_due", "not_due"])
    assert len(receiver.requests) == 1
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == (WorkStatus.DONE, 1)


def test_the_same_event_published_twice_at_once_is_recorded_once(world, manager, cs_a, subscribe, monkeypatch):
    from tests.factories import make_order

    monkeypatch.setattr("integrations.hooks.services.enqueue_on_commit", lambda *args, **kwargs: None)  # no sending
    subscribe(manager, "order.created")
    subscribe(cs_a, "order.created")
    order = make_order(shop=world["shop_a"])
    items = [["order.created", "order_event:42", {"order_id": order.pk}]]

    _results, errors = run_together([lambda: webhooks_publish(items) for _ in range(3)])

    assert errors == []
    assert WebhookEvent.objects.count() == 1
    assert WebhookDelivery.objects.count() == 2
