"""Reconciliation runs, the differences they find (work items), tolerances, fee rates and daily balances."""

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from config.messages import message_recognise, message_render
from finance.formats import SOURCES

MONEY = {"max_digits": 14, "decimal_places": 2, "default": Decimal("0.00")}


class DifferenceType(models.TextChoices):
    MISSING_IN_HUB = "missing_in_hub", _("In the statement, not in Order Hub")
    MISSING_IN_STATEMENT = "missing_in_statement", _("In Order Hub (paid), not in the statement")
    AMOUNT_MISMATCH = "amount_mismatch", _("Amount mismatch")
    REFUND_NOT_RECORDED = "refund_not_recorded", _("Refund not recorded")
    UNEXPECTED_FEE = "unexpected_fee", _("Unexpected fee")
    COUPON_ALLOCATION = "coupon_allocation", _("Coupon allocation (platform vs merchant)")
    DUPLICATE_CHARGE = "duplicate_charge", _("Duplicate charge")
    CROSS_PERIOD = "cross_period", _("Cross-period (paid one day, settled another)")


class DifferenceStatus(models.TextChoices):
    OPEN = "open", _("Open")
    INVESTIGATING = "investigating", _("Investigating")
    RESOLVED = "resolved", _("Resolved")
    ACCEPTED = "accepted", _("Accepted (written off)")
    AUTO_CLOSED = "auto_closed", _("No longer found")


# Statuses a person set: a re-run keeps them (unless the amounts change).
HUMAN_STATUSES = frozenset({DifferenceStatus.INVESTIGATING, DifferenceStatus.RESOLVED, DifferenceStatus.ACCEPTED})
UNRESOLVED_STATUSES = frozenset({DifferenceStatus.OPEN, DifferenceStatus.INVESTIGATING})


