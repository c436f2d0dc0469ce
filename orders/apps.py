"""Shops, orders, their lifecycle and review."""

from django.apps import AppConfig, apps
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


def _sync_roles(sender, using="default", **kwargs) -> None:
    """After migrate: make sure every app's permissions exist, then (re)build the role groups."""
    from django.contrib.auth.management import create_permissions

    from orders.roles import roles_sync

    for app_config in apps.get_app_configs():
        create_permissions(app_config, verbosity=0, using=using)
    roles_sync()


class OrdersConfig(AppConfig):
    name = "orders"
    verbose_name = _("Orders")

    def ready(self) -> None:
        post_migrate.connect(_sync_roles, sender=self, dispatch_uid="orders.sync_roles")
        from orders import receivers  # noqa: F401  inventory's stock_arrived → retry orders held out_of_stock
