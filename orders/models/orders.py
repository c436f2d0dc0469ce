"""Orders, their lines and their timeline (events).

Amounts are Decimal in the order's ``currency`` (CNY unless the channel says otherwise); every amount of
an order and its lines is in that one currency. Times are timezone-aware (stored UTC, shown Asia/Shanghai)."""

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from config.changes import CHANGE_FIELDS, Followed
from config.messages import message_recognise, message_render
from orders.models.fields import MONEY
from orders.models.shops import Shop
from orders.models.written import HOLD_NOTES_WRITTEN_BEFORE, REASONS_WRITTEN_BEFORE, SHIPPED_WRITTEN_BEFORE
from orders.states import HoldReason, Status, can_transition

# What the back office's search box looks in: order number, platform order id, buyer and consignee, each
# between spaces (so a short query can ask for a whole field: " 林晓 "). On PostgreSQL a trigram GIN index on
# UPPER(this) (migration 0006, pg_trgm) answers ``UPPER(…) LIKE UPPER('%…%')`` without reading every order; the
# expression here and the index's must stay the same text, or the planner cannot use the index.
SEARCH_TEXT_SQL = (
    '\' \' || "orders_order"."number" || \' \' || "orders_order"."external_id" || \' \' || '
    '"orders_order"."buyer_nick" || \' \' || "orders_order"."consignee_name" || \' \''
)

# Where an order ships to, field by field: what an address change may set, and (with the platform's ciphertexts)
# what the channel, the admin and a split copy.
ADDRESS_FIELDS = (
    "consignee_name",
    "consignee_phone",
    "country",
    "province",
    "city",
    "district",
    "address",
    "postal_code",
)
CONSIGNEE_FIELDS = (*ADDRESS_FIELDS, "consignee_cipher")


class Queue(models.TextChoices):
    NORMAL = "normal", _("Normal")
    URGENT = "urgent", _("Urgent")
    CROSS_BORDER = "cross_border", _("Cross-border")


class Source(models.TextChoices):
    API = "api", _("Partner API")
    WEBHOOK = "webhook", _("Platform push")
    POLL = "poll", _("Platform pull")
    IMPORT = "import", _("File import")
    MANUAL = "manual", _("Back office")
    DEMO = "demo", _("Demo data")


