"""Interceptions (拦截): a request to the carrier to stop a parcel on its way and send it back to the sender,
with the service's answer. Kept per request so after-sales and staff see what was asked, by whom, and what
the carrier said."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from config.messages import message_recognise, message_render
from fulfilment.models.written import INTERCEPTION_MESSAGES_WRITTEN_BEFORE

# Interception reasons the system wrote out in English before they were stored as messages (config.messages).
REASONS_WRITTEN_BEFORE = ("after-sales %(number)s",)


class ShipmentInterception(models.Model):
    class Status(models.TextChoices):
        REQUESTED = "requested", _("Requested, waiting for the carrier's answer")
        ACCEPTED = "accepted", _("Accepted by the carrier")
        REFUSED = "refused", _("Refused by the carrier")
        UNSUPPORTED = "unsupported", _("The service offers no interception")
        FAILED = "failed", _("Could not reach the service")

    OPEN = (Status.REQUESTED, Status.ACCEPTED)

    shipment = models.ForeignKey(
        "fulfilment.Shipment", verbose_name=_("shipment"), on_delete=models.CASCADE, related_name="interceptions"
    )
    carrier = models.ForeignKey(
        "fulfilment.Carrier", verbose_name=_("carrier"), on_delete=models.PROTECT, related_name="+"
    )
    tracking_number = models.CharField(_("tracking number"), max_length=64)
    provider = models.CharField(_("service"), max_length=12, blank=True)
    reason = models.CharField(_("reason"), max_length=200)
    reason_message = models.JSONField(_("reason (to translate)"), default=dict, blank=True, editable=False)
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.REQUESTED)
    reference = models.CharField(_("carrier's reference"), max_length=64, blank=True)
    message = models.TextField(_("carrier's answer"), blank=True)
    message_message = models.JSONField(_("carrier's answer (to translate)"), null=True, blank=True, editable=False)
    error_code = models.CharField(_("error code"), max_length=64, blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("requested by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    requested_system = models.CharField(_("requested by system"), max_length=64, blank=True)
    requested_at = models.DateTimeField(_("requested at"), auto_now_add=True)
    answered_at = models.DateTimeField(_("answered at"), null=True, blank=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("parcel interception")
        verbose_name_plural = _("parcel interceptions")
        ordering = ["-requested_at", "-id"]
        constraints = [
            # One open request per parcel: asking again while the carrier is on it adds nothing.
            models.UniqueConstraint(
                fields=["shipment"],
                condition=Q(status__in=["requested", "accepted"]),
                name="shipmentinterception_one_open",
            )
        ]

    def __str__(self) -> str:
        return f"{self.tracking_number} ({self.status})"

    @property
    def reason_display(self) -> str:
        """The reason in the reader's language when the system wrote it (``config.messages``); as typed otherwise."""
        stored = self.reason_message or (
            None if self.requested_by_id else message_recognise(self.reason, REASONS_WRITTEN_BEFORE)
        )
        return message_render(stored, self.reason)

    @property
    def message_display(self) -> str:
        """The answer in the reader's language when Order Hub wrote it (the service offers no interception or could
        not be reached; ``config.messages``); the carrier's own answer as it gave it."""
        stored = self.message_message or message_recognise(self.message, INTERCEPTION_MESSAGES_WRITTEN_BEFORE)
        return message_render(stored, self.message)
