"""Channel integrations: a shop's platform connection, the inbox and outbox, channel order state,
field mappings, imports and health.

Hot-path writes (claiming inbox/outbox work, counters, cursors) are single conditional ``UPDATE``s, which
simple-history does not record; the inbox and outbox rows are themselves the audit trail of that work.
"""

from django.conf import settings
from django.core.validators import URLValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from config.fields import EncryptedTextField

# Fields whose values are secret: admin forms show them as password inputs, history and logs skip them.
SECRET_FIELDS = ("app_secret", "access_token", "refresh_token", "webhook_secret")


class ShopConnection(models.Model):
    shop = models.OneToOneField(
        "orders.Shop", verbose_name=_("shop"), on_delete=models.CASCADE, related_name="connection"
    )
    base_url = models.URLField(_("API base URL"), blank=True, help_text=_("The platform's API, or the sandbox."))
    app_key = models.CharField(_("app key"), max_length=128, blank=True)
    # Secrets are stored encrypted (config.fields.EncryptedTextField); they can be tested for "" only.
    app_secret = EncryptedTextField(_("app secret"), blank=True)
    access_token = EncryptedTextField(_("access token"), blank=True)
    refresh_token = EncryptedTextField(_("refresh token"), blank=True)
    token_expires_at = models.DateTimeField(_("token expires at"), null=True, blank=True)
    refresh_token_expires_at = models.DateTimeField(
        _("refresh token expires at"),
        null=True,
        blank=True,
        help_text=_("After this the shop must be authorised again; the refresh answers say when."),
    )
    webhook_secret = EncryptedTextField(_("webhook secret"), blank=True)
    poll_interval_minutes = models.PositiveSmallIntegerField(_("poll every (minutes)"), default=5)
    is_enabled = models.BooleanField(_("enabled"), default=True)
    location_id = models.CharField(
        _("stock location id"),
        max_length=64,
        blank=True,
        help_text=_(
            "Shopify: the location whose available quantity Order Hub sets. Filled by the catalog sync when the "
            "shop has exactly one active location."
        ),
    )
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    # Polling cursor and health, written by the poller with single UPDATEs.
    certificate_expires_at = models.DateTimeField(
        _("certificate expires at"),
        null=True,
        blank=True,
        help_text=_("E.g. the platform's app or TLS certificate."),
    )
    poll_cursor = models.DateTimeField(
        _("poll cursor"),
        null=True,
        blank=True,
        help_text=_("Orders modified up to this time have been pulled."),
    )
    next_poll_at = models.DateTimeField(_("next poll at"), null=True, blank=True)
    rate_limited_until = models.DateTimeField(_("rate limited until"), null=True, blank=True)
    last_pull_ok_at = models.DateTimeField(_("last successful pull"), null=True, blank=True)
    last_push_ok_at = models.DateTimeField(_("last accepted push"), null=True, blank=True)
    consecutive_failures = models.PositiveIntegerField(_("consecutive failures"), default=0)
    last_error = models.TextField(_("last error"), blank=True)
    # Written by the token refresh and the catalog sync (integrations/tokens.py, integrations/listings.py).
    token_refreshed_at = models.DateTimeField(_("token last refreshed"), null=True, blank=True)
    listings_synced_at = models.DateTimeField(_("catalog last synced"), null=True, blank=True)
    listings_sync_requested_at = models.DateTimeField(_("catalog sync requested at"), null=True, blank=True)

    history = HistoricalRecords(excluded_fields=list(SECRET_FIELDS))

    class Meta:
        verbose_name = _("shop connection")
        verbose_name_plural = _("shop connections")

    def __str__(self) -> str:
        return f"{self.shop_id} connection"

    def __repr__(self) -> str:  # never print secrets, even in a traceback
        return f"<ShopConnection shop={self.shop_id} enabled={self.is_enabled}>"


class WorkStatus(models.TextChoices):
    """The life of an inbox or outbox row."""

    PENDING = "pending", _("Pending")
    PROCESSING = "processing", _("Processing")
    DONE = "done", _("Done")
    FAILED = "failed", _("Failed, will retry")
    DEAD = "dead", _("Dead letter")
    SUPERSEDED = "superseded", _("Superseded")


