"""Reads from the streaming replica where they are heavy and may be a moment old; everything else on the primary.

- Writes, and reads inside a transaction, always go to the primary (``default``).
- A read goes to the replica only inside ``replica_reads()`` — opened for a request by ``ReplicaReadsMiddleware``
  when its view is one of ``DB_REPLICA_VIEWS`` (dashboards, reports, exports, order lists) and it is a GET —
  and only when all of these hold:
  - a replica is configured (``DB_REPLICA_URL``);
  - the client has not written in the last ``DB_REPLICA_PIN_SECONDS`` (read-your-writes): a request that
    changes something (POST/PUT/PATCH/DELETE) pins its browser (a short-lived cookie) and its API token (a key
    in the shared cache) to the primary, so a list read right after a write shows the write;
  - the replica is no further behind than ``DB_REPLICA_MAX_LAG_SECONDS``, measured at most once every
    ``DB_REPLICA_LAG_CHECK_SECONDS`` per process; an unreachable replica counts as too far behind (and is not
    asked again for a few seconds), so reads fall back to the primary.
- Where each read went is counted per process (``reads_served``), for the drill and /readyz.
"""

from __future__ import annotations

import hashlib
import logging
import threading
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from django.conf import settings
from django.core.cache import cache
from django.db import DEFAULT_DB_ALIAS, DatabaseError, connections

REPLICA = "replica"
PIN_COOKIE = "oh_primary"
_PIN_KEY = "db:pin:{}"
UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})

log = logging.getLogger(__name__)

_replica_allowed: ContextVar[bool] = ContextVar("replica_allowed", default=False)
_lag_lock = threading.Lock()
_lag_cache: dict[str, float | None] = {"at": float("-inf"), "lag": None}
reads_served: Counter[str] = Counter()  # alias → reads routed there by this process (heavy reads only)
fallbacks: Counter[str] = Counter()  # reason → heavy reads sent to the primary instead


@contextmanager
def replica_reads() -> Iterator[None]:
    """Reads in this block may be served by the replica (when it is fresh enough)."""
    token = _replica_allowed.set(True)
    try:
        yield
    finally:
        _replica_allowed.reset(token)


@contextmanager
def primary_reads() -> Iterator[None]:
    """Reads in this block go to the primary, whatever an outer ``replica_reads`` says."""
    token = _replica_allowed.set(False)
    try:
        yield
    finally:
        _replica_allowed.reset(token)


def replica_configured() -> bool:
    return REPLICA in connections.settings


def replica_lag(*, fresh: bool = False) -> float | None:
    """Seconds the replica is behind the primary (0 when it has replayed all it received), or None when it
    cannot be reached. Cached for ``DB_REPLICA_LAG_CHECK_SECONDS`` unless ``fresh``."""
    now = time.monotonic()
    with _lag_lock:
        if not fresh and now - _lag_cache["at"] < settings.DB_REPLICA_LAG_CHECK_SECONDS:
            return _lag_cache["lag"]
        _lag_cache["at"] = now  # others use the last value meanwhile
    lag: float | None
    try:
        with connections[REPLICA].cursor() as cursor:
            cursor.execute(
                "SELECT CASE WHEN NOT pg_is_in_recovery() THEN 0"
                " WHEN pg_last_wal_receive_lsn() = pg_last_wal_replay_lsn() THEN 0"
                " ELSE COALESCE(EXTRACT(EPOCH FROM now() - pg_last_xact_replay_timestamp()), 0) END"
            )
            lag = float(cursor.fetchone()[0])
    except DatabaseError as exc:
        log.warning("replica unreachable, reads go to the primary: %s", exc)
        connections[REPLICA].close()
        lag = None
    with _lag_lock:
        _lag_cache.update(at=time.monotonic(), lag=lag)
    return lag


def replica_usable() -> tuple[bool, str]:
    """Whether heavy reads may go to the replica now, and if not, why."""
    lag = replica_lag()
    if lag is None:
        return False, "replica_unreachable"
    if lag > settings.DB_REPLICA_MAX_LAG_SECONDS:
        return False, "replica_lagging"
    return True, ""


