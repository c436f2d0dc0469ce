"""Parcels: the shipment of an order, its e-waybill attempts, and the carrier's tracking events."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from config.changes import CHANGE_FIELDS, Followed
from config.messages import message_recognise, message_render
from fulfilment.models.written import (
    ATTEMPT_MESSAGES_WRITTEN_BEFORE,
    BLOCK_MESSAGES_WRITTEN_BEFORE,
    CANCELLATION_ERRORS_WRITTEN_BEFORE,
    CANCELLATION_REASONS_WRITTEN_BEFORE,
)


class BlockReason(models.TextChoices):
    """Why the breaker stopped a label from printing."""

    WAYBILL_FAILED = "waybill_failed", _("E-waybill request failed")
    ADDRESS_UNPARSEABLE = "address_unparseable", _("Address cannot be parsed")
    OVERWEIGHT = "overweight", _("Weight over the carrier's limit")
    NO_PLATFORM_CODE = "no_platform_code", _("Carrier has no code on the order's platform")
    CARRIER_INACTIVE = "carrier_inactive", _("Carrier is not active")
    PLATFORM_WAYBILL_REQUIRED = "platform_waybill", _("Only the platform's own e-waybill service may print it")
    NO_WAYBILL_BALANCE = "no_waybill_balance", _("No e-waybill numbers left on the account")


class Shipment(Followed):
    class Status(models.TextChoices):
        PACKED = "packed", _("Packed")
        BLOCKED = "blocked", _("Label blocked")
        LABELLED = "labelled", _("Label printed")
        SHIPPED = "shipped", _("Shipped")
        IN_TRANSIT = "in_transit", _("In transit")
        DELIVERED = "delivered", _("Delivered")
        EXCEPTION = "exception", _("Exception")
        CANCELLED = "cancelled", _("Cancelled")

    order = models.ForeignKey(
        "orders.Order", verbose_name=_("order"), on_delete=models.PROTECT, related_name="shipments"
    )
    warehouse = models.ForeignKey(
        "inventory.Warehouse", verbose_name=_("warehouse"), on_delete=models.PROTECT, related_name="+"
    )
    carrier = models.ForeignKey(
        "fulfilment.Carrier", verbose_name=_("carrier"), on_delete=models.PROTECT, related_name="+"
    )
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.PACKED)
    tracking_number = models.CharField(_("tracking number"), max_length=64, blank=True)
    weight_grams = models.PositiveIntegerField(_("weight (g)"))
    block_reason = models.CharField(_("blocked because"), max_length=24, choices=BlockReason.choices, blank=True)
    block_message = models.CharField(_("block detail"), max_length=255, blank=True)
    block_message_message = models.JSONField(_("block detail (to translate)"), null=True, blank=True, editable=False)
    label = models.JSONField(_("label data"), default=dict, blank=True)
    label_printed_at = models.DateTimeField(_("label printed at"), null=True, blank=True)
    waybill_account = models.ForeignKey(
        "fulfilment.WaybillAccount",
        verbose_name=_("e-waybill account"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    packed_at = models.DateTimeField(_("packed at"), auto_now_add=True)
    packed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("packed by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    shipped_at = models.DateTimeField(_("shipped at"), null=True, blank=True, db_index=True)
    picked_up_at = models.DateTimeField(_("first carrier scan"), null=True, blank=True)
    last_event_at = models.DateTimeField(_("last tracking event"), null=True, blank=True)
    delivered_at = models.DateTimeField(_("delivered at"), null=True, blank=True)
    delivered_province = models.CharField(_("signed in province"), max_length=32, blank=True)
    delivered_city = models.CharField(_("signed in city"), max_length=32, blank=True)
    platform_confirmed_at = models.DateTimeField(_("platform accepted shipment at"), null=True, blank=True)
    platform_delivered_at = models.DateTimeField(_("platform shows delivered at"), null=True, blank=True)
    last_polled_at = models.DateTimeField(_("tracking polled at"), null=True, blank=True)

    history = HistoricalRecords(excluded_fields=CHANGE_FIELDS)

    class Meta(Followed.Meta):
        verbose_name = _("shipment")
        verbose_name_plural = _("shipments")
        ordering = ["-packed_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["order"], condition=~Q(status="cancelled"), name="shipment_one_live_per_order"
            ),
            models.UniqueConstraint(
                fields=["carrier", "tracking_number"],
                condition=~Q(tracking_number=""),
                name="shipment_tracking_number_unique_per_carrier",
            ),
            models.CheckConstraint(
                condition=(Q(status="blocked") & ~Q(block_reason="")) | (~Q(status="blocked") & Q(block_reason="")),
                name="shipment_block_reason_iff_blocked",
            ),
            models.CheckConstraint(
                condition=Q(status__in=["packed", "blocked", "cancelled"]) | ~Q(tracking_number=""),
                name="shipment_labelled_has_tracking_number",
            ),
        ]
        indexes = [
            *Followed.Meta.indexes,
            models.Index(fields=["status", "shipped_at"], name="shipment_status_shipped_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.carrier_id} {self.tracking_number or '—'} ({self.status})"

    @property
    def block_message_display(self) -> str:
        """Why the label is blocked, in the reader's language (``config.messages``); an old row as written, unless
        it is one of the breaker's English texts."""
        stored = self.block_message_message or message_recognise(self.block_message, BLOCK_MESSAGES_WRITTEN_BEFORE)
        return message_render(stored, self.block_message)


