"""Imported statements and their lines."""

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from finance.formats import FORMAT_CHOICES, SOURCES, LineKind

MONEY = {"max_digits": 14, "decimal_places": 2, "default": Decimal("0.00")}
SOURCE_CHOICES = [(source, source) for source in SOURCES]


class Statement(models.Model):
    """One imported file. Its SHA-256 is unique: the same file is never imported twice."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting to import")
        IMPORTING = "importing", _("Importing")
        IMPORTED = "imported", _("Imported")
        FAILED = "failed", _("Failed")

    entity = models.ForeignKey(
        "finance.LegalEntity",
        verbose_name=_("legal entity"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="statements",
    )
    shop = models.ForeignKey(
        "orders.Shop",
        verbose_name=_("shop"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text=_("The shop whose account this statement is, when it is one shop's (limits matching to it)."),
    )
    file = models.FileField(_("file"), upload_to="finance/statements/%Y/%m/", max_length=255)
    filename = models.CharField(_("file name"), max_length=255)
    sha256 = models.CharField(_("SHA-256"), max_length=64, unique=True)
    size = models.PositiveBigIntegerField(_("size (bytes)"), default=0)
    format = models.CharField(_("format"), max_length=32, choices=FORMAT_CHOICES, blank=True)
    source = models.CharField(_("source"), max_length=16, choices=SOURCE_CHOICES, blank=True)
    flow = models.CharField(_("flow"), max_length=16, blank=True)
    account = models.CharField(_("account"), max_length=64, blank=True)
    period_start = models.DateTimeField(_("period start"), null=True, blank=True)
    period_end = models.DateTimeField(_("period end"), null=True, blank=True)
    first_date = models.DateField(_("first line date"), null=True, blank=True)
    last_date = models.DateField(_("last line date"), null=True, blank=True)
    currency = models.CharField(_("currency"), max_length=3, default="CNY")

    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.PENDING)
    progress = models.PositiveSmallIntegerField(_("progress (%)"), default=0)
    line_count = models.PositiveIntegerField(_("lines"), default=0)
    rows_read = models.PositiveIntegerField(_("data rows read"), default=0)
    matched_count = models.PositiveIntegerField(_("lines matched"), default=0)
    error_count = models.PositiveIntegerField(_("rows with errors"), default=0)
    errors = models.JSONField(_("row errors"), default=list, blank=True, help_text=_("The first 1000 bad rows."))
    warnings = models.JSONField(_("warnings"), default=list, blank=True)
    declared_totals = models.JSONField(_("totals stated in the file"), default=dict, blank=True)
    parsed_totals = models.JSONField(_("totals of the parsed rows"), default=dict, blank=True)
    totals_ok = models.BooleanField(_("totals agree"), null=True, blank=True)
    amount_total = models.DecimalField(_("principal total"), **MONEY)
    fee_total = models.DecimalField(_("fees total"), **MONEY)
    commission_total = models.DecimalField(_("commission total"), **MONEY)
    message = models.TextField(_("message"), blank=True)
    shops_seen = models.JSONField(
        _("shops seen"), default=list, blank=True, help_text=_("Shops of the orders its lines matched (coverage).")
    )
    heartbeat_at = models.DateTimeField(_("last progress at"), null=True, blank=True)

    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("uploaded by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)
    imported_at = models.DateTimeField(_("imported at"), null=True, blank=True)

    history = HistoricalRecords(excluded_fields=["errors", "warnings", "progress", "heartbeat_at"])

    class Meta:
        verbose_name = _("statement")
        verbose_name_plural = _("statements")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(progress__lte=100), name="statement_progress_percent"),
        ]

    def __str__(self) -> str:
        return f"{self.filename} ({self.get_format_display() or _('unknown format')})"

    @property
    def is_finished(self) -> bool:
        return self.status in (self.Status.IMPORTED, self.Status.FAILED)


class StatementLine(models.Model):
    """One money movement a statement reports. Written in bulk by the importer (no per-row history: the
    file, kept with its hash, is the record), matched to an order, refund or known non-order item."""

    class MatchRule(models.TextChoices):
        NONE = "", _("Unmatched")
        NUMBER = "number", _("Order number")
        EXTERNAL_ID = "external_id", _("Platform order id")
        TRANSACTION = "transaction", _("Transaction id of a matched line")
        KNOWN_ITEM = "known_item", _("Known non-order item")
        AMBIGUOUS = "ambiguous", _("Several orders fit")

    KIND_CHOICES = [(kind, kind) for kind in LineKind.ALL]

    statement = models.ForeignKey(
        Statement, verbose_name=_("statement"), on_delete=models.CASCADE, related_name="lines", db_index=False
    )
    row = models.PositiveIntegerField(_("row in file"))
    kind = models.CharField(_("kind"), max_length=16, choices=KIND_CHOICES)
    source = models.CharField(_("source"), max_length=16, choices=SOURCE_CHOICES)
    flow = models.CharField(_("flow"), max_length=16)
    occurred_at = models.DateTimeField(_("occurred at"))
    business_date = models.DateField(_("business date"), db_index=True)
    currency = models.CharField(_("currency"), max_length=3, default="CNY")
    amount = models.DecimalField(_("principal"), **MONEY)
    fee = models.DecimalField(_("fee"), **MONEY)
    commission = models.DecimalField(_("commission"), **MONEY)
    platform_discount = models.DecimalField(_("platform-funded discount"), **MONEY)
    merchant_discount = models.DecimalField(_("merchant-funded discount"), **MONEY)
    has_discounts = models.BooleanField(_("reports discounts"), default=False)
    gross = models.DecimalField(_("order amount"), max_digits=14, decimal_places=2, null=True, blank=True)
    postage = models.DecimalField(_("postage"), max_digits=14, decimal_places=2, null=True, blank=True)
    fee_rate = models.DecimalField(_("fee rate"), max_digits=8, decimal_places=6, null=True, blank=True)
    order_ref = models.CharField(_("merchant order no."), max_length=64, blank=True)
    order_key = models.CharField(_("order match key"), max_length=64, blank=True)
    platform_ref = models.CharField(_("platform order id"), max_length=64, blank=True)
    transaction_id = models.CharField(_("transaction id"), max_length=64, blank=True)
    refund_ref = models.CharField(_("refund id"), max_length=64, blank=True)
    description = models.CharField(_("description"), max_length=200, blank=True)
    counterparty = models.CharField(_("counterparty"), max_length=100, blank=True)

    order = models.ForeignKey(
        "orders.Order", verbose_name=_("order"), on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    refund = models.ForeignKey(
        "aftersales.Case",
        verbose_name=_("refund"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        db_index=False,
    )
    match_rule = models.CharField(_("matched by"), max_length=16, choices=MatchRule.choices, blank=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("statement line")
        verbose_name_plural = _("statement lines")
        ordering = ["statement", "row"]
        constraints = [
            models.UniqueConstraint(fields=["statement", "row"], name="statement_line_row_unique"),
        ]
        indexes = [
            # Few lines are refunds: a partial index keeps the foreign-key check on deleting a refund fast
            # without slowing the bulk insert of millions of lines whose refund is empty.
            models.Index(fields=["refund"], condition=Q(refund__isnull=False), name="statement_line_refund_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.statement_id}#{self.row} {self.kind} {self.amount}"

    @property
    def net(self) -> Decimal:
        return self.amount + self.fee + self.commission
