"""After-sales cases (售后单): one model for every kind — refund only, return and refund, exchange, re-ship,
compensation — with its lines, evidence, timeline and decisions.

A case is what the buyer asked for on one order. It keeps the platform's own after-sales/refund id when a
platform reported it (``external_id``, unique per order), and Order Hub's case number shown to staff
(``number``, ``AS`` + Shanghai date + daily sequence, from the one order-numbering counter). A platform's case
and a case staff entered for the same refund are the same row (``aftersales.services.case_match``).

Money: ``amount`` is what the case gives back (0 for an exchange or a re-ship); it counts against what was
paid for the order while the case is live (not rejected or withdrawn). A case reaches ``refunded`` when the
money went back (``refunded_at``): finance's reconciliation, balances and vouchers read exactly those rows
(compensation included; balances leave compensation out of sales returns).
"""

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from config.changes import CHANGE_FIELDS, Followed
from config.messages import message_render
from orders.models.fields import MONEY, user_fk


class Case(Followed):
    class Kind(models.TextChoices):
        REFUND_ONLY = "refund_only", _("Refund only")
        RETURN_REFUND = "return_refund", _("Return and refund")
        EXCHANGE = "exchange", _("Exchange")
        RESHIP = "reship", _("Re-ship")
        COMPENSATION = "compensation", _("Compensation")

    class Status(models.TextChoices):
        REQUESTED = "requested", _("Requested")
        APPROVED = "approved", _("Approved")
        AWAITING_RETURN = "awaiting_return", _("Awaiting return")
        RECEIVED = "received", _("Received at the warehouse")
        REFUNDED = "refunded", _("Refunded")
        REJECTED = "rejected", _("Rejected")
        WITHDRAWN = "withdrawn", _("Withdrawn")
        CLOSED = "closed", _("Closed")

    class Source(models.TextChoices):
        PLATFORM = "platform", _("Platform")
        STAFF = "staff", _("Back office")
        API = "api", _("Partner API")

    class ReasonCode(models.TextChoices):
        NOT_AS_DESCRIBED = "not_as_described", _("Not as described")
        QUALITY = "quality", _("Quality problem")
        DAMAGED = "damaged", _("Damaged in transit")
        WRONG_ITEM = "wrong_item", _("Wrong item sent")
        MISSING_ITEM = "missing_item", _("Item missing")
        NO_LONGER_WANTED = "no_longer_wanted", _("No longer wanted (7 days, no reason)")
        LATE_DELIVERY = "late_delivery", _("Late delivery")
        PRICE_PROTECTION = "price_protection", _("Price protection")
        POSTAGE = "postage", _("Postage")
        OTHER = "other", _("Other")

    number = models.CharField(_("case number"), max_length=32, unique=True, editable=False)
    order = models.ForeignKey("orders.Order", verbose_name=_("order"), on_delete=models.PROTECT, related_name="cases")
    external_id = models.CharField(_("platform refund id"), max_length=64, blank=True)
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices, default=Kind.REFUND_ONLY)
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.REQUESTED)
    source = models.CharField(_("source"), max_length=16, choices=Source.choices, default=Source.STAFF)
    amount = models.DecimalField(_("amount"), **MONEY)
    currency = models.CharField(_("currency"), max_length=3, default="CNY")
    reason_code = models.CharField(_("reason code"), max_length=24, choices=ReasonCode.choices, blank=True)
    reason = models.TextField(_("reason"), blank=True)
    buyer_words = models.TextField(_("buyer's words"), blank=True)
    requested_at = models.DateTimeField(_("requested at"), null=True, blank=True)
    deadline_at = models.DateTimeField(
        _("platform deadline"),
        null=True,
        blank=True,
        help_text=_("When the platform agrees the refund by itself if the merchant has not answered."),
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    refunded_at = models.DateTimeField(_("refunded at"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    held_order = models.BooleanField(
        _("stopped the order"), default=False, help_text=_("The case put its order on hold; ending it releases it.")
    )
    replacement_order = models.OneToOneField(
        "orders.Order",
        verbose_name=_("replacement order"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="replaces_case",
    )
    return_waybill = models.CharField(
        _("return waybill"),
        max_length=64,
        blank=True,
        db_index=True,
        help_text=_("The tracking number of the parcel the buyer sent back: scanned at the warehouse."),
    )
    risk_score = models.PositiveSmallIntegerField(
        _("risk score"), null=True, blank=True, help_text=_("0–100, from the risk policy; empty: not scored yet.")
    )
    risk_factors = models.JSONField(_("risk factors"), default=dict, blank=True)
    fraud_flag = models.BooleanField(
        _("fraud flag"), default=False, help_text=_("The returned parcel held a wrong item or nothing (调包/空包).")
    )
    created_by = user_fk(_("created by"))
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    history = HistoricalRecords(excluded_fields=CHANGE_FIELDS)

    class Meta(Followed.Meta):
        verbose_name = _("after-sales case")
        verbose_name_plural = _("after-sales cases")
        ordering = ["-created_at", "-id"]
        permissions = [("view_reports", _("Can view the after-sales reports"))]
        constraints = [
            models.UniqueConstraint(
                fields=["order", "external_id"],
                condition=~Q(external_id=""),
                name="refund_external_id_unique",
            ),
            models.CheckConstraint(condition=Q(amount__gte=0), name="refund_amount_not_negative"),
            models.CheckConstraint(
                condition=~Q(kind__in=["exchange", "reship"]) | Q(amount=0),
                name="case_exchange_reship_no_money",
            ),
        ]
        indexes = [
            *Followed.Meta.indexes,
            models.Index(fields=["status", "deadline_at"], name="case_status_deadline_idx"),
            models.Index(fields=["risk_score"], condition=Q(risk_score__isnull=False), name="case_risk_score_idx"),
        ]

    def __str__(self) -> str:
        return self.number or f"case {self.pk}"

    @property
    def is_live(self) -> bool:
        """Whether the case still counts against what was paid (not rejected or withdrawn)."""
        return self.status not in (self.Status.REJECTED, self.Status.WITHDRAWN)


# Statuses in which a case still counts against what was paid for its order.
DEAD_STATUSES = (Case.Status.REJECTED, Case.Status.WITHDRAWN)
# Statuses in which nothing more happens to a case.
FINAL_STATUSES = (Case.Status.REFUNDED, Case.Status.REJECTED, Case.Status.WITHDRAWN, Case.Status.CLOSED)
# Statuses of a case that is still being handled.
OPEN_STATUSES = (Case.Status.REQUESTED, Case.Status.APPROVED, Case.Status.AWAITING_RETURN, Case.Status.RECEIVED)


class CaseLine(models.Model):
    """What the case is about: a SKU of the order, how many, and the money for it."""

    class Condition(models.TextChoices):
        GOOD = "good", _("Good (back to sellable stock)")
        DAMAGED = "damaged", _("Damaged (to the defective location)")
        WRONG_ITEM = "wrong_item", _("Wrong item")
        MISSING = "missing", _("Missing (empty box)")

    case = models.ForeignKey(Case, verbose_name=_("case"), on_delete=models.CASCADE, related_name="lines")
    order_line = models.ForeignKey(
        "orders.OrderLine",
        verbose_name=_("order line"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    sku = models.ForeignKey("inventory.SKU", verbose_name=_("SKU"), on_delete=models.PROTECT, related_name="+")
    quantity = models.PositiveIntegerField(_("quantity"))
    amount = models.DecimalField(_("amount"), **MONEY)
    received_quantity = models.PositiveIntegerField(_("received quantity"), default=0)
    condition = models.CharField(_("condition"), max_length=16, choices=Condition.choices, blank=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("case line")
        verbose_name_plural = _("case lines")
        ordering = ["case", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(quantity__gt=0), name="caseline_quantity_positive"),
            models.CheckConstraint(condition=Q(amount__gte=0), name="caseline_amount_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.case_id}: {self.sku_id} × {self.quantity}"


def evidence_path(instance: "CaseEvidence", filename: str) -> str:
    return f"aftersales/{instance.case_id}/{filename}"


class CaseEvidence(models.Model):
    """A photo or file backing the case (the buyer's, CS's or the warehouse's), on the default storage."""

    class Kind(models.TextChoices):
        BUYER = "buyer", _("From the buyer")
        PARCEL = "parcel", _("Returned parcel")
        ITEM = "item", _("Returned item")
        OTHER = "other", _("Other")

    case = models.ForeignKey(Case, verbose_name=_("case"), on_delete=models.CASCADE, related_name="evidence")
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices, default=Kind.OTHER)
    file = models.FileField(_("file"), upload_to=evidence_path, max_length=255)
    caption = models.CharField(_("caption"), max_length=200, blank=True)
    uploaded_by = user_fk(_("uploaded by"))
    uploaded_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("case evidence")
        verbose_name_plural = _("case evidence")
        ordering = ["case", "uploaded_at", "id"]

    def __str__(self) -> str:
        return self.file.name


class CaseEvent(models.Model):
    """The case's timeline: every status change and every notable thing that happened to it."""

    class Kind(models.TextChoices):
        CREATED = "created", _("Created")
        TRANSITION = "transition", _("Status change")
        UPDATED = "updated", _("Updated")
        MATCHED = "matched", _("Matched with the platform's case")
        ORDER = "order", _("Order stopped or released")
        INTERCEPTION = "interception", _("Carrier interception")
        RECEIVED = "received", _("Parcel received")
        REFUND = "refund", _("Refund execution")
        PLATFORM = "platform", _("Platform's answer")
        NOTE = "note", _("Note")

    case = models.ForeignKey(Case, verbose_name=_("case"), on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    at = models.DateTimeField(_("at"), auto_now_add=True)
    actor = user_fk(_("by"))
    system = models.CharField(_("system"), max_length=64, blank=True)
    from_status = models.CharField(_("from"), max_length=16, blank=True)
    to_status = models.CharField(_("to"), max_length=16, blank=True)
    note = models.CharField(_("note"), max_length=500, blank=True)
    data = models.JSONField(_("details"), default=dict, blank=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("case event")
        verbose_name_plural = _("case events")
        ordering = ["case", "at", "id"]

    def __str__(self) -> str:
        return f"{self.case_id} {self.kind} {self.to_status}".strip()

    @property
    def note_display(self) -> str:
        """The note in the reader's language when it was stored as a message (``config.messages``)."""
        return message_render((self.data or {}).get("note_message"), self.note)


class CaseDecision(models.Model):
    """A decision on a case: who (a user, or the automatic tier), when, why, and under which tier."""

    class Verdict(models.TextChoices):
        APPROVE = "approve", _("Approve")
        REJECT = "reject", _("Reject")
        FINANCE_CHECK = "finance_check", _("Finance check passed")

    case = models.ForeignKey(Case, verbose_name=_("case"), on_delete=models.CASCADE, related_name="decisions")
    verdict = models.CharField(_("decision"), max_length=16, choices=Verdict.choices)
    actor = user_fk(_("by"))
    automatic = models.BooleanField(_("automatic"), default=False)
    tier = models.ForeignKey(
        "aftersales.ApprovalTier",
        verbose_name=_("approval tier"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    amount = models.DecimalField(_("amount"), **MONEY)
    reason = models.TextField(_("why"), blank=True)
    at = models.DateTimeField(_("at"), auto_now_add=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("case decision")
        verbose_name_plural = _("case decisions")
        ordering = ["case", "at", "id"]

    def __str__(self) -> str:
        return f"{self.case_id} {self.verdict}"


__all__ = [
    "DEAD_STATUSES",
    "FINAL_STATUSES",
    "OPEN_STATUSES",
    "Case",
    "CaseDecision",
    "CaseEvent",
    "CaseEvidence",
    "CaseLine",
]