class ReconciliationRun(models.Model):
    class Status(models.TextChoices):
        RUNNING = "running", _("Running")
        DONE = "done", _("Done")
        FAILED = "failed", _("Failed")

    date_from = models.DateField(_("from"))
    date_to = models.DateField(_("to"))
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.RUNNING)
    started_at = models.DateTimeField(_("started at"), default=timezone.now)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    triggered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    stats = models.JSONField(_("statistics"), default=dict, blank=True)
    message = models.TextField(_("message"), blank=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("reconciliation run")
        verbose_name_plural = _("reconciliation runs")
        ordering = ["-started_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(date_from__lte=models.F("date_to")), name="run_dates_ordered"),
            # One run at a time: a second "running" row is refused by the database, whoever inserts it.
            models.UniqueConstraint(fields=["status"], condition=Q(status="running"), name="one_run_running"),
        ]

    def __str__(self) -> str:
        return f"{self.date_from}…{self.date_to} ({self.status})"


class Difference(models.Model):
    """Something that does not balance: a work item with an owner, a status and comments.

    ``key`` names what the difference is about (type, component and the order, refund or line), so a
    re-run finds its own earlier difference and updates it instead of adding another.
    """

    key = models.CharField(_("key"), max_length=160, unique=True)
    type = models.CharField(_("type"), max_length=24, choices=DifferenceType.choices)
    component = models.CharField(_("component"), max_length=24, blank=True)
    business_date = models.DateField(_("business date"))
    source = models.CharField(_("source"), max_length=16, blank=True)
    channel = models.CharField(_("channel"), max_length=16, blank=True)
    shop = models.ForeignKey(
        "orders.Shop", verbose_name=_("shop"), on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    entity = models.ForeignKey(
        "finance.LegalEntity",
        verbose_name=_("legal entity"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="differences",
    )
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
    )
    line = models.ForeignKey(
        "finance.StatementLine",
        verbose_name=_("statement line"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    currency = models.CharField(_("currency"), max_length=3, default="CNY")
    expected = models.DecimalField(_("expected"), **MONEY)
    actual = models.DecimalField(_("actual"), **MONEY)
    difference = models.DecimalField(_("difference"), **MONEY)
    detail = models.CharField(_("detail"), max_length=255, blank=True)
    # The detail as a message (config.messages): shown in the reader's language; empty on rows found before.
    detail_message = models.JSONField(_("detail (to translate)"), default=dict, blank=True, editable=False)

    status = models.CharField(
        _("status"), max_length=16, choices=DifferenceStatus.choices, default=DifferenceStatus.OPEN
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("owner"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="finance_differences",
    )
    first_run = models.ForeignKey(
        ReconciliationRun,
        verbose_name=_("found by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    last_run = models.ForeignKey(
        ReconciliationRun,
        verbose_name=_("last seen by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="differences",
    )
    detected_at = models.DateTimeField(_("found at"), default=timezone.now)
    last_seen_at = models.DateTimeField(_("last seen at"), default=timezone.now)
    resolved_at = models.DateTimeField(_("resolved at"), null=True, blank=True)
    reminded_at = models.DateTimeField(_("owner reminded at"), null=True, blank=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("difference")
        verbose_name_plural = _("differences")
        ordering = ["-business_date", "-id"]
        indexes = [
            models.Index(fields=["status", "business_date"], name="difference_status_date_idx"),
            models.Index(fields=["entity", "business_date"], name="difference_entity_date_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.get_type_display()} {self.difference} ({self.business_date})"

    @property
    def age_days(self) -> int:
        return (timezone.now() - self.detected_at).days

    @property
    def detail_display(self) -> str:
        """The detail in the reader's language (rows found before details were stored as messages: as written)."""
        return message_render(self.detail_message, self.detail)

    @property
    def is_unresolved(self) -> bool:
        return self.status in UNRESOLVED_STATUSES


# What a reconciliation run writes on a difference (finance.services.reconciliation.results), in English.
RECONCILIATION_COMMENTS = (
    "Found again by run #%(run)s.",
    "Reopened by run #%(run)s: the difference changed from %(before)s to %(after)s after it was marked %(status)s.",
    "No longer found by run #%(run)s.",
)
# What a person's change of owner or status writes on a difference (finance.services.differences), in English:
# rows written before these comments were stored as messages are recognised by them.
DECISION_COMMENTS = (
    "Owner: %(before)s → %(after)s.",
    "Status: %(before)s → %(after)s. %(note)s",
    "Status: %(before)s → %(after)s.",
)


class DifferenceComment(models.Model):
    difference = models.ForeignKey(
        Difference, verbose_name=_("difference"), on_delete=models.CASCADE, related_name="comments"
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    system = models.CharField(_("by system"), max_length=64, blank=True)
    body = models.TextField(_("comment"))
    # The comment as a message (config.messages) when Order Hub wrote it; empty for what people wrote.
    body_message = models.JSONField(_("comment (to translate)"), default=dict, blank=True, editable=False)
    created_at = models.DateTimeField(_("at"), auto_now_add=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("difference comment")
        verbose_name_plural = _("difference comments")
        ordering = ["difference", "created_at", "id"]

    def __str__(self) -> str:
        return f"{self.difference_id}: {self.body[:40]}"

    @property
    def author_display(self) -> str:
        return self.author.get_username() if self.author_id else (self.system or "system")

    @property
    def body_display(self) -> str:
        """What Order Hub wrote (a run's findings, a change of owner or status), in the reader's language; what
        people wrote, as written."""
        stored = self.body_message or message_recognise(
            self.body, DECISION_COMMENTS if self.author_id else (*RECONCILIATION_COMMENTS, *DECISION_COMMENTS)
        )
        return message_render(stored, self.body)


class Tolerance(models.Model):
    """How large a difference of a type must be before it is reported (absolute, in the currency)."""

    difference_type = models.CharField(_("difference type"), max_length=24, choices=DifferenceType.choices, unique=True)
    amount = models.DecimalField(_("tolerance"), max_digits=14, decimal_places=2, default=Decimal("0.00"))
    note = models.CharField(_("note"), max_length=200, blank=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("tolerance")
        verbose_name_plural = _("tolerances")
        ordering = ["difference_type"]
        constraints = [models.CheckConstraint(condition=Q(amount__gte=0), name="tolerance_not_negative")]

    def __str__(self) -> str:
        return f"{self.difference_type} ±{self.amount}"


class FeeRate(models.Model):
    """The rate a provider is expected to charge: a fee or commission differing from ``rate`` × base by more
    than the unexpected-fee tolerance is reported. The most specific row wins (shop, then description)."""

    class Kind(models.TextChoices):
        FEE = "fee", _("Payment fee")
        COMMISSION = "commission", _("Commission")

    source = models.CharField(_("source"), max_length=16, choices=[(s, s) for s in SOURCES])
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    description_contains = models.CharField(
        _("description contains"), max_length=64, blank=True, help_text=_("Only for lines whose text contains this.")
    )
    shop = models.ForeignKey(
        "orders.Shop", verbose_name=_("shop"), on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    rate = models.DecimalField(_("rate"), max_digits=8, decimal_places=6, help_text=_("0.006 = 0.6%"))
    is_active = models.BooleanField(_("active"), default=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("fee rate")
        verbose_name_plural = _("fee rates")
        ordering = ["source", "kind", "description_contains"]
        constraints = [models.CheckConstraint(condition=Q(rate__gte=0, rate__lt=1), name="fee_rate_range")]

    def __str__(self) -> str:
        return f"{self.source} {self.kind} {self.description_contains or '*'} {self.rate:%}"


class DailyBalance(models.Model):
    """Per day, channel and shop: what the orders say should have arrived, what the statements say did, and
    the difference. Rebuilt by each reconciliation run for its dates (derived data, no history)."""

    date = models.DateField(_("date"), db_index=True)
    channel = models.CharField(_("channel"), max_length=16)
    shop = models.ForeignKey(
        "orders.Shop", verbose_name=_("shop"), on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    entity = models.ForeignKey(
        "finance.LegalEntity", verbose_name=_("legal entity"), on_delete=models.CASCADE, null=True, blank=True
    )
    currency = models.CharField(_("currency"), max_length=3, default="CNY")
    sales = models.DecimalField(_("paid by buyers"), **MONEY)
    refunds = models.DecimalField(_("refunded"), **MONEY)
    expected = models.DecimalField(_("expected"), **MONEY)
    received = models.DecimalField(_("received"), **MONEY)
    settled = models.DecimalField(_("settled by platform"), **MONEY)
    fees = models.DecimalField(_("fees and commission"), **MONEY)
    difference = models.DecimalField(_("difference"), **MONEY)
    open_differences = models.PositiveIntegerField(_("open differences"), default=0)
    covered = models.BooleanField(
        _("covered by a payment statement"),
        default=True,
        help_text=_("Without a payment statement for the day and shop, nothing is expected to be received."),
    )
    run = models.ForeignKey(ReconciliationRun, verbose_name=_("run"), on_delete=models.SET_NULL, null=True, blank=True)

    history = HistoricalRecords()  # rows are rebuilt with bulk_create, which writes no history

    class Meta:
        verbose_name = _("daily balance")
        verbose_name_plural = _("daily balances")
        ordering = ["date", "channel", "shop"]

    def __str__(self) -> str:
        return f"{self.date} {self.channel} {self.shop_id}: {self.difference}"