class WaybillAttempt(models.Model):
    """One e-waybill request to a carrier, or one refusal by the breaker before any request was sent."""

    shipment = models.ForeignKey(
        Shipment, verbose_name=_("shipment"), on_delete=models.CASCADE, related_name="attempts"
    )
    carrier = models.ForeignKey(
        "fulfilment.Carrier", verbose_name=_("carrier"), on_delete=models.PROTECT, related_name="+"
    )
    at = models.DateTimeField(_("at"), auto_now_add=True, db_index=True)
    ok = models.BooleanField(_("succeeded"))
    block_reason = models.CharField(_("blocked because"), max_length=24, choices=BlockReason.choices, blank=True)
    message = models.CharField(_("message"), max_length=255, blank=True)
    message_message = models.JSONField(_("message (to translate)"), null=True, blank=True, editable=False)
    tracking_number = models.CharField(_("tracking number"), max_length=64, blank=True)
    response = models.JSONField(_("response"), default=dict, blank=True)
    duration_ms = models.PositiveIntegerField(_("duration (ms)"), default=0)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("e-waybill attempt")
        verbose_name_plural = _("e-waybill attempts")
        ordering = ["-at", "-id"]

    def __str__(self) -> str:
        return f"{self.shipment_id} {'ok' if self.ok else self.block_reason}"

    @property
    def message_display(self) -> str:
        """What the attempt came to, in the reader's language (``config.messages``); an old row as written, unless
        it is one of Order Hub's English texts."""
        stored = self.message_message or message_recognise(self.message, ATTEMPT_MESSAGES_WRITTEN_BEFORE)
        return message_render(stored, self.message)


class WaybillCancellation(models.Model):
    """An issued waybill number that will not be used (the parcel was cancelled or labelled again), to be
    given back to the service that issued it. Stored in the transaction that frees it, sent after commit,
    retried, then parked where staff see it."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        PROCESSING = "processing", _("Processing")
        DONE = "done", _("Cancelled at the service")
        FAILED = "failed", _("Failed, will retry")
        PARKED = "parked", _("Parked")

    shipment = models.ForeignKey(
        Shipment, verbose_name=_("shipment"), on_delete=models.CASCADE, related_name="waybill_cancellations"
    )
    carrier = models.ForeignKey(
        "fulfilment.Carrier", verbose_name=_("carrier"), on_delete=models.PROTECT, related_name="+"
    )
    waybill_account = models.ForeignKey(
        "fulfilment.WaybillAccount",
        verbose_name=_("e-waybill account"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    tracking_number = models.CharField(_("tracking number"), max_length=64)
    reason = models.CharField(_("reason"), max_length=100)
    reason_message = models.JSONField(_("reason (to translate)"), null=True, blank=True, editable=False)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    # When a failed cancellation is due again (config.retry's back-off).
    next_attempt_at = models.DateTimeField(_("next attempt at"), default=timezone.now)
    # When a worker claimed it (config.sweep): a claim left this long by a killed worker counts as a failed attempt.
    claimed_at = models.DateTimeField(_("claimed at"), null=True, blank=True)
    error = models.TextField(_("last error"), blank=True)
    error_message = models.JSONField(_("last error (to translate)"), null=True, blank=True, editable=False)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    done_at = models.DateTimeField(_("cancelled at"), null=True, blank=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("waybill number to cancel")
        verbose_name_plural = _("waybill numbers to cancel")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["carrier", "tracking_number"], name="waybillcancellation_once_per_number")
        ]

    def __str__(self) -> str:
        return f"{self.carrier_id} {self.tracking_number} ({self.status})"

    @property
    def reason_display(self) -> str:
        """The reason in the reader's language when Order Hub wrote it (``config.messages``); as given otherwise."""
        stored = self.reason_message or message_recognise(self.reason, CANCELLATION_REASONS_WRITTEN_BEFORE)
        return message_render(stored, self.reason)

    @property
    def error_display(self) -> str:
        """The last error in the reader's language where the words are Order Hub's (``config.messages``); the
        service's own error text as it gave it."""
        stored = self.error_message or message_recognise(self.error, CANCELLATION_ERRORS_WRITTEN_BEFORE)
        return message_render(stored, self.error)


