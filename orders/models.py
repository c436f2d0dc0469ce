"""Shops and orders: the centre of Order Hub.

Amounts are Decimal in the order's ``currency`` (CNY unless the channel says otherwise); every amount of
an order and its lines is in that one currency. Times are timezone-aware (stored UTC, shown Asia/Shanghai).
"""

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from orders.states import HoldReason, Status, can_transition

MONEY = {"max_digits": 14, "decimal_places": 2, "default": Decimal("0.00")}


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


class Order(models.Model):
    number = models.CharField(_("order number"), max_length=32, unique=True, editable=False)
    shop = models.ForeignKey(  # order_shop_created_idx and the external-id constraint start with it
        Shop, verbose_name=_("shop"), on_delete=models.PROTECT, related_name="orders", db_index=False
    )
    external_id = models.CharField(_("platform order id"), max_length=64, blank=True)
    source = models.CharField(_("source"), max_length=16, choices=Source.choices, default=Source.MANUAL)
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.PENDING_PAYMENT)
    hold_reason = models.CharField(_("hold reason"), max_length=20, choices=HoldReason.choices, blank=True)
    hold_note = models.CharField(_("hold note"), max_length=200, blank=True)

    buyer_id = models.CharField(_("buyer id"), max_length=64, blank=True)
    buyer_nick = models.CharField(_("buyer"), max_length=100, blank=True)
    buyer_level = models.PositiveSmallIntegerField(_("buyer level (VIP)"), default=0)

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
    history = HistoricalRecords(no_db_index=["number", "shop", "warehouse", "created_at"])

    class Meta:
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
            models.Index(fields=["status", "shop"], name="order_status_shop_idx"),
            models.Index(fields=["shop", "created_at"], name="order_shop_created_idx"),
            models.Index(fields=["warehouse", "status"], name="order_warehouse_status_idx"),
        ]

    def __str__(self) -> str:
        return self.number

    def can_transition_to(self, status: str) -> bool:
        return can_transition(self.status, status)

    @property
    def discount_total(self) -> Decimal:
        return self.discount_platform + self.discount_merchant


class OrderLine(models.Model):
    order = models.ForeignKey(Order, verbose_name=_("order"), on_delete=models.CASCADE, related_name="lines")
    sku = models.ForeignKey("inventory.SKU", verbose_name=_("SKU"), on_delete=models.PROTECT, related_name="+")
    title = models.CharField(_("title"), max_length=200, blank=True)
    quantity = models.PositiveIntegerField(_("quantity"))
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
                condition=Q(unit_price__gte=0) & Q(discount__gte=0), name="orderline_amounts_not_negative"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.order_id}: {self.sku_id} × {self.quantity}"

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


class OrderNumberCounter(models.Model):
    """Per prefix and day, the last sequence handed out. Incremented under a row lock."""

    prefix = models.CharField(max_length=8)
    day = models.DateField()
    last = models.PositiveIntegerField(default=0)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("order number counter")
        verbose_name_plural = _("order number counters")
        constraints = [models.UniqueConstraint(fields=["prefix", "day"], name="order_number_counter_unique")]

    def __str__(self) -> str:
        return f"{self.prefix}{self.day:%Y%m%d}: {self.last}"


