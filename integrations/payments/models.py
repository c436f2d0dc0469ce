"""Payment providers' notifications (WeChat Pay refund results), stored raw before anything is done with them, with
what came of them: staff see the failed ones in the admin (the provider sends a failed one again)."""

from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords


class PaymentNotice(models.Model):
    class Status(models.TextChoices):
        RECEIVED = "received", _("Received")
        DONE = "done", _("Done")
        FAILED = "failed", _("Failed")

    provider = models.CharField(_("provider"), max_length=32)
    headers = models.JSONField(_("headers"), default=dict, blank=True)
    body = models.TextField(_("raw body"))
    received_at = models.DateTimeField(_("received at"), auto_now_add=True)
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.RECEIVED)
    event_type = models.CharField(_("event type"), max_length=32, blank=True)
    request_no = models.CharField(_("refund request number"), max_length=64, blank=True, db_index=True)
    error = models.TextField(_("error"), blank=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("payment notification")
        verbose_name_plural = _("payment notifications")
        ordering = ["-received_at", "-id"]

    def __str__(self) -> str:
        return f"{self.provider} {self.event_type or self.pk}"
