"""Claiming messages for one worker (``config.sweep.work_claim_batch``: ``status in (pending, failed) and due`` →
``processing``, with a claim token), so a message is processed once even when django-q2 runs a task twice."""

from __future__ import annotations

import datetime as dt
import logging
import time
import uuid

from django.conf import settings
from django.utils import timezone

from config.sweep import claims_release_expired, due_ids, work_claim_batch
from integrations.inbox.queueing import BATCH, DRAINED_KINDS
from integrations.models import DUE_STATUSES, InboxMessage, WorkStatus

log = logging.getLogger(__name__)

RELEASE_EVERY = 5.0  # a drain hands back expired claims at most this often (seconds, per process)
_released_at = 0.0


def inbox_claims_release_expired(*, now: dt.datetime | None = None) -> int:
    """Hand back messages whose worker did not finish within the claim expiry: pending again at once (the
    worker died, not the message), or a dead letter once its attempts are used up (a message that kills every
    worker that takes it). Returns how many were handed back."""
    released = claims_release_expired(
        InboxMessage,
        claimed_status=WorkStatus.PROCESSING,
        released_status=WorkStatus.PENDING,
        dead_status=WorkStatus.DEAD,
        claim_expiry_seconds=settings.INTEGRATIONS_CLAIM_EXPIRY_SECONDS,
        now=now,
    )
    if released.back or released.dead:
        log.warning(
            "inbox: %d claims of workers that did not finish handed back, %d dead letters", released.back, released.dead
        )
    return released.back + released.dead


def inbox_claim(message_ids: list[int], *, now: dt.datetime | None = None) -> list[int]:
    """Claim the due ones among ``message_ids`` (pending or failed, their time come); return those claimed."""
    rows = InboxMessage.objects.filter(pk__in=message_ids)
    # These are the task's messages: one locked for a moment (a repeat delivery being counted) is waited for.
    return _claim(rows, due_statuses=DUE_STATUSES, now=now, skip_locked=False)


def inbox_claim_due(
    *, limit: int, now: dt.datetime | None = None, kinds=DRAINED_KINDS, shop_id: int | None = None
) -> list[int]:
    """Claim up to ``limit`` pending messages of ``kinds`` (pushed and polled orders), oldest first, skipping
    rows another worker is claiming at this moment; with ``shop_id``, that shop's only (a benchmark drains its
    own shop's messages and leaves everyone else's). Every few seconds it first hands back expired claims, so
    work held by a killed worker resumes without waiting for the sweeper. Failed messages wait for the retry
    sweeper."""
    global _released_at
    now = now or timezone.now()
    if time.monotonic() - _released_at > RELEASE_EVERY:
        _released_at = time.monotonic()
        inbox_claims_release_expired(now=now)
    rows = InboxMessage.objects.filter(kind__in=kinds, **({} if shop_id is None else {"shop_id": shop_id}))
    return _claim(rows, due_statuses=[WorkStatus.PENDING], now=now, limit=limit)


def _claim(
    rows, *, due_statuses, now: dt.datetime | None, limit: int | None = None, skip_locked: bool = True
) -> list[int]:
    # The claim token marks the messages of one claim (a poll page's orders are stored with the page's).
    return work_claim_batch(
        rows,
        due_statuses=due_statuses,
        claimed_status=WorkStatus.PROCESSING,
        now=now,
        limit=limit,
        skip_locked=skip_locked,
        claim_token=uuid.uuid4(),
    )


def also_due(ids: list[int]) -> list[int]:
    """Other messages already waiting, taken along so a busy inbox is worked through in batches of
    ``BATCH`` (one transaction) rather than one task each; their own tasks then find nothing to claim."""
    room = BATCH - len(ids)
    if room <= 0:
        return []
    waiting = InboxMessage.objects.filter(kind__in=DRAINED_KINDS).exclude(pk__in=ids)
    return due_ids(waiting, statuses=[WorkStatus.PENDING], limit=room)
