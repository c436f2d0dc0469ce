"""What a sweeper takes up (config.sweep): the rows due, one claim per row, claims whose worker never finished."""

import datetime as dt

import pytest
from django.utils import timezone

from config.sweep import CLAIM_EXPIRED, due_ids, work_claim, work_sweep
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