class TrackingKind(models.TextChoices):
    PICKED_UP = "picked_up", _("Picked up")
    IN_TRANSIT = "in_transit", _("In transit")
    OUT_FOR_DELIVERY = "out_for_delivery", _("Out for delivery")
    DELIVERED = "delivered", _("Delivered")
    EXCEPTION = "exception", _("Exception")


class TrackingPush(models.Model):
    """A tracking push as the carrier sent it, stored before processing. Processing is idempotent; failed
    pushes are retried and then parked, where staff see and replay them."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        PROCESSING = "processing", _("Processing")
        PROCESSED = "processed", _("Processed")
        FAILED = "failed", _("Failed, will retry")
        PARKED = "parked", _("Parked")

    carrier_code = models.CharField(_("carrier code"), max_length=16)
    body = models.JSONField(_("body"))
    received_at = models.DateTimeField(_("received at"), auto_now_add=True, db_index=True)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    # When a failed push is due again (config.retry's back-off).
    next_attempt_at = models.DateTimeField(_("next attempt at"), default=timezone.now)
    # When a worker claimed it (config.sweep): a claim left this long by a killed worker counts as a failed attempt.
    claimed_at = models.DateTimeField(_("claimed at"), null=True, blank=True)
    error = models.TextField(_("last error"), blank=True)
    processed_at = models.DateTimeField(_("processed at"), null=True, blank=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("tracking push")
        verbose_name_plural = _("tracking pushes")
        ordering = ["-received_at", "-id"]
        indexes = [
            # Only the few rows still to process are indexed: the retry task scans this small set.
            models.Index(
                fields=["status", "received_at"],
                condition=Q(status__in=["pending", "failed"]),
                name="trackingpush_todo_idx",
            )
        ]

    def __str__(self) -> str:
        return f"{self.carrier_code} push {self.pk} ({self.status})"


class TrackingEvent(models.Model):
    shipment = models.ForeignKey(Shipment, verbose_name=_("shipment"), on_delete=models.CASCADE, related_name="events")
    external_id = models.CharField(_("event id"), max_length=64)
    kind = models.CharField(_("kind"), max_length=16, choices=TrackingKind.choices)
    description = models.CharField(_("description"), max_length=255, blank=True)
    province = models.CharField(_("province"), max_length=32, blank=True)
    city = models.CharField(_("city"), max_length=32, blank=True)
    occurred_at = models.DateTimeField(_("occurred at"), db_index=True)
    source = models.CharField(_("source"), max_length=8, choices=[("push", _("Push")), ("poll", _("Poll"))])
    received_at = models.DateTimeField(_("received at"), auto_now_add=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("tracking event")
        verbose_name_plural = _("tracking events")
        ordering = ["shipment", "occurred_at", "id"]
        constraints = [models.UniqueConstraint(fields=["shipment", "external_id"], name="trackingevent_unique")]

    def __str__(self) -> str:
        return f"{self.shipment_id} {self.kind} {self.occurred_at:%Y-%m-%d %H:%M}"
