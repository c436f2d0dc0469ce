"""Where goods are and what they are (warehouses, stores, in-transit locations; SKUs) and how many: stock
levels per SKU × location × pool, the stock ledger, reservations, channel allocation and stock counts."""

from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from config.changes import CHANGE_FIELDS, Followed
from config.messages import message_recognise, message_render, message_stored


class Warehouse(models.Model):
    class Kind(models.TextChoices):
        WAREHOUSE = "warehouse", _("Warehouse")
        STORE = "store", _("Store")
        IN_TRANSIT = "in_transit", _("In transit")

    code = models.SlugField(_("code"), max_length=32, unique=True)
    name = models.CharField(_("name"), max_length=100)
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices, default=Kind.WAREHOUSE)
    province = models.CharField(_("province"), max_length=32, blank=True)
    city = models.CharField(_("city"), max_length=32, blank=True)
    address = models.CharField(_("address"), max_length=200, blank=True)
    priority = models.PositiveSmallIntegerField(
        _("priority"), default=100, help_text=_("Lower ships first when several locations can fill an order.")
    )
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("warehouse")
        verbose_name_plural = _("warehouses")
        ordering = ["priority", "code"]
        permissions = [("access_warehouse", _("Can work on the orders and stock of this warehouse"))]

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"


class SKU(models.Model):
    code = models.CharField(_("SKU code"), max_length=64, unique=True)
    barcode = models.CharField(_("barcode"), max_length=64, blank=True, db_index=True)
    name = models.CharField(_("name"), max_length=200)
    weight_grams = models.PositiveIntegerField(_("weight (g)"), default=0)
    is_fragile = models.BooleanField(_("fragile"), default=False)
    is_cold_chain = models.BooleanField(_("cold chain"), default=False)
    is_presale = models.BooleanField(_("presale"), default=False)
    category = models.CharField(_("category"), max_length=64, blank=True)
    attributes = models.JSONField(_("other attributes"), default=dict, blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("SKU")
        verbose_name_plural = _("SKUs")
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


# --- stock levels, the ledger and reservations -----------------------------------------------------


class Pool(models.TextChoices):
    """Spot stock is on the shelf; the presale pool (预售库存池) is what the merchant has committed to sell
    before it arrives. Spot orders never take presale units and presale orders never take spot units. The damaged
    pool is the defective location of a warehouse (残次品区): returned goods graded damaged go there, never sold."""

    SPOT = "spot", _("Spot")
    PRESALE = "presale", _("Presale")
    DAMAGED = "damaged", _("Damaged (not for sale)")


class Stock(Followed):
    """How many units of one SKU are at one location, in one pool.

    ``on_hand`` is what is physically there (or committed, for presale), ``reserved`` what paid orders hold;
    available = on_hand − reserved. The counters change only through single conditional UPDATEs in
    ``inventory.services`` and every change writes a ``StockMovement``; the CHECK constraints below make
    negative or over-reserved stock impossible even if application code is wrong.
    """

    sku = models.ForeignKey(SKU, verbose_name=_("SKU"), on_delete=models.PROTECT, related_name="stocks")
    warehouse = models.ForeignKey(
        Warehouse, verbose_name=_("location"), on_delete=models.PROTECT, related_name="stocks"
    )
    pool = models.CharField(_("pool"), max_length=8, choices=Pool.choices, default=Pool.SPOT)
    on_hand = models.IntegerField(_("on hand"), default=0)
    reserved = models.IntegerField(_("reserved"), default=0)

    history = HistoricalRecords(excluded_fields=CHANGE_FIELDS)

    class Meta(Followed.Meta):
        verbose_name = _("stock level")
        verbose_name_plural = _("stock levels")
        ordering = ["sku", "warehouse", "pool"]
        permissions = [("adjust_stock", _("Can receive, adjust, transfer and count stock"))]
        constraints = [
            models.UniqueConstraint(fields=["sku", "warehouse", "pool"], name="stock_unique_sku_location_pool"),
            models.CheckConstraint(condition=Q(on_hand__gte=0), name="stock_on_hand_not_negative"),
            models.CheckConstraint(condition=Q(reserved__gte=0), name="stock_reserved_not_negative"),
            models.CheckConstraint(condition=Q(reserved__lte=F("on_hand")), name="stock_reserved_within_on_hand"),
        ]

    def __str__(self) -> str:
        return f"{self.sku_id}@{self.warehouse_id}/{self.pool}: {self.on_hand}-{self.reserved}"

    @property
    def available(self) -> int:
        return self.on_hand - self.reserved


class Reservation(models.Model):
    """Units of one order line held on one stock row until the line ships (consumed) or is cancelled
    (released). Orders are referenced by id, not by foreign key: inventory sits below orders."""

    class State(models.TextChoices):
        ACTIVE = "active", _("Active")
        RELEASED = "released", _("Released")
        CONSUMED = "consumed", _("Shipped")
        MOVED = "moved", _("Moved to another line")

    stock = models.ForeignKey(
        Stock,
        verbose_name=_("stock level"),
        on_delete=models.PROTECT,
        related_name="reservations",
        db_index=False,  # reservation_stock_state_idx leads with stock
    )
    order_id = models.BigIntegerField(_("order id"), db_index=True)
    order_line_id = models.BigIntegerField(_("order line id"))
    reference = models.CharField(_("order number"), max_length=64, db_index=True)
    quantity = models.PositiveIntegerField(_("quantity"))
    state = models.CharField(_("state"), max_length=10, choices=State.choices, default=State.ACTIVE)
    created_at = models.DateTimeField(_("reserved at"), default=timezone.now)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("reservation")
        verbose_name_plural = _("reservations")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["order_line_id", "stock"],
                condition=Q(state="active"),
                name="reservation_one_active_per_line_and_stock",
            ),
            models.CheckConstraint(condition=Q(quantity__gt=0), name="reservation_quantity_positive"),
            models.CheckConstraint(
                condition=Q(state="active", closed_at__isnull=True) | (~Q(state="active") & Q(closed_at__isnull=False)),
                name="reservation_closed_at_iff_closed",
            ),
        ]
        indexes = [models.Index(fields=["stock", "state"], name="reservation_stock_state_idx")]

    def __str__(self) -> str:
        return f"{self.reference} line {self.order_line_id}: {self.quantity} ({self.state})"


