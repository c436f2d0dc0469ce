"""Waves, picking, packing, carriers and tracking."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FulfilmentConfig(AppConfig):
    name = "fulfilment"
    verbose_name = _("Fulfilment")

    def ready(self) -> None:
        from fulfilment.carriers.adapters.http import sandbox_factory
        from fulfilment.carriers.adapters.registry import provider_register

        # Order Hub's own carrier protocol; integrations registers the platforms' and carriers' services.
        provider_register("sandbox", sandbox_factory)
