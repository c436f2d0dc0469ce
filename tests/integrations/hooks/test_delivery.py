"""Deliveries to a real local HTTP receiver: published after commit, signed, retried with the same event id,
parked, paused with the owner alerted, resumed and replayed."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.core import mail
from django.db import transaction
from django.test import override_settings
from django.utils import timezone
from rest_framework.test import APIClient

from integrations.hooks.services import delivery_replay, subscription_resume, webhook_deliver, webhook_retry_due
from integrations.hooks.signing import signature_verify
from integrations.models import WebhookDelivery, WebhookEvent, WorkStatus
from inventory.services import stock_receive
from orders.models import Alert
from orders.services import order_transition
from orders.states import Status
from orders.tokens import token_policy_save
from tests.factories import make_order
from tests.integrations.hooks.helpers import SECRET

pytestmark = pytest.mark.django_db


def _order(world, django_capture_on_commit_callbacks, **fields):
    with django_capture_on_commit_callbacks(execute=True):
        return make_order(shop=world["shop_a"], **fields)


def _due_now(delivery):
    """The clock moves on to the delivery's next attempt."""
    WebhookDelivery.objects.filter(pk=delivery.pk).update(next_attempt_at=timezone.now())


def test_an_order_created_is_posted_signed_after_commit(
    world, manager, subscribe, receiver, django_capture_on_commit_callbacks
):
    subscription = subscribe(manager, "order.created")

    order = _order(world, django_capture_on_commit_callbacks)

    assert len(receiver.requests) == 1
    request = receiver.requests[0]
    assert request.path == "/hooks/orderhub"
    assert request.headers["content-type"] == "application/json; charset=utf-8"
    assert request.headers["x-orderhub-event"] == "order.created"
    assert signature_verify(secret=SECRET, header=request.headers["x-orderhub-signature"], body=request.body)
    assert not signature_verify(
        secret="another-secret-000000", header=request.headers["x-orderhub-signature"], body=request.body
    )
    body = json.loads(request.body)
    event = WebhookEvent.objects.get()
    assert body["id"] == str(event.id) == request.headers["x-orderhub-event-id"]
    assert body["type"] == "order.created"
    assert body["created_at"].endswith("+08:00")  # Asia/Shanghai, like every time the API shows
    assert body["data"]["number"] == order.number
    assert body["data"]["status"] == Status.PENDING_PAYMENT
    assert body["data"]["consignee"]["phone"] == "13812345678"  # the manager may see personal data
    delivery = WebhookDelivery.objects.get(subscription=subscription)
    assert (delivery.status, delivery.attempts, delivery.response_status) == (WorkStatus.DONE, 1, 200)


def test_nothing_is_published_for_a_rolled_back_change(
    world, manager, subscribe, receiver, django_capture_on_commit_callbacks
):
    subscribe(manager, "order.created")

    with django_capture_on_commit_callbacks(execute=True), pytest.raises(RuntimeError), transaction.atomic():
        make_order(shop=world["shop_a"])
        raise RuntimeError("rolled back")

    assert receiver.requests == []
    assert not WebhookDelivery.objects.exists()


def test_status_events_paid_status_changed_and_cancelled(
    world, manager, subscribe, receiver, django_capture_on_commit_callbacks
):
    subscribe(manager, "order.paid", "order.status_changed", "order.cancelled")
    order = _order(world, django_capture_on_commit_callbacks)
    assert receiver.requests == []  # order.created is not subscribed

    with django_capture_on_commit_callbacks(execute=True):
        order_transition(order=order, to_status=Status.CANCELLED, system="tests", reason="buyer asked")

    types = sorted(json.loads(r.body)["type"] for r in receiver.requests)
    assert types == ["order.cancelled", "order.status_changed"]
    bodies = [json.loads(r.body) for r in receiver.requests]
    assert {b["data"]["status"] for b in bodies} == {Status.CANCELLED}


def test_another_shops_order_is_not_sent_and_masking_follows_the_owner(
    world, cs_a, finance, subscribe, receiver, django_capture_on_commit_callbacks
):
    subscribe(cs_a, "order.created")
    fin = subscribe(finance, "order.created")

    with django_capture_on_commit_callbacks(execute=True):
        make_order(shop=world["shop_b"])  # cs_a may not see shop B

    assert WebhookDelivery.objects.filter(subscription__owner=cs_a).count() == 0
    finance_body = json.loads(WebhookDelivery.objects.get(subscription=fin).body)
    assert finance_body["data"]["consignee"]["phone"] == "138****5678"
    assert finance_body["data"]["consignee"]["masked"] is True


def test_a_partner_whose_token_is_limited_to_shop_a_gets_no_events_of_shop_b(
    world, manager, subscribe, receiver, django_capture_on_commit_callbacks
):
    token_policy_save(user=manager, read_only=False, shops=[world["shop_a"]], rate="")
    subscription = subscribe(manager, "order.created", "order.cancelled")

    with django_capture_on_commit_callbacks(execute=True):
        order_b = make_order(shop=world["shop_b"])  # the manager may see it, the token may not
        order_a = make_order(shop=world["shop_a"])
    with django_capture_on_commit_callbacks(execute=True):
        order_transition(order=order_b, to_status=Status.CANCELLED, system="tests", reason="buyer asked")

    sent = [json.loads(request.body)["data"]["number"] for request in receiver.requests]
    assert sent == [order_a.number]
    assert WebhookDelivery.objects.filter(subscription=subscription).count() == 1


