"""The inbox works through a busy queue set-based: new platform orders of a batch are created together,
while one bad order fails alone, a second version of the same order in the batch is applied after the
first, and an order Order Hub already has is updated one by one."""

import copy
import itertools
import json

import pytest

from integrations.inbox import inbox_process, inbox_store
from integrations.models import ChannelOrderState, InboxMessage, WorkStatus
from integrations.platforms.base import PushItem
from orders.models import Order, OrderEvent
from orders.states import Status
from tests.integrations.helpers import shopify_sample

pytestmark = pytest.mark.django_db
_events = itertools.count()


def _version(body, order_id, **changes):
    version = copy.deepcopy(body)
    version.update(id=order_id, name=f"#{order_id}", **changes)
    return version


def _store(shop, bodies):
    items = [PushItem("orders/updated", f"evt-{next(_events)}", str(body["id"]), json.dumps(body)) for body in bodies]
    stored = inbox_store(shop=shop, platform="shopify", kind=InboxMessage.Kind.PUSH, items=items, enqueue=False)
    return stored.new_ids


def test_a_batch_creates_new_orders_together_and_the_exceptions_one_by_one(shopify):
    _headers, body = shopify_sample()
    known = _version(body, 9001)
    inbox_process(_store(shopify.shop, [known]))
    assert Order.objects.filter(external_id="9001").exists()

    bad = _version(body, 9003)
    bad["line_items"][0]["sku"] = "NOT-IN-CATALOG"
    later = _version(body, 9002, note="请尽快发货", updated_at="2099-01-01T10:00:00+08:00")
    moved = _version(known, 9001, note="改了备注", updated_at="2099-01-01T10:00:00+08:00")
    ids = _store(
        shopify.shop,
        [_version(body, 9002), bad, _version(body, 9004), later, moved, _version(body, 9005)],
    )

    counts = inbox_process(ids)

    messages = {m.external_id + ("*" if m.pk == ids[3] else ""): m for m in InboxMessage.objects.filter(pk__in=ids)}
    assert {key: (m.status, m.result) for key, m in messages.items()} == {
        "9002": (WorkStatus.DONE, InboxMessage.Result.CREATED),
        "9003": (WorkStatus.FAILED, ""),  # unknown SKU: retried later (staff may add the SKU)
        "9004": (WorkStatus.DONE, InboxMessage.Result.CREATED),
        "9002*": (WorkStatus.DONE, InboxMessage.Result.UPDATED),  # second version of 9002, after its creation
        "9001": (WorkStatus.DONE, InboxMessage.Result.UPDATED),  # known order: updated
        "9005": (WorkStatus.DONE, InboxMessage.Result.CREATED),
    }
    assert counts == {"created": 3, "updated": 2, "failed": 1}
    assert "NOT-IN-CATALOG" in messages["9003"].last_error
    assert sorted(Order.objects.values_list("external_id", flat=True)) == ["9001", "9002", "9004", "9005"]
    assert Order.objects.get(external_id="9002").buyer_remark == "请尽快发货"
    assert Order.objects.get(external_id="9001").buyer_remark == "改了备注"
    for external_id in ("9002", "9004", "9005"):
        order = Order.objects.get(external_id=external_id)
        assert order.status in (Status.PAID, Status.APPROVED)
        assert order.events.filter(kind=OrderEvent.Kind.CREATED).count() == 1
        state = ChannelOrderState.objects.get(shop=shopify.shop, external_id=external_id)
        assert state.order_id == order.pk and state.content_hash
    assert messages["9002"].order_id == Order.objects.get(external_id="9002").pk


def test_an_order_entered_without_a_channel_state_is_applied_to_not_created_again(shopify, caplog):
    """An order Order Hub has without a channel state (entered through the partner API or by hand) is left
    out by the batch's INSERT and applied one by one; the batch itself goes through."""
    _headers, body = shopify_sample()
    inbox_process(_store(shopify.shop, [_version(body, 9201)]))
    entered = Order.objects.get(shop=shopify.shop, external_id="9201")
    ChannelOrderState.objects.filter(shop=shopify.shop, external_id="9201").delete()

    ids = _store(
        shopify.shop,
        [_version(body, 9201, note="改了备注", updated_at="2099-01-01T10:00:00+08:00"), _version(body, 9202)],
    )
    with caplog.at_level("WARNING", logger="integrations.inbox"):
        counts = inbox_process(ids)

    assert counts == {"created": 1, "updated": 1}
    assert not [r for r in caplog.records if "one by one" in r.getMessage()]  # no fallback for the whole batch
    assert Order.objects.filter(shop=shopify.shop, external_id="9201").count() == 1
    assert Order.objects.get(pk=entered.pk).buyer_remark == "改了备注"
    assert ChannelOrderState.objects.get(shop=shopify.shop, external_id="9201").order_id == entered.pk
    assert Order.objects.filter(shop=shopify.shop, external_id="9202").exists()


