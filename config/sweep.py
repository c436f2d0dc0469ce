"""What a sweeper of retried work takes up, written once: the rows that are due, claiming one, and claims whose
worker never finished. ``config.retry`` decides *when* a failed attempt may run again; this module finds and
claims the work whose time has come.

A table of retried work has a ``status``, ``attempts`` and ``next_attempt_at`` (and ``claimed_at`` when a worker
claims a row before working on it) — the alert deliveries, the buyer messages, the webhook deliveries, the
outbox, the waybill cancellations, the tracking work, the payouts. Its sweeper runs every minute::

    work_sweep(Model, due_statuses=…, claimed_status=…, claim_expiry_seconds=…, fail=…, task=…)

- a claim older than the expiry (its worker was killed, or its machine lost) counts as a failed attempt: ``fail``
  is called with the row and a ``RuntimeError`` saying so, and decides with ``config.retry`` (failed again
  later, or parked);
- the rows due — a due status and ``next_attempt_at`` now or within ``lead_seconds`` (a sweeper running every
  minute takes what falls due before its next run) — are queued after commit, earliest first, ``limit`` at most.

The task that works on a row claims it first with ``work_claim`` (compare-and-set: exactly one worker gets it,
one attempt more), so a row queued twice is worked on once.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from django.db.models import F, Model, Q, QuerySet
from django.utils import timezone

from config.tasks import enqueue_on_commit

# What a claim whose worker never finished is recorded as (the error staff see on the row: RuntimeError).
CLAIM_EXPIRED = "worker did not finish (claim expired)"


@dataclass(frozen=True, slots=True)
class Sweep:
    expired: int  # claims whose worker never finished, counted as failed attempts
    queued: int  # rows due, queued now


def _due_before(now: dt.datetime, lead_seconds: int) -> dt.datetime:
    return now + dt.timedelta(seconds=lead_seconds)


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
    now = now or timezone.now()
    due = (
        rows.filter(status__in=list(statuses), next_attempt_at__lte=_due_before(now, lead_seconds))
        .order_by("next_attempt_at", "pk")
        .values_list("pk", flat=True)
    )
    return list(due if limit is None else due[:limit])


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
    claimed = model._default_manager.filter(
        where or Q(),
        pk=pk,
        status__in=list(due_statuses),
        next_attempt_at__lte=_due_before(now, lead_seconds),
    ).update(status=claimed_status, attempts=F("attempts") + 1, claimed_at=now, **fields)
    return claimed == 1


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
        fail(row, RuntimeError(CLAIM_EXPIRED))
    rows = model._default_manager.filter(due_where or Q())
    due = due_ids(rows, statuses=due_statuses, now=now, lead_seconds=lead_seconds, limit=limit)
    if queue is not None:
        queue(due)
    else:
        for pk in due:
            enqueue_on_commit(task, pk)
    return Sweep(expired=len(stale), queued=len(due))
