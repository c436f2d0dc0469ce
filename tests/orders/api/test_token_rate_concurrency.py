"""A token's rate limit holds when its requests race: the count is taken and raised in one step of the shared
cache, so two requests can never both take the last slot (real threads on PostgreSQL, each its own
connection).

The counting cache is wrapped so that every read takes a moment, as a network round trip to Redis does: a
read-then-write count lets every racer read the same figure within that moment, an atomic one does not care."""

import threading
import time

import pytest
from django.core.cache import caches
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from orders.tokens import token_policy_save
from tests.concurrency import run_together

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

RACERS = 8


class SlowReads:
    """The real cache, each ``get`` answered a little late (a round trip); everything else passed through."""

    def __init__(self, cache):
        self._cache = cache

    def get(self, *args, **kwargs):
        value = self._cache.get(*args, **kwargs)
        time.sleep(0.05)
        return value

    def __getattr__(self, name):
        return getattr(self._cache, name)


@pytest.fixture
def slow_counting_cache(settings, monkeypatch):
    from orders.api import auth

    cache = caches[settings.API_RATE_LIMIT_CACHE]
    cache.clear()
    slow = SlowReads(cache)
    monkeypatch.setattr(auth, "caches", {settings.API_RATE_LIMIT_CACHE: slow})
    yield
    cache.clear()


@pytest.mark.parametrize("rate, slots", [("1/min", 1), ("3/min", 3)])
def test_racing_requests_never_take_more_than_the_rate_allows(manager, slow_counting_cache, rate, slots):
    token_policy_save(user=manager, read_only=False, shops=[], rate=rate)
    key = Token.objects.create(user=manager).key
    lock = threading.Lock()
    statuses = []

    def request():
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
        status = client.get("/api/v1/shops/").status_code
        with lock:
            statuses.append(status)

    _results, errors = run_together([request] * RACERS)

    assert errors == []
    assert sorted(statuses) == [200] * slots + [429] * (RACERS - slots)
