"""The demo: a subscription to the sandbox partner (which verifies signatures like a partner would) and a
paused subscription with a parked delivery to replay."""

from __future__ import annotations

import json

import pytest
from django.test import Client, override_settings

from integrations.hooks.demo import webhooks_demo_ensure
from integrations.hooks.signing import signature_header
from integrations.models import WebhookDelivery, WebhookSubscription, WorkStatus
from integrations.sandbox.partner import DEMO_WEBHOOK_SECRET
from orders.states import Status
from tests.factories import make_order

pytestmark = pytest.mark.django_db


def test_the_demo_has_a_live_and_a_paused_subscription_with_a_parked_delivery(world, manager):
    order = make_order(shop=world["shop_a"], status=Status.PAID)

    assert webhooks_demo_ensure(base_url="http://127.0.0.1:8000") == {"webhook_subscriptions": 2}
    assert webhooks_demo_ensure(base_url="http://127.0.0.1:8000") == {"webhook_subscriptions": 2}  # once

    live = WebhookSubscription.objects.get(url="http://127.0.0.1:8000/sandbox/partner/webhooks/")
    assert (live.owner, live.is_paused) == (manager, False)
    parked = WebhookDelivery.objects.get()
    assert parked.status == WorkStatus.DEAD
    assert parked.subscription.is_paused
    assert json.loads(parked.body)["data"]["number"] == order.number


@override_settings(SANDBOX_ENABLED=True)
def test_the_sandbox_partner_accepts_only_signed_deliveries():
    body = b'{"id": "e1", "type": "order.paid", "data": {}}'
    client = Client()

    good = client.post(
        "/sandbox/partner/webhooks/",
        body,
        content_type="application/json",
        headers={"X-OrderHub-Signature": signature_header(secret=DEMO_WEBHOOK_SECRET, body=body)},
    )
    bad = client.post(
        "/sandbox/partner/webhooks/",
        body,
        content_type="application/json",
        headers={"X-OrderHub-Signature": signature_header(secret="not-the-demo-secret", body=body)},
    )

    assert (good.status_code, bad.status_code) == (200, 401)
    assert client.post("/sandbox/partner/webhooks/down/", body, content_type="application/json").status_code == 503
