"""A follower misses no change, and gets none twice, when a slow transaction commits after a faster one that
started later — PostgreSQL, real writer threads, the follower polling GET /api/v1/orders/?cursor=… as a
partner does (config.changes, config.feed)."""

from __future__ import annotations

import functools
import random
import threading
import time

import pytest
from django.db import transaction
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from orders.models import Order
from tests.concurrency import running
from tests.factories import make_order

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

URL = "/api/v1/orders/"
PATIENCE = 90  # seconds a follower waits for the last changes (only a stuck transaction would need it)


class Follower:
    """Follows ``next`` links and remembers every (order number, consignee name) it was given."""

    def __init__(self, user, *, page_size: int = 7):
        self.client = APIClient()
        self.client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.get_or_create(user=user)[0].key}")
        self.next = f"{URL}?cursor=&page_size={page_size}"
        self.seen: list[tuple[str, str]] = []

    def poll(self) -> list[tuple[str, str]]:
        got = []
        while True:
            response = self.client.get(self.next)
            assert response.status_code == 200, response.content
            body = response.json()
            got += [(item["number"], item["consignee_name"]) for item in body["results"]]
            self.next = body["next"]
            if not body["has_more"]:
                break
        self.seen += got
        return got


class UpdatedAtFollower:
    """The cursor the feed replaces: "updated_at after the last one I saw"."""

    def __init__(self):
        self.last = None
        self.seen: list[str] = []

    def poll(self) -> None:
        rows = Order.objects.order_by("updated_at", "pk")
        if self.last is not None:
            rows = rows.filter(updated_at__gt=self.last)
        for order in rows:
            self.seen.append(order.number)
            self.last = order.updated_at


def rename(order_id: int, name: str) -> None:
    order = Order.objects.get(pk=order_id)
    order.consignee_name = name
    order.save(update_fields=["consignee_name", "updated_at"])


def test_a_slow_transaction_committing_after_a_later_one_is_not_missed(world, manager):
    slow_order, fast_order = make_order(shop=world["shop_a"]), make_order(shop=world["shop_a"])
    follower, naive = Follower(manager), UpdatedAtFollower()
    follower.poll(), naive.poll()  # both start at the end of the list
    follower.seen.clear(), naive.seen.clear()

    slow_wrote, fast_committed, slow_may_commit = threading.Event(), threading.Event(), threading.Event()

    def slow() -> None:
        with transaction.atomic():
            rename(slow_order.pk, "slow")  # takes its transaction id now: the smaller one
            slow_wrote.set()
            assert slow_may_commit.wait(30)

    def fast() -> None:
        assert slow_wrote.wait(30)
        with transaction.atomic():
            rename(fast_order.pk, "fast")  # a later transaction id, a later updated_at
        fast_committed.set()

    with running([slow, fast], together=False) as background:
        try:
            assert fast_committed.wait(30)
            # The fast change is committed, the slow one not: the feed holds the fast one back (it is numbered
            # after a transaction still in progress); the updated_at cursor takes it and moves past the slow one.
            assert follower.poll() == []
            naive.poll()
            assert naive.seen == [fast_order.number]
        finally:
            slow_may_commit.set()
    assert background.errors == []

    deadline = time.monotonic() + PATIENCE
    while len(follower.seen) < 2 and time.monotonic() < deadline:
        follower.poll()
        time.sleep(0.05)
    naive.poll()

    assert follower.seen == [(slow_order.number, "slow"), (fast_order.number, "fast")]  # each once, commit-safe
    assert follower.poll() == []
    assert naive.seen == [fast_order.number]  # the plain updated_at cursor lost the slow change for good


def test_a_follower_polling_during_concurrent_writers_sees_every_change_exactly_once(world, manager):
    writers, rows = 5, 40
    orders = [make_order(shop=world["shop_a"]).pk for _ in range(rows)]
    follower = Follower(manager)
    follower.poll()
    follower.seen.clear()
    rng = random.Random(7)
    plans = [orders[index::writers] for index in range(writers)]
    expected = {}

    def write(index: int, mine: list[int]) -> None:
        pick = random.Random(index)
        chunks = [mine[i : i + 2] for i in range(0, len(mine), 2)]
        for n, chunk in enumerate(chunks):
            with transaction.atomic():
                for order_id in chunk:
                    name = f"w{index}-{order_id}"
                    if pick.random() < 0.5:
                        Order.objects.filter(pk=order_id).update(consignee_name=name)  # set-based path
                    else:
                        rename(order_id, name)  # save() path
                    # The first transaction of writer 0 stays open while the others commit theirs.
                    time.sleep(0.6 if (index, n) == (0, 0) else pick.uniform(0, 0.02))

    for index, mine in enumerate(plans):
        for order_id in mine:
            expected[order_id] = f"w{index}-{order_id}"
    jobs = [functools.partial(write, index, mine) for index, mine in enumerate(plans)]
    with running(jobs) as background:
        while background.alive():
            follower.poll()
            time.sleep(rng.uniform(0, 0.01))
    assert background.errors == []
    deadline = time.monotonic() + PATIENCE
    while len(follower.seen) < rows and time.monotonic() < deadline:
        follower.poll()
        time.sleep(0.05)
    follower.poll()

    numbers = dict(Order.objects.filter(pk__in=orders).values_list("number", "pk"))
    seen_names = {numbers[number]: name for number, name in follower.seen}
    assert len(follower.seen) == rows  # nothing twice …
    assert seen_names == expected  # … nothing missed, and each as its writer left it
