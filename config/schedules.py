"""The background schedules the apps declare in code (``SCHEDULES`` in each ``<app>/tasks.py``), kept in
django-q2's schedule table without anyone having to remember a command.

``schedules_sync`` runs after every ``migrate`` (``post_migrate``) and whenever a worker cluster starts
(config's ``qcluster``), and by hand as ``manage.py schedules_sync``. Schedules are matched by name: changed
ones are updated, new ones created, and schedules that run one of our apps' functions but are no longer
declared are deleted. Several nodes starting at once take turns (a PostgreSQL advisory lock).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import connections, transaction

OUR_APPS = {"config", "orders", "inventory", "fulfilment", "finance", "aftersales", "integrations"}
FIELDS = ("func", "schedule_type", "minutes", "cron", "args", "kwargs", "repeats")
_LOCK_KEY = 0x5C4ED01E  # pg_advisory_xact_lock key of the schedules table's writers


class SchedulesInvalid(Exception):
    pass


@dataclass(frozen=True)
class Synced:
    created: int
    updated: int
    removed: int


def schedules_sync(*, using: str = "default") -> Synced:
    """Upsert the declared schedules by name and delete our apps' schedules no longer declared."""
    from django_q.models import Schedule

    from config.tasks import schedules_declared

    declared = schedules_declared()
    names = [item["name"] for item in declared]
    duplicates = sorted({n for n in names if names.count(n) > 1})
    if duplicates:
        raise SchedulesInvalid(f"Schedule names declared twice: {duplicates}")
    created = updated = 0
    with transaction.atomic(using=using):
        if connections[using].vendor == "postgresql":
            with connections[using].cursor() as cursor:
                cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_LOCK_KEY])
        stored = {s.name: s for s in Schedule.objects.using(using).filter(name__in=names)}
        for item in declared:
            values = {k: item[k] for k in FIELDS if k in item}
            values.setdefault("repeats", -1)
            schedule = stored.get(item["name"])
            if schedule is None:
                Schedule.objects.using(using).create(name=item["name"], **values)
                created += 1
            elif any(getattr(schedule, k) != v for k, v in values.items()):
                for k, v in values.items():
                    setattr(schedule, k, v)
                schedule.save(using=using)
                updated += 1
        stale = [
            s
            for s in Schedule.objects.using(using).exclude(name__in=names)
            if (s.func or "").split(".", 1)[0] in OUR_APPS
        ]
        for schedule in stale:
            schedule.delete()
    return Synced(created=created, updated=updated, removed=len(stale))


def schedules_register(sender, using: str = "default", **kwargs) -> None:
    """``post_migrate`` (sent once for config's app): the schedules follow the code that was just migrated."""
    schedules_sync(using=using)
