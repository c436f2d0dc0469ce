"""The carrier library: carriers with Order Hub's standard code, and each platform's own code for them.

Carriers are always chosen from this table (a foreign key, or a code validated against it); a code that is
not in the table — ``YT0`` typed for ``YTO`` — is refused everywhere (``carrier_get``).
"""

from django.core.validators import RegexValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from config.fields import HttpsURLField

CARRIER_CODE_SHAPE = RegexValidator(
    r"^[A-Z0-9]{2,16}$", _("A carrier code is 2–16 capital letters or digits, e.g. SF, ZTO, YTO.")
)


class CarrierKind(models.TextChoices):
    EXPRESS = "express", _("Express")
    FREIGHT = "freight", _("Freight (LTL)")
    POSTAL = "postal", _("Postal")
    SAME_CITY = "same_city", _("Same-city courier")
    COLD_CHAIN = "cold_chain", _("Cold chain")
    INTERNATIONAL = "international", _("International")


class CodeSystem(models.TextChoices):
    """Whose code: a sales platform (the values of ``orders.Platform`` that confirm shipments) or a
    tracking aggregator."""

    TAOBAO = "taobao", _("Taobao / Cainiao")
    TMALL = "tmall", _("Tmall")
    JD = "jd", _("JD")
    JD_WAYBILL = "jd_waybill", _("JD e-waybill (providerCode)")
    PDD = "pdd", _("Pinduoduo")
    PDD_WAYBILL = "pdd_waybill", _("Pinduoduo e-waybill (wp_code)")
    DOUYIN = "douyin", _("Douyin")
    WECHAT = "wechat", _("WeChat mini-program")
    SHOPIFY = "shopify", _("Shopify")
    KUAIDI100 = "kuaidi100", _("Kuaidi100")
    KDNIAO = "kdniao", _("KDNiao")


class Carrier(models.Model):
    code = models.CharField(_("standard code"), max_length=16, unique=True, validators=[CARRIER_CODE_SHAPE])
    name = models.CharField(_("name"), max_length=64)
    kind = models.CharField(_("kind"), max_length=16, choices=CarrierKind.choices, default=CarrierKind.EXPRESS)
    max_weight_grams = models.PositiveIntegerField(
        _("heaviest parcel (g)"), default=50_000, help_text=_("Labels for heavier parcels are blocked.")
    )
    api_base_url = HttpsURLField(
        _("e-waybill API base URL"), blank=True, help_text=_("Blank: the built-in carrier sandbox.")
    )
    is_active = models.BooleanField(_("active"), default=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("carrier")
        verbose_name_plural = _("carriers")
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"


class CarrierPlatformCode(models.Model):
    """The code one platform (or aggregator) uses for a carrier. One per carrier and platform; a platform
    code means one carrier only."""

    carrier = models.ForeignKey(
        Carrier, verbose_name=_("carrier"), on_delete=models.CASCADE, related_name="platform_codes"
    )
    platform = models.CharField(_("platform"), max_length=16, choices=CodeSystem.choices)
    code = models.CharField(_("platform's code"), max_length=64)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("carrier code on a platform")
        verbose_name_plural = _("carrier codes on platforms")
        ordering = ["carrier__code", "platform"]
        constraints = [
            models.UniqueConstraint(fields=["carrier", "platform"], name="carriercode_one_per_platform"),
            models.UniqueConstraint(fields=["platform", "code"], name="carriercode_unique_on_platform"),
            models.CheckConstraint(condition=~Q(code=""), name="carriercode_not_blank"),
        ]

    def __str__(self) -> str:
        return f"{self.carrier_id} @ {self.platform}: {self.code}"


class WarehouseCarrier(models.Model):
    """A carrier a warehouse ships with. The lowest priority number is the default; ``for_same_city`` and
    ``for_urgent`` mark the carriers used for same-city orders and for urgent / cold-chain / insured ones."""

    warehouse = models.ForeignKey(
        "inventory.Warehouse", verbose_name=_("warehouse"), on_delete=models.CASCADE, related_name="+"
    )
    carrier = models.ForeignKey(Carrier, verbose_name=_("carrier"), on_delete=models.PROTECT, related_name="+")
    priority = models.PositiveSmallIntegerField(_("priority"), default=100, help_text=_("Lower is preferred."))
    for_same_city = models.BooleanField(_("same-city orders"), default=False)
    for_urgent = models.BooleanField(_("urgent, cold-chain and insured orders"), default=False)
    is_active = models.BooleanField(_("active"), default=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("warehouse carrier")
        verbose_name_plural = _("warehouse carriers")
        ordering = ["warehouse", "priority", "carrier__code"]
        constraints = [models.UniqueConstraint(fields=["warehouse", "carrier"], name="warehousecarrier_unique")]

    def __str__(self) -> str:
        return f"{self.warehouse_id}: {self.carrier_id}"
