"""State of the built-in carrier sandbox (e-waybills it issued). Not used in production flows."""

from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords


class SandboxWaybill(models.Model):
    carrier_code = models.CharField(_("carrier code"), max_length=16)
    tracking_number = models.CharField(_("tracking number"), max_length=64, unique=True)
    order_reference = models.CharField(_("order number"), max_length=64)
    province = models.CharField(_("province"), max_length=32)
    city = models.CharField(_("city"), max_length=32)
    weight_grams = models.PositiveIntegerField(_("weight (g)"))
    created_at = models.DateTimeField(_("issued at"), auto_now_add=True)
    cancelled_at = models.DateTimeField(_("cancelled at"), null=True, blank=True)
    scenario = models.CharField(_("scenario"), max_length=24, blank=True, help_text=_("normal, stuck, far_delivery"))

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("sandbox e-waybill")
        verbose_name_plural = _("sandbox e-waybills")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.tracking_number
