"""The webhooks' part of the demo: the manager's subscription to the sandbox partner (deliveries done as orders
change), and a paused subscription to an endpoint that is down, with one parked delivery to replay."""

from __future__ import annotations

import uuid

from django.contrib.auth import get_user_model
from django.utils import timezone

from integrations.hooks.events import ORDER_CREATED, ORDER_PAID, ORDER_SHIPPED, resource_render
from integrations.hooks.services import delivery_body
from integrations.models import WebhookDelivery, WebhookEvent, WebhookSubscription, WorkStatus
from integrations.sandbox.partner import DEMO_WEBHOOK_SECRET
from orders.models import Order


def webhooks_demo_ensure(*, base_url: str) -> dict[str, int]:
    owner = get_user_model().objects.filter(username="manager").first()
    if owner is None:
        return {"webhook_subscriptions": 0}
    url = f"{base_url.rstrip('/')}/sandbox/partner/webhooks/"
    WebhookSubscription.objects.get_or_create(
        owner=owner,
        url=url,
        defaults={"events": sorted([ORDER_CREATED, ORDER_PAID, ORDER_SHIPPED]), "secret": DEMO_WEBHOOK_SECRET},
    )
    down, created = WebhookSubscription.objects.get_or_create(
        owner=owner,
        url=f"{url}down/",
        defaults={
            "events": [ORDER_PAID],
            "secret": DEMO_WEBHOOK_SECRET,
            "is_paused": True,
            "paused_at": timezone.now(),
            "pause_reason": "delivery parked after 31 attempts: HTTP 503 (sandbox endpoint down)",
        },
    )
    order = Order.objects.exclude(paid_at=None).order_by("pk").first()
    if created and order is not None:
        event = WebhookEvent.objects.create(id=uuid.uuid4(), type=ORDER_PAID, source_key=f"demo:{order.pk}")
        data = resource_render(type=ORDER_PAID, ref={"order_id": order.pk}, owner=owner)
        WebhookDelivery.objects.create(
            subscription=down,
            event=event,
            body=delivery_body(event, data),
            status=WorkStatus.DEAD,
            attempts=31,
            response_status=503,
            last_attempt_at=timezone.now(),
            last_error="WebhookDeliveryFailed: HTTP 503 (sandbox endpoint down)",
        )
    return {"webhook_subscriptions": WebhookSubscription.objects.filter(owner=owner).count()}
