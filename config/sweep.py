"""What a sweeper of retried work takes up, written once: the rows that are due, claiming them, claims whose worker
never finished, and staff giving parked work another go. ``config.retry`` decides *when* a failed attempt may run
again; this module finds, claims and hands back the work whose time has come.

A table of retried work has a ``status``, ``attempts`` and ``next_attempt_at`` (and ``claimed_at`` when a worker
claims a row before working on it) — the alert deliveries, the buyer messages, the webhook deliveries, the
inbox and the outbox, the waybill cancellations, the tracking work and pushes, the shipping report deliveries, the
payouts. Its sweeper runs every few minutes::

    work_sweep(Model, due_statuses=…, claimed_status=…, claim_expiry_seconds=…, fail=…, task=…)

- a claim older than the expiry (its worker was killed, or its machine lost) counts as a failed attempt: ``fail``
  is called with the row and a ``RuntimeError`` saying so, and decides with ``config.retry`` (failed again
  later, or parked) — or, where the worker's death says nothing about the work (``claims_release_expired``), the
  row is due again at once and parked only once its attempts are used up;
- the rows due — a due status and ``next_attempt_at`` now or within ``lead_seconds`` (a sweeper running every
  minute takes what falls due before its next run) — are queued after commit, earliest first, ``limit`` at most.

The task that works on a row claims it first with ``work_claim`` (compare-and-set: exactly one worker gets it,
one attempt more), so a row queued twice is worked on once; a worker taking many rows at once claims them with
``work_claim_batch``. A failed attempt of a claimed row is recorded with ``work_fail`` (config.retry decides: due
again after the back-off, or parked), only while the worker's claim is still in force. Staff replay parked rows
with ``work_replay`` (a fresh set of attempts).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.db.models import F, Model, Q, QuerySet
from django.db.models.functions import Least
from django.utils import timezone
from django.utils.translation import gettext_noop

from config.messages import Message, message, message_stored
from config.retry import max_attempts, retry_decide
from config.tasks import enqueue_on_commit

# What a claim whose worker never finished is recorded as (the error staff see on the row: RuntimeError, its text a
# config.messages message for a table that keeps it as one).
CLAIM_EXPIRED = gettext_noop("worker did not finish (claim expired)")
CLAIM_EXPIRED_DEAD = "worker did not finish (claim expired, attempts used up)"


@dataclass(frozen=True, slots=True)
class Sweep:
    expired: int  # claims whose worker never finished, counted as failed attempts
    queued: int  # rows due, queued now


@dataclass(frozen=True, slots=True)
class Released:
    back: int  # due again at once
    dead: int  # parked: their attempts were used up


def _due(rows: QuerySet, statuses: Iterable[str], now: dt.datetime, lead_seconds: int = 0) -> QuerySet:
    return rows.filter(status__in=list(statuses), next_attempt_at__lte=now + dt.timedelta(seconds=lead_seconds))


def due_ids(
    rows: QuerySet,
    *,
    statuses: Iterable[str],
    now: dt.datetime | None = None,
    lead_seconds: int = 0,
    limit: int | None = 500,
) -> list[int]:
    """The ids of ``rows`` due: a status in ``statuses`` and ``next_attempt_at`` now or within ``lead_seconds``,
    earliest first, ``limit`` at most (``None``: all)."""
    due = _due(rows, statuses, now or timezone.now(), lead_seconds).order_by("next_attempt_at", "pk")
    ids = due.values_list("pk", flat=True)
    return list(ids if limit is None else ids[:limit])


def due_oldest_wait(rows: QuerySet, *, statuses: Iterable[str], now: dt.datetime | None = None) -> float | None:
    """How long the oldest of ``rows`` due has waited since its time came (seconds), or None when none is due.
    One step along an index on ``next_attempt_at``, however large the backlog."""
    now = now or timezone.now()
    oldest = _due(rows, statuses, now).order_by("next_attempt_at").values_list("next_attempt_at", flat=True).first()
    return None if oldest is None else round((now - oldest).total_seconds(), 3)


def work_claim(
    model: type[Model],
    pk: int,
    *,
    due_statuses: Iterable[str],
    claimed_status: str,
    now: dt.datetime | None = None,
    lead_seconds: int = 0,
    where: Q | None = None,
    **fields: Any,
) -> bool:
    """Compare-and-set: move row ``pk`` of ``model`` from a due status to ``claimed_status`` (one attempt more,
    ``claimed_at`` now, and ``fields``) if it is due; True for exactly one worker. ``where`` adds conditions on
    the row itself (kept in the UPDATE's own WHERE, so a claimer that waited for the row re-checks them)."""
    now = now or timezone.now()
    rows = model._default_manager.filter(where or Q(), pk=pk)
    claimed = _due(rows, due_statuses, now, lead_seconds).update(
        status=claimed_status, attempts=F("attempts") + 1, claimed_at=now, **fields
    )
    return claimed == 1


def work_claim_batch(
    rows: QuerySet,
    *,
    due_statuses: Iterable[str],
    claimed_status: str,
    now: dt.datetime | None = None,
    limit: int | None = None,
    lead_seconds: int = 0,
    skip_locked: bool = True,
    **fields: Any,
) -> list[int]:
    """Claim the due rows among ``rows`` for one worker, earliest first, ``limit`` at most: each one attempt more,
    ``claimed_at`` now, and ``fields``. Rows another worker holds at this moment are skipped (``FOR UPDATE SKIP
    LOCKED``), so workers claiming side by side take different rows. ``skip_locked=False`` for rows that are this
    worker's to take (a task given their ids): a row locked for a moment by anything else (a repeat delivery
    counted on it) is waited for and checked again once free, not left behind. ``lead_seconds``: as
    ``work_claim``'s (rows a sweeper queued because they fall due before its next run). Returns the ids claimed."""
    now = now or timezone.now()
    with transaction.atomic(savepoint=False):
        due = (
            _due(rows, due_statuses, now, lead_seconds)
            .select_for_update(skip_locked=skip_locked)
            .order_by("next_attempt_at", "pk")
            .values_list("pk", flat=True)
        )
        ids = list(due if limit is None else due[:limit])
        if ids:
            rows.model._default_manager.filter(pk__in=ids).update(
                status=claimed_status, attempts=F("attempts") + 1, claimed_at=now, **fields
            )
    return ids


def work_fail(
    row: Model,
    exc: BaseException,
    *,
    claimed_status: str,
    failed_status: str,
    dead_status: str,
    error: str | None = None,
    error_field: str = "error",
    error_message_field: str = "",
    now: dt.datetime | None = None,
) -> str:
    """Record a failed attempt of ``row``, claimed with ``work_claim``: ``failed_status`` and due again after
    config.retry's back-off, or ``dead_status`` once the policy gives up; ``error`` (default: the exception's text)
    in ``error_field`` — and, in ``error_message_field`` when the table has one, its stored form when it is a
    ``config.messages`` message (an exception raised with one gives it). Written only while that claim is still in
    force — the row still in ``claimed_status`` with the ``claimed_at`` it was read with — so a worker whose claim
    expired (and was swept, or claimed again) changes nothing. Returns the status decided."""
    decision = retry_decide(exc, attempts=row.attempts, now=now)
    status = dead_status if decision.give_up else failed_status
    if error is None:
        error = exc.args[0] if len(exc.args) == 1 and isinstance(exc.args[0], Message) else str(exc)
    said = {error_field: error[:2000]}
    if error_message_field:
        said[error_message_field] = message_stored(error)
    type(row)._default_manager.filter(pk=row.pk, status=claimed_status, claimed_at=row.claimed_at).update(
        status=status, next_attempt_at=decision.next_attempt_at, claimed_at=None, **said
    )
    return status


def claims_release_expired(
    model: type[Model],
    *,
    claimed_status: str,
    released_status: str,
    dead_status: str,
    claim_expiry_seconds: int,
    now: dt.datetime | None = None,
) -> Released:
    """Hand back the claims of ``model`` older than ``claim_expiry_seconds`` whose worker never finished: due again
    at once in ``released_status`` (the worker died, not the work), or ``dead_status`` once the attempts are used
    up (``RETRY_MAX_ATTEMPTS``: work that kills every worker that takes it). ``last_error`` says which."""
    now = now or timezone.now()
    expired = model._default_manager.filter(
        status=claimed_status, claimed_at__lt=now - dt.timedelta(seconds=claim_expiry_seconds)
    )
    dead = expired.filter(attempts__gte=max_attempts()).update(
        status=dead_status, next_attempt_at=now, last_error=CLAIM_EXPIRED_DEAD
    )
    back = expired.update(status=released_status, next_attempt_at=now, last_error=CLAIM_EXPIRED)
    return Released(back=back, dead=dead)


def work_sweep(
    model: type[Model],
    *,
    due_statuses: Iterable[str],
    claimed_status: str,
    claim_expiry_seconds: int,
    fail: Callable[[Any, BaseException], object],
    task: str | None = None,
    queue: Callable[[list[int]], object] | None = None,
    lead_seconds: int = 0,
    limit: int = 500,
    due_where: Q | None = None,
    now: dt.datetime | None = None,
) -> Sweep:
    """Count every claim of ``model`` older than ``claim_expiry_seconds`` as a failed attempt (``fail`` is called
    with the row and ``RuntimeError(CLAIM_EXPIRED)``), then queue ``task`` with the id of each row due
    (``due_ids``; ``due_where`` narrows them) — or hand their ids to ``queue`` at once (work sent in batches)."""
    now = now or timezone.now()
    expired_before = now - dt.timedelta(seconds=claim_expiry_seconds)
    stale = list(model._default_manager.filter(status=claimed_status, claimed_at__lt=expired_before).order_by("pk"))
    for row in stale:
        fail(row, RuntimeError(message(CLAIM_EXPIRED)))
    rows = model._default_manager.filter(due_where or Q())
    due = due_ids(rows, statuses=due_statuses, now=now, lead_seconds=lead_seconds, limit=limit)
    if queue is not None:
        queue(due)
    else:
        for pk in due:
            enqueue_on_commit(task, pk)
    return Sweep(expired=len(stale), queued=len(due))


def work_replay(rows: QuerySet, *, status: str, now: dt.datetime | None = None, **fields: Any) -> list[int]:
    """Staff give work another go: every row of ``rows`` (the caller narrows them to the statuses it replays) back
    to ``status`` with a fresh set of attempts (0), due at once and unclaimed; ``fields`` are written too (and
    win). A row keeps an earlier ``next_attempt_at`` (the time it was parked), so it is not put behind work that
    fell due since. The rows are locked in id order first. Returns the ids replayed (the caller queues them)."""
    model = rows.model
    values: dict[str, Any] = {
        "status": status,
        "attempts": 0,
        "next_attempt_at": Least(F("next_attempt_at"), now or timezone.now()),
    }
    if any(field.name == "claimed_at" for field in model._meta.concrete_fields):
        values["claimed_at"] = None
    with transaction.atomic(savepoint=False):
        ids = list(rows.select_for_update().order_by("pk").values_list("pk", flat=True))
        if ids:
            model._default_manager.filter(pk__in=ids).update(**{**values, **fields})
    return ids
