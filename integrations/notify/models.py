"""Buyer notifications: the templates managers edit, buyers' opt-outs and the message log.

The log is the outbox: a message is written (``pending``) when its moment is recorded and sent by a task after
commit; sending claims it by compare-and-set, so a message goes out once even when two workers try.
"""

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from integrations.notify.moments import Channel, Moment


class NotificationTemplate(models.Model):
    """What a buyer is sent at one moment on one channel — for one shop, or for every shop (no shop) that has
    no template of its own. SMS and WeChat messages are sent from templates approved at the provider: ``code``
    names it there and ``params`` fills its variables; ``body`` is our own words of it (the e-mail text, and
    what the log shows)."""

    moment = models.CharField(_("moment"), max_length=16, choices=Moment.choices)
    channel = models.CharField(_("channel"), max_length=8, choices=Channel.choices)
    shop = models.ForeignKey(
        "orders.Shop",
        verbose_name=_("shop"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        help_text=_("Empty: every shop without a template of its own."),
    )
    is_active = models.BooleanField(_("active"), default=True, help_text=_("Inactive: nothing is sent."))
    code = models.CharField(
        _("provider template"),
        max_length=64,
        blank=True,
        help_text=_("Aliyun TemplateCode (SMS_…), Tencent Cloud TemplateId, or WeChat template_id."),
    )
    subject = models.CharField(_("e-mail subject"), max_length=200, blank=True)
    body = models.TextField(_("text"), help_text=_("With {variables}, e.g. 您的订单{order_number}已发货。"))
    params = models.JSONField(
        _("provider parameters"),
        default=dict,
        blank=True,
        help_text=_(
            'Each parameter of the provider template and what fills it, e.g. {"order": "{order_number}"}. '
            "Tencent Cloud numbers them 1, 2, 3…; WeChat keys are the template's (thing1, character_string2…)."
        ),
    )
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("buyer notification template")
        verbose_name_plural = _("buyer notification templates")
        ordering = ["moment", "channel", "shop"]
        constraints = [
            models.UniqueConstraint(fields=["moment", "channel", "shop"], name="notify_template_one_per_shop"),
            models.UniqueConstraint(
                fields=["moment", "channel"], condition=Q(shop=None), name="notify_template_one_default"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_moment_display()} · {self.get_channel_display()} · {self.shop or _('every shop')}"


class BuyerOptOut(models.Model):
    """A buyer who asked not to be messaged: a phone number, a WeChat openid or an e-mail address."""

    channel = models.CharField(_("channel"), max_length=8, choices=Channel.choices)
    address = models.CharField(_("phone, openid or e-mail"), max_length=128)
    reason = models.CharField(_("reason"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("buyer opt-out")
        verbose_name_plural = _("buyer opt-outs")
        ordering = ["-created_at"]
        constraints = [models.UniqueConstraint(fields=["channel", "address"], name="notify_optout_once")]

    def __str__(self) -> str:
        return f"{self.get_channel_display()} {self.address}"


class BuyerMessage(models.Model):
    """One message to one buyer at one moment on one channel, and what became of it."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting to be sent")
        PROCESSING = "processing", _("Sending")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Failed, will retry")
        DEAD = "dead", _("Parked (failed)")
        OPTED_OUT = "opted_out", _("Not sent: buyer opted out")
        RATE_LIMITED = "rate_limited", _("Not sent: too many messages to this phone")

    DUE = (Status.PENDING, Status.FAILED)

    order = models.ForeignKey("orders.Order", verbose_name=_("order"), on_delete=models.CASCADE, related_name="+")
    shop = models.ForeignKey("orders.Shop", verbose_name=_("shop"), on_delete=models.CASCADE, related_name="+")
    moment = models.CharField(_("moment"), max_length=16, choices=Moment.choices)
    channel = models.CharField(_("channel"), max_length=8, choices=Channel.choices)
    provider = models.CharField(_("provider"), max_length=16)
    recipient = models.CharField(_("recipient"), max_length=128)
    # What caused it (e.g. "shipment:12"): one message per moment, source and channel, however often it is told.
    source_key = models.CharField(_("source"), max_length=64)
    template = models.ForeignKey(
        NotificationTemplate,
        verbose_name=_("template"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    code = models.CharField(_("provider template"), max_length=64, blank=True)
    subject = models.CharField(_("subject"), max_length=200, blank=True)
    text = models.TextField(_("text"))
    params = models.JSONField(_("provider parameters"), default=dict, blank=True)
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt at"), default=timezone.now)
    claimed_at = models.DateTimeField(_("claimed at"), null=True, blank=True)
    provider_message_id = models.CharField(_("provider message id"), max_length=128, blank=True)
    error_code = models.CharField(_("error code"), max_length=64, blank=True)
    last_error = models.TextField(_("last error"), blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now, db_index=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("buyer message")
        verbose_name_plural = _("buyer messages")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["moment", "source_key", "channel"], name="notify_message_once"),
        ]
        indexes = [
            # The retry sweeper's work list; sent, parked and skipped messages are not in it.
            models.Index(
                fields=["next_attempt_at"], condition=Q(status__in=["pending", "failed"]), name="notify_message_due_idx"
            ),
            # The rate limit: messages to one phone in the last hour.
            models.Index(fields=["recipient", "created_at"], name="notify_message_recipient_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.moment} {self.channel} {self.order_id}"
