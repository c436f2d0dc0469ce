"""Shipping exceptions: a work item for staff to resolve for each one caught (its alert is orders' one alert
model, raised by fulfilment.services.incidents)."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords


class IncidentKind(models.TextChoices):
    """The four exception levels, plus problems the carrier itself reports."""

    NO_PICKUP = "no_pickup", _("L1 · No pickup scan within 24 h")
    STALLED = "stalled", _("L2 · No movement for 48 h")
    PLATFORM_NOT_UPDATED = "platform_not_updated", _("L3 · Delivered, platform not updated within 2 h")
    SUSPICIOUS_DELIVERY = "suspicious_delivery", _("L4 · Signed far from the address")
    CARRIER_EXCEPTION = "carrier_exception", _("Carrier reported a problem")


LEVELS = {
    IncidentKind.NO_PICKUP: 1,
    IncidentKind.STALLED: 2,
    IncidentKind.CARRIER_EXCEPTION: 2,
    IncidentKind.PLATFORM_NOT_UPDATED: 3,
    IncidentKind.SUSPICIOUS_DELIVERY: 4,
}


class WorkItem(models.Model):
    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        RESOLVED = "resolved", _("Resolved")

    kind = models.CharField(_("kind"), max_length=24, choices=IncidentKind.choices)
    level = models.PositiveSmallIntegerField(_("level"))
    shipment = models.ForeignKey(
        "fulfilment.Shipment", verbose_name=_("shipment"), on_delete=models.CASCADE, related_name="work_items"
    )
    order = models.ForeignKey("orders.Order", verbose_name=_("order"), on_delete=models.CASCADE, related_name="+")
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.OPEN)
    detail = models.CharField(_("detail"), max_length=255)
    created_at = models.DateTimeField(_("caught at"), auto_now_add=True, db_index=True)
    resolved_at = models.DateTimeField(_("resolved at"), null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("resolved by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    resolution = models.CharField(_("resolution"), max_length=255, blank=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("shipping work item")
        verbose_name_plural = _("shipping work items")
        ordering = ["status", "-level", "-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["shipment", "kind"], condition=Q(status="open"), name="workitem_one_open_per_kind"
            ),
            models.CheckConstraint(condition=Q(level__gte=1) & Q(level__lte=4), name="workitem_level_1_to_4"),
        ]

    def __str__(self) -> str:
        return f"L{self.level} {self.kind} {self.shipment_id}"
