"""The one way to queue background work: after the current transaction commits.

Tasks receive ids and JSON values, never model instances, and must be idempotent.
"""

import datetime as dt
from functools import cache
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django_q.brokers import Broker, get_broker
from django_q.conf import Conf
from django_q.tasks import async_task


def enqueue_on_commit(
    func: str, *args: Any, group: str | None = None, cluster: str | None = None, **kwargs: Any
) -> None:
    """Queue ``func`` (a dotted path) with django-q2 once the surrounding transaction commits.

    Outside a transaction it is queued at once. If the transaction rolls back, nothing is queued.
    ``cluster``: the queue of another django-q2 cluster (a ``qcluster`` started with ``Q_CLUSTER_NAME``).
    """
    options: dict[str, Any] = {"broker": _broker(cluster or "")}
    if group:
        options["group"] = group
    if cluster:
        options["cluster"] = cluster

    def _send() -> None:
        async_task(func, *args, **kwargs, **options)

    # robust: a broker that cannot be reached (Redis restarting) must not fail work already committed — the
    # sweepers queue again what the database says is still to do. Tests run tasks inline and see their errors.
    transaction.on_commit(_send, robust=not Conf.SYNC)


@cache
def _broker(cluster: str) -> Broker:
    """One broker per queue and process: django-q2 otherwise builds a new one — with a new Redis client and
    connection — for every task queued."""
    return get_broker(cluster or None)


# The project's own housekeeping (the apps declare theirs in their tasks modules).
SCHEDULES: list[dict[str, Any]] = [
    {
        "name": "config.task_results_prune",
        "func": "config.tasks.task_results_prune",
        "schedule_type": "I",
        "minutes": 1440,
    },
]


def task_results_prune() -> int:
    """Delete django-q2's records of successful tasks older than ``Q_KEEP_SUCCESS_DAYS`` (7). Failed tasks
    stay until staff deal with them. This replaces django-q2's own ``save_limit`` pruning, which reads every
    kept success (results unpickled) for each task it saves: at a peak that cost more than the tasks."""
    from django_q.models import Success

    cutoff = timezone.now() - dt.timedelta(days=settings.Q_KEEP_SUCCESS_DAYS)
    deleted, _by_model = Success.objects.filter(stopped__lt=cutoff).delete()
    return deleted


def schedules_declared() -> list[dict[str, Any]]:
    """Every schedule declared: the ``SCHEDULES`` list in each installed app's ``tasks`` module (config's own
    above included)."""
    from importlib import import_module
    from importlib.util import find_spec

    from django.apps import apps

    declared: list[dict[str, Any]] = []
    for app_config in apps.get_app_configs():
        module_name = f"{app_config.name}.tasks"
        if find_spec(module_name) is None:
            continue
        declared.extend(getattr(import_module(module_name), "SCHEDULES", []))
    return declared
