"""Where goods are and what they are: warehouses (and stores, in-transit locations) and SKUs."""

from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords


class Warehouse(models.Model):
    class Kind(models.TextChoices):
        WAREHOUSE = "warehouse", _("Warehouse")
        STORE = "store", _("Store")
        IN_TRANSIT = "in_transit", _("In transit")

    code = models.SlugField(_("code"), max_length=32, unique=True)
    name = models.CharField(_("name"), max_length=100)
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices, default=Kind.WAREHOUSE)
    province = models.CharField(_("province"), max_length=32, blank=True)
    city = models.CharField(_("city"), max_length=32, blank=True)
    address = models.CharField(_("address"), max_length=200, blank=True)
    priority = models.PositiveSmallIntegerField(
        _("priority"), default=100, help_text=_("Lower ships first when several locations can fill an order.")
    )
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("warehouse")
        verbose_name_plural = _("warehouses")
        ordering = ["priority", "code"]
        permissions = [("access_warehouse", _("Can work on the orders and stock of this warehouse"))]

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"


class SKU(models.Model):
    code = models.CharField(_("SKU code"), max_length=64, unique=True)
    barcode = models.CharField(_("barcode"), max_length=64, blank=True, db_index=True)
    name = models.CharField(_("name"), max_length=200)
    weight_grams = models.PositiveIntegerField(_("weight (g)"), default=0)
    is_fragile = models.BooleanField(_("fragile"), default=False)
    is_cold_chain = models.BooleanField(_("cold chain"), default=False)
    is_presale = models.BooleanField(_("presale"), default=False)
    category = models.CharField(_("category"), max_length=64, blank=True)
    attributes = models.JSONField(_("other attributes"), default=dict, blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("SKU")
        verbose_name_plural = _("SKUs")
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"
