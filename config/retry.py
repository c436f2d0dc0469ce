"""The one retry policy: how long to wait before the next attempt, how many attempts there are, and which
errors no retry can fix. Every part of Order Hub that retries work in the background decides with it —
the integrations inbox and outbox today, and anything else that calls out and must try again later.

Use it where a claimed piece of work has just failed::

    decision = retry_decide(exc, attempts=message.attempts)
    if decision.give_up:
        ...park it as dead: staff see it and may replay it (attempts start again from 0: config.sweep.work_replay)
    else:
        ...status failed, next_attempt_at = decision.next_attempt_at (a sweeper picks it up then)

- ``attempts`` counts the attempts made so far, including the one that just failed (claiming work adds 1).
- Back-off is exponential: ``RETRY_BASE_SECONDS`` · 2^(attempts−1), capped at ``RETRY_MAX_SECONDS``
  (30 s, 1 min, 2 min, … ≤ 1 h by default); after ``RETRY_MAX_ATTEMPTS`` attempts (6) the work is dead.
- An error says that retrying cannot help with ``permanent = True`` (a class attribute, or a property when
  it depends on the error's code; ``config.errors.ApplicationError`` says False). A permanent error is dead
  at once. Errors that are not application errors (bugs, network failures) are retried.
- An error with ``retry_after`` (seconds; e.g. a platform's rate limit) is not retried sooner than that.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.conf import settings
from django.utils import timezone


@dataclass(frozen=True, slots=True)
class RetryDecision:
    give_up: bool  # dead: permanent, or out of attempts
    next_attempt_at: dt.datetime  # when to try again (now, when giving up)


def max_attempts() -> int:
    return settings.RETRY_MAX_ATTEMPTS


def backoff_delay(attempts: int) -> dt.timedelta:
    """How long to wait after the ``attempts``-th failed attempt: base · 2^(attempts−1), capped."""
    base = float(settings.RETRY_BASE_SECONDS)
    cap = float(settings.RETRY_MAX_SECONDS)
    return dt.timedelta(seconds=min(base * 2 ** max(attempts - 1, 0), cap))


def is_permanent(exc: BaseException) -> bool:
    """Whether no retry can fix ``exc`` (it says so itself with ``permanent``)."""
    return bool(getattr(exc, "permanent", False))


def retry_decide(
    exc: BaseException, *, attempts: int, now: dt.datetime | None = None, limit: int | None = None
) -> RetryDecision:
    """Give up (permanent error, or ``attempts`` reached ``limit`` — ``RETRY_MAX_ATTEMPTS`` unless given), or
    try again after the back-off (and not before the error's ``retry_after``)."""
    now = now or timezone.now()
    if is_permanent(exc) or attempts >= (limit if limit is not None else max_attempts()):
        return RetryDecision(give_up=True, next_attempt_at=now)
    delay = backoff_delay(attempts)
    retry_after = getattr(exc, "retry_after", None)
    if retry_after:
        delay = max(delay, dt.timedelta(seconds=float(retry_after)))
    return RetryDecision(give_up=False, next_attempt_at=now + delay)