DUE_STATUSES = (WorkStatus.PENDING, WorkStatus.FAILED)


class InboxMessage(models.Model):
    """One inbound message, stored raw before anything is done with it.

    A push body (with its headers), a poll page, one order of a poll page, or one order of an imported
    file. Dedup keys: the platform's event id, and (shop, topic, platform order id, content hash).
    """

    class Kind(models.TextChoices):
        PUSH = "push", _("Platform push")
        POLL_PAGE = "poll_page", _("Poll page")
        POLL = "poll", _("Polled order")
        IMPORT = "import", _("Imported order")

    class Result(models.TextChoices):
        CREATED = "created", _("Order created")
        UPDATED = "updated", _("Order updated")
        UNCHANGED = "unchanged", _("Nothing new")
        STALE = "stale", _("Older than what we have")
        IGNORED = "ignored", _("Not about an order")
        SPLIT = "split", _("Split into orders")

    shop = models.ForeignKey(  # indexed by the constraints and indexes below, which all start with it
        "orders.Shop", verbose_name=_("shop"), on_delete=models.CASCADE, related_name="+", db_index=False
    )
    platform = models.CharField(_("platform"), max_length=16)
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    topic = models.CharField(_("topic"), max_length=64, blank=True)
    event_id = models.CharField(_("platform event id"), max_length=128, blank=True)
    external_id = models.CharField(_("platform order id"), max_length=64, blank=True)
    content_hash = models.CharField(_("content hash"), max_length=64)
    headers = models.JSONField(_("headers"), default=dict, blank=True)
    body = models.TextField(_("raw body"))
    parent = models.ForeignKey(
        "self",
        verbose_name=_("page"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="children",
    )
    deliveries = models.PositiveIntegerField(_("deliveries"), default=1)

    status = models.CharField(_("status"), max_length=16, choices=WorkStatus.choices, default=WorkStatus.PENDING)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt at"), default=timezone.now)
    claimed_at = models.DateTimeField(_("claimed at"), null=True, blank=True)
    claim_token = models.UUIDField(_("claim"), null=True, blank=True, editable=False)
    last_error = models.TextField(_("last error"), blank=True)
    error_code = models.CharField(_("error code"), max_length=64, blank=True)
    result = models.CharField(_("result"), max_length=16, choices=Result.choices, blank=True)
    order = models.ForeignKey(
        "orders.Order",
        verbose_name=_("order"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    received_at = models.DateTimeField(_("received at"), default=timezone.now, db_index=True)
    processed_at = models.DateTimeField(_("processed at"), null=True, blank=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("inbox message")
        verbose_name_plural = _("inbox messages")
        ordering = ["-received_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["shop", "event_id"], condition=~Q(event_id=""), name="inbox_event_id_unique_per_shop"
            ),
            models.UniqueConstraint(
                fields=["shop", "topic", "external_id", "content_hash"],
                condition=~Q(external_id=""),
                name="inbox_order_content_unique",
            ),
        ]
        indexes = [
            # The retry sweeper's work list: only rows still to do are indexed, so the index stays small
            # however large the processed history grows.
            models.Index(
                fields=["next_attempt_at"],
                condition=Q(status__in=["pending", "failed"]),
                name="inbox_due_idx",
            ),
            models.Index(fields=["status", "shop"], name="inbox_status_shop_idx"),
            models.Index(fields=["shop", "external_id"], name="inbox_shop_external_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.platform} {self.topic or self.kind} {self.external_id or self.event_id or self.pk}"


class ChannelOrderState(models.Model):
    """What Order Hub last applied for one platform order: the platform's modified time/version and a hash
    of the standard form. Locked while a new version is applied, so versions apply one at a time and an
    older one arriving late changes nothing."""

    # The unique (shop, external_id) index serves lookups by shop: no index of its own.
    shop = models.ForeignKey(
        "orders.Shop", verbose_name=_("shop"), on_delete=models.CASCADE, related_name="+", db_index=False
    )
    external_id = models.CharField(_("platform order id"), max_length=64)
    order = models.OneToOneField(
        "orders.Order",
        verbose_name=_("order"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="channel_state",
    )
    platform_status = models.CharField(_("platform status"), max_length=64, blank=True)
    modified_at = models.DateTimeField(_("platform modified at"), null=True, blank=True)
    version = models.BigIntegerField(_("platform version"), default=0)
    content_hash = models.CharField(_("content hash"), max_length=64, blank=True)
    last_message = models.ForeignKey(
        InboxMessage,
        verbose_name=_("last message"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("channel order state")
        verbose_name_plural = _("channel order states")
        constraints = [
            models.UniqueConstraint(fields=["shop", "external_id"], name="channel_order_state_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.shop_id}:{self.external_id}"


class OutboxMessage(models.Model):
    """An outbound call to a platform (ship confirmation, stock push), written in the same transaction as
    the change that caused it and delivered after commit, with retries."""

    class Kind(models.TextChoices):
        SHIP_CONFIRM = "ship_confirm", _("Shipment confirmation")
        STOCK_PUSH = "stock_push", _("Stock push")
        DELIVERY_CHECK = "delivery_check", _("Delivery check on the platform")

    shop = models.ForeignKey("orders.Shop", verbose_name=_("shop"), on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    dedup_key = models.CharField(_("dedup key"), max_length=128)
    payload = models.JSONField(_("payload"), default=dict)
    order = models.ForeignKey(
        "orders.Order",
        verbose_name=_("order"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    status = models.CharField(_("status"), max_length=16, choices=WorkStatus.choices, default=WorkStatus.PENDING)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt at"), default=timezone.now)
    claimed_at = models.DateTimeField(_("claimed at"), null=True, blank=True)
    last_error = models.TextField(_("last error"), blank=True)
    error_code = models.CharField(_("error code"), max_length=64, blank=True)
    response = models.JSONField(_("platform response"), default=dict, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now, db_index=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("outbox message")
        verbose_name_plural = _("outbox messages")
        ordering = ["-created_at", "-id"]
        constraints = [
            # At most one undelivered message per thing: a newer stock level replaces the pending one, and a
            # ship confirmation for the same parcel is written once.
            models.UniqueConstraint(
                fields=["shop", "kind", "dedup_key"],
                condition=Q(status__in=["pending", "failed"]),
                name="outbox_one_pending_per_key",
            ),
        ]
        indexes = [
            # The delivery sweeper's work list; rows delivered long ago are not in it.
            models.Index(
                fields=["next_attempt_at"],
                condition=Q(status__in=["pending", "failed"]),
                name="outbox_due_idx",
            ),
            models.Index(fields=["status", "shop"], name="outbox_status_shop_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.dedup_key}"


class ChannelListing(models.Model):
    """Where one of our SKUs is listed on a shop's platform: the platform's product, variant and inventory item.

    Shopify sets stock per inventory item at a location, so a stock push needs the SKU's
    ``inventory_item_id``; the catalog sync (``integrations.listings.listing_sync``) fills these rows from the
    platform's catalogue, matching variants to SKUs by their ``sku`` (our SKU code).
    """

    shop = models.ForeignKey("orders.Shop", verbose_name=_("shop"), on_delete=models.CASCADE, related_name="+")
    sku_code = models.CharField(_("SKU code"), max_length=64, help_text=_("The variant's SKU as the platform has it."))
    product_id = models.CharField(_("platform product id"), max_length=64)
    variant_id = models.CharField(_("platform variant id"), max_length=64)
    inventory_item_id = models.CharField(_("platform inventory item id"), max_length=64, blank=True)
    title = models.CharField(_("title"), max_length=255, blank=True)
    synced_at = models.DateTimeField(_("synced at"), default=timezone.now)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("channel listing")
        verbose_name_plural = _("channel listings")
        ordering = ["shop", "sku_code", "variant_id"]
        constraints = [
            models.UniqueConstraint(fields=["shop", "variant_id"], name="channel_listing_unique_variant"),
        ]
        indexes = [models.Index(fields=["shop", "sku_code"], name="channel_listing_shop_sku_idx")]

    def __str__(self) -> str:
        return f"{self.shop_id}:{self.sku_code} → {self.variant_id}"


class FieldMapping(models.Model):
    """A staff override of an adapter's field-mapping dictionary (the defaults live in code).

    ``order``/``line``/``cipher``: key = standard field, value = source path(s) (``a.b|c @transform``).
    ``status``: key = the platform's status code, value = an Order Hub status.
    ``header``: key = standard field, value = column-header synonyms separated by ``|``.
    """

    class Section(models.TextChoices):
        ORDER = "order", _("Order field")
        LINE = "line", _("Line field")
        CIPHER = "cipher", _("Encrypted field")
        STATUS = "status", _("Status code")
        HEADER = "header", _("File column headers")

    profile = models.CharField(
        _("platform or import profile"),
        max_length=32,
        help_text=_("E.g. taobao, jd, pdd, douyin, shopify, pos."),
    )
    section = models.CharField(_("section"), max_length=8, choices=Section.choices)
    key = models.CharField(_("field or code"), max_length=64)
    value = models.CharField(_("maps from / to"), max_length=255)
    note = models.CharField(_("note"), max_length=200, blank=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("field mapping")
        verbose_name_plural = _("field mappings")
        ordering = ["profile", "section", "key"]
        constraints = [
            models.UniqueConstraint(fields=["profile", "section", "key"], name="field_mapping_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.profile}.{self.section}.{self.key} = {self.value}"


class WebhookRejection(models.Model):
    """A pushed request that was refused (bad or missing signature, unknown shop). Nothing was processed."""

    shop = models.ForeignKey(
        "orders.Shop",
        verbose_name=_("shop"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
    )
    platform = models.CharField(_("platform"), max_length=16)
    shop_code = models.CharField(_("shop code in URL"), max_length=64)
    reason = models.CharField(_("reason"), max_length=255)
    remote_addr = models.GenericIPAddressField(_("from"), null=True, blank=True)
    topic = models.CharField(_("topic"), max_length=64, blank=True)
    body_size = models.PositiveIntegerField(_("body size"), default=0)
    at = models.DateTimeField(_("at"), default=timezone.now, db_index=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("rejected webhook")
        verbose_name_plural = _("rejected webhooks")
        ordering = ["-at", "-id"]

    def __str__(self) -> str:
        return f"{self.platform}/{self.shop_code}: {self.reason}"


class ImportJob(models.Model):
    """An uploaded order file: previewed, then imported row by row in the background."""

    class Status(models.TextChoices):
        PREVIEWED = "previewed", _("Previewed")
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Importing")
        DONE = "done", _("Done")
        FAILED = "failed", _("Failed")

    shop = models.ForeignKey("orders.Shop", verbose_name=_("shop"), on_delete=models.PROTECT, related_name="+")
    profile = models.CharField(_("file format"), max_length=32)
    file = models.FileField(_("file"), upload_to="integrations/imports/%Y/%m/")
    file_name = models.CharField(_("file name"), max_length=255)
    file_hash = models.CharField(_("file hash"), max_length=64, db_index=True)
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.PREVIEWED)
    total_orders = models.PositiveIntegerField(_("orders in file"), default=0)
    processed = models.PositiveIntegerField(_("processed"), default=0)
    created = models.PositiveIntegerField(_("orders created"), default=0)
    duplicates = models.PositiveIntegerField(_("duplicates skipped"), default=0)
    failed = models.PositiveIntegerField(_("orders failed"), default=0)
    errors = models.JSONField(_("row errors"), default=list, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("order import")
        verbose_name_plural = _("order imports")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.file_name

    @property
    def progress_percent(self) -> int:
        if not self.total_orders:
            return 100 if self.status == self.Status.DONE else 0
        return min(100, round(self.processed * 100 / self.total_orders))


class CountCheck(models.Model):
    """The daily reconciliation: orders the platform reports for a day vs orders Order Hub has."""

    shop = models.ForeignKey("orders.Shop", verbose_name=_("shop"), on_delete=models.CASCADE, related_name="+")
    day = models.DateField(_("day"))
    platform_count = models.PositiveIntegerField(_("platform count"))
    hub_count = models.PositiveIntegerField(_("Order Hub count"))
    missing = models.JSONField(_("missing platform order ids"), default=list, blank=True)
    gap_ratio = models.DecimalField(_("gap"), max_digits=7, decimal_places=4)
    checked_at = models.DateTimeField(_("checked at"), default=timezone.now)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("daily count check")
        verbose_name_plural = _("daily count checks")
        ordering = ["-day", "shop"]
        constraints = [models.UniqueConstraint(fields=["shop", "day"], name="count_check_unique_per_day")]

    def __str__(self) -> str:
        return f"{self.shop_id} {self.day}: {self.platform_count} vs {self.hub_count}"


class HealthAlert(models.Model):
    class Kind(models.TextChoices):
        TOKEN_EXPIRY = "token_expiry", _("Token expires soon")
        TOKEN_REFRESH = "token_refresh", _("Token refresh failed")
        CERT_EXPIRY = "cert_expiry", _("Certificate expires soon")
        COUNT_GAP = "count_gap", _("Order count gap")
        FAILURES = "failures", _("Consecutive failures")
        CALLBACK_FAILURES = "callback_failures", _("Callback failure rate")
        LAG = "lag", _("Pull lag")
        DEAD_LETTERS = "dead_letters", _("Dead letters")
        WAYBILL_BALANCE = "waybill_balance", _("E-waybill numbers running low")
        WEBHOOK_PAUSED = "webhook_paused", _("Webhook subscription paused")

    shop = models.ForeignKey(
        "orders.Shop",
        verbose_name=_("shop"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
    )
    kind = models.CharField(_("kind"), max_length=32, choices=Kind.choices)
    dedup_key = models.CharField(
        _("dedup key"), max_length=64, help_text=_("The same alert is raised once per key (e.g. per day).")
    )
    message = models.TextField(_("message"))
    data = models.JSONField(_("details"), default=dict, blank=True)
    raised_at = models.DateTimeField(_("raised at"), default=timezone.now, db_index=True)
    sent_at = models.DateTimeField(_("sent to robot at"), null=True, blank=True)
    send_error = models.TextField(_("send error"), blank=True)
    resolved_at = models.DateTimeField(_("resolved at"), null=True, blank=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("health alert")
        verbose_name_plural = _("health alerts")
        ordering = ["-raised_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["shop", "kind", "dedup_key"], name="health_alert_unique_per_key"),
        ]

    def __str__(self) -> str:
        return f"{self.kind}: {self.message[:60]}"


class AlertRobot(models.Model):
    """A DingTalk or WeCom group robot that receives health alerts."""

    class Kind(models.TextChoices):
        DINGTALK = "dingtalk", _("DingTalk")
        WECOM = "wecom", _("WeCom")

    name = models.CharField(_("name"), max_length=100)
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    # The URL carries the robot's credential (DingTalk access_token, WeCom key): both are stored encrypted.
    webhook_url = EncryptedTextField(_("webhook URL"), validators=[URLValidator(schemes=["https", "http"])])
    secret = EncryptedTextField(
        _("signing secret"),
        blank=True,
        help_text=_("DingTalk 加签 secret (SEC…); WeCom needs none."),
    )
    is_enabled = models.BooleanField(_("enabled"), default=True)

    history = HistoricalRecords(excluded_fields=["webhook_url", "secret"])

    class Meta:
        verbose_name = _("alert robot")
        verbose_name_plural = _("alert robots")
        ordering = ["name"]

    def __str__(self) -> str:
        return f"{self.name} ({self.get_kind_display()})"

    def __repr__(self) -> str:
        return f"<AlertRobot {self.pk} {self.kind}>"


from integrations.board.models import BoardSnapshot  # noqa: E402,F401  (the command center's panels)
from integrations.logistics.models import (  # noqa: E402,F401  (logistics services: connections, tracking)
    LogisticsConnection,
    TrackingCallback,
    TrackingSubscription,
)

# --- webhooks to partners ----------------------------------------------------------------------------------


class WebhookSubscription(models.Model):
    """A partner's endpoint that receives the events it subscribed to (integrations.hooks). It receives only
    what its owner may see through the API (same visibility, same masking)."""

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("owner"), on_delete=models.CASCADE, related_name="+"
    )
    url = models.URLField(_("URL"), max_length=500, validators=[URLValidator(schemes=["http", "https"])])
    events = models.JSONField(_("events"), default=list)
    secret = EncryptedTextField(_("signing secret"), help_text=_("Write-only: signs every delivery."))
    is_paused = models.BooleanField(_("paused"), default=False)
    paused_at = models.DateTimeField(_("paused at"), null=True, blank=True)
    pause_reason = models.TextField(_("pause reason"), blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    history = HistoricalRecords(excluded_fields=["secret"])

    class Meta:
        verbose_name = _("webhook subscription")
        verbose_name_plural = _("webhook subscriptions")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.url

    def __repr__(self) -> str:  # never print the secret
        return f"<WebhookSubscription {self.pk} owner={self.owner_id} paused={self.is_paused}>"


class WebhookEvent(models.Model):
    """Something that happened that partners may subscribe to. Its ``id`` is the event id every delivery of it
    carries, on every retry and replay; ``source_key`` makes publishing idempotent."""

    id = models.UUIDField(primary_key=True, editable=False)
    type = models.CharField(_("type"), max_length=32)
    source_key = models.CharField(_("source"), max_length=128)
    created_at = models.DateTimeField(_("created at"), default=timezone.now, db_index=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("webhook event")
        verbose_name_plural = _("webhook events")
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(fields=["type", "source_key"], name="webhook_event_once_per_source"),
        ]

    def __str__(self) -> str:
        return f"{self.type} {self.id}"


class WebhookDelivery(models.Model):
    """One event for one subscription: the exact body sent (the same on every attempt), and how sending it
    went. The rows of a subscription are its delivery log."""

    subscription = models.ForeignKey(
        WebhookSubscription, verbose_name=_("subscription"), on_delete=models.CASCADE, related_name="deliveries"
    )
    event = models.ForeignKey(WebhookEvent, verbose_name=_("event"), on_delete=models.CASCADE, related_name="+")
    body = models.TextField(_("body"))
    status = models.CharField(_("status"), max_length=16, choices=WorkStatus.choices, default=WorkStatus.PENDING)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt at"), default=timezone.now)
    claimed_at = models.DateTimeField(_("claimed at"), null=True, blank=True)
    last_attempt_at = models.DateTimeField(_("last attempt at"), null=True, blank=True)
    response_status = models.PositiveSmallIntegerField(_("response status"), null=True, blank=True)
    last_error = models.TextField(_("last error"), blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    sent_at = models.DateTimeField(_("delivered at"), null=True, blank=True)

    # every attempt's outcome (status, response, error) is a history row; the body is the same on each
    history = HistoricalRecords(excluded_fields=["body"])

    class Meta:
        verbose_name = _("webhook delivery")
        verbose_name_plural = _("webhook deliveries")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["subscription", "event"], name="webhook_delivery_once_per_event"),
        ]
        indexes = [
            # The retry sweeper's work list; delivered and parked rows are not in it.
            models.Index(
                fields=["next_attempt_at"],
                condition=Q(status__in=["pending", "failed"]),
                name="webhook_delivery_due_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.event_id} → {self.subscription_id}"


from integrations.notify.models import (  # noqa: E402,F401  (buyer notifications: templates, opt-outs, the log)
    BuyerMessage,
    BuyerOptOut,
    NotificationTemplate,
)
from integrations.payments.models import PaymentNotice  # noqa: E402,F401  (payment providers' notifications)
