"""Webhooks to partners: subscriptions, the events they may receive, and each delivery."""

from django.conf import settings
from django.core.validators import URLValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from config.fields import EncryptedTextField, HttpsURLField
from integrations.models.work import WorkStatus


class WebhookSubscription(models.Model):
    """A partner's endpoint that receives the events it subscribed to (integrations.hooks). It receives only
    what its owner may see through the API (same visibility, same masking)."""

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("owner"), on_delete=models.CASCADE, related_name="+"
    )
    url = HttpsURLField(_("URL"), max_length=500, validators=[URLValidator(schemes=["http", "https"])])
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
