"""Account mapping, journal vouchers (会计凭证) and background exports."""

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

MONEY = {"max_digits": 16, "decimal_places": 2, "default": Decimal("0.00")}


class AccountItem(models.TextChoices):
    """What a voucher line books. Each maps to an account code per entity (and optionally per source)."""

    RECEIVABLE = "receivable", _("Receivable from platform / payment provider")
    REVENUE = "revenue", _("Sales revenue")
    OUTPUT_VAT = "output_vat", _("Output VAT")
    REFUND = "refund", _("Sales refunds")
    PAYMENT_FEE = "payment_fee", _("Payment fees")
    COMMISSION = "commission", _("Platform commission")
    CASH = "cash", _("Cash in the provider account")
    BANK = "bank", _("Bank deposit")
    DIFFERENCE = "difference", _("Reconciliation differences written off")


class AccountMapping(models.Model):
    """Which account an item is booked to. ``entity`` empty = the default for every entity; ``source``
    empty = every source. The most specific row wins; without any row the built-in chart (docs/finance.md)
    applies."""

    entity = models.ForeignKey(
        "finance.LegalEntity",
        verbose_name=_("legal entity"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="account_mappings",
    )
    item = models.CharField(_("item"), max_length=16, choices=AccountItem.choices)
    source = models.CharField(_("source"), max_length=16, blank=True)
    account_code = models.CharField(_("account code"), max_length=32)
    account_name = models.CharField(_("account name"), max_length=100)
    aux_type = models.CharField(_("auxiliary type"), max_length=32, blank=True, help_text=_("e.g. 客户"))
    aux_code = models.CharField(_("auxiliary code"), max_length=64, blank=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("account mapping")
        verbose_name_plural = _("account mappings")
        ordering = ["entity", "item", "source"]
        constraints = [
            models.UniqueConstraint(
                fields=["entity", "item", "source"], condition=Q(entity__isnull=False), name="account_mapping_unique"
            ),
            models.UniqueConstraint(
                fields=["item", "source"], condition=Q(entity__isnull=True), name="account_mapping_default_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.item}/{self.source or '*'} → {self.account_code} {self.account_name}"


class Voucher(models.Model):
    """A journal voucher drafted from a day's reconciled results for one entity and source."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        EXPORTED = "exported", _("Exported")

    entity = models.ForeignKey(
        "finance.LegalEntity", verbose_name=_("legal entity"), on_delete=models.PROTECT, related_name="vouchers"
    )
    date = models.DateField(_("date"))
    source = models.CharField(_("source"), max_length=16)
    word = models.CharField(_("voucher word"), max_length=8, default="记")
    number = models.PositiveIntegerField(_("number"))
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.DRAFT)
    currency = models.CharField(_("currency"), max_length=3, default="CNY")
    debit_total = models.DecimalField(_("debit total"), **MONEY)
    credit_total = models.DecimalField(_("credit total"), **MONEY)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    exported_at = models.DateTimeField(_("exported at"), null=True, blank=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("voucher")
        verbose_name_plural = _("vouchers")
        ordering = ["-date", "entity", "number"]
        constraints = [
            models.UniqueConstraint(fields=["entity", "date", "source"], name="voucher_one_per_entity_day_source"),
            models.CheckConstraint(condition=Q(debit_total=models.F("credit_total")), name="voucher_balanced"),
        ]

    def __str__(self) -> str:
        return f"{self.word}-{self.number:04d} {self.date} {self.entity_id}"


class VoucherLine(models.Model):
    voucher = models.ForeignKey(Voucher, verbose_name=_("voucher"), on_delete=models.CASCADE, related_name="lines")
    seq = models.PositiveSmallIntegerField(_("line"))
    item = models.CharField(_("item"), max_length=16, choices=AccountItem.choices)
    summary = models.CharField(_("summary"), max_length=200)
    account_code = models.CharField(_("account code"), max_length=32)
    account_name = models.CharField(_("account name"), max_length=100)
    debit = models.DecimalField(_("debit"), **MONEY)
    credit = models.DecimalField(_("credit"), **MONEY)
    aux_type = models.CharField(_("auxiliary type"), max_length=32, blank=True)
    aux_code = models.CharField(_("auxiliary code"), max_length=64, blank=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("voucher line")
        verbose_name_plural = _("voucher lines")
        ordering = ["voucher", "seq"]
        constraints = [
            models.UniqueConstraint(fields=["voucher", "seq"], name="voucher_line_seq_unique"),
            models.CheckConstraint(
                condition=(Q(debit__gte=0) & Q(credit=0)) | (Q(credit__gte=0) & Q(debit=0)),
                name="voucher_line_one_side",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.voucher_id}/{self.seq} {self.account_code} D{self.debit} C{self.credit}"


class ExportJob(models.Model):
    """An Excel file generated in the background and downloaded from the back office."""

    class Kind(models.TextChoices):
        REPORT = "report", _("Finance report")
        DIFFERENCES = "differences", _("Differences")
        VOUCHERS = "vouchers", _("Journal vouchers")

    class Layout(models.TextChoices):
        EXCEL = "excel", _("Generic Excel")
        KINGDEE = "kingdee", _("Kingdee (金蝶) import")
        YONYOU = "yonyou", _("Yonyou (用友) import")

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Generating")
        DONE = "done", _("Ready")
        FAILED = "failed", _("Failed")

    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    layout = models.CharField(_("layout"), max_length=16, choices=Layout.choices, default=Layout.EXCEL)
    params = models.JSONField(_("parameters"), default=dict, blank=True)
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.QUEUED)
    progress = models.PositiveSmallIntegerField(_("progress (%)"), default=0)
    rows = models.PositiveIntegerField(_("rows"), default=0)
    file = models.FileField(_("file"), upload_to="finance/exports/%Y/%m/", max_length=255, blank=True)
    error = models.TextField(_("error"), blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("requested by"), on_delete=models.CASCADE, related_name="+"
    )
    created_at = models.DateTimeField(_("requested at"), auto_now_add=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)

    history = HistoricalRecords(excluded_fields=["progress"])

    class Meta:
        verbose_name = _("export")
        verbose_name_plural = _("exports")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.created_at:%Y-%m-%d %H:%M} ({self.status})"
