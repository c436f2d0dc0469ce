"""Waves (波次): approved orders grouped for one picking run, their totes and the pick tasks."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords


class WaveStrategy(models.TextChoices):
    SAME_CITY = "same_city", _("Same-city express")
    URGENT = "urgent", _("Urgent queue")
    SINGLE_SKU = "single_sku", _("Single-SKU orders")
    BY_CARRIER = "by_carrier", _("By carrier")


class Wave(models.Model):
    class Status(models.TextChoices):
        PICKING = "picking", _("Picking")
        PICKED = "picked", _("Picked")
        DONE = "done", _("Packed")
        CANCELLED = "cancelled", _("Cancelled")

    number = models.CharField(_("wave number"), max_length=32, blank=True)
    warehouse = models.ForeignKey(
        "inventory.Warehouse", verbose_name=_("warehouse"), on_delete=models.PROTECT, related_name="+"
    )
    strategy = models.CharField(_("strategy"), max_length=16, choices=WaveStrategy.choices)
    carrier = models.ForeignKey(
        "fulfilment.Carrier",
        verbose_name=_("carrier"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    capacity = models.PositiveSmallIntegerField(_("capacity (orders)"))
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.PICKING)
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("picker"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("built by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("built at"), auto_now_add=True, db_index=True)
    picked_at = models.DateTimeField(_("picked at"), null=True, blank=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("wave")
        verbose_name_plural = _("waves")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["number"], condition=~Q(number=""), name="wave_number_unique"),
            models.CheckConstraint(condition=Q(capacity__gt=0), name="wave_capacity_positive"),
        ]

    def __str__(self) -> str:
        return self.number or f"wave {self.pk}"


class WaveOrder(models.Model):
    """An order in a wave, with its tote. An order is in at most one wave that is not cancelled."""

    class Status(models.TextChoices):
        PICKING = "picking", _("Picking")
        PICKED = "picked", _("Picked")
        PACKED = "packed", _("Packed")
        REMOVED = "removed", _("Removed")

    wave = models.ForeignKey(Wave, verbose_name=_("wave"), on_delete=models.CASCADE, related_name="wave_orders")
    order = models.ForeignKey("orders.Order", verbose_name=_("order"), on_delete=models.PROTECT, related_name="+")
    sequence = models.PositiveSmallIntegerField(_("sequence"))
    tote = models.CharField(_("tote"), max_length=32)
    carrier = models.ForeignKey(
        "fulfilment.Carrier", verbose_name=_("planned carrier"), on_delete=models.PROTECT, related_name="+"
    )
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.PICKING)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("order in wave")
        verbose_name_plural = _("orders in waves")
        ordering = ["wave", "sequence"]
        constraints = [
            models.UniqueConstraint(
                fields=["order"], condition=~Q(status="removed"), name="waveorder_one_live_wave_per_order"
            ),
            models.UniqueConstraint(
                fields=["tote"], condition=~Q(status__in=["packed", "removed"]), name="waveorder_tote_in_use_once"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.wave_id}#{self.sequence}: {self.order_id}"


class PickTask(models.Model):
    """Pick ``quantity`` of one order line's SKU from one location into the order's tote."""

    class Status(models.TextChoices):
        OPEN = "open", _("To pick")
        DONE = "done", _("Picked")
        SHORT = "short", _("Short-picked")

    wave = models.ForeignKey(Wave, verbose_name=_("wave"), on_delete=models.CASCADE, related_name="tasks")
    wave_order = models.ForeignKey(
        WaveOrder, verbose_name=_("order in wave"), on_delete=models.CASCADE, related_name="tasks"
    )
    order_line = models.ForeignKey(
        "orders.OrderLine", verbose_name=_("order line"), on_delete=models.PROTECT, related_name="+"
    )
    sku = models.ForeignKey("inventory.SKU", verbose_name=_("SKU"), on_delete=models.PROTECT, related_name="+")
    location = models.ForeignKey(
        "fulfilment.Location",
        verbose_name=_("location"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    sequence = models.PositiveIntegerField(_("walking order"))
    quantity = models.PositiveIntegerField(_("quantity"))
    picked_quantity = models.PositiveIntegerField(_("picked"), default=0)
    status = models.CharField(_("status"), max_length=8, choices=Status.choices, default=Status.OPEN)
    picked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("picked by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    picked_at = models.DateTimeField(_("picked at"), null=True, blank=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("pick task")
        verbose_name_plural = _("pick tasks")
        ordering = ["wave", "sequence"]
        constraints = [
            models.CheckConstraint(condition=Q(quantity__gt=0), name="picktask_quantity_positive"),
            models.CheckConstraint(condition=Q(picked_quantity__lte=models.F("quantity")), name="picktask_no_overpick"),
        ]

    def __str__(self) -> str:
        return f"{self.wave_id}/{self.sequence}: {self.sku_id} × {self.quantity}"


class ScanEvent(models.Model):
    """Every scan on the floor that mattered: accepted picks and refused scans (wrong location, wrong SKU).

    ``client_id`` is generated by the page for each action, so a post retried over a flaky network is
    recorded once."""

    class Station(models.TextChoices):
        PICK = "pick", _("Picking")
        PACK = "pack", _("Packing")

    class Kind(models.TextChoices):
        PICKED = "picked", _("Picked")
        PACKED = "packed", _("Packed")
        WRONG_LOCATION = "wrong_location", _("Wrong location")
        WRONG_SKU = "wrong_sku", _("Wrong SKU")
        WRONG_QUANTITY = "wrong_quantity", _("Wrong quantity")

    station = models.CharField(_("station"), max_length=8, choices=Station.choices)
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    wave = models.ForeignKey(
        Wave, verbose_name=_("wave"), on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    task = models.ForeignKey(
        PickTask, verbose_name=_("task"), on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    order = models.ForeignKey(
        "orders.Order", verbose_name=_("order"), on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    scanned = models.CharField(_("scanned"), max_length=64, blank=True)
    expected = models.CharField(_("expected"), max_length=64, blank=True)
    quantity = models.PositiveIntegerField(_("quantity"), default=0)
    client_id = models.CharField(_("client action id"), max_length=64, blank=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("by"), on_delete=models.SET_NULL, null=True, related_name="+"
    )
    at = models.DateTimeField(_("at"), auto_now_add=True, db_index=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("scan")
        verbose_name_plural = _("scans")
        ordering = ["-at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["client_id"], condition=~Q(client_id=""), name="scanevent_client_id_unique")
        ]

    def __str__(self) -> str:
        return f"{self.station} {self.kind} {self.scanned}"
