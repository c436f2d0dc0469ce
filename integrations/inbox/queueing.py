"""Having stored messages processed: the task names, a task per lot or one drain for a burst (the wake flag
in the shared cache). The only module of the inbox that queues tasks or touches the cache."""

from __future__ import annotations

from django.conf import settings
from django.core.cache import cache
from django.db import transaction

from config.tasks import enqueue_on_commit
from integrations.models import InboxMessage

PROCESS_TASK = "integrations.tasks.inbox_process"
DRAIN_TASK = "integrations.tasks.inbox_drain"
WAKE_KEY = "integrations:inbox:wake"
WAKE_TTL = 60  # longer than a drain runs (DRAIN_SECONDS); renewed at each batch
BATCH = 200
DRAINED_KINDS = (InboxMessage.Kind.PUSH, InboxMessage.Kind.POLL)  # what drains and batches take along


def queue_new(new_ids: list[int], kind: str) -> None:
    """Have newly stored messages processed once the transaction commits: a task per ``BATCH`` of them, or —
    for pushed and polled orders when messages are coalesced (``INTEGRATIONS_INBOX_COALESCE``) — one drain
    for everything stored meanwhile (``inbox_wake``). Poll pages (a hundred orders each) and file rows keep
    tasks of their own."""
    if coalesced() and kind in DRAINED_KINDS:
        transaction.on_commit(inbox_wake, robust=True)  # Redis down: the message is stored; the sweeper queues it
        return
    process_enqueue(new_ids)


def repeats_counted(kind: str) -> None:
    """A repeat delivery was counted on a stored message: that UPDATE held the row for a moment, during which a
    drain's claim (``SKIP LOCKED``) may have passed it by and, finding nothing else, ended. So, once it commits,
    the repeat wakes a drain as a new message does (one is queued only if none is queued or running)."""
    if coalesced() and kind in DRAINED_KINDS:
        transaction.on_commit(inbox_wake, robust=True)


def coalesced() -> bool:
    return settings.INTEGRATIONS_INBOX_COALESCE


def inbox_wake() -> bool:
    """Queue a drain unless one is queued or running. Returns whether it queued one.

    The flag lives in the shared cache (Redis) and is held while a drain runs: a burst of pushes queues one
    task, not one each, and the drain takes larger batches the busier it gets. It cannot strand a message:
    a push (a new message, or a repeat counted on one: ``repeats_counted``) checks the flag only *after* it
    is committed, and a drain, once it finds no more work, clears the flag and *then* looks once more — so a
    push that found the flag set is seen by that last look. The flag expires after ``WAKE_TTL`` in case a drain is lost; the retry sweeper (every minute)
    takes whatever is still due."""
    if not cache.add(WAKE_KEY, 1, timeout=WAKE_TTL):
        return False
    enqueue_on_commit(DRAIN_TASK)
    return True


def process_enqueue(message_ids: list[int], *, size: int = BATCH) -> None:
    """Queue ``inbox_process`` for the messages once the transaction commits, ``size`` per task."""
    for chunk in chunks(message_ids, size):
        enqueue_on_commit(PROCESS_TASK, chunk)


def drain_enqueue() -> None:
    """Queue the next drain (the caller holds the wake flag, which the next drain inherits)."""
    enqueue_on_commit(DRAIN_TASK)


def wake_flag_renew() -> None:
    cache.touch(WAKE_KEY, WAKE_TTL)


def wake_flag_clear() -> None:
    cache.delete(WAKE_KEY)


def chunks(values: list[int], size: int):
    for start in range(0, len(values), size):
        yield values[start : start + size]
