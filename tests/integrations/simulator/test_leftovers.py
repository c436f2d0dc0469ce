"""A peak simulation stopped mid-way leaves work behind (inbox messages, review tasks, the inbox's wake flag);
the next run must not inherit it: it would work through the earlier backlog first and review nothing of its own
in its window."""

import pytest
from django.conf import settings

from config.cache import RedisCache
from integrations.inbox import WAKE_KEY
from integrations.models import InboxMessage, WorkStatus
from integrations.simulator.broker import NOTIFY_CLUSTER, REVIEW_CLUSTER, queue_flush, queue_keys
from integrations.simulator.options import Options
from integrations.simulator.world import world_leftovers_set_aside, world_progress, world_setup
from orders.states import Status
from tests.factories import make_order
from tests.redis_service import REDIS, needs_redis

pytestmark = pytest.mark.django_db


def _message(shop, external_id: str, status: str) -> InboxMessage:
    return InboxMessage.objects.create(
        shop=shop,
        platform="shopify",
        kind=InboxMessage.Kind.PUSH,
        topic="orders/create",
        external_id=external_id,
        content_hash=external_id,
        body="{}",
        status=status,
    )


def test_a_new_run_parks_the_backlog_a_stopped_run_left_and_keeps_its_own():
    stopped = world_setup(Options(orders=10), base_url="http://127.0.0.1:9")
    left = [
        _message(stopped.shopify.shop, "1", WorkStatus.PENDING),
        _message(stopped.shopify.shop, "2", WorkStatus.PROCESSING),  # claimed by a worker killed with the run
        _message(stopped.taobao.shop, "3", WorkStatus.FAILED),
    ]
    finished = _message(stopped.shopify.shop, "4", WorkStatus.DONE)
    make_order(shop=stopped.shopify.shop, status=Status.PAID)  # its review task died with the run
    run = world_setup(Options(orders=10), base_url="http://127.0.0.1:9")
    own = _message(run.shopify.shop, "5", WorkStatus.PENDING)

    set_aside = world_leftovers_set_aside(run)

    assert set_aside == {"inbox_parked": 3, "unreviewed_paid": 1}
    for message in left:
        message.refresh_from_db()
        assert (message.status, message.error_code, message.claimed_at) == (WorkStatus.DEAD, "run_stopped", None)
        assert "earlier simulation run" in message.last_error
    finished.refresh_from_db()
    own.refresh_from_db()
    assert (finished.status, own.status) == (WorkStatus.DONE, WorkStatus.PENDING)
    assert world_progress(run)[0] == 1
    assert world_leftovers_set_aside(run) == {"inbox_parked": 0, "unreviewed_paid": 1}


@needs_redis
def test_the_queues_and_the_wake_flag_a_killed_run_left_are_cleared():
    import redis

    client = redis.Redis.from_url(REDIS)
    cache = RedisCache(REDIS, {"KEY_PREFIX": settings.CACHE_KEY_PREFIX})
    for key in queue_keys():
        client.rpush(key, b"a task of the stopped run")
    cache.set(WAKE_KEY, 1, timeout=60)  # held by the drain that was killed: new pushes would queue no drain

    queue_flush(REDIS)

    assert [client.llen(key) for key in queue_keys()] == [0, 0, 0]
    assert f"django_q:{REVIEW_CLUSTER}:q" in queue_keys()
    assert f"django_q:{NOTIFY_CLUSTER}:q" in queue_keys()
    assert cache.get(WAKE_KEY) is None