def test_a_token_limited_to_shops_still_gets_the_stock_the_api_shows_it(
    world, manager, subscribe, receiver, django_capture_on_commit_callbacks
):
    token_policy_save(user=manager, read_only=False, shops=[world["shop_a"]], rate="")
    subscribe(manager, "stock.changed")

    with django_capture_on_commit_callbacks(execute=True):
        stock_receive(warehouse=world["wh_a"], lines=[(world["skus"][0], 5)], reason="tests")

    assert [json.loads(request.body)["data"]["sku"] for request in receiver.requests] == [world["skus"][0].code]


def test_a_failed_delivery_is_retried_within_a_minute_with_the_same_event_id(
    world, manager, subscribe, receiver, django_capture_on_commit_callbacks
):
    subscribe(manager, "order.created")
    receiver.answer(500)

    before = timezone.now()
    _order(world, django_capture_on_commit_callbacks)

    delivery = WebhookDelivery.objects.get()
    assert delivery.status == WorkStatus.FAILED
    assert delivery.response_status == 500
    assert "HTTP 500" in delivery.last_error
    assert before < delivery.next_attempt_at <= before + dt.timedelta(seconds=60)
    with django_capture_on_commit_callbacks(execute=True):
        assert webhook_retry_due() == 1  # the sweeper (every minute) takes it: due within its lead

    delivery.refresh_from_db()
    assert delivery.status == WorkStatus.DONE
    assert delivery.attempts == 2
    first, second = receiver.requests
    assert first.body == second.body
    assert json.loads(second.body)["id"] == str(delivery.event_id)
    assert signature_verify(secret=SECRET, header=second.headers["x-orderhub-signature"], body=second.body)


def test_redirects_are_not_followed(world, manager, subscribe, receiver, django_capture_on_commit_callbacks):
    subscribe(manager, "order.created")
    receiver.answer(302, headers={"Location": "http://169.254.169.254/latest/meta-data/"})

    _order(world, django_capture_on_commit_callbacks)

    assert len(receiver.requests) == 1
    delivery = WebhookDelivery.objects.get()
    assert (delivery.status, delivery.response_status) == (WorkStatus.FAILED, 302)


def test_unreachable_endpoint_is_a_failed_attempt(world, manager, subscribe, django_capture_on_commit_callbacks):
    subscribe(manager, "order.created", url="http://127.0.0.1:9/closed")

    _order(world, django_capture_on_commit_callbacks)

    delivery = WebhookDelivery.objects.get()
    assert delivery.status == WorkStatus.FAILED
    assert delivery.response_status is None
    assert delivery.last_error


@override_settings(WEBHOOK_RETRY_MAX_ATTEMPTS=2)
def test_the_last_failure_parks_the_delivery_pauses_the_subscription_and_alerts_the_owner(
    world, manager, subscribe, receiver, django_capture_on_commit_callbacks
):
    manager.email = "partner@example.com"
    manager.save()
    subscription = subscribe(manager, "order.created", "order.cancelled")
    receiver.answer(503, 503)
    order = _order(world, django_capture_on_commit_callbacks)
    delivery = WebhookDelivery.objects.get()
    _due_now(delivery)

    with django_capture_on_commit_callbacks(execute=True):
        assert webhook_deliver(delivery.pk) == WorkStatus.DEAD

    subscription.refresh_from_db()
    assert subscription.is_paused
    assert f"{delivery.pk}" in subscription.pause_reason and "HTTP 503" in subscription.pause_reason
    alert = Alert.objects.get(kind=Alert.Kind.WEBHOOK_PAUSED)
    assert alert.detail["subscription_id"] == subscription.pk
    assert [m.to for m in mail.outbox] == [["partner@example.com"]]
    assert subscription.url in mail.outbox[0].subject

    # Paused: new events are recorded, nothing is sent, the sweeper leaves them.
    with django_capture_on_commit_callbacks(execute=True):
        order_transition(order=order, to_status=Status.CANCELLED, system="tests")
    waiting = WebhookDelivery.objects.get(event__type="order.cancelled")
    assert waiting.status == WorkStatus.PENDING
    assert webhook_retry_due() == 0
    assert webhook_deliver(waiting.pk) == "not_due"
    assert len(receiver.requests) == 2

    # Resumed: the waiting delivery goes out; the parked one waits for a replay.
    with django_capture_on_commit_callbacks(execute=True):
        assert subscription_resume(subscription=subscription) == 1
    assert json.loads(receiver.requests[-1].body)["type"] == "order.cancelled"
    delivery.refresh_from_db()
    assert delivery.status == WorkStatus.DEAD

    with django_capture_on_commit_callbacks(execute=True):
        assert delivery_replay(delivery=delivery) is True
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == (WorkStatus.DONE, 1)
    assert receiver.requests[-1].body == receiver.requests[0].body  # same body, same event id


