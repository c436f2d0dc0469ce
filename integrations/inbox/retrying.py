"""Retries and replay: the sweeper hands back stale claims and queues what is due; staff give dead letters
another go."""

from __future__ import annotations

import datetime as dt
import logging

from django.db import transaction
from django.utils import timezone

from config.sweep import due_ids, work_replay
from integrations.inbox.claiming import inbox_claims_release_expired
from integrations.inbox.queueing import process_enqueue
from integrations.models import DUE_STATUSES, InboxMessage, WorkStatus

log = logging.getLogger(__name__)


def inbox_retry_due(*, now: dt.datetime | None = None, limit: int = 500) -> int:
    """The sweeper: hand back expired claims, then queue every message whose time has come — including those
    whose task was lost (a Redis restart loses the queue; the inbox in PostgreSQL keeps the messages). Returns
    how many were queued."""
    now = now or timezone.now()
    inbox_claims_release_expired(now=now)
    due = due_ids(InboxMessage.objects.all(), statuses=DUE_STATUSES, now=now, limit=limit)
    process_enqueue(due, size=50)
    return len(due)


@transaction.atomic
def dead_letter_replay(*, message_ids: list[int], actor=None) -> int:
    """Give dead letters another go (one or many): back to pending with a fresh set of attempts."""
    dead = InboxMessage.objects.filter(pk__in=message_ids, status=WorkStatus.DEAD)
    ids = work_replay(dead, status=WorkStatus.PENDING)
    if ids:
        log.info("replaying %d dead letters (by %s)", len(ids), getattr(actor, "username", "system"))
        process_enqueue(ids, size=50)
    return len(ids)