class Order(Followed):
    number = models.CharField(_("order number"), max_length=32, unique=True, editable=False)
    shop = models.ForeignKey(  # order_shop_created_idx and the external-id constraint start with it
        Shop, verbose_name=_("shop"), on_delete=models.PROTECT, related_name="orders", db_index=False
    )
    external_id = models.CharField(_("platform order id"), max_length=64, blank=True)
    source = models.CharField(_("source"), max_length=16, choices=Source.choices, default=Source.MANUAL)
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.PENDING_PAYMENT)
    hold_reason = models.CharField(_("hold reason"), max_length=20, choices=HoldReason.choices, blank=True)
    hold_note = models.CharField(_("hold note"), max_length=200, blank=True)
    hold_note_message = models.JSONField(_("hold note (to translate)"), null=True, blank=True, editable=False)

    buyer_id = models.CharField(_("buyer id"), max_length=64, blank=True)
    buyer_nick = models.CharField(_("buyer"), max_length=100, blank=True)
    buyer_level = models.PositiveSmallIntegerField(_("buyer level (VIP)"), default=0)
    # Where the channel gives one (Shopify, own website, API): buyer notifications by e-mail go here.
    buyer_email = models.EmailField(_("buyer e-mail"), blank=True)

    consignee_name = models.CharField(_("consignee"), max_length=100, blank=True)
    consignee_phone = models.CharField(_("consignee phone"), max_length=32, blank=True)
    country = models.CharField(_("country"), max_length=2, default="CN")
    province = models.CharField(_("province"), max_length=32, blank=True)
    city = models.CharField(_("city"), max_length=32, blank=True)
    district = models.CharField(_("district"), max_length=32, blank=True)
    address = models.CharField(_("detail address"), max_length=255, blank=True)
    postal_code = models.CharField(_("postal code"), max_length=16, blank=True)
    # Platforms that hand out receiver data only encrypted/masked (PDD, Douyin, Taobao oaid): the
    # ciphertexts and platform handles are kept here, the masked values in the fields above.
    consignee_cipher = models.JSONField(_("encrypted consignee data"), default=dict, blank=True)

    buyer_remark = models.TextField(_("buyer remark"), blank=True)
    seller_memo = models.TextField(_("seller memo"), blank=True)

    currency = models.CharField(_("currency"), max_length=3, default="CNY")
    goods_amount = models.DecimalField(_("goods amount"), **MONEY)
    discount_platform = models.DecimalField(_("platform-funded discount"), **MONEY)
    discount_merchant = models.DecimalField(_("merchant-funded discount"), **MONEY)
    shipping_fee = models.DecimalField(_("shipping fee"), **MONEY)
    paid_amount = models.DecimalField(_("paid amount"), **MONEY)
    payment_method = models.CharField(_("payment method"), max_length=32, blank=True)

    placed_at = models.DateTimeField(_("placed at"), null=True, blank=True)
    paid_at = models.DateTimeField(_("paid at"), null=True, blank=True)
    promised_ship_at = models.DateTimeField(_("promised ship by"), null=True, blank=True)

    tags = models.JSONField(_("tags"), default=list, blank=True)
    priority = models.SmallIntegerField(_("priority"), default=0, help_text=_("Higher is handled first."))
    queue = models.CharField(_("queue"), max_length=16, choices=Queue.choices, default=Queue.NORMAL)
    warehouse = models.ForeignKey(
        "inventory.Warehouse",
        verbose_name=_("warehouse"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="orders",
        db_index=False,  # order_warehouse_status_idx starts with it
    )

    created_at = models.DateTimeField(_("created at"), auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    # History is read by order (the admin's history page): its copies of the order's other indexes would
    # only cost every write of a peak.
    history = HistoricalRecords(
        no_db_index=["number", "shop", "warehouse", "created_at"], excluded_fields=CHANGE_FIELDS
    )

    class Meta(Followed.Meta):
        verbose_name = _("order")
        verbose_name_plural = _("orders")
        ordering = ["-created_at", "-id"]
        permissions = [
            ("view_all_orders", _("Can see the orders of every shop and warehouse")),
            ("view_consignee_pii", _("Can see consignee phone and address unmasked")),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["shop", "external_id"],
                condition=~Q(external_id=""),
                name="order_external_id_unique_per_shop",
            ),
            models.CheckConstraint(
                condition=(Q(status=Status.ON_HOLD) & ~Q(hold_reason=""))
                | (~Q(status=Status.ON_HOLD) & Q(hold_reason="")),
                name="order_hold_reason_iff_on_hold",
            ),
            models.CheckConstraint(
                condition=Q(goods_amount__gte=0)
                & Q(discount_platform__gte=0)
                & Q(discount_merchant__gte=0)
                & Q(shipping_fee__gte=0)
                & Q(paid_amount__gte=0),
                name="order_amounts_not_negative",
            ),
        ]
        indexes = [
            *Followed.Meta.indexes,
            # status + shop, newest first: the API's and the back office's filtered lists read one page of
            # the index in order instead of sorting every order of that status and shop.
            models.Index(fields=["status", "shop", "created_at"], name="order_status_shop_created_idx"),
            models.Index(fields=["shop", "created_at"], name="order_shop_created_idx"),
            models.Index(fields=["warehouse", "status"], name="order_warehouse_status_idx"),
            # Following with ?updated_after= (config.feed): the orders changed since then, without reading the
            # orders that have not changed since (most of them, and every order older than change numbers).
            models.Index(fields=["changed_at"], name="order_changed_at_idx"),
            # The back office's search by a full phone number (erased phones are not indexed).
            models.Index(
                fields=["consignee_phone"], condition=~Q(consignee_phone=""), name="order_consignee_phone_idx"
            ),
        ]

    def __str__(self) -> str:
        return self.number

    def can_transition_to(self, status: str) -> bool:
        return can_transition(self.status, status)

    @property
    def hold_note_display(self) -> str:
        """The hold note in the reader's language when the system wrote it (``config.messages``); as typed
        otherwise."""
        stored = self.hold_note_message or message_recognise(self.hold_note, HOLD_NOTES_WRITTEN_BEFORE)
        return message_render(stored, self.hold_note)

    @property
    def discount_total(self) -> Decimal:
        return self.discount_platform + self.discount_merchant


class OrderLine(models.Model):
    order = models.ForeignKey(Order, verbose_name=_("order"), on_delete=models.CASCADE, related_name="lines")
    sku = models.ForeignKey("inventory.SKU", verbose_name=_("SKU"), on_delete=models.PROTECT, related_name="+")
    title = models.CharField(_("title"), max_length=200, blank=True)
    quantity = models.PositiveIntegerField(_("quantity"))
    cancelled_quantity = models.PositiveIntegerField(
        _("cancelled units"),
        default=0,
        help_text=_(
            "Units taken off before shipping (a refund of part of the order): not reserved, picked or shipped."
        ),
    )
    unit_price = models.DecimalField(_("unit price"), **MONEY)
    discount = models.DecimalField(_("allocated discount"), **MONEY)
    is_gift = models.BooleanField(_("gift"), default=False)
    external_line_id = models.CharField(_("platform line id"), max_length=64, blank=True)

    history = HistoricalRecords(no_db_index=["sku"])  # read by line and by order

    class Meta:
        verbose_name = _("order line")
        verbose_name_plural = _("order lines")
        ordering = ["order", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(quantity__gt=0), name="orderline_quantity_positive"),
            models.CheckConstraint(
                condition=Q(cancelled_quantity__lte=F("quantity")), name="orderline_cancelled_within_quantity"
            ),
            models.CheckConstraint(
                condition=Q(unit_price__gte=0) & Q(discount__gte=0), name="orderline_amounts_not_negative"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.order_id}: {self.sku_id} × {self.quantity}"

    @property
    def to_ship(self) -> int:
        """Units still to reserve, pick and ship: the quantity ordered less the units cancelled before shipping."""
        return self.quantity - self.cancelled_quantity

    @property
    def line_total(self) -> Decimal:
        """What the buyer paid for this line: price × quantity less the allocated discount."""
        return self.unit_price * self.quantity - self.discount


class OrderEvent(models.Model):
    """The order's timeline: every status change and every notable thing that happened to it."""

    class Kind(models.TextChoices):
        CREATED = "created", _("Created")
        TRANSITION = "transition", _("Status change")
        UPDATED = "updated", _("Updated")
        NOTE = "note", _("Note")

    order = models.ForeignKey(Order, verbose_name=_("order"), on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    at = models.DateTimeField(_("at"), auto_now_add=True, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    system = models.CharField(_("by system"), max_length=64, blank=True)
    from_status = models.CharField(_("from"), max_length=20, choices=Status.choices, blank=True)
    to_status = models.CharField(_("to"), max_length=20, choices=Status.choices, blank=True)
    reason = models.CharField(_("reason"), max_length=255, blank=True)
    data = models.JSONField(_("details"), default=dict, blank=True)

    history = HistoricalRecords(no_db_index=["at", "actor"])  # read by event and by order

    class Meta:
        verbose_name = _("order event")
        verbose_name_plural = _("order events")
        ordering = ["order", "at", "id"]

    def __str__(self) -> str:
        return f"{self.order_id} {self.kind} {self.from_status}→{self.to_status}"

    @property
    def actor_display(self) -> str:
        if self.actor_id:
            return self.actor.get_username()
        return self.system or "system"

    @property
    def reason_display(self) -> str:
        """The reason in the reader's language when it was stored as a message (``config.messages``)."""
        written = REASONS_WRITTEN_BEFORE
        if self.kind == self.Kind.TRANSITION and self.to_status == Status.SHIPPED:
            written += SHIPPED_WRITTEN_BEFORE
        stored = (self.data or {}).get("reason_message") or message_recognise(self.reason, written)
        return message_render(stored, self.reason)
