"""Settling processed messages: done (in the transaction that applied them), or failed — retried later
with back-off, or parked as a dead letter, as the one retry policy (config.retry) decides."""

from __future__ import annotations

import logging

from django.utils import timezone

from config.db import rows_update
from config.retry import retry_decide
from integrations.exceptions import OrderNotYetKnown, PayloadInvalid, PlatformError
from integrations.ingest import Applied
from integrations.models import InboxMessage, WorkStatus
from orders.exceptions import OrderInvalid

log = logging.getLogger(__name__)


def settle_done(done: list[tuple[InboxMessage, Applied]]) -> None:
    """Mark the applied messages done, in one UPDATE, in the transaction that applied them."""
    now = timezone.now()
    rows_update(
        InboxMessage,
        ["status", "result", "order", "processed_at", "last_error", "error_code"],
        [
            (message.pk, WorkStatus.DONE, applied.result, applied.order.pk if applied.order else None, now, "", "")
            for message, applied in done
        ],
    )


def inbox_fail(message: InboxMessage, exc: Exception) -> str:
    """Record a failure: retry later with back-off, or park as a dead letter. Returns the new status."""
    attempts = InboxMessage.objects.filter(pk=message.pk).values_list("attempts", flat=True).first() or 1
    text = f"{type(exc).__name__}: {exc}"
    code = getattr(exc, "code", "") or type(exc).__name__
    decision = retry_decide(exc, attempts=attempts)
    status = WorkStatus.DEAD if decision.give_up else WorkStatus.FAILED
    next_at = decision.next_attempt_at
    if not isinstance(exc, PlatformError | OrderNotYetKnown | PayloadInvalid | OrderInvalid):
        log.exception("inbox message %s failed", message.pk, exc_info=exc)
    else:
        log.warning("inbox message %s %s: %s", message.pk, status, text)
    InboxMessage.objects.filter(pk=message.pk, status=WorkStatus.PROCESSING).update(
        status=status, next_attempt_at=next_at, last_error=text[:4000], error_code=str(code)[:64]
    )
    return str(status)


def inbox_park(*, shop_ids: list[int], error: str, code: str) -> int:
    """Park every message of the shops ``shop_ids`` not yet settled (pending, claimed, failed) as a dead letter
    saying ``error``: work that must not be done now — the shops of a peak simulation that was stopped before
    its end. Staff see them among the dead letters and can replay them (``dead_letter_replay``). Returns how
    many were parked."""
    return InboxMessage.objects.filter(
        shop_id__in=shop_ids, status__in=[WorkStatus.PENDING, WorkStatus.PROCESSING, WorkStatus.FAILED]
    ).update(status=WorkStatus.DEAD, claimed_at=None, last_error=error[:4000], error_code=code[:64])
