"""Statements, reconciliation and accounting exports."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FinanceConfig(AppConfig):
    name = "finance"
    verbose_name = _("Finance")

    def ready(self) -> None:
        # Statement files and accounting exports, to the users who may see them (/media/…).
        from config.media import media_readers_register
        from finance.selectors import export_list_for_user, statement_list_for_user

        media_readers_register(field="file", visible_to=statement_list_for_user)
        media_readers_register(field="file", visible_to=export_list_for_user)
