"""The shared kernel every app may import: wiring, not domain rules (see docs/architecture.md)."""

from django.apps import AppConfig
from django.utils.translation import pgettext_lazy


class SharedConfig(AppConfig):
    name = "config"
    label = "config"
    verbose_name = pgettext_lazy("app", "System")

    def ready(self) -> None:
        from config import pg

        pg.connect()  # the project's PostgreSQL connection set-up
