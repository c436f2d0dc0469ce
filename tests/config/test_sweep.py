"""What a sweeper takes up (config.sweep): the rows due, one claim per row or batch, claims whose worker never
finished, and staff replaying parked rows."""

import datetime as dt

import pytest
from django.utils import timezone

from config.sweep import (
    CLAIM_EXPIRED,
    CLAIM_EXPIRED_DEAD,
    claims_release_expired,
    due_ids,
    due_oldest_wait,
    work_claim,
    work_claim_batch,
    work_fail,
    work_replay,
    work_sweep,
)
from integrations.models import DUE_STATUSES, InboxMessage, WorkStatus
from tests.factories.integrations import InboxMessageFactory

pytestmark = pytest.mark.django_db


def _message(*, status=WorkStatus.PENDING, due_in=0, **fields):
    return InboxMessageFactory(status=status, next_attempt_at=timezone.now() + dt.timedelta(seconds=due_in), **fields)


def test_rows_due_are_those_in_a_due_status_whose_time_has_come_earliest_first():
    later = _message(due_in=-10)
    earliest = _message(status=WorkStatus.FAILED, due_in=-60)
    _message(due_in=120)  # not yet
    _message(status=WorkStatus.DEAD, due_in=-60)  # parked

    assert due_ids(InboxMessage.objects.all(), statuses=DUE_STATUSES) == [earliest.pk, later.pk]


def test_a_lead_takes_rows_falling_due_before_the_next_run_and_a_limit_caps_them():
    soon = _message(due_in=20)
    _message(due_in=50)
    now_due = _message(due_in=-1)

    assert due_ids(InboxMessage.objects.all(), statuses=DUE_STATUSES, lead_seconds=30) == [now_due.pk, soon.pk]
    assert due_ids(InboxMessage.objects.all(), statuses=DUE_STATUSES, lead_seconds=30, limit=1) == [now_due.pk]


def test_only_one_claim_of_a_due_row_succeeds_and_it_counts_an_attempt():
    message = _message(due_in=-1)
    claim = {"due_statuses": DUE_STATUSES, "claimed_status": WorkStatus.PROCESSING}

    assert work_claim(InboxMessage, message.pk, **claim) is True
    assert work_claim(InboxMessage, message.pk, **claim) is False
    message.refresh_from_db()
    assert (message.status, message.attempts) == (WorkStatus.PROCESSING, 1) and message.claimed_at is not None


def test_a_row_not_yet_due_is_not_claimed():
    message = _message(due_in=60)

    assert not work_claim(InboxMessage, message.pk, due_statuses=DUE_STATUSES, claimed_status=WorkStatus.PROCESSING)
    assert InboxMessage.objects.get(pk=message.pk).status == WorkStatus.PENDING


def test_the_sweep_fails_expired_claims_and_queues_the_rows_due(django_capture_on_commit_callbacks):
    long_ago = timezone.now() - dt.timedelta(seconds=61)
    stale = _message(status=WorkStatus.PROCESSING, due_in=-120, claimed_at=long_ago)
    _message(status=WorkStatus.PROCESSING, due_in=-120, claimed_at=timezone.now())  # a worker still on it
    due = _message(due_in=-1)
    failed = []

    with django_capture_on_commit_callbacks() as queued:
        sweep = work_sweep(
            InboxMessage,
            due_statuses=DUE_STATUSES,
            claimed_status=WorkStatus.PROCESSING,
            claim_expiry_seconds=60,
            fail=lambda row, exc: failed.append((row.pk, type(exc), str(exc))),
            task="integrations.tasks.inbox_process",
        )

    assert failed == [(stale.pk, RuntimeError, CLAIM_EXPIRED)]
    assert (sweep.expired, sweep.queued) == (1, 1) and len(queued) == 1
    assert due_ids(InboxMessage.objects.all(), statuses=DUE_STATUSES) == [due.pk]


def test_a_failed_attempt_is_due_again_after_the_back_off_or_parked_and_only_while_the_claim_holds(settings):
    settings.RETRY_MAX_ATTEMPTS, settings.RETRY_BASE_SECONDS = 2, 30
    first, second = _message(due_in=-1), _message(due_in=-1)
    claim = {"due_statuses": DUE_STATUSES, "claimed_status": WorkStatus.PROCESSING}
    statuses = {"claimed_status": WorkStatus.PROCESSING, "failed_status": WorkStatus.FAILED}
    assert work_claim(InboxMessage, first.pk, **claim) and work_claim(InboxMessage, second.pk, **claim)
    first, second = InboxMessage.objects.get(pk=first.pk), InboxMessage.objects.get(pk=second.pk)
    now = timezone.now()

    assert (
        work_fail(first, ValueError("boom"), dead_status=WorkStatus.DEAD, error_field="last_error", now=now, **statuses)
        == WorkStatus.FAILED
    )
    first.refresh_from_db()
    assert (first.status, first.last_error, first.claimed_at) == (WorkStatus.FAILED, "boom", None)
    assert first.next_attempt_at == now + dt.timedelta(seconds=30)

    InboxMessage.objects.filter(pk=second.pk).update(claimed_at=now)  # swept as expired and claimed again meanwhile
    work_fail(second, ValueError("late"), dead_status=WorkStatus.DEAD, error_field="last_error", **statuses)
    assert InboxMessage.objects.get(pk=second.pk).status == WorkStatus.PROCESSING  # the late worker changed nothing

    assert work_claim(InboxMessage, first.pk, **claim, now=first.next_attempt_at)
    first.refresh_from_db()
    assert (
        work_fail(first, ValueError("boom"), dead_status=WorkStatus.DEAD, error_field="last_error", **statuses)
        == WorkStatus.DEAD
    )


