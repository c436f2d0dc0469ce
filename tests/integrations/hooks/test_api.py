"""/api/v1/webhooks/: subscribe, list, change, delete (own subscriptions only), the delivery log, replay and
resume. The secret is write-only."""

from __future__ import annotations

import json

import pytest
from django.test import override_settings
from rest_framework.test import APIClient

from integrations.models import WebhookDelivery, WebhookEvent, WebhookSubscription, WorkStatus
from tests.integrations.hooks.helpers import SECRET

pytestmark = pytest.mark.django_db


def _client(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def test_subscribe_returns_the_subscription_without_its_secret(manager, receiver, private_allowed):
    answer = _client(manager).post(
        "/api/v1/webhooks/",
        {"url": receiver.url, "events": ["order.paid", "order.created"], "secret": SECRET},
        format="json",
    )

    assert answer.status_code == 201, answer.json()
    body = answer.json()
    assert body["url"] == receiver.url
    assert body["events"] == ["order.created", "order.paid"]
    assert body["is_paused"] is False
    assert "secret" not in body and SECRET not in answer.content.decode()
    subscription = WebhookSubscription.objects.get()
    assert (subscription.owner, subscription.secret) == (manager, SECRET)


def test_an_unknown_event_type_is_refused_naming_it(manager, receiver, private_allowed):
    answer = _client(manager).post(
        "/api/v1/webhooks/",
        {"url": receiver.url, "events": ["order.created", "order.exploded"], "secret": SECRET},
        format="json",
    )

    assert answer.status_code == 400
    assert answer.json()["code"] == "webhook_invalid"
    assert "events[1]" in answer.json()["message"] and "order.exploded" in answer.json()["message"]
    assert not WebhookSubscription.objects.exists()


def test_a_short_secret_is_refused(manager, receiver, private_allowed):
    answer = _client(manager).post(
        "/api/v1/webhooks/", {"url": receiver.url, "events": ["order.created"], "secret": "short"}, format="json"
    )

    assert answer.status_code == 400
    assert answer.json()["extra"]["field"] == "secret"


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:8000/hook",
        "http://10.1.2.3/hook",
        "http://192.168.1.10/hook",
        "http://169.254.169.254/latest/meta-data/",
        "http://[::1]/hook",
        "http://[::ffff:127.0.0.1]/hook",
        "http://0.0.0.0/hook",
        "http://localhost/hook",
    ],
)
def test_private_addresses_are_refused_when_subscribing(manager, url):
    with override_settings(WEBHOOK_ALLOW_PRIVATE_URLS=False):
        answer = _client(manager).post(
            "/api/v1/webhooks/", {"url": url, "events": ["order.created"], "secret": SECRET}, format="json"
        )

    assert answer.status_code == 400
    assert answer.json()["code"] == "webhook_url_refused"
    assert not WebhookSubscription.objects.exists()


def test_a_public_address_is_accepted(manager):
    with override_settings(WEBHOOK_ALLOW_PRIVATE_URLS=False):
        answer = _client(manager).post(
            "/api/v1/webhooks/",
            {"url": "https://93.184.215.14/orderhub", "events": ["order.created"], "secret": SECRET},
            format="json",
        )

    assert answer.status_code == 201


def test_other_users_subscriptions_are_invisible(manager, cs_a, subscribe):
    mine = subscribe(cs_a, "order.created")
    theirs = subscribe(manager, "order.created")
    client = _client(cs_a)

    listed = client.get("/api/v1/webhooks/").json()["results"]
    assert [row["id"] for row in listed] == [mine.pk]
    assert client.get(f"/api/v1/webhooks/{theirs.pk}/").status_code == 404
    assert client.patch(f"/api/v1/webhooks/{theirs.pk}/", {"events": ["order.paid"]}, format="json").status_code == 404
    assert client.delete(f"/api/v1/webhooks/{theirs.pk}/").status_code == 404
    assert client.get(f"/api/v1/webhooks/{theirs.pk}/deliveries/").status_code == 404
    assert WebhookSubscription.objects.count() == 2


def test_change_and_delete(manager, subscribe):
    subscription = subscribe(manager, "order.created")
    client = _client(manager)

    answer = client.patch(
        f"/api/v1/webhooks/{subscription.pk}/",
        {"events": ["stock.changed"], "secret": "a-new-secret-0123456789"},
        format="json",
    )
    assert answer.status_code == 200
    assert answer.json()["events"] == ["stock.changed"]
    subscription.refresh_from_db()
    assert subscription.secret == "a-new-secret-0123456789"

    assert client.patch(f"/api/v1/webhooks/{subscription.pk}/", {"owner": 1}, format="json").status_code == 400
    assert client.delete(f"/api/v1/webhooks/{subscription.pk}/").status_code == 204
    assert not WebhookSubscription.objects.exists()


def test_anonymous_callers_get_401():
    assert APIClient().get("/api/v1/webhooks/").status_code == 401


def _parked(subscription) -> WebhookDelivery:
    import uuid

    event = WebhookEvent.objects.create(id=uuid.uuid4(), type="order.created", source_key="order_event:0")
    return WebhookDelivery.objects.create(
        subscription=subscription,
        event=event,
        body=json.dumps({"id": str(event.id), "type": "order.created", "data": {}}),
        status=WorkStatus.DEAD,
        attempts=31,
        last_error="WebhookDeliveryFailed: answered HTTP 500",
    )


def test_delivery_log_and_replay_of_a_parked_delivery(manager, subscribe, receiver, django_capture_on_commit_callbacks):
    subscription = subscribe(manager, "order.created")
    delivery = _parked(subscription)
    client = _client(manager)

    log = client.get(f"/api/v1/webhooks/{subscription.pk}/deliveries/?status=dead").json()["results"]
    assert [(row["id"], row["status"], row["attempts"]) for row in log] == [(delivery.pk, "dead", 31)]
    assert log[0]["event_id"] == str(delivery.event_id)

    with django_capture_on_commit_callbacks(execute=True):
        answer = client.post(f"/api/v1/webhooks/{subscription.pk}/deliveries/{delivery.pk}/replay/")

    assert answer.status_code == 202
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == (WorkStatus.DONE, 1)
    (request,) = receiver.requests
    assert request.body.decode() == delivery.body


def test_resume_a_paused_subscription(manager, subscribe, django_capture_on_commit_callbacks):
    subscription = subscribe(manager, "order.created")
    WebhookSubscription.objects.filter(pk=subscription.pk).update(is_paused=True, pause_reason="kept failing")

    answer = _client(manager).post(f"/api/v1/webhooks/{subscription.pk}/resume/")

    assert answer.status_code == 200
    assert (answer.json()["is_paused"], answer.json()["pause_reason"]) == (False, "")
    subscription.refresh_from_db()
    assert subscription.is_paused is False


def test_a_delivery_still_on_its_way_cannot_be_replayed(manager, subscribe):
    subscription = subscribe(manager, "order.created")
    delivery = _parked(subscription)
    WebhookDelivery.objects.filter(pk=delivery.pk).update(status=WorkStatus.FAILED, attempts=3)

    answer = _client(manager).post(f"/api/v1/webhooks/{subscription.pk}/deliveries/{delivery.pk}/replay/")

    assert answer.status_code == 409
    assert answer.json()["code"] == "webhook_delivery_busy"
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == (WorkStatus.FAILED, 3)
