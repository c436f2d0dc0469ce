"""The drain: one task works through every pushed or polled message that is due, batch by batch, while a
burst lasts (coalesced processing, see ``queueing.inbox_wake``)."""

from __future__ import annotations

import time

from django.conf import settings

from config.workers import stop_requested
from integrations.inbox.claiming import inbox_claim_due
from integrations.inbox.processing import process_claimed
from integrations.inbox.queueing import BATCH, drain_enqueue, inbox_wake, wake_flag_clear, wake_flag_renew

DRAIN_SECONDS = 20  # a drain hands over to a fresh task after this long (django-q2's task timeout is 60 s)


def inbox_drain() -> dict[str, int]:
    """Process every pushed or polled message that is due, ``BATCH`` at a time, until none is left; then
    clear the wake flag and look once more (see ``inbox_wake``). After ``DRAIN_SECONDS`` it queues the next
    drain, which inherits the flag, and stops. Several drains may run at once (a sweeper task, a flag that
    expired): each claims rows the others have not locked. Returns counts by outcome."""
    counts: dict[str, int] = {}
    deadline = time.monotonic() + DRAIN_SECONDS
    linger = settings.INTEGRATIONS_DRAIN_LINGER_SECONDS
    flagged = True
    claimed: list[int] = []
    while True:
        if 0 < len(claimed) < BATCH and linger > 0:
            time.sleep(linger)  # busy but not full: let the next batch gather (a batch of 8 costs 3× per order)
        claimed = inbox_claim_due(limit=BATCH)
        if not claimed:
            if not flagged:
                return counts
            wake_flag_clear()  # then one more look: a push that found the flag set is committed by now
            flagged = False
            continue
        if flagged:
            wake_flag_renew()
        for outcome, n in process_claimed(claimed).items():
            counts[outcome] = counts.get(outcome, 0) + n
        if time.monotonic() > deadline or stop_requested():  # its cluster is stopping: hand the rest on
            if flagged:
                drain_enqueue()  # the flag stays set: the next drain holds it
            else:
                inbox_wake()
            return counts
