"""Coalesced processing (``INTEGRATIONS_INBOX_COALESCE``): a burst of stored messages wakes one drain task,
the drain works through everything due batch by batch, and no message is left behind by the race between
a push and a drain that is already running."""

import itertools
import json
import threading

import pytest
from django.core.cache import cache
from django.db import connection, transaction

from integrations import inbox
from integrations.inbox import draining, inbox_claim_due, inbox_drain, inbox_store, queueing
from integrations.models import InboxMessage, WorkStatus
from integrations.platforms.base import PushItem
from orders.models import Order
from tests.concurrency import running
from tests.integrations.helpers import shopify_post, shopify_sample

pytestmark = pytest.mark.django_db
_ids = itertools.count(7000)


@pytest.fixture
def coalesced(settings, monkeypatch):
    """Coalescing on, with the task queue replaced by a list of what was queued."""
    settings.INTEGRATIONS_INBOX_COALESCE = True
    queued = []
    monkeypatch.setattr(queueing, "enqueue_on_commit", lambda func, *args, **kwargs: queued.append((func, args)))
    return queued


def _push(shop, django_capture_on_commit_callbacks):
    """Store one Shopify order push in its own transaction (as a webhook request does); returns its id."""
    _headers, body = shopify_sample()
    order_id = next(_ids)
    body.update(id=order_id, name=f"#{order_id}")
    item = PushItem("orders/create", f"evt-{order_id}", str(order_id), json.dumps(body))
    with django_capture_on_commit_callbacks(execute=True):
        with transaction.atomic():
            stored = inbox_store(shop=shop, platform="shopify", kind=InboxMessage.Kind.PUSH, items=[item])
    return stored.new_ids[0]


def test_a_burst_of_pushes_queues_one_drain_which_processes_them_all(
    shopify, coalesced, django_capture_on_commit_callbacks
):
    ids = [_push(shopify.shop, django_capture_on_commit_callbacks) for _ in range(3)]
    assert coalesced == [(inbox.DRAIN_TASK, ())]
    assert set(InboxMessage.objects.filter(pk__in=ids).values_list("status", flat=True)) == {WorkStatus.PENDING}

    counts = inbox_drain()

    assert counts == {"created": 3}
    assert set(InboxMessage.objects.filter(pk__in=ids).values_list("status", flat=True)) == {WorkStatus.DONE}
    assert Order.objects.filter(shop=shopify.shop).count() == 3


def test_a_drain_queued_and_never_run_leaves_the_wake_flag_behind(
    shopify, coalesced, django_capture_on_commit_callbacks
):
    _push(shopify.shop, django_capture_on_commit_callbacks)

    assert coalesced == [(inbox.DRAIN_TASK, ())]
    assert cache.get(inbox.WAKE_KEY) == 1  # held for the drain, which never runs: the next test must not see it


def test_the_next_test_starts_without_the_flag_the_one_before_left(
    shopify, coalesced, django_capture_on_commit_callbacks
):
    """Runs after the test above (in Redis, a flag would outlive the whole run): its push still wakes a drain."""
    _push(shopify.shop, django_capture_on_commit_callbacks)

    assert coalesced == [(inbox.DRAIN_TASK, ())]


def test_a_push_after_the_drain_started_queues_the_next_drain(shopify, coalesced, django_capture_on_commit_callbacks):
    first = _push(shopify.shop, django_capture_on_commit_callbacks)
    inbox_drain()  # done: the flag is cleared, so the next push wakes another drain
    second = _push(shopify.shop, django_capture_on_commit_callbacks)
    assert coalesced == [(inbox.DRAIN_TASK, ()), (inbox.DRAIN_TASK, ())]

    inbox_drain()

    assert dict(InboxMessage.objects.filter(pk__in=[first, second]).values_list("pk", "status")) == {
        first: WorkStatus.DONE,
        second: WorkStatus.DONE,
    }


def test_a_push_while_a_drain_runs_queues_nothing_and_the_drain_takes_it(
    shopify, coalesced, monkeypatch, django_capture_on_commit_callbacks
):
    """The flag is held while a drain runs. A push that finds it set right before the drain clears it (its
    message committed just after the drain's last empty claim) is taken by the drain's look after clearing."""
    first = _push(shopify.shop, django_capture_on_commit_callbacks)
    late = []

    class PushJustBeforeTheFlagIsCleared:
        def __getattr__(self, name):
            return getattr(cache, name)

        def delete(self, key, *args, **kwargs):
            if not late:
                late.append(_push(shopify.shop, django_capture_on_commit_callbacks))  # finds the flag set
            return cache.delete(key, *args, **kwargs)

    monkeypatch.setattr(queueing, "cache", PushJustBeforeTheFlagIsCleared())
    counts = inbox_drain()

    assert coalesced == [(inbox.DRAIN_TASK, ())]  # the late push queued no drain of its own
    assert counts == {"created": 2}
    assert dict(InboxMessage.objects.filter(pk__in=[first, *late]).values_list("pk", "status")) == {
        first: WorkStatus.DONE,
        late[0]: WorkStatus.DONE,
    }
    assert cache.get(inbox.WAKE_KEY) is None


