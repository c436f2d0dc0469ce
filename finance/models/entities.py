"""Legal entities (the companies that own shops and keep books) and which shop belongs to which."""

from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

ENTITY_ACCESS = "finance.access_entity"


class LegalEntity(models.Model):
    """A company with its own books (账套). Finance users see the entities granted to them (guardian
    object permission ``finance.access_entity``)."""

    code = models.SlugField(_("code"), max_length=32, unique=True)
    name = models.CharField(_("name"), max_length=100)
    tax_id = models.CharField(_("unified social credit code"), max_length=32, blank=True)
    ledger_code = models.CharField(
        _("ledger code"), max_length=32, blank=True, help_text=_("The 账套 number in Kingdee/Yonyou.")
    )
    currency = models.CharField(_("currency"), max_length=3, default="CNY")
    vat_rate = models.DecimalField(
        _("output VAT rate"),
        max_digits=5,
        decimal_places=4,
        default=0,
        help_text=_("Split sales into revenue and output VAT on vouchers (0.13 = 13%); 0 books gross revenue."),
    )
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("legal entity")
        verbose_name_plural = _("legal entities")
        ordering = ["code"]
        permissions = [
            ("access_entity", _("Can work on the finances of this legal entity")),
            ("view_all_entities", _("Can see the finances of every legal entity")),
        ]
        constraints = [
            models.CheckConstraint(condition=models.Q(vat_rate__gte=0, vat_rate__lt=1), name="entity_vat_rate_range")
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"


class ShopEntity(models.Model):
    """The legal entity a shop belongs to. Kept in finance (one-to-one on the shop) because orders.Shop
    belongs to the orders app and knows nothing of books."""

    shop = models.OneToOneField(
        "orders.Shop", verbose_name=_("shop"), on_delete=models.CASCADE, related_name="finance_entity"
    )
    entity = models.ForeignKey(
        LegalEntity, verbose_name=_("legal entity"), on_delete=models.PROTECT, related_name="shop_links"
    )

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("shop's legal entity")
        verbose_name_plural = _("shops' legal entities")
        ordering = ["shop__code"]

    def __str__(self) -> str:
        return f"{self.shop_id} → {self.entity_id}"