# Sessions, users, tokens and permissions: small reads whose staleness would log a user out or deny a grant.
PRIMARY_ONLY_APPS = frozenset({"sessions", "auth", "authtoken", "contenttypes", "guardian"})


class PrimaryReplicaRouter:
    """``DATABASE_ROUTERS``: see the module docstring."""

    def db_for_read(self, model, **hints) -> str:
        if not _replica_allowed.get() or not replica_configured():
            return DEFAULT_DB_ALIAS
        if model._meta.app_label in PRIMARY_ONLY_APPS:
            return DEFAULT_DB_ALIAS
        if connections[DEFAULT_DB_ALIAS].in_atomic_block:
            return DEFAULT_DB_ALIAS  # the transaction's own writes are not on the replica
        usable, reason = replica_usable()
        if not usable:
            fallbacks[reason] += 1
            return DEFAULT_DB_ALIAS
        reads_served[REPLICA] += 1
        return REPLICA

    def db_for_write(self, model, **hints) -> str:
        return DEFAULT_DB_ALIAS

    def allow_relation(self, obj1, obj2, **hints) -> bool:
        return True  # the replica is a copy of the primary: one database

    def allow_migrate(self, db, app_label, model_name=None, **hints) -> bool:
        return db == DEFAULT_DB_ALIAS


def _token_key(request) -> str | None:
    header = request.META.get("HTTP_AUTHORIZATION", "")
    if not header:
        return None
    return _PIN_KEY.format(hashlib.sha256(header.encode()).hexdigest()[:32])


def client_pinned(request) -> bool:
    """Did this client (browser or API token) write within ``DB_REPLICA_PIN_SECONDS``?"""
    if request.COOKIES.get(PIN_COOKIE):
        return True
    key = _token_key(request)
    if key is None:
        return False
    try:
        return bool(cache.get(key))
    except Exception:  # noqa: BLE001 - the shared cache is down: be safe, read the primary
        return True


def client_pin(request, response) -> None:
    """Pin the client that just wrote to the primary for ``DB_REPLICA_PIN_SECONDS``."""
    seconds = settings.DB_REPLICA_PIN_SECONDS
    response.set_cookie(
        PIN_COOKIE,
        "1",
        max_age=seconds,
        httponly=True,
        samesite="Lax",
        secure=settings.SESSION_COOKIE_SECURE,
    )
    key = _token_key(request)
    if key is not None:
        try:
            cache.set(key, 1, timeout=seconds)
        except Exception:  # noqa: BLE001 - without the shared cache the client reads the primary anyway (above)
            log.warning("could not pin an API client to the primary: shared cache unavailable")


class ReplicaReadsMiddleware:
    """Opens ``replica_reads()`` for GETs of the heavy read views (``DB_REPLICA_VIEWS``, by URL name) of
    clients that have not just written, and pins clients that write (read-your-writes)."""

    def __init__(self, get_response):
        self.get_response = get_response
        self.views = frozenset(settings.DB_REPLICA_VIEWS)

    def __call__(self, request):
        response = self.get_response(request)
        if request.method in UNSAFE_METHODS and response.status_code < 500 and replica_configured():
            client_pin(request, response)
        return response

    def process_view(self, request, view_func, view_args, view_kwargs):
        if request.method not in ("GET", "HEAD") or not replica_configured():
            return None
        match = request.resolver_match
        if match is None or match.view_name not in self.views or client_pinned(request):
            return None
        with replica_reads():
            return self._view(request, view_func, view_args, view_kwargs)

    @staticmethod
    def _view(request, view_func, view_args, view_kwargs):
        response = view_func(request, *view_args, **view_kwargs)
        if hasattr(response, "render") and callable(response.render) and not response.is_rendered:
            response = response.render()  # a template response reads while rendering: still on the replica
        return response
