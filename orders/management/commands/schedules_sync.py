"""Upsert the django-q2 schedules that the apps declare in code (``SCHEDULES`` in each ``<app>/tasks.py``).

Schedules are matched by name: changed ones are updated, new ones created, and schedules that run one of our
apps' functions but are no longer declared are deleted. Run after every deploy (``make run`` does).
"""

from django.core.management.base import BaseCommand
from django.db import transaction
from django_q.models import Schedule

from config.tasks import schedules_declared

OUR_APPS = {"config", "orders", "inventory", "fulfilment", "finance", "aftersales", "integrations"}
FIELDS = ("func", "schedule_type", "minutes", "cron", "args", "kwargs", "repeats")


class Command(BaseCommand):
    help = "Create or update the background schedules declared by the apps."

    def handle(self, *args, **options):
        declared = schedules_declared()
        names = [item["name"] for item in declared]
        duplicates = {n for n in names if names.count(n) > 1}
        if duplicates:
            raise SystemExit(f"Schedule names declared twice: {sorted(duplicates)}")
        created = updated = 0
        with transaction.atomic():
            for item in declared:
                values = {k: item[k] for k in FIELDS if k in item}
                values.setdefault("repeats", -1)
                _obj, was_created = Schedule.objects.update_or_create(name=item["name"], defaults=values)
                created += was_created
                updated += not was_created
            stale = [s for s in Schedule.objects.exclude(name__in=names) if s.func.split(".", 1)[0] in OUR_APPS]
            for schedule in stale:
                schedule.delete()
        self.stdout.write(f"schedules: {created} created, {updated} updated, {len(stale)} removed")
