"""``/healthz`` and ``/readyz``: what a load balancer (HAProxy's ``option httpchk``) and an operator ask a node.

- ``/healthz``: the process is alive and answers. No database, nothing that can hang.
- ``/readyz``: can this node serve? JSON with one entry per check (``ok``, ``ms`` and what it found):
  ``database`` (the primary answers), ``migrations`` (every migration of this code is applied), ``replica``
  (its lag, when a replica is configured), ``redis`` (the broker and shared cache answer, when configured),
  ``queue`` (the age of the oldest work waiting in the inbox, and the broker's queue length). Only the
  database and migrations make the node unready (503): without Redis or the replica the node still serves —
  the inbox stores what comes in and the sweeper queues it again; reads go to the primary — so taking every
  node out for them would turn a degraded cluster into an outage. Their failures show in the body.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections
from django.http import HttpRequest, JsonResponse
from django.utils.module_loading import import_string
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from config.router import replica_configured, replica_lag

CRITICAL = ("database", "migrations")
_migrated: set[str] = set()  # databases found fully migrated by this process (that does not go back)


@require_GET
@never_cache
def healthz(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"status": "ok"})


@require_GET
@never_cache
def readyz(request: HttpRequest) -> JsonResponse:
    checks = readiness()
    ready = all(checks[name]["ok"] for name in CRITICAL)
    return JsonResponse({"status": "ready" if ready else "not_ready", "checks": checks}, status=200 if ready else 503)


def readiness() -> dict[str, dict[str, Any]]:
    checks = {"database": _timed(_database), "migrations": _timed(_migrations)}
    if replica_configured():
        checks["replica"] = _timed(_replica)
    redis_urls = sorted({url for url in (settings.Q_REDIS_URL, settings.CACHE_REDIS_URL) if url})
    if redis_urls:
        checks["redis"] = _timed(lambda: _redis(redis_urls))
    checks["queue"] = _timed(_queue)
    return checks


def _timed(check: Callable[[], dict[str, Any]]) -> dict[str, Any]:
    started = time.perf_counter()
    try:
        found = check()
    except Exception as exc:  # noqa: BLE001 - a failing dependency is the answer, not an error of the view
        found = {"ok": False, "error": f"{type(exc).__name__}: {exc}"[:300]}
    found["ms"] = round((time.perf_counter() - started) * 1000, 1)
    return found


def _database() -> dict[str, Any]:
    with connections[DEFAULT_DB_ALIAS].cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()
    return {"ok": True}


def _migrations() -> dict[str, Any]:
    if DEFAULT_DB_ALIAS not in _migrated:
        from django.db.migrations.executor import MigrationExecutor

        executor = MigrationExecutor(connections[DEFAULT_DB_ALIAS])
        plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
        if plan:
            return {"ok": False, "unapplied": [f"{m.app_label}.{m.name}" for m, _backwards in plan][:20]}
        _migrated.add(DEFAULT_DB_ALIAS)
    return {"ok": True}


def _replica() -> dict[str, Any]:
    lag = replica_lag(fresh=True)
    limit = settings.DB_REPLICA_MAX_LAG_SECONDS
    if lag is None:
        return {"ok": False, "error": "replica unreachable: reads go to the primary"}
    return {
        "ok": lag <= limit,
        "lag_s": round(lag, 3),
        "max_lag_s": limit,
        "reads": "replica" if lag <= limit else "primary",
    }


def _redis(urls: list[str]) -> dict[str, Any]:
    import redis

    for url in urls:
        redis.Redis.from_url(url, socket_connect_timeout=1, socket_timeout=1).ping()
    return {"ok": True}


def _queue() -> dict[str, Any]:
    found: dict[str, Any] = {"ok": True}
    for name, path in settings.HEALTH_QUEUE_PROBES.items():
        found[name] = import_string(path)()
    oldest = found.get("oldest_due_s")
    if oldest is not None and oldest > settings.HEALTH_QUEUE_MAX_AGE_SECONDS:
        found["ok"] = False
        found["error"] = f"work has waited {oldest:.0f} s (limit {settings.HEALTH_QUEUE_MAX_AGE_SECONDS} s)"
    if settings.Q_REDIS_URL:
        from django_q.brokers import get_broker

        found["broker_queued"] = get_broker().queue_size()
    return found
