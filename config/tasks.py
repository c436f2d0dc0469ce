"""The one way to queue background work: after the current transaction commits.

Tasks receive ids and JSON values, never model instances, and must be idempotent.
"""

from functools import cache
from typing import Any

from django.db import transaction
from django_q.brokers import Broker, get_broker
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

    transaction.on_commit(_send)


@cache
def _broker(cluster: str) -> Broker:
    """One broker per queue and process: django-q2 otherwise builds a new one — with a new Redis client and
    connection — for every task queued."""
    return get_broker(cluster or None)


def schedules_declared() -> list[dict[str, Any]]:
    """Every schedule the apps declare: the ``SCHEDULES`` list in each installed app's ``tasks`` module."""
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