def test_a_drain_works_batch_by_batch_and_hands_over_when_its_time_is_up(
    shopify, coalesced, monkeypatch, django_capture_on_commit_callbacks
):
    monkeypatch.setattr(draining, "BATCH", 2)
    ids = [_push(shopify.shop, django_capture_on_commit_callbacks) for _ in range(5)]
    assert inbox_drain() == {"created": 5}  # 2 + 2 + 1: one task, three batches

    more = [_push(shopify.shop, django_capture_on_commit_callbacks) for _ in range(5)]
    monkeypatch.setattr(draining, "DRAIN_SECONDS", 0)
    queued_before = len(coalesced)
    assert inbox_drain() == {"created": 2}  # out of time after the first batch: the next drain takes the rest
    assert coalesced[queued_before:] == [(inbox.DRAIN_TASK, ())]
    statuses = list(InboxMessage.objects.filter(pk__in=ids + more).order_by("pk").values_list("status", flat=True))
    assert statuses == [WorkStatus.DONE] * 7 + [WorkStatus.PENDING] * 3


@pytest.mark.parametrize("kind", [InboxMessage.Kind.POLL_PAGE, InboxMessage.Kind.IMPORT])
def test_poll_pages_and_file_rows_keep_tasks_of_their_own(shopify, coalesced, kind):
    """A drain takes pushed and polled orders only: a page of a hundred orders, or a file's rows, would
    otherwise wait for the retry sweeper."""
    item = PushItem("shopify.orders", "", "", json.dumps({"orders": []}))
    stored = inbox_store(shop=shopify.shop, platform="shopify", kind=kind, items=[item])
    assert coalesced == [(inbox.PROCESS_TASK, (stored.new_ids,))]
    assert cache.get(inbox.WAKE_KEY) is None


def test_without_coalescing_each_store_queues_its_own_messages(shopify, settings, monkeypatch):
    settings.INTEGRATIONS_INBOX_COALESCE = False
    queued = []
    monkeypatch.setattr(queueing, "enqueue_on_commit", lambda func, *args, **kwargs: queued.append((func, args)))
    _headers, body = shopify_sample()
    items = [PushItem("orders/create", f"e-{n}", str(n), json.dumps({**body, "id": n})) for n in (1, 2)]
    stored = inbox_store(shop=shopify.shop, platform="shopify", kind=InboxMessage.Kind.PUSH, items=items)
    assert queued == [(inbox.PROCESS_TASK, (stored.new_ids,))]


def test_webhooks_are_processed_through_the_drain(client, shopify, settings, django_capture_on_commit_callbacks):
    """Over HTTP, with django-q2 running tasks at once (tests): each accepted push is processed by a drain."""
    settings.INTEGRATIONS_INBOX_COALESCE = True
    _headers, body = shopify_sample()
    for n in (8101, 8102):
        with django_capture_on_commit_callbacks(execute=True):
            response = shopify_post(client, shopify.shop.code, {**body, "id": n, "name": f"#{n}"}, webhook_id=f"wh-{n}")
        assert response.status_code == 200
    assert set(Order.objects.filter(shop=shopify.shop).values_list("external_id", flat=True)) == {"8101", "8102"}
    assert cache.get(inbox.WAKE_KEY) is None  # each drain cleared the flag


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_claim_skips_messages_another_worker_is_claiming(shopify, coalesced, django_capture_on_commit_callbacks):
    if connection.vendor != "postgresql":
        pytest.skip("row locks with SKIP LOCKED: PostgreSQL")
    ids = [_push(shopify.shop, django_capture_on_commit_callbacks) for _ in range(4)]
    locked = threading.Event()
    release = threading.Event()

    def other_worker():
        with transaction.atomic():
            list(InboxMessage.objects.select_for_update().filter(pk__in=ids[:2]))
            locked.set()
            release.wait(timeout=10)

    with running([other_worker]) as background:
        try:
            assert locked.wait(timeout=10)
            claimed = inbox_claim_due(limit=10)
        finally:
            release.set()
    assert background.errors == []
    assert sorted(claimed) == ids[2:]
    assert dict(InboxMessage.objects.filter(pk__in=ids).values_list("pk", "status")) == {
        **{pk: WorkStatus.PENDING for pk in ids[:2]},
        **{pk: WorkStatus.PROCESSING for pk in ids[2:]},
    }
