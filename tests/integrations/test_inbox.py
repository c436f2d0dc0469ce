"""The inbox: retries with exponential back-off, dead letters, replay, stale claims, idempotent processing."""

import datetime as dt
import json

import pytest
from django.conf import settings
from django.utils import timezone

from integrations.inbox import dead_letter_replay, inbox_process, inbox_retry_due, inbox_store
from integrations.models import InboxMessage, WorkStatus
from integrations.platforms.base import PushItem
from orders.models import Order
from tests.factories import SKUFactory
from tests.integrations.helpers import shopify_post, shopify_sample

pytestmark = pytest.mark.django_db


class Clock:
    def __init__(self, start):
        self.now = start

    def __call__(self):
        return self.now

    def advance(self, **kwargs):
        self.now += dt.timedelta(**kwargs)


@pytest.fixture
def clock(monkeypatch):
    clock = Clock(timezone.now())
    monkeypatch.setattr(timezone, "now", clock)
    return clock


@pytest.fixture
def settings_retry(settings):
    settings.RETRY_MAX_ATTEMPTS = 3
    settings.RETRY_BASE_SECONDS = 30
    settings.RETRY_MAX_SECONDS = 3600
    return settings


def _store_unknown_sku_order(shop):
    _headers, body = shopify_sample()
    body["line_items"][0]["sku"] = "NOT-YET-IN-CATALOG"
    stored = inbox_store(
        shop=shop,
        platform="shopify",
        kind=InboxMessage.Kind.PUSH,
        items=[PushItem("orders/create", "evt-1", str(body["id"]), json.dumps(body))],
        enqueue=False,
    )
    return InboxMessage.objects.get(pk=stored.new_ids[0])


def test_failure_retries_with_backoff_then_parks_as_dead_letter_then_replay_succeeds(
    shopify, clock, settings_retry, django_capture_on_commit_callbacks
):
    message = _store_unknown_sku_order(shopify.shop)

    inbox_process([message.pk])
    message.refresh_from_db()
    assert (message.status, message.attempts) == (WorkStatus.FAILED, 1)
    assert message.next_attempt_at == clock.now + dt.timedelta(seconds=30)
    assert "NOT-YET-IN-CATALOG" in message.last_error and message.error_code == "unknown_sku"

    # Not due yet: neither the sweeper nor a direct run touches it.
    assert inbox_retry_due() == 0
    inbox_process([message.pk])
    message.refresh_from_db()
    assert message.attempts == 1

    clock.advance(seconds=30)
    with django_capture_on_commit_callbacks(execute=True):
        assert inbox_retry_due() == 1
    message.refresh_from_db()
    assert (message.status, message.attempts) == (WorkStatus.FAILED, 2)
    assert message.next_attempt_at == clock.now + dt.timedelta(seconds=60)

    clock.advance(seconds=60)
    with django_capture_on_commit_callbacks(execute=True):
        inbox_retry_due()
    message.refresh_from_db()
    assert (message.status, message.attempts) == (WorkStatus.DEAD, 3)
    assert Order.objects.count() == 0

    clock.advance(hours=5)
    assert inbox_retry_due() == 0  # dead letters wait for a person

    SKUFactory(code="NOT-YET-IN-CATALOG")
    with django_capture_on_commit_callbacks(execute=True):
        assert dead_letter_replay(message_ids=[message.pk]) == 1
    message.refresh_from_db()
    assert (message.status, message.result, message.attempts) == (WorkStatus.DONE, "created", 1)
    assert message.last_error == ""
    assert Order.objects.count() == 1


def test_replay_only_touches_dead_letters(shopify, django_capture_on_commit_callbacks):
    _headers, body = shopify_sample()
    with django_capture_on_commit_callbacks(execute=True):
        shopify_post(__import__("django.test", fromlist=["Client"]).Client(), shopify.shop.code, body)
    done = InboxMessage.objects.get()
    assert done.status == WorkStatus.DONE
    assert dead_letter_replay(message_ids=[done.pk]) == 0
    done.refresh_from_db()
    assert done.status == WorkStatus.DONE


def test_a_payload_that_can_never_work_is_dead_at_once(shopify):
    message = InboxMessage.objects.create(
        shop=shopify.shop,
        platform="shopify",
        kind=InboxMessage.Kind.PUSH,
        topic="orders/create",
        external_id="1",
        content_hash="x",
        body=json.dumps({"id": 1, "financial_status": "paid", "line_items": "not a list"}),
    )
    inbox_process(message.pk)
    message.refresh_from_db()
    assert (message.status, message.attempts) == (WorkStatus.DEAD, 1)
    assert "lines" in message.last_error


def test_a_claim_left_by_a_dead_worker_is_handed_back(shopify, clock, django_capture_on_commit_callbacks):
    message = _store_unknown_sku_order(shopify.shop)
    SKUFactory(code="NOT-YET-IN-CATALOG")
    InboxMessage.objects.filter(pk=message.pk).update(status=WorkStatus.PROCESSING, claimed_at=clock.now, attempts=1)

    clock.advance(seconds=settings.INTEGRATIONS_CLAIM_EXPIRY_SECONDS - 1)
    assert inbox_retry_due() == 0  # still plausibly being worked on

    clock.advance(seconds=2)
    with django_capture_on_commit_callbacks(execute=True):
        assert inbox_retry_due() == 1
    message.refresh_from_db()
    assert (message.status, message.result) == (WorkStatus.DONE, "created")


def test_processing_a_message_twice_creates_nothing_twice(shopify):
    _headers, body = shopify_sample()
    stored = inbox_store(
        shop=shopify.shop,
        platform="shopify",
        kind=InboxMessage.Kind.PUSH,
        items=[PushItem("orders/create", "e", str(body["id"]), json.dumps(body))],
        enqueue=False,
    )
    inbox_process(stored.new_ids)
    # django-q2 may deliver a task twice: the claim fails the second time.
    assert inbox_process(stored.new_ids) == {}
    # Even forced back to pending, the version is recognised as already applied.
    InboxMessage.objects.filter(pk__in=stored.new_ids).update(status=WorkStatus.PENDING)
    assert inbox_process(stored.new_ids) == {"unchanged": 1}
    assert Order.objects.count() == 1
    assert Order.objects.get().events.count() == 1 + 0  # created only (stock reservation writes no order event)
