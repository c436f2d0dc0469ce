"""Returned parcels that match no case (无主件): registered at the warehouse with what is written on them and a
photo, kept until staff link them to a case (``aftersales.services.parcels``)."""

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from orders.models.fields import user_fk


def parcel_photo_path(instance: "UnknownParcel", filename: str) -> str:
    return f"aftersales/parcels/{filename}"


class UnknownParcel(models.Model):
    tracking_number = models.CharField(_("waybill number"), max_length=64, blank=True, db_index=True)
    scanned = models.CharField(_("scanned code"), max_length=64, help_text=_("What was scanned at the warehouse."))
    warehouse = models.ForeignKey(
        "inventory.Warehouse", verbose_name=_("warehouse"), on_delete=models.PROTECT, related_name="+"
    )
    sender = models.CharField(_("sender"), max_length=100, blank=True)
    note = models.TextField(_("what is inside"), blank=True)
    photo = models.FileField(_("photo"), upload_to=parcel_photo_path, max_length=255)
    registered_by = user_fk(_("registered by"))
    registered_at = models.DateTimeField(_("registered at"), auto_now_add=True)
    case = models.ForeignKey(
        "aftersales.Case",
        verbose_name=_("linked case"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="unknown_parcels",
    )
    linked_by = user_fk(_("linked by"))
    linked_at = models.DateTimeField(_("linked at"), null=True, blank=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("unknown parcel")
        verbose_name_plural = _("unknown parcels")
        ordering = ["-registered_at", "-id"]
        indexes = [models.Index(fields=["registered_at"], condition=Q(case__isnull=True), name="parcel_unlinked_idx")]

    def __str__(self) -> str:
        return self.tracking_number or self.scanned


__all__ = ["UnknownParcel"]
