"""Where each SKU sits in a warehouse: bins (locations) along a walking path, and one pick face per SKU."""

from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords


class Zone(models.TextChoices):
    """Front is nearest the pack stations: the hottest SKUs go there."""

    FRONT = "front", _("Front (fast movers)")
    MIDDLE = "middle", _("Middle")
    BACK = "back", _("Back (slow movers)")


ZONE_RANK = {Zone.FRONT: 1, Zone.MIDDLE: 2, Zone.BACK: 3}


class Location(models.Model):
    """A bin: zone, aisle, bay and level. ``path`` is the walking order (zone, aisle, then bays up odd
    aisles and down even ones — an S-shaped route — then level); pick lists are sorted by it."""

    warehouse = models.ForeignKey(
        "inventory.Warehouse", verbose_name=_("warehouse"), on_delete=models.CASCADE, related_name="+"
    )
    code = models.CharField(_("code"), max_length=32, help_text=_("Printed on the bin label, e.g. A-01-02-1."))
    zone = models.CharField(_("zone"), max_length=8, choices=Zone.choices, default=Zone.MIDDLE)
    aisle = models.PositiveSmallIntegerField(_("aisle"))
    bay = models.PositiveSmallIntegerField(_("bay"))
    level = models.PositiveSmallIntegerField(_("level"), default=1)
    path = models.CharField(_("walking order"), max_length=64, editable=False, db_index=True)
    is_active = models.BooleanField(_("active"), default=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("location")
        verbose_name_plural = _("locations")
        ordering = ["warehouse", "path"]
        constraints = [models.UniqueConstraint(fields=["warehouse", "code"], name="location_code_unique")]

    def __str__(self) -> str:
        return self.code


class SKUPlacement(models.Model):
    """The pick face of a SKU in a warehouse (one per SKU and warehouse)."""

    warehouse = models.ForeignKey(
        "inventory.Warehouse", verbose_name=_("warehouse"), on_delete=models.CASCADE, related_name="+"
    )
    sku = models.ForeignKey("inventory.SKU", verbose_name=_("SKU"), on_delete=models.CASCADE, related_name="+")
    location = models.ForeignKey(
        Location, verbose_name=_("location"), on_delete=models.PROTECT, related_name="placements"
    )
    updated_at = models.DateTimeField(_("placed at"), auto_now=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("SKU placement")
        verbose_name_plural = _("SKU placements")
        ordering = ["warehouse", "location__path"]
        constraints = [models.UniqueConstraint(fields=["warehouse", "sku"], name="skuplacement_one_per_warehouse")]

    def __str__(self) -> str:
        return f"{self.sku_id} @ {self.location_id}"