def test_a_host_that_now_resolves_to_a_private_address_is_refused_at_delivery(
    world, manager, subscribe, receiver, django_capture_on_commit_callbacks, monkeypatch
):
    answers = {"partner.example": ["93.184.215.14"]}  # public when the partner subscribes
    monkeypatch.setattr("integrations.hooks.addresses.host_resolve", lambda host, port: answers[host])
    with override_settings(WEBHOOK_ALLOW_PRIVATE_URLS=False):
        subscribe(manager, "order.created", url="http://partner.example/hooks")
    answers["partner.example"] = ["10.0.0.7"]  # DNS rebinding: the name points inside now

    with override_settings(WEBHOOK_ALLOW_PRIVATE_URLS=False):
        _order(world, django_capture_on_commit_callbacks)

    delivery = WebhookDelivery.objects.select_related("subscription").get()
    assert delivery.status == WorkStatus.DEAD  # no retry can fix it
    assert "10.0.0.7" in delivery.last_error
    assert delivery.subscription.is_paused
    assert receiver.requests == []


def test_stock_changes_are_published_per_sku(world, manager, subscribe, receiver, django_capture_on_commit_callbacks):
    from inventory.services import stock_receive

    subscribe(manager, "stock.changed")
    sku = world["skus"][0]

    with django_capture_on_commit_callbacks(execute=True):
        stock_receive(warehouse=world["wh_a"], lines=[(sku, 5)], reference="PO-1", actor=manager)

    (request,) = receiver.requests
    body = json.loads(request.body)
    assert body["type"] == "stock.changed"
    assert body["data"]["sku"] == sku.code
    assert [(row["warehouse"], row["on_hand"]) for row in body["data"]["locations"]] == [("wh-a", 5)]
    assert body["data"]["totals"]["spot"] == {"on_hand": 5, "reserved": 0, "available": 5}


def test_refund_changes_are_published_as_aftersales_updated(
    world, manager, subscribe, receiver, django_capture_on_commit_callbacks
):
    from decimal import Decimal

    from aftersales.services import refund_record

    subscribe(manager, "aftersales.updated")
    order = _order(world, django_capture_on_commit_callbacks)

    with django_capture_on_commit_callbacks(execute=True):
        refund_record(order=order, amount=Decimal("10.00"), external_id="RF1", status="requested", system="tests")

    (request,) = receiver.requests
    body = json.loads(request.body)
    assert body["type"] == "aftersales.updated"
    assert body["data"]["order"] == order.number
    assert (body["data"]["amount"], body["data"]["status"]) == ("10.00", "requested")
    # data is the case exactly as the API shows it to the subscription's owner
    client = APIClient()
    client.force_authenticate(manager)
    shown = client.get(f"/api/v1/aftersales/{body['data']['id']}/")
    assert shown.status_code == 200
    assert body["data"] == shown.json()


def test_a_case_of_a_shop_the_owner_may_not_see_is_not_sent(
    world, cs_a, subscribe, receiver, django_capture_on_commit_callbacks
):
    from decimal import Decimal

    from aftersales.services import refund_record

    subscribe(cs_a, "aftersales.updated")
    with django_capture_on_commit_callbacks(execute=True):
        order = make_order(shop=world["shop_b"])
    with django_capture_on_commit_callbacks(execute=True):
        refund_record(order=order, amount=Decimal("10.00"), external_id="RF2", status="requested", system="tests")

    assert receiver.requests == []


def test_an_order_moving_to_shipped_sends_order_shipped(
    world, manager, subscribe, receiver, django_capture_on_commit_callbacks
):
    subscribe(manager, "order.shipped")
    order = _order(world, django_capture_on_commit_callbacks, status=Status.PAID)
    with django_capture_on_commit_callbacks(execute=True):
        for status in (Status.APPROVED, Status.PICKING):
            order_transition(order=order, to_status=status, system="tests")
    assert receiver.requests == []  # approving and picking are not shipping

    with django_capture_on_commit_callbacks(execute=True):
        order_transition(order=order, to_status=Status.SHIPPED, system="tests")

    (request,) = receiver.requests
    body = json.loads(request.body)
    assert (body["type"], body["data"]["number"], body["data"]["status"]) == (
        "order.shipped",
        order.number,
        Status.SHIPPED,
    )


def test_order_events_whose_publishing_was_lost_are_published_by_the_safety_net(
    world, manager, subscribe, receiver, django_capture_on_commit_callbacks
):
    from integrations.hooks.services import webhooks_publish_missed
    from orders.models import OrderEvent

    subscribe(manager, "order.created")
    order = make_order(shop=world["shop_a"])  # its after-commit publishing never runs: lost
    OrderEvent.objects.filter(order=order).update(at=timezone.now() - dt.timedelta(minutes=2))
    assert receiver.requests == []

    with django_capture_on_commit_callbacks(execute=True):
        assert webhooks_publish_missed() == 1
    with django_capture_on_commit_callbacks(execute=True):
        assert webhooks_publish_missed() == 0  # published once

    (request,) = receiver.requests
    assert json.loads(request.body)["data"]["number"] == order.number
