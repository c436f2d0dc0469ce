"""Claiming messages for one worker: compare-and-set UPDATEs (``status in (pending, failed) and due`` →
``processing``, with a claim token), so a message is processed once even when django-q2 runs a task twice."""

from __future__ import annotations

import datetime as dt
import logging
import time
import uuid

from django.conf import settings
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from config.retry import max_attempts
from integrations.inbox.queueing import BATCH, DRAINED_KINDS
from integrations.models import DUE_STATUSES, InboxMessage, WorkStatus

log = logging.getLogger(__name__)

RELEASE_EVERY = 5.0  # a drain hands back expired claims at most this often (seconds, per process)
_released_at = 0.0


def claim_expiry() -> dt.timedelta:
    """How long a claim may be held before its worker counts as gone (killed, or its machine lost)."""
    return dt.timedelta(seconds=settings.INTEGRATIONS_CLAIM_EXPIRY_SECONDS)


def inbox_claims_release_expired(*, now: dt.datetime | None = None) -> int:
    """Hand back messages whose worker did not finish within the claim expiry: pending again at once (the
    worker died, not the message), or a dead letter once its attempts are used up (a message that kills every
    worker that takes it). Returns how many were handed back."""
    now = now or timezone.now()
    expired = InboxMessage.objects.filter(status=WorkStatus.PROCESSING, claimed_at__lt=now - claim_expiry())
    dead = expired.filter(attempts__gte=max_attempts()).update(
        status=WorkStatus.DEAD,
        next_attempt_at=now,
        last_error="worker did not finish (claim expired, attempts used up)",
    )
    back = expired.update(
        status=WorkStatus.PENDING, next_attempt_at=now, last_error="worker did not finish (claim expired)"
    )
    if back or dead:
        log.warning("inbox: %d claims of workers that did not finish handed back, %d dead letters", back, dead)
    return back + dead


def inbox_claim(message_ids: list[int], *, now: dt.datetime | None = None) -> list[int]:
    """Claim the due ones among ``message_ids`` in one compare-and-set UPDATE; return those claimed."""
    now = now or timezone.now()
    token = uuid.uuid4()
    InboxMessage.objects.filter(pk__in=message_ids, status__in=DUE_STATUSES, next_attempt_at__lte=now).update(
        status=WorkStatus.PROCESSING, attempts=F("attempts") + 1, claimed_at=now, claim_token=token
    )
    return list(
        InboxMessage.objects.filter(pk__in=message_ids, claim_token=token, status=WorkStatus.PROCESSING).values_list(
            "pk", flat=True
        )
    )


def inbox_claim_due(
    *, limit: int, now: dt.datetime | None = None, kinds=DRAINED_KINDS, shop_id: int | None = None
) -> list[int]:
    """Claim up to ``limit`` pending messages of ``kinds`` (pushed and polled orders), oldest first, skipping
    rows another worker is claiming at this moment (``FOR UPDATE SKIP LOCKED``); with ``shop_id``, that shop's
    only (a benchmark drains its own shop's messages and leaves everyone else's). Every few seconds it first
    hands back expired claims, so work held by a killed worker resumes without waiting for the sweeper."""
    global _released_at
    now = now or timezone.now()
    if time.monotonic() - _released_at > RELEASE_EVERY:
        _released_at = time.monotonic()
        inbox_claims_release_expired(now=now)
    with transaction.atomic():
        ids = list(
            InboxMessage.objects.select_for_update(skip_locked=True)
            .filter(due_q(now, kinds), **({} if shop_id is None else {"shop_id": shop_id}))
            .order_by("next_attempt_at")
            .values_list("pk", flat=True)[:limit]
        )
        return inbox_claim(ids, now=now) if ids else []


def due_q(now: dt.datetime, kinds=DRAINED_KINDS) -> Q:
    """New messages of ``kinds`` whose time has come (failed ones wait for the retry sweeper)."""
    return Q(status=WorkStatus.PENDING, next_attempt_at__lte=now, kind__in=kinds)


def also_due(ids: list[int]) -> list[int]:
    """Other messages already waiting, taken along so a busy inbox is worked through in batches of
    ``BATCH`` (one transaction) rather than one task each; their own tasks then find nothing to claim."""
    room = BATCH - len(ids)
    if room <= 0:
        return []
    return list(
        InboxMessage.objects.filter(due_q(timezone.now()))
        .exclude(pk__in=ids)
        .order_by("next_attempt_at")
        .values_list("pk", flat=True)[:room]
    )
