"""Real concurrency on PostgreSQL: the same order arriving twice at the same moment becomes one order."""

import copy
import json
import threading

import pytest
from django.db import transaction
from django.db.models import F

from integrations.inbox import inbox_process, inbox_store
from integrations.inbox.claiming import inbox_claim
from integrations.models import ChannelOrderState, InboxMessage, WorkStatus
from integrations.platforms.base import PushItem, PushRequest
from integrations.services import webhook_accept
from integrations.signing import shopify_hmac
from orders.models import Order
from tests.concurrency import run_together, running
from tests.integrations.helpers import SECRET, make_shop, shopify_sample

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def _push(shop_code, body_bytes, webhook_id):
    def job():
        request = PushRequest(
            body=body_bytes,
            headers={
                "x-shopify-topic": "orders/create",
                "x-shopify-webhook-id": webhook_id,
                "x-shopify-hmac-sha256": shopify_hmac(body_bytes, SECRET),
            },
            query={},
        )
        webhook_accept(platform="shopify", shop_code=shop_code, request=request)

    return job


def test_two_identical_pushes_at_once_make_one_order(shopify):
    _headers, body = shopify_sample()
    raw = json.dumps(body).encode()

    _results, errors = run_together([_push(shopify.shop.code, raw, "same-delivery") for _ in range(4)])

    assert errors == []
    assert Order.objects.filter(external_id="6123456789012").count() == 1
    message = InboxMessage.objects.get()
    assert message.deliveries == 4
    assert message.result == "created"


def test_push_and_poll_of_the_same_order_at_once_make_one_order(shopify):
    _headers, body = shopify_sample()
    raw = json.dumps(body).encode()
    # The same order as a webhook (different delivery ids) and as a polled order, processed concurrently.
    stored = inbox_store(
        shop=shopify.shop,
        platform="shopify",
        kind=InboxMessage.Kind.POLL,
        items=[PushItem("shopify.order", "", str(body["id"]), json.dumps(body))],
        enqueue=False,
    )

    _results, errors = run_together(
        [
            _push(shopify.shop.code, raw, "d1"),
            _push(shopify.shop.code, raw, "d2"),
            lambda: inbox_process(stored.new_ids),
        ]
    )

    assert errors == []
    assert Order.objects.count() == 1
    results = sorted(InboxMessage.objects.values_list("result", flat=True))
    assert results.count("created") == 1
    assert set(results) <= {"created", "unchanged"}
    assert ChannelOrderState.objects.get().order == Order.objects.get()


def test_workers_whose_batches_take_the_same_skus_in_opposite_order_queue_instead_of_deadlocking(
    skus, warehouse, monkeypatch, caplog
):
    """Two inbox workers, each with the new orders of two shops: one's first batch sells SKU A and its second
    SKU B, the other's the other way round. Each holds its first batch's stock until it commits."""
    from integrations.inbox import processing

    _headers, body = shopify_sample()
    first, second = "FLW-SERUM-30ML", "FLW-MASK-5P"
    shops = [make_shop(f"shopify-{n}", "shopify", warehouse).shop for n in range(1, 5)]
    external = iter(range(7001, 7100))

    def orders_of(shop, sku):
        bodies = []
        for _ in range(2):  # two orders: a batch, created set-based
            version = copy.deepcopy(body)
            order_id = next(external)
            version.update(
                id=order_id, name=f"#{order_id}", line_items=[{**item, "sku": sku} for item in body["line_items"]]
            )
            bodies.append(version)
        items = [PushItem("orders/create", f"evt-{b['id']}", str(b["id"]), json.dumps(b)) for b in bodies]
        return inbox_store(shop=shop, platform="shopify", kind=InboxMessage.Kind.PUSH, items=items, enqueue=False)

    worker_1 = orders_of(shops[0], first).new_ids + orders_of(shops[1], second).new_ids
    worker_2 = orders_of(shops[2], second).new_ids + orders_of(shops[3], first).new_ids

    # Each worker, after its first batch, waits (a little) until the other has done its first batch too.
    first_done = {1: threading.Event(), 2: threading.Event()}
    apply = processing.batch_apply
    mine = threading.local()

    def batch_apply(batch, numbers):
        outcome = apply(batch, numbers)
        if not getattr(mine, "waited", False):
            mine.waited = True
            first_done[mine.worker].set()
            first_done[3 - mine.worker].wait(timeout=3)  # queued behind the other worker: it never comes
        return outcome

    monkeypatch.setattr(processing, "batch_apply", batch_apply)
    monkeypatch.setattr(processing, "also_due", lambda ids: [])  # each worker its own messages

    def work(worker, ids):
        def job():
            mine.worker = worker
            return processing.inbox_process(ids)

        return job

    results, errors = run_together([work(1, worker_1), work(2, worker_2)])

    assert errors == []
    assert results == [{"created": 4}, {"created": 4}]
    assert "failed on the database" not in caplog.text  # no batch fell back to one by one
    assert Order.objects.count() == 8
    assert set(InboxMessage.objects.values_list("result", flat=True)) == {"created"}


def _hold_row_lock(message_id, locked, release):
    """A repeat delivery being counted: the message's row locked in another transaction until ``release``."""

    def job():
        with transaction.atomic():
            InboxMessage.objects.filter(pk=message_id).update(deliveries=F("deliveries") + 1)
            locked.set()
            release.wait(timeout=10)

    return job


def test_a_task_given_a_message_waits_for_a_repeat_delivery_counted_on_it_instead_of_leaving_it(shopify):
    _headers, body = shopify_sample()
    stored = inbox_store(
        shop=shopify.shop,
        platform="shopify",
        kind=InboxMessage.Kind.PUSH,
        items=[PushItem("orders/create", "evt-1", str(body["id"]), json.dumps(body))],
        enqueue=False,
    )
    [message_id] = stored.new_ids
    locked, release = threading.Event(), threading.Event()

    with running([_hold_row_lock(message_id, locked, release)], together=False) as background:
        assert locked.wait(timeout=10)
        threading.Timer(0.3, release.set).start()  # the repeat's UPDATE commits a moment later
        claimed = inbox_claim([message_id])

    assert background.errors == []
    assert claimed == [message_id]  # skipped (and left pending until the sweeper) before
    message = InboxMessage.objects.get()
    assert (message.status, message.attempts, message.deliveries) == (WorkStatus.PROCESSING, 1, 2)


def test_a_repeat_delivery_wakes_a_drain_once_counted(shopify, settings, monkeypatch):
    """A drain's claim passes by rows locked at that moment (SKIP LOCKED); a repeat delivery holds its message's
    row while it is counted, so a drain ending just then would leave the message waiting for the sweeper."""
    from integrations.inbox import queueing

    settings.INTEGRATIONS_INBOX_COALESCE = True
    woken = []
    monkeypatch.setattr(queueing, "inbox_wake", lambda: woken.append(True) or True)
    _headers, body = shopify_sample()
    item = PushItem("orders/create", "evt-1", str(body["id"]), json.dumps(body))
    store = dict(shop=shopify.shop, platform="shopify", kind=InboxMessage.Kind.PUSH, items=[item])
    inbox_store(**store)
    woken.clear()

    again = inbox_store(**store)

    assert (again.new_ids, again.duplicates) == ([], 1)
    assert woken == [True]
