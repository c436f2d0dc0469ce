"""The shared cache's backend: Django's Redis cache, with one Redis client per connection pool.

Django's ``RedisCacheClient`` builds a new ``redis.Redis`` for every operation, and redis-py fills a table of
response callbacks (some 160 entries) in each one's constructor — as much CPU as the command itself. Every
signed webhook sets the inbox's wake flag (``integrations.inbox.inbox_wake``), so at a peak that was about a
tenth of a webhook request's CPU. A client is thread-safe and takes its connections from the pool (which
notices a fork), so one per pool serves every thread of the process.
"""

from __future__ import annotations

from django.core.cache.backends.redis import RedisCache as DjangoRedisCache
from django.core.cache.backends.redis import RedisCacheClient


class ReusedRedisCacheClient(RedisCacheClient):
    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._clients: dict[int, object] = {}

    def get_client(self, key=None, *, write=False):
        index = self._get_connection_pool_index(write)
        client = self._clients.get(index)
        if client is None:
            client = self._clients[index] = super().get_client(key, write=write)
        return client


class RedisCache(DjangoRedisCache):
    def __init__(self, server, params) -> None:
        super().__init__(server, params)
        self._class = ReusedRedisCacheClient
