"""Create or update the background schedules the apps declare (see config/schedules.py). ``migrate`` and every
worker cluster's start do this by themselves; the command is for looking."""

from django.core.management.base import BaseCommand, CommandError

from config.schedules import SchedulesInvalid, schedules_sync


class Command(BaseCommand):
    help = "Create or update the background schedules declared by the apps."

    def handle(self, *args, **options):
        try:
            synced = schedules_sync()
        except SchedulesInvalid as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(f"schedules: {synced.created} created, {synced.updated} updated, {synced.removed} removed")
