"""The run's broker: Redis (a database of its own, ``SIMULATOR_REDIS_URL``) when it answers, else the database;
its queues emptied before a run and their length read while it runs."""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings

REVIEW_CLUSTER = "peak-review"
NOTIFY_CLUSTER = "peak-notify"


def redis_reachable(url: str) -> bool:
    if not url:
        return False
    try:
        import redis

        redis.Redis.from_url(url, socket_connect_timeout=1).ping()
        return True
    except Exception:  # noqa: BLE001 - any failure means: use the database as the broker
        return False


def queue_names(*, notify: bool = True) -> list[str]:
    """The run's queues: ingestion's, the review's and — unless left out — the buyer messages'."""
    return [settings.Q_CLUSTER["name"], REVIEW_CLUSTER, *([NOTIFY_CLUSTER] if notify else [])]


def queue_keys(*, notify: bool = True) -> list[str]:
    return [f"django_q:{name}:q" for name in queue_names(notify=notify)]


def queue_flush(redis_url: str) -> None:
    """Tasks a killed earlier run left in the simulator's broker would be worked first: gone. So is the inbox's
    wake flag it may have left set in the shared cache (held by a drain that died with it): until it expired,
    this run's pushes would queue no drain."""
    if redis_url:
        import redis

        from config.cache import RedisCache
        from integrations.inbox import WAKE_KEY

        redis.Redis.from_url(redis_url).delete(*queue_keys())
        RedisCache(redis_url, {"KEY_PREFIX": settings.CACHE_KEY_PREFIX}).delete(WAKE_KEY)
    else:
        from django_q.models import OrmQ

        OrmQ.objects.filter(key__in=queue_names()).delete()


def queue_size_reader(redis_url: str, *, notify: bool = True) -> Callable[[], int]:
    """Tasks waiting in the run's queues; ``notify=False`` leaves out the buyer messages' (not the order path)."""
    if redis_url:
        import redis

        client = redis.Redis.from_url(redis_url)
        return lambda: sum(client.llen(key) for key in queue_keys(notify=notify))

    def orm_size() -> int:
        from django_q.models import OrmQ

        return OrmQ.objects.filter(key__in=queue_names(notify=notify)).count()

    return orm_size
