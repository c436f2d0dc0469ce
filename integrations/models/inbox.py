"""What comes in: raw inbound messages, the channel order state they update, and refused pushes.

Claiming inbox work is a single conditional ``UPDATE`` (no simple-history row); the inbox rows are themselves
the audit trail of that work.
"""

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from integrations.models.work import WorkStatus


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
