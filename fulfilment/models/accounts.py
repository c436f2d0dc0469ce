"""E-waybill accounts: which service issues a carrier's waybill numbers for a shop, from which branch (网点),
with how many numbers left.

A platform e-waybill account (Cainiao for Taobao/Tmall, Pinduoduo's, Douyin's, JD's) belongs to one shop:
its numbers are bought by that shop's subscription and requested with that shop's platform token, which
integrations keeps. A carrier's own open platform (SF) or an aggregator (Kuaidi100, KDNiao) serves any shop
(``shop`` blank) or one shop. The credentials of those services live in integrations, never here.
"""

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from config.fields import HttpsURLField


class WaybillProvider(models.TextChoices):
    CAINIAO = "cainiao", _("Cainiao e-waybill (Taobao/Tmall)")
    PDD = "pdd", _("Pinduoduo e-waybill")
    DOUYIN = "douyin", _("Douyin e-waybill")
    JD = "jd", _("JD e-waybill")
    SF = "sf", _("SF Express open platform")
    KUAIDI100 = "kuaidi100", _("Kuaidi100 e-waybill")
    KDNIAO = "kdniao", _("KDNiao e-waybill")
    SANDBOX = "sandbox", _("Order Hub carrier protocol (sandbox or a carrier gateway)")


# The platform whose orders only its own e-waybill service may print once their receiver is encrypted.
PLATFORM_SERVICE = {
    "taobao": WaybillProvider.CAINIAO,
    "tmall": WaybillProvider.CAINIAO,
    "pdd": WaybillProvider.PDD,
    "douyin": WaybillProvider.DOUYIN,
    "jd": WaybillProvider.JD,
}
PLATFORM_PROVIDERS = frozenset(PLATFORM_SERVICE.values())


class WaybillAccount(models.Model):
    provider = models.CharField(_("service"), max_length=12, choices=WaybillProvider.choices)
    carrier = models.ForeignKey(
        "fulfilment.Carrier", verbose_name=_("carrier"), on_delete=models.PROTECT, related_name="waybill_accounts"
    )
    shop = models.ForeignKey(
        "orders.Shop",
        verbose_name=_("shop"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        help_text=_("Platform e-waybills: the shop whose subscription this is. Blank: any shop (carrier-direct)."),
    )
    branch_code = models.CharField(_("branch code (网点)"), max_length=64, blank=True)
    branch_name = models.CharField(_("branch name"), max_length=100, blank=True)
    account_number = models.CharField(
        _("customer / monthly account"),
        max_length=64,
        blank=True,
        help_text=_("SF monthly card, JD customer code, the carrier's customer account for Kuaidi100/KDNiao."),
    )
    product_code = models.CharField(
        _("service product"), max_length=32, blank=True, help_text=_("E.g. SF express type 2 (标快), JD 特惠送.")
    )
    template_url = HttpsURLField(_("standard template URL"), max_length=300, blank=True)
    custom_template_url = HttpsURLField(_("custom area template URL"), max_length=300, blank=True)
    sender_name = models.CharField(_("sender"), max_length=64, blank=True)
    sender_phone = models.CharField(_("sender phone"), max_length=32, blank=True)
    sender_province = models.CharField(_("sender province"), max_length=32, blank=True)
    sender_city = models.CharField(_("sender city"), max_length=32, blank=True)
    sender_district = models.CharField(_("sender district"), max_length=32, blank=True)
    sender_address = models.CharField(
        _("sender address"),
        max_length=200,
        blank=True,
        help_text=_("The shipping address registered with the subscription (blank: the warehouse's)."),
    )
    balance = models.IntegerField(
        _("waybill numbers left"), null=True, blank=True, help_text=_("Blank: not counted (monthly billing).")
    )
    balance_checked_at = models.DateTimeField(_("balance checked at"), null=True, blank=True)
    balance_alert_below = models.PositiveIntegerField(_("alert below"), default=500)
    subscription_active = models.BooleanField(_("subscription active"), default=True)
    priority = models.PositiveSmallIntegerField(_("priority"), default=100, help_text=_("Lower is preferred."))
    is_active = models.BooleanField(_("active"), default=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("e-waybill account")
        verbose_name_plural = _("e-waybill accounts")
        ordering = ["provider", "carrier__code", "priority", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["provider", "carrier", "shop", "branch_code"], name="waybillaccount_unique_branch"
            ),
            models.CheckConstraint(
                condition=~Q(provider__in=["cainiao", "pdd", "douyin", "jd"]) | Q(shop__isnull=False),
                name="waybillaccount_platform_needs_shop",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_provider_display()} · {self.carrier_id} · {self.branch_name or self.branch_code or '—'}"

    @property
    def is_platform(self) -> bool:
        return self.provider in PLATFORM_PROVIDERS
