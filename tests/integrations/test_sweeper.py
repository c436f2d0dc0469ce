"""The inbox in PostgreSQL is the source of truth: work whose task was lost (a Redis restart empties the queue)
or whose worker was killed is found again — by the sweeper every minute, by any drain looking for work — and
done once."""

import datetime as dt
import json

import pytest
from django.utils import timezone

from integrations import inbox
from integrations.inbox import claiming, inbox_drain, inbox_retry_due, inbox_store
from integrations.models import InboxMessage, WorkStatus
from integrations.platforms.base import PushItem
from orders.models import Order
from tests.integrations.helpers import shopify_sample


def _stored_without_a_task(shop, count=3):
    """Orders stored as pushes whose tasks never reached a worker (queued to a Redis that then restarted)."""
    items = []
    for n in range(count):
        _headers, body = shopify_sample()
        body["id"] = 820982911946154500 + n
        body["name"] = f"#S{n}"
        items.append(PushItem("orders/create", f"evt-{n}", str(body["id"]), json.dumps(body)))
    stored = inbox_store(shop=shop, platform="shopify", kind=InboxMessage.Kind.PUSH, items=items, enqueue=False)
    return stored.new_ids


def _claimed_by_a_killed_worker(ids, *, seconds_ago):
    InboxMessage.objects.filter(pk__in=ids).update(
        status=WorkStatus.PROCESSING,
        attempts=1,
        claimed_at=timezone.now() - dt.timedelta(seconds=seconds_ago),
    )


@pytest.fixture
def fresh_release(monkeypatch):
    monkeypatch.setattr(claiming, "_released_at", 0.0)


def test_messages_whose_tasks_were_lost_are_queued_again_by_the_sweeper_and_done_once(
    shopify, django_capture_on_commit_callbacks
):
    ids = _stored_without_a_task(shopify.shop)

    with django_capture_on_commit_callbacks(execute=True):
        assert inbox_retry_due() == 3
    with django_capture_on_commit_callbacks(execute=True):
        assert inbox_retry_due() == 0  # nothing left to do: the next sweep queues nothing

    assert set(InboxMessage.objects.filter(pk__in=ids).values_list("status", "result")) == {
        (WorkStatus.DONE, "created")
    }
    assert Order.objects.filter(shop=shopify.shop).count() == 3


def test_a_killed_workers_claim_waits_for_the_expiry_then_the_sweeper_hands_it_back(
    shopify, settings, django_capture_on_commit_callbacks, caplog
):
    settings.INTEGRATIONS_CLAIM_EXPIRY_SECONDS = 30
    ids = _stored_without_a_task(shopify.shop, count=2)
    _claimed_by_a_killed_worker(ids[:1], seconds_ago=20)  # may still be at work
    _claimed_by_a_killed_worker(ids[1:], seconds_ago=31)

    with django_capture_on_commit_callbacks(execute=True):
        assert inbox_retry_due() == 1

    first, second = InboxMessage.objects.filter(pk__in=ids).order_by("pk")
    assert (first.status, first.attempts) == (WorkStatus.PROCESSING, 1)
    assert (second.status, second.result, second.attempts) == (WorkStatus.DONE, "created", 2)
    assert "1 claims of workers that did not finish handed back" in caplog.text
    assert Order.objects.filter(shop=shopify.shop).count() == 1


def test_a_drain_takes_back_expired_claims_without_waiting_for_the_sweeper(shopify, settings, fresh_release):
    settings.INTEGRATIONS_CLAIM_EXPIRY_SECONDS = 30
    ids = _stored_without_a_task(shopify.shop, count=2)
    _claimed_by_a_killed_worker(ids, seconds_ago=45)

    counts = inbox_drain()

    assert counts == {"created": 2}
    assert Order.objects.filter(shop=shopify.shop).count() == 2


def test_a_message_that_kills_every_worker_ends_as_a_dead_letter(shopify, settings):
    settings.INTEGRATIONS_CLAIM_EXPIRY_SECONDS = 30
    settings.RETRY_MAX_ATTEMPTS = 3
    (poison,) = _stored_without_a_task(shopify.shop, count=1)
    InboxMessage.objects.filter(pk=poison).update(
        status=WorkStatus.PROCESSING, attempts=3, claimed_at=timezone.now() - dt.timedelta(minutes=1)
    )

    assert inbox.inbox_claims_release_expired() == 1

    message = InboxMessage.objects.get(pk=poison)
    assert message.status == WorkStatus.DEAD
    assert "attempts used up" in message.last_error
    assert Order.objects.count() == 0
