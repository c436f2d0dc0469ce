"""Project-level housekeeping of django-q2's task records."""

import datetime as dt

import pytest
from django.utils import timezone
from django_q.models import Failure, Success, Task

from config.tasks import schedules_declared, task_results_prune

pytestmark = pytest.mark.django_db


def _task(name: str, *, success: bool, days_ago: int) -> None:
    at = timezone.now() - dt.timedelta(days=days_ago)
    Task.objects.create(
        id=name, name=name, func="config.tasks.task_results_prune", started=at, stopped=at, success=success
    )


def test_successes_older_than_the_kept_days_are_deleted_failures_stay(settings):
    settings.Q_KEEP_SUCCESS_DAYS = 7
    _task("old-ok", success=True, days_ago=8)
    _task("recent-ok", success=True, days_ago=6)
    _task("old-failed", success=False, days_ago=30)

    assert task_results_prune() == 1

    assert list(Success.objects.values_list("name", flat=True)) == ["recent-ok"]
    assert list(Failure.objects.values_list("name", flat=True)) == ["old-failed"]


def test_the_prune_is_scheduled_daily():
    prune = [s for s in schedules_declared() if s["func"] == "config.tasks.task_results_prune"]
    assert prune == [
        {
            "name": "config.task_results_prune",
            "func": "config.tasks.task_results_prune",
            "schedule_type": "I",
            "minutes": 1440,
        }
    ]
