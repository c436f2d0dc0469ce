"""Where our SKUs are listed on the platforms, and staff overrides of the adapters' field mappings."""

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords


class ChannelListing(models.Model):
    """Where one of our SKUs is listed on a shop's platform: the platform's product, variant and inventory item.

    Shopify sets stock per inventory item at a location, so a stock push needs the SKU's
    ``inventory_item_id``; the catalog sync (``integrations.listings.listing_sync``) fills these rows from the
    platform's catalogue, matching variants to SKUs by their ``sku`` (our SKU code).
    """

    shop = models.ForeignKey("orders.Shop", verbose_name=_("shop"), on_delete=models.CASCADE, related_name="+")
    sku_code = models.CharField(_("SKU code"), max_length=64, help_text=_("The variant's SKU as the platform has it."))
    product_id = models.CharField(_("platform product id"), max_length=64)
    variant_id = models.CharField(_("platform variant id"), max_length=64)
    inventory_item_id = models.CharField(_("platform inventory item id"), max_length=64, blank=True)
    title = models.CharField(_("title"), max_length=255, blank=True)
    synced_at = models.DateTimeField(_("synced at"), default=timezone.now)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("channel listing")
        verbose_name_plural = _("channel listings")
        ordering = ["shop", "sku_code", "variant_id"]
        constraints = [
            models.UniqueConstraint(fields=["shop", "variant_id"], name="channel_listing_unique_variant"),
        ]
        indexes = [models.Index(fields=["shop", "sku_code"], name="channel_listing_shop_sku_idx")]

    def __str__(self) -> str:
        return f"{self.shop_id}:{self.sku_code} → {self.variant_id}"


class FieldMapping(models.Model):
    """A staff override of an adapter's field-mapping dictionary (the defaults live in code).

    ``order``/``line``/``cipher``: key = standard field, value = source path(s) (``a.b|c @transform``).
    ``status``: key = the platform's status code, value = an Order Hub status.
    ``header``: key = standard field, value = column-header synonyms separated by ``|``.
    """

    class Section(models.TextChoices):
        ORDER = "order", _("Order field")
        LINE = "line", _("Line field")
        CIPHER = "cipher", _("Encrypted field")
        STATUS = "status", _("Status code")
        HEADER = "header", _("File column headers")

    profile = models.CharField(
        _("platform or import profile"),
        max_length=32,
        help_text=_("E.g. taobao, jd, pdd, douyin, shopify, pos."),
    )
    section = models.CharField(_("section"), max_length=8, choices=Section.choices)
    key = models.CharField(_("field or code"), max_length=64)
    value = models.CharField(_("maps from / to"), max_length=255)
    note = models.CharField(_("note"), max_length=200, blank=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("field mapping")
        verbose_name_plural = _("field mappings")
        ordering = ["profile", "section", "key"]
        constraints = [
            models.UniqueConstraint(fields=["profile", "section", "key"], name="field_mapping_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.profile}.{self.section}.{self.key} = {self.value}"
