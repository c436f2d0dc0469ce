"""The print log: every time a parcel's label was printed (or failed to), how and by whom."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from config.messages import message_recognise, message_render
from fulfilment.models.written import LABEL_PRINT_MESSAGES_WRITTEN_BEFORE


class LabelPrint(models.Model):
    class Method(models.TextChoices):
        COMPONENT = "component", _("Platform print component")
        PDF = "pdf", _("PDF label")
        BROWSER = "browser", _("Printable page")

    class Status(models.TextChoices):
        SENT = "sent", _("Sent to the printer")
        PRINTED = "printed", _("Printed")
        FAILED = "failed", _("Failed")

    shipment = models.ForeignKey(
        "fulfilment.Shipment", verbose_name=_("shipment"), on_delete=models.CASCADE, related_name="prints"
    )
    tracking_number = models.CharField(_("tracking number"), max_length=64)
    method = models.CharField(_("how"), max_length=10, choices=Method.choices)
    component = models.CharField(_("print component"), max_length=12, blank=True)
    task_id = models.CharField(_("print task"), max_length=64, blank=True)
    status = models.CharField(_("status"), max_length=8, choices=Status.choices, default=Status.SENT)
    reprint = models.BooleanField(_("reprint"), default=False)
    message = models.CharField(_("message"), max_length=255, blank=True)
    message_message = models.JSONField(_("message (to translate)"), null=True, blank=True, editable=False)
    at = models.DateTimeField(_("at"), auto_now_add=True, db_index=True)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("label print")
        verbose_name_plural = _("label prints")
        ordering = ["-at", "-id"]

    def __str__(self) -> str:
        return f"{self.tracking_number} {self.method} {self.status}"

    @property
    def message_display(self) -> str:
        """Why it did not print, in the reader's language when Order Hub said it (``config.messages``); the print
        component's own message as it gave it."""
        stored = self.message_message or message_recognise(self.message, LABEL_PRINT_MESSAGES_WRITTEN_BEFORE)
        return message_render(stored, self.message)
