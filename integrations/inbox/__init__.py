"""The inbox: every inbound message stored raw first, then processed in the background, idempotently.

Life of a message::

    pending ──claim──▶ processing ──▶ done (result: created / updated / unchanged / stale / ignored / split)
       ▲                   │
       │                   ├─ transient error ─▶ failed (next_attempt_at = now + base·2^(attempts−1)) ─┐
       │                   └─ permanent error, or attempts used up ─▶ dead (a dead letter)             │
       └──────────────────────────── retry sweeper / staff replay ◀────────────────────────────────────┘

Claims are compare-and-set UPDATEs (``status in (pending, failed) and due`` → ``processing``), so a message
is processed by one worker even when django-q2 runs a task twice. A claim older than
``INTEGRATIONS_CLAIM_EXPIRY_SECONDS`` (its worker was killed, or its machine lost) is handed back — by the
sweeper every minute, and by any drain looking for work — so it is done again, once. When to retry and
when to give up is the project's one retry policy (``config.retry``).

Who processes what: a task per stored lot (``inbox_process``), or — with a shared cache — one drain for a
burst of pushes (``inbox_wake`` / ``inbox_drain``); a poll page's orders are stored claimed by the worker
that split the page and processed by it at once (``pages.page_split``), together with those of other pages
waiting meanwhile (``PAGES_TOGETHER``: a catch-up is worked through in batches of a few hundred orders).

One concern per module:

- ``storing``    store messages raw (one INSERT a lot; repeats counted; unreadable ones kept dead)
- ``queueing``   task names, a task per lot or one drain per burst (the wake flag) — the only module that
                 queues tasks or touches the cache
- ``claiming``   compare-and-set claims; due messages taken along
- ``planning``   a message interpreted into steps by its adapter (thin notices fetched: network, no transaction)
- ``batches``    new platform orders of a shop created together; their order numbers allocated beforehand
- ``pages``      a poll page split into one message per order
- ``processing`` claim → split → plan → apply in one transaction → settle
- ``settling``   done, or failed/dead as the retry policy decides; parked when it must not be done now
- ``draining``   the drain that works through a burst
- ``retrying``   the sweeper (stale claims, due retries) and staff replay of dead letters
"""

from integrations.inbox.claiming import inbox_claim, inbox_claim_due, inbox_claims_release_expired
from integrations.inbox.draining import inbox_drain
from integrations.inbox.processing import PAGES_TOGETHER, inbox_process
from integrations.inbox.queueing import DRAIN_TASK, PROCESS_TASK, WAKE_KEY, inbox_wake
from integrations.inbox.retrying import dead_letter_replay, inbox_retry_due
from integrations.inbox.settling import inbox_fail, inbox_park
from integrations.inbox.storing import Stored, inbox_store, inbox_store_dead

__all__ = [
    "DRAIN_TASK",
    "PAGES_TOGETHER",
    "PROCESS_TASK",
    "WAKE_KEY",
    "Stored",
    "dead_letter_replay",
    "inbox_claim",
    "inbox_claim_due",
    "inbox_claims_release_expired",
    "inbox_drain",
    "inbox_fail",
    "inbox_park",
    "inbox_process",
    "inbox_retry_due",
    "inbox_store",
    "inbox_store_dead",
    "inbox_wake",
]