class StockMovement(models.Model):
    """The stock ledger: one row per change of a stock level. For every stock row, the sums of
    ``on_hand_delta`` and ``reserved_delta`` over its movements equal its levels (``stock_verify_ledger``)."""

    class Kind(models.TextChoices):
        RECEIPT = "receipt", _("Receipt")
        ADJUSTMENT = "adjustment", _("Adjustment")
        COUNT = "count", _("Stock count")
        RESERVE = "reserve", _("Reserve")
        RELEASE = "release", _("Release")
        SHIP = "ship", _("Ship")
        RETURN = "return", _("Return")
        TRANSFER_OUT = "transfer_out", _("Transfer out")
        TRANSFER_IN = "transfer_in", _("Transfer in")

    # Every reservation writes a ledger row, so this table carries only the indexes its reads need:
    # (sku, at), (warehouse, at) and reference. The foreign keys get no index of their own.
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    sku = models.ForeignKey(SKU, verbose_name=_("SKU"), on_delete=models.PROTECT, related_name="+", db_index=False)
    warehouse = models.ForeignKey(
        Warehouse, verbose_name=_("location"), on_delete=models.PROTECT, related_name="+", db_index=False
    )
    pool = models.CharField(_("pool"), max_length=8, choices=Pool.choices, default=Pool.SPOT)
    on_hand_delta = models.IntegerField(_("on hand change"), default=0)
    reserved_delta = models.IntegerField(_("reserved change"), default=0)
    reference = models.CharField(_("reference"), max_length=64, blank=True, help_text=_("Order number or document."))
    reason = models.CharField(_("reason"), max_length=255, blank=True)
    # The reason as a message (config.messages), shown in the reader's language; {} when it is text people typed
    # (``movement_reason_stored``). None only on rows written before every writer filled it.
    reason_message = models.JSONField(_("reason (to translate)"), null=True, blank=True, default=dict, editable=False)
    reservation = models.ForeignKey(
        Reservation,
        verbose_name=_("reservation"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        db_index=False,
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        db_index=False,
    )
    system = models.CharField(_("by system"), max_length=64, blank=True)
    idempotency_key = models.CharField(_("idempotency key"), max_length=100, blank=True)
    at = models.DateTimeField(_("at"), default=timezone.now)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("stock movement")
        verbose_name_plural = _("stock movements")
        ordering = ["-at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(on_hand_delta=0) | ~Q(reserved_delta=0), name="stockmovement_changes_something"
            ),
            models.UniqueConstraint(
                # Stored on the first movement a keyed request writes; a replay finds it and changes nothing.
                fields=["idempotency_key"],
                condition=~Q(idempotency_key=""),
                name="stockmovement_idempotency_key_unique",
            ),
        ]
        indexes = [
            models.Index(fields=["sku", "at"], name="stockmovement_sku_at_idx"),
            models.Index(fields=["warehouse", "at"], name="stockmovement_warehouse_at_idx"),
            models.Index(fields=["reference"], name="stockmovement_reference_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.sku_id}@{self.warehouse_id} {self.on_hand_delta:+}/{self.reserved_delta:+}"

    @property
    def actor_display(self) -> str:
        if self.actor_id:
            return self.actor.get_username()
        return self.system or "system"

    @property
    def reason_display(self) -> str:
        """The reason in the reader's language when the system wrote it (``config.messages``); as typed otherwise."""
        stored = self.reason_message or message_recognise(self.reason, LEDGER_REASONS_WRITTEN_BEFORE.get(self.kind, ()))
        return message_render(stored, self.reason)


def movement_reason_stored(reason: str) -> dict[str, Any]:
    """A ledger row's ``reason_message`` for ``reason``: its stored form when it is a ``config.messages.message``,
    else {} (a reason people typed, shown as written). Every writer of ledger rows fills it this way."""
    return message_stored(reason) or {}


# Ledger reasons the system wrote out in English before they were stored as messages, by movement kind (only
# kinds the system writes, so that a reason someone typed for an adjustment or a transfer is never mistaken for
# one): rows that carry one are shown in the reader's language too. Each is the message its writer now stores.
LEDGER_REASONS_WRITTEN_BEFORE: dict[str, tuple[str, ...]] = {
    StockMovement.Kind.RECEIPT: ("receipt",),
    StockMovement.Kind.COUNT: ("%(reason)s: system %(system)s, counted %(counted)s",),
    StockMovement.Kind.RELEASE: (
        "order cancelled",
        "order closed",
        "units cancelled",
        "rules: ship from %(code)s",
        "after-sales %(number)s",
    ),
    StockMovement.Kind.SHIP: ("order shipped",),
    StockMovement.Kind.RETURN: ("return", "after-sales %(number)s"),
}


# --- safety stock and channel allocation ---------------------------------------------------------------------


class SafetyStock(models.Model):
    """The safety stock of one SKU: a fixed number, or average daily sales over the last 7 days ×
    (replenishment lead days + 3). ``threshold`` is the number in force, recomputed by a schedule."""

    class Mode(models.TextChoices):
        FIXED = "fixed", _("Fixed quantity")
        DYNAMIC = "dynamic", _("7-day sales × (lead days + 3)")

    sku = models.OneToOneField(SKU, verbose_name=_("SKU"), on_delete=models.CASCADE, related_name="safety_stock")
    mode = models.CharField(_("rule"), max_length=8, choices=Mode.choices, default=Mode.FIXED)
    fixed_quantity = models.PositiveIntegerField(_("fixed quantity"), default=0)
    lead_days = models.PositiveSmallIntegerField(_("replenishment lead days"), default=7)
    threshold = models.PositiveIntegerField(_("threshold in force"), default=0, editable=False)
    computed_at = models.DateTimeField(_("computed at"), null=True, blank=True, editable=False)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("safety stock")
        verbose_name_plural = _("safety stock")
        ordering = ["sku"]

    def __str__(self) -> str:
        return f"{self.sku_id}: {self.threshold}"


class ChannelStock(models.Model):
    """One shop × SKU: how much of the pool the shop may sell (the rule) and what was computed and pushed.

    ``computed_quantity`` is the sellable quantity last computed, ``last_pushed_quantity`` the last value the
    platform acknowledged; when they differ the row is ``dirty`` and drift is visible on the stock page.
    """

    class Rule(models.TextChoices):
        DEFAULT = "default", _("Available less safety stock (default)")
        SHARED = "shared", _("Shared pool")
        PERCENTAGE = "percentage", _("Percentage of available")
        FIXED = "fixed", _("Fixed quota")
        EXCLUSIVE = "exclusive", _("Channel-exclusive")

    # The shop (orders') by id: inventory does not reference orders; codes and names come from inventory.shops.
    shop_id = models.BigIntegerField(_("shop"), db_index=True)
    sku = models.ForeignKey(SKU, verbose_name=_("SKU"), on_delete=models.CASCADE, related_name="channel_stocks")
    rule = models.CharField(_("allocation rule"), max_length=10, choices=Rule.choices, default=Rule.SHARED)
    percent = models.PositiveSmallIntegerField(_("percentage"), default=100)
    quota = models.PositiveIntegerField(_("fixed quota"), default=0)
    pause_on_safety = models.BooleanField(
        _("pause at safety stock"), default=True, help_text=_("Push 0 while available is at or below safety stock.")
    )
    is_active = models.BooleanField(_("active"), default=True)

    computed_quantity = models.IntegerField(_("sellable (computed)"), null=True, blank=True, editable=False)
    computed_at = models.DateTimeField(_("computed at"), null=True, blank=True, editable=False)
    paused = models.BooleanField(_("paused"), default=False, editable=False)
    dirty = models.BooleanField(_("needs push"), default=True, editable=False)
    sent_quantity = models.IntegerField(_("handed to pusher"), null=True, blank=True, editable=False)
    sent_at = models.DateTimeField(_("handed at"), null=True, blank=True, editable=False)
    last_pushed_quantity = models.IntegerField(_("last pushed"), null=True, blank=True, editable=False)
    last_pushed_at = models.DateTimeField(_("last pushed at"), null=True, blank=True, editable=False)
    push_note = models.CharField(_("push note"), max_length=255, blank=True, editable=False)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("channel stock")
        verbose_name_plural = _("channel stock")
        ordering = ["sku", "shop_id"]
        constraints = [
            models.UniqueConstraint(fields=["shop_id", "sku"], name="channelstock_unique_shop_sku"),
            models.UniqueConstraint(
                fields=["sku"], condition=Q(rule="exclusive", is_active=True), name="channelstock_one_exclusive_per_sku"
            ),
            models.CheckConstraint(condition=Q(percent__lte=100), name="channelstock_percent_at_most_100"),
        ]
        indexes = [
            # The debounced sync reads only dirty rows; the partial index stays as small as the backlog.
            models.Index(fields=["sku"], condition=Q(dirty=True), name="channelstock_dirty_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.shop_id}×{self.sku_id}: {self.computed_quantity}"

    @property
    def drift(self) -> int | None:
        if self.computed_quantity is None or self.last_pushed_quantity is None:
            return None
        return self.computed_quantity - self.last_pushed_quantity


# --- stock counts (盘点) ---------------------------------------------------------------------------------------


class StockCount(models.Model):
    """A count of some SKUs at one location. Each line snapshots the system quantity when it is counted;
    applying the count writes a ``count`` movement for every difference."""

    class State(models.TextChoices):
        OPEN = "open", _("Counting")
        APPLIED = "applied", _("Applied")
        CANCELLED = "cancelled", _("Cancelled")

    warehouse = models.ForeignKey(Warehouse, verbose_name=_("location"), on_delete=models.PROTECT, related_name="+")
    reason = models.CharField(_("reason"), max_length=255)
    state = models.CharField(_("state"), max_length=10, choices=State.choices, default=State.OPEN)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("opened by"), on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(_("opened at"), default=timezone.now)
    applied_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("applied by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    applied_at = models.DateTimeField(_("applied at"), null=True, blank=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("stock count")
        verbose_name_plural = _("stock counts")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.reference

    @property
    def reference(self) -> str:
        return f"CNT-{self.pk}"


class StockCountLine(models.Model):
    count = models.ForeignKey(StockCount, verbose_name=_("count"), on_delete=models.CASCADE, related_name="lines")
    sku = models.ForeignKey(SKU, verbose_name=_("SKU"), on_delete=models.PROTECT, related_name="+")
    pool = models.CharField(_("pool"), max_length=8, choices=Pool.choices, default=Pool.SPOT)
    system_quantity = models.IntegerField(_("system quantity"))
    counted_quantity = models.PositiveIntegerField(_("counted quantity"))
    counted_at = models.DateTimeField(_("counted at"), default=timezone.now)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("stock count line")
        verbose_name_plural = _("stock count lines")
        ordering = ["count", "sku"]
        constraints = [
            models.UniqueConstraint(fields=["count", "sku", "pool"], name="stockcountline_unique_sku_per_count"),
        ]

    def __str__(self) -> str:
        return f"{self.count_id} {self.sku_id}: {self.system_quantity}→{self.counted_quantity}"

    @property
    def difference(self) -> int:
        return self.counted_quantity - self.system_quantity