class IdempotencyKey(models.Model):
    """An ``Idempotency-Key`` a partner sent with an order submission, and what it produced."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=255)
    request_hash = models.CharField(max_length=64)
    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("idempotency key")
        verbose_name_plural = _("idempotency keys")
        constraints = [models.UniqueConstraint(fields=["user", "key"], name="idempotency_key_unique_per_user")]

    def __str__(self) -> str:
        return self.key


# --- rules, review and SLA (issue 5) ---------------------------------------------------------------------
# Rule sets and their versions (orders.rules), what the rules decided per order, the review queue with
# tiered approvals (orders.review), merge/split links and presale terms (orders.shaping), SLA alerts and
# the notification channels they go to (orders.sla, orders.notifications).


def _user_fk(verbose_name, **kwargs):
    return models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=verbose_name,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        **kwargs,
    )


class RuleSet(models.Model):
    """A named set of order rules. Its content lives in versions; at most one version is published."""

    code = models.SlugField(_("code"), max_length=32, unique=True)
    name = models.CharField(_("name"), max_length=100)
    description = models.TextField(_("description"), blank=True)
    is_active = models.BooleanField(_("active"), default=True, help_text=_("Inactive sets are not applied."))
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("rule set")
        verbose_name_plural = _("rule sets")
        ordering = ["code"]
        permissions = [("publish_ruleset", _("Can publish a previewed rule set version"))]

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"


class RuleSetVersion(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        PREVIEWED = "previewed", _("Previewed")
        PUBLISHED = "published", _("Published")
        ARCHIVED = "archived", _("Archived")

    rule_set = models.ForeignKey(RuleSet, verbose_name=_("rule set"), on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField(_("version"))
    rules = models.JSONField(_("rules"), default=list, blank=True)
    content_hash = models.CharField(_("content hash"), max_length=64)
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.DRAFT)
    preview_hash = models.CharField(
        _("previewed content hash"), max_length=64, blank=True, help_text=_("The content the last preview ran.")
    )
    note = models.CharField(_("change note"), max_length=200, blank=True)
    created_by = _user_fk(_("created by"))
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    published_by = _user_fk(_("published by"))
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("rule set version")
        verbose_name_plural = _("rule set versions")
        ordering = ["rule_set", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["rule_set", "number"], name="rulesetversion_number_unique"),
            models.UniqueConstraint(
                fields=["rule_set"], condition=Q(status="published"), name="rulesetversion_one_published"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.rule_set.code} v{self.number} ({self.status})"

    @property
    def is_editable(self) -> bool:
        return self.status in (self.Status.DRAFT, self.Status.PREVIEWED)


class RulePreview(models.Model):
    """A sandbox run of one version's exact content against recent orders, next to the live rules."""

    version = models.ForeignKey(
        RuleSetVersion, verbose_name=_("version"), on_delete=models.CASCADE, related_name="previews"
    )
    rules_hash = models.CharField(_("content hash"), max_length=64)
    baseline = models.JSONField(_("live versions compared with"), default=list, blank=True)
    window_days = models.PositiveSmallIntegerField(_("days of orders"))
    orders_scanned = models.PositiveIntegerField(_("orders scanned"), default=0)
    orders_changed = models.PositiveIntegerField(_("orders that would change"), default=0)
    rows = models.JSONField(_("changed orders"), default=list, blank=True)
    rule_counts = models.JSONField(_("matches per rule"), default=dict, blank=True)
    created_by = _user_fk(_("run by"))
    created_at = models.DateTimeField(_("run at"), auto_now_add=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("rule preview")
        verbose_name_plural = _("rule previews")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"preview of {self.version} at {self.created_at:%Y-%m-%d %H:%M}"


class OrderRuleResult(models.Model):
    """What the rules (and the health check) decided for one order. Services and carrier live here."""

    order = models.OneToOneField(Order, verbose_name=_("order"), on_delete=models.CASCADE, related_name="rule_result")
    evaluated_at = models.DateTimeField(_("rules evaluated at"), null=True, blank=True)
    versions = models.JSONField(_("rule set versions"), default=list, blank=True)
    matched = models.JSONField(_("matched rules"), default=list, blank=True)
    effects = models.JSONField(_("effects"), default=dict, blank=True)
    services = models.JSONField(_("services"), default=list, blank=True, help_text=_("e.g. 保价, 上门安装"))
    carrier = models.CharField(_("carrier"), max_length=16, blank=True)
    health_score = models.PositiveSmallIntegerField(_("health score"), null=True, blank=True)
    health = models.JSONField(_("health dimensions"), default=dict, blank=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("order rule result")
        verbose_name_plural = _("order rule results")
        constraints = [
            models.CheckConstraint(
                condition=Q(health_score__isnull=True) | Q(health_score__lte=100), name="orderruleresult_health_0_100"
            )
        ]

    def __str__(self) -> str:
        return f"{self.order_id}: {', '.join(self.matched) or '-'}"


class ReviewTask(models.Model):
    """An order waiting for a person: held by the rules, by a low health score, or by staff."""

    class Kind(models.TextChoices):
        RULES = "rules", _("Rules")
        HEALTH = "health", _("Low health score")
        MANUAL = "manual", _("Manual")

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        APPROVED = "approved", _("Approved")
        REJECTED = "rejected", _("Rejected")
        RELEASED = "released", _("Released")
        CANCELLED = "cancelled", _("Cancelled")

    order = models.ForeignKey(Order, verbose_name=_("order"), on_delete=models.CASCADE, related_name="review_tasks")
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.OPEN)
    hold_reason = models.CharField(_("hold reason"), max_length=20, choices=HoldReason.choices)
    reason = models.CharField(_("reason"), max_length=255, blank=True)
    rule_version = models.ForeignKey(
        RuleSetVersion,
        verbose_name=_("rule set version"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    matched = models.JSONField(_("matched rules"), default=list, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True, db_index=True)
    decided_by = _user_fk(_("decided by"))
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decision_note = models.CharField(_("decision note"), max_length=255, blank=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("review task")
        verbose_name_plural = _("review tasks")
        ordering = ["created_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["order", "kind"], condition=Q(status="open"), name="reviewtask_one_open_per_kind"
            )
        ]
        indexes = [models.Index(fields=["status", "created_at"], name="reviewtask_status_created_idx")]

    def __str__(self) -> str:
        return f"{self.order_id} {self.kind} ({self.status})"


class Approval(models.Model):
    """One tier of a review task's approvals: a member of ``role`` must approve, lower tiers first."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        APPROVED = "approved", _("Approved")
        REJECTED = "rejected", _("Rejected")

    task = models.ForeignKey(
        ReviewTask, verbose_name=_("review task"), on_delete=models.CASCADE, related_name="approvals"
    )
    tier = models.PositiveSmallIntegerField(_("tier"))
    role = models.CharField(_("role required"), max_length=32)
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.PENDING)
    rule = models.CharField(_("required by rule"), max_length=80, blank=True)
    decided_by = _user_fk(_("decided by"))
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    note = models.CharField(_("note"), max_length=255, blank=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("approval")
        verbose_name_plural = _("approvals")
        ordering = ["task", "tier"]
        constraints = [
            models.UniqueConstraint(fields=["task", "tier"], name="approval_tier_unique"),
            models.CheckConstraint(condition=Q(tier__gte=1), name="approval_tier_from_1"),
        ]

    def __str__(self) -> str:
        return f"{self.task_id} tier {self.tier} {self.role} ({self.status})"


class OrderLink(models.Model):
    """Merge and split history: which order went into which, with the platform order ids it carried."""

    class Kind(models.TextChoices):
        MERGE = "merge", _("Merged into")
        SPLIT = "split", _("Split off into")

    kind = models.CharField(_("kind"), max_length=8, choices=Kind.choices)
    from_order = models.ForeignKey(
        Order, verbose_name=_("from order"), on_delete=models.PROTECT, related_name="links_out"
    )
    to_order = models.ForeignKey(Order, verbose_name=_("to order"), on_delete=models.PROTECT, related_name="links_in")
    platform_ids = models.JSONField(_("platform order ids carried"), default=list, blank=True)
    snapshot = models.JSONField(_("what moved"), default=dict, blank=True)
    reason = models.CharField(_("reason"), max_length=255, blank=True)
    created_by = _user_fk(_("by"))
    created_at = models.DateTimeField(_("at"), auto_now_add=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("order link")
        verbose_name_plural = _("order links")
        ordering = ["created_at", "id"]
        constraints = [models.CheckConstraint(condition=~Q(from_order=models.F("to_order")), name="orderlink_not_self")]

    def __str__(self) -> str:
        return f"{self.from_order_id} {self.kind} {self.to_order_id}"


class PresaleTerms(models.Model):
    """定金 + 尾款: the deposit paid up front and the balance due by a deadline."""

    class State(models.TextChoices):
        AWAITING_BALANCE = "awaiting_balance", _("Awaiting balance")
        BALANCE_PAID = "balance_paid", _("Balance paid")
        EXPIRED = "expired", _("Expired (cancelled)")

    order = models.OneToOneField(Order, verbose_name=_("order"), on_delete=models.CASCADE, related_name="presale")
    currency = models.CharField(_("currency"), max_length=3, default="CNY")
    deposit = models.DecimalField(_("deposit (定金)"), **MONEY)
    balance = models.DecimalField(_("balance (尾款)"), **MONEY)
    deposit_paid_at = models.DateTimeField(_("deposit paid at"), null=True, blank=True)
    balance_due_at = models.DateTimeField(_("balance due by"), db_index=True)
    balance_paid_at = models.DateTimeField(_("balance paid at"), null=True, blank=True)
    reminded_at = models.DateTimeField(_("reminder sent at"), null=True, blank=True)
    state = models.CharField(_("state"), max_length=20, choices=State.choices, default=State.AWAITING_BALANCE)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("presale terms")
        verbose_name_plural = _("presale terms")
        constraints = [
            models.CheckConstraint(
                condition=Q(deposit__gte=0) & Q(balance__gte=0), name="presaleterms_amounts_not_negative"
            )
        ]

    def __str__(self) -> str:
        return f"{self.order_id}: {self.deposit}+{self.balance} {self.currency} by {self.balance_due_at}"


class Alert(models.Model):
    """Something an SLA monitor noticed. One open alert per ``key``; it resolves itself when the cause goes."""

    class Kind(models.TextChoices):
        STUCK = "stuck", _("Order not moving")
        SHIP_LATE = "ship_late", _("Not shipped by promised time")
        PHONE_MANY_ACCOUNTS = "phone_many_accounts", _("One phone behind many accounts")
        ADDRESS_CHANGES = "address_changes", _("Repeated address changes")

    class Severity(models.TextChoices):
        INFO = "info", _("Info")
        WARNING = "warning", _("Amber")
        CRITICAL = "critical", _("Red")

    kind = models.CharField(_("kind"), max_length=24, choices=Kind.choices)
    severity = models.CharField(_("severity"), max_length=10, choices=Severity.choices, default=Severity.WARNING)
    key = models.CharField(_("key"), max_length=100, help_text=_("What the alert is about; one open alert per key."))
    order = models.ForeignKey(
        Order, verbose_name=_("order"), on_delete=models.CASCADE, null=True, blank=True, related_name="alerts"
    )
    title = models.CharField(_("title"), max_length=200)
    detail = models.JSONField(_("details"), default=dict, blank=True)
    created_at = models.DateTimeField(_("raised at"), auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    resolved_at = models.DateTimeField(_("resolved at"), null=True, blank=True)
    acknowledged_by = _user_fk(_("acknowledged by"))
    acknowledged_at = models.DateTimeField(_("acknowledged at"), null=True, blank=True)
    assignee = _user_fk(_("assignee"))
    notified_severity = models.CharField(
        _("last notified severity"), max_length=10, choices=Severity.choices, blank=True
    )

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("alert")
        verbose_name_plural = _("alerts")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["key"], condition=Q(resolved_at__isnull=True), name="alert_one_open_per_key"
            )
        ]
        indexes = [models.Index(fields=["resolved_at", "severity"], name="alert_open_severity_idx")]

    def __str__(self) -> str:
        return f"[{self.severity}] {self.title}"


class NotificationChannel(models.Model):
    """A DingTalk or WeCom group robot, or a list of e-mail addresses, that alerts are sent to."""

    class Kind(models.TextChoices):
        DINGTALK = "dingtalk", _("DingTalk group robot")
        WECOM = "wecom", _("WeCom group robot")
        EMAIL = "email", _("E-mail")

    name = models.CharField(_("name"), max_length=100)
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    webhook_url = models.URLField(
        _("webhook URL"),
        max_length=500,
        blank=True,
        help_text=_("DingTalk: …/robot/send?access_token=…; WeCom: …/webhook/send?key=… (the key is the secret)."),
    )
    secret = models.CharField(_("signing secret"), max_length=200, blank=True, help_text=_("DingTalk SEC… secret."))
    emails = models.TextField(_("e-mail addresses"), blank=True, help_text=_("One per line or comma-separated."))
    min_severity = models.CharField(
        _("minimum severity"), max_length=10, choices=Alert.Severity.choices, default=Alert.Severity.WARNING
    )
    alert_kinds = models.JSONField(_("alert kinds"), default=list, blank=True, help_text=_("Empty: every kind."))
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    history = HistoricalRecords(excluded_fields=["webhook_url", "secret"])

    class Meta:
        verbose_name = _("notification channel")
        verbose_name_plural = _("notification channels")
        ordering = ["name"]

    def __str__(self) -> str:
        return f"{self.name} ({self.get_kind_display()})"