def test_a_batch_failing_on_the_database_is_applied_one_by_one(shopify, monkeypatch):
    from django.db import IntegrityError

    from integrations.inbox import batches

    def broken(**kwargs):
        raise IntegrityError("simulated")

    monkeypatch.setattr(batches, "order_versions_create_new", broken)
    _headers, body = shopify_sample()
    ids = _store(shopify.shop, [_version(body, 9101), _version(body, 9102)])
    assert inbox_process(ids) == {"created": 2}
    assert Order.objects.filter(external_id__in=["9101", "9102"]).count() == 2


def test_a_poll_page_is_split_and_its_orders_processed_by_the_same_task(shopify, monkeypatch):
    """The page's orders are stored already claimed by the page's worker and processed at once: no task is
    queued for them. The same orders polled again (a second page) are not stored or processed again."""
    from integrations import inbox
    from integrations.inbox import queueing

    queued = []
    monkeypatch.setattr(queueing, "enqueue_on_commit", lambda func, *args, **kwargs: queued.append((func, args)))
    _headers, body = shopify_sample()
    orders = [_version(body, 9101), _version(body, 9102)]

    def page():
        item = PushItem("shopify.orders", "", "", json.dumps({"orders": orders}))
        stored = inbox_store(shop=shopify.shop, platform="shopify", kind=InboxMessage.Kind.POLL_PAGE, items=[item])
        return stored.new_ids[0]

    first = page()
    counts = inbox_process(first)

    assert counts == {"split": 1, "created": 2}
    children = InboxMessage.objects.filter(parent_id=first).order_by("external_id")
    assert [(m.external_id, m.status, m.result, m.attempts) for m in children] == [
        ("9101", WorkStatus.DONE, InboxMessage.Result.CREATED, 1),
        ("9102", WorkStatus.DONE, InboxMessage.Result.CREATED, 1),
    ]
    assert InboxMessage.objects.get(pk=first).result == InboxMessage.Result.SPLIT
    assert [func for func, _args in queued if func == inbox.PROCESS_TASK] == [inbox.PROCESS_TASK]  # the page's own

    again = page()
    assert inbox_process(again) == {"split": 1}
    assert not InboxMessage.objects.filter(parent_id=again).exists()
    assert Order.objects.filter(shop=shopify.shop, external_id__in=["9101", "9102"]).count() == 2


def test_poll_pages_waiting_together_are_processed_in_one_batch(shopify, monkeypatch):
    """A catch-up stores page after page: the worker of one takes the next one along (``PAGES_TOGETHER``), so
    their orders are created in one batch; the other page's own task then finds nothing to claim."""
    from integrations import inbox
    from integrations.inbox import batches, queueing

    monkeypatch.setattr(queueing, "enqueue_on_commit", lambda *args, **kwargs: None)
    _headers, body = shopify_sample()

    def page(*ids):
        orders = [_version(body, order_id) for order_id in ids]
        item = PushItem("shopify.orders", "", "", json.dumps({"orders": orders}))
        stored = inbox_store(shop=shopify.shop, platform="shopify", kind=InboxMessage.Kind.POLL_PAGE, items=[item])
        return stored.new_ids[0]

    pages = [page(9300 + 2 * index, 9301 + 2 * index) for index in range(inbox.PAGES_TOGETHER)]
    last = page(9399)
    created = []
    create = batches.order_versions_create_new
    monkeypatch.setattr(
        batches, "order_versions_create_new", lambda **kw: created.append(len(kw["items"])) or create(**kw)
    )

    together = inbox.PAGES_TOGETHER
    assert inbox_process(pages[0]) == {"split": together, "created": 2 * together}
    assert created == [2 * together]  # the pages' orders together
    assert inbox_process(pages[1]) == {}  # taken along already
    assert InboxMessage.objects.get(pk=last).status == WorkStatus.PENDING  # PAGES_TOGETHER at most
    assert inbox_process(last) == {"split": 1, "created": 1}
    assert Order.objects.filter(shop=shopify.shop).count() == 2 * together + 1