def test_a_batch_claim_takes_the_due_rows_earliest_first_up_to_the_limit():
    later = _message(due_in=-10)
    earliest = _message(status=WorkStatus.FAILED, due_in=-60)
    _message(due_in=-5)  # due, beyond the limit
    not_yet = _message(due_in=60)
    claim = {"due_statuses": DUE_STATUSES, "claimed_status": WorkStatus.PROCESSING}

    claimed = work_claim_batch(InboxMessage.objects.all(), limit=2, **claim)

    assert claimed == [earliest.pk, later.pk]
    assert set(InboxMessage.objects.filter(pk__in=claimed).values_list("status", "attempts")) == {
        (WorkStatus.PROCESSING, 1)
    }
    assert InboxMessage.objects.get(pk=not_yet.pk).status == WorkStatus.PENDING
    assert work_claim_batch(InboxMessage.objects.filter(pk__in=claimed), **claim) == []  # claimed once


def test_expired_claims_are_due_again_at_once_or_parked_once_out_of_attempts(settings):
    settings.RETRY_MAX_ATTEMPTS = 3
    long_ago = timezone.now() - dt.timedelta(seconds=61)
    back = _message(status=WorkStatus.PROCESSING, due_in=-120, attempts=1, claimed_at=long_ago)
    poison = _message(status=WorkStatus.PROCESSING, due_in=-120, attempts=3, claimed_at=long_ago)
    busy = _message(status=WorkStatus.PROCESSING, due_in=-120, attempts=1, claimed_at=timezone.now())

    released = claims_release_expired(
        InboxMessage,
        claimed_status=WorkStatus.PROCESSING,
        released_status=WorkStatus.PENDING,
        dead_status=WorkStatus.DEAD,
        claim_expiry_seconds=60,
    )

    assert (released.back, released.dead) == (1, 1)
    rows = {m.pk: (m.status, m.last_error) for m in InboxMessage.objects.all()}
    assert rows[back.pk] == (WorkStatus.PENDING, CLAIM_EXPIRED)
    assert rows[poison.pk] == (WorkStatus.DEAD, CLAIM_EXPIRED_DEAD)
    assert rows[busy.pk][0] == WorkStatus.PROCESSING
    assert due_ids(InboxMessage.objects.all(), statuses=DUE_STATUSES) == [back.pk]


def test_the_oldest_due_rows_wait_is_measured_from_when_it_fell_due():
    now = timezone.now()
    assert due_oldest_wait(InboxMessage.objects.all(), statuses=DUE_STATUSES, now=now) is None
    _message(due_in=-30)
    _message(status=WorkStatus.DEAD, due_in=-600)  # parked: not waiting
    _message(due_in=60)  # not yet due

    wait = due_oldest_wait(InboxMessage.objects.all(), statuses=DUE_STATUSES, now=now)

    assert 29 < wait < 31


def test_a_replay_gives_only_the_chosen_rows_a_fresh_set_of_attempts_due_at_once():
    parked = _message(status=WorkStatus.DEAD, due_in=-600, attempts=6, claimed_at=timezone.now())
    waiting = _message(status=WorkStatus.FAILED, due_in=600, attempts=2)
    done = _message(status=WorkStatus.DONE, due_in=-600, attempts=1)

    replayed = work_replay(
        InboxMessage.objects.filter(status__in=[WorkStatus.DEAD, WorkStatus.FAILED]), status=WorkStatus.PENDING
    )

    assert replayed == [parked.pk, waiting.pk]
    rows = {m.pk: m for m in InboxMessage.objects.all()}
    assert [(rows[pk].status, rows[pk].attempts, rows[pk].claimed_at) for pk in replayed] == [
        (WorkStatus.PENDING, 0, None)
    ] * 2
    assert rows[waiting.pk].next_attempt_at <= timezone.now()  # its back-off is over
    assert (rows[done.pk].status, rows[done.pk].attempts) == (WorkStatus.DONE, 1)
    assert due_ids(InboxMessage.objects.all(), statuses=DUE_STATUSES) == replayed
