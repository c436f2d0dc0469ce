"""Shops: the stores the merchant sells through, on which platform."""

from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords


class Platform(models.TextChoices):
    TAOBAO = "taobao", _("Taobao")
    TMALL = "tmall", _("Tmall")
    JD = "jd", _("JD")
    PDD = "pdd", _("Pinduoduo")
    DOUYIN = "douyin", _("Douyin")
    SHOPIFY = "shopify", _("Shopify")
    WECHAT = "wechat", _("WeChat mini-program")
    WEBSITE = "website", _("Own website")
    POS = "pos", _("Offline POS")


class Shop(models.Model):
    """A store the merchant sells through. Its platform connection (credentials, cursor, health) lives in
    ``integrations.ShopConnection``; nothing secret is stored here."""

    code = models.SlugField(_("code"), max_length=32, unique=True)
    name = models.CharField(_("name"), max_length=100)
    platform = models.CharField(_("platform"), max_length=16, choices=Platform.choices)
    platform_shop_id = models.CharField(_("platform shop id"), max_length=64, blank=True)
    default_warehouse = models.ForeignKey(
        "inventory.Warehouse",
        verbose_name=_("default warehouse"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    ship_within_hours = models.PositiveSmallIntegerField(
        _("ship within (hours)"),
        default=48,
        help_text=_("Promised ship time after payment, unless the order says."),
    )
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("shop")
        verbose_name_plural = _("shops")
        ordering = ["code"]
        permissions = [("access_shop", _("Can work on the orders of this shop"))]

    def __str__(self) -> str:
        return f"{self.name} ({self.get_platform_display()})"
