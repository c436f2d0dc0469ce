"""Platform adapters, inbox/outbox and channel health."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class IntegrationsConfig(AppConfig):
    name = "integrations"
    verbose_name = _("Integrations")

    def ready(self) -> None:
        from integrations import receivers  # noqa: F401  fulfilment's shipment_confirmed → outbox
        from integrations.alerting import senders_register
        from integrations.logistics import providers_register
        from integrations.notify import checks as _notify_checks  # noqa: F401  the SMS provider setting
        from integrations.notify import receivers as _notify  # noqa: F401  moments → buyer notifications
        from integrations.payments import providers_register as payment_providers_register

        senders_register()  # robots and e-mail, into orders' notification channels
        providers_register()  # the platforms' and carriers' e-waybill services, into fulfilment's registry
        payment_providers_register()  # Alipay and WeChat Pay refunds, into after-sales' refund execution

        # Uploaded order and count files, to the users who may see their import (/media/…).
        from config.media import media_readers_register
        from integrations.selectors import import_job_list_for_user

        media_readers_register(field="file", visible_to=import_job_list_for_user)
