"""The back office: subscriptions (secret never shown), their delivery log, replay and resume actions."""

from __future__ import annotations

import json
import uuid

import pytest
from django.test import Client

from integrations.models import WebhookDelivery, WebhookEvent, WebhookSubscription, WorkStatus
from tests.integrations.hooks.helpers import SECRET

pytestmark = pytest.mark.django_db


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _parked(subscription) -> WebhookDelivery:
    event = WebhookEvent.objects.create(id=uuid.uuid4(), type="order.paid", source_key="order_event:1")
    return WebhookDelivery.objects.create(
        subscription=subscription,
        event=event,
        body=json.dumps({"id": str(event.id), "type": "order.paid", "data": {}}),
        status=WorkStatus.DEAD,
        attempts=31,
    )


def test_subscriptions_and_delivery_log_are_listed_without_the_secret(admin_user, manager, subscribe):
    subscription = subscribe(manager, "order.paid")
    delivery = _parked(subscription)
    client = _client(admin_user)

    page = client.get("/admin/integrations/webhooksubscription/")
    assert page.status_code == 200
    assert subscription.url in page.content.decode()
    detail = client.get(f"/admin/integrations/webhooksubscription/{subscription.pk}/change/")
    assert detail.status_code == 200
    assert SECRET not in detail.content.decode() and SECRET not in page.content.decode()

    log = client.get(f"/admin/integrations/webhookdelivery/?subscription__id__exact={subscription.pk}")
    assert log.status_code == 200
    page = client.get(f"/admin/integrations/webhookdelivery/{delivery.pk}/change/")
    assert str(delivery.event_id) in page.content.decode()


def test_replay_and_resume_actions(admin_user, manager, subscribe, receiver, django_capture_on_commit_callbacks):
    subscription = subscribe(manager, "order.paid")
    WebhookSubscription.objects.filter(pk=subscription.pk).update(is_paused=True, pause_reason="kept failing")
    delivery = _parked(subscription)
    client = _client(admin_user)

    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            "/admin/integrations/webhooksubscription/",
            {"action": "resume", "_selected_action": [subscription.pk]},
        )
        client.post(
            "/admin/integrations/webhookdelivery/",
            {"action": "replay", "_selected_action": [delivery.pk]},
        )

    subscription.refresh_from_db()
    delivery.refresh_from_db()
    assert subscription.is_paused is False
    assert delivery.status == WorkStatus.DONE
    assert [r.body.decode() for r in receiver.requests] == [delivery.body]


def test_a_role_without_the_permission_cannot_open_them(cs_a):
    assert _client(cs_a).get("/admin/integrations/webhooksubscription/").status_code == 403


def test_staff_subscribe_change_and_delete_a_partners_url_in_the_back_office(admin_user, manager, private_allowed):
    client = _client(admin_user)
    add = "/admin/integrations/webhooksubscription/add/"
    form = {"owner": manager.pk, "url": "http://127.0.0.1:9/hooks", "events": ["order.paid", "order.shipped"]}

    short = client.post(add, {**form, "secret": "too-short"})
    assert short.status_code == 200 and not WebhookSubscription.objects.exists()  # the form says why

    assert client.post(add, {**form, "secret": SECRET}).status_code == 302
    subscription = WebhookSubscription.objects.get()
    assert (subscription.owner, subscription.url, subscription.events) == (
        manager,
        "http://127.0.0.1:9/hooks",
        ["order.paid", "order.shipped"],
    )
    assert subscription.secret == SECRET

    change = f"/admin/integrations/webhooksubscription/{subscription.pk}/change/"
    assert SECRET not in client.get(change).content.decode()
    assert client.post(change, {"url": "http://127.0.0.1:9/other", "events": ["order.cancelled"]}).status_code == 302
    subscription.refresh_from_db()
    assert (subscription.url, subscription.events, subscription.secret) == (
        "http://127.0.0.1:9/other",
        ["order.cancelled"],
        SECRET,  # left empty: kept
    )

    delete = f"/admin/integrations/webhooksubscription/{subscription.pk}/delete/"
    assert client.post(delete, {"post": "yes"}).status_code == 302
    assert not WebhookSubscription.objects.exists()


def test_the_back_office_refuses_a_private_address_like_the_api(admin_user, manager, settings):
    settings.WEBHOOK_ALLOW_PRIVATE_URLS = False
    form = {"owner": manager.pk, "url": "http://169.254.169.254/latest", "events": ["order.paid"], "secret": SECRET}

    page = _client(admin_user).post("/admin/integrations/webhooksubscription/add/", form)

    assert page.status_code == 200
    assert not WebhookSubscription.objects.exists()
