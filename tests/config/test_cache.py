"""The shared cache's Redis backend keeps one client per connection pool and behaves as Django's."""

import threading

import pytest

from config.cache import RedisCache
from tests.redis_service import REDIS, needs_redis

pytestmark = needs_redis


@pytest.fixture
def cache():
    cache = RedisCache(REDIS, {"KEY_PREFIX": "cache-test"})
    yield cache
    cache.delete_many(["flag", "counter"])


def test_operations_share_one_client_and_keep_the_cache_semantics(cache):
    assert cache.add("flag", 1, timeout=60) is True
    assert cache.add("flag", 2, timeout=60) is False  # held: a second add does nothing
    assert cache.get("flag") == 1
    assert cache.touch("flag", 60) is True
    cache.delete("flag")
    assert cache.get("flag") is None

    assert cache._cache.get_client(write=True) is cache._cache.get_client(write=True)


def test_threads_sharing_the_client_each_see_their_own_answers(cache):
    cache.set("counter", 0)
    errors: list[Exception] = []

    def work() -> None:
        try:
            for _ in range(50):
                cache.incr("counter")
        except Exception as exc:  # noqa: BLE001 - collected for the assertion
            errors.append(exc)

    threads = [threading.Thread(target=work) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    assert cache.get("counter") == 200
