"""The shared kernel every app may import: wiring, not domain rules (see docs/architecture.md)."""

from django.apps import AppConfig, apps
from django.db.models.signals import post_migrate
from django.utils.translation import pgettext_lazy


class SharedConfig(AppConfig):
    name = "config"
    label = "config"
    verbose_name = pgettext_lazy("app", "System")

    def ready(self) -> None:
        from config import changes, pg, requestid, schedules

        pg.connect()  # the project's PostgreSQL connection set-up
        requestid.connect()  # the request id follows work into background tasks
        # Once per migrate (the signal is sent for each app with models; django-q2's holds the schedule table).
        post_migrate.connect(
            schedules.schedules_register,
            sender=apps.get_app_config("django_q"),
            dispatch_uid="config.schedules_register",
        )
        # SQLite drops a table's triggers when a migration rebuilds it: the followed tables get theirs back.
        post_migrate.connect(
            changes.stamps_restore, sender=apps.get_app_config("django_q"), dispatch_uid="config.changes.stamps_restore"
        )
