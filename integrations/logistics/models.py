"""Credentials of the logistics services that are not a shop's platform: SF Express's open platform,
Kuaidi100 and KDNiao. One per service (a merchant has one app there); its secrets are write-only in the
admin and kept out of history, like a shop's connection."""

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from config.fields import EncryptedTextField, HttpsURLField

SECRET_FIELDS = ("secret", "callback_salt")


class LogisticsConnection(models.Model):
    class Service(models.TextChoices):
        SF = "sf", _("SF Express open platform")
        KUAIDI100 = "kuaidi100", _("Kuaidi100")
        KDNIAO = "kdniao", _("KDNiao")

    service = models.CharField(_("service"), max_length=12, choices=Service.choices, unique=True)
    base_url = HttpsURLField(_("API base URL"), blank=True, help_text=_("Blank: the service's production URL."))
    key = models.CharField(
        _("app id / key"), max_length=128, help_text=_("SF partnerID (顾客编码), Kuaidi100 key, KDNiao EBusinessID.")
    )
    # Stored encrypted (config.fields.EncryptedTextField), like a shop connection's secrets.
    secret = EncryptedTextField(_("secret"), help_text=_("SF checkword (校验码), Kuaidi100 secret, KDNiao ApiKey."))
    customer = models.CharField(
        _("customer"), max_length=128, blank=True, help_text=_("Kuaidi100 customer (查询 customer id).")
    )
    callback_salt = EncryptedTextField(
        _("callback salt"),
        blank=True,
        help_text=_("Kuaidi100: the salt its tracking callbacks are signed with (sign = MD5(param + salt))."),
    )
    is_enabled = models.BooleanField(_("enabled"), default=True)

    history = HistoricalRecords(excluded_fields=list(SECRET_FIELDS))

    class Meta:
        app_label = "integrations"
        verbose_name = _("logistics service connection")
        verbose_name_plural = _("logistics service connections")

    def __str__(self) -> str:
        return self.get_service_display()

    def __repr__(self) -> str:  # never print secrets
        return f"<LogisticsConnection {self.service} enabled={self.is_enabled}>"


class TrackingSubscription(models.Model):
    """A shipment subscribed with a tracking aggregator (Kuaidi100 first, KDNiao as the second), written in the
    transaction that ships it and sent after commit; retried, then parked."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        PROCESSING = "processing", _("Processing")
        SUBSCRIBED = "subscribed", _("Subscribed")
        FAILED = "failed", _("Failed, will retry")
        PARKED = "parked", _("Parked")

    shipment = models.OneToOneField(
        "fulfilment.Shipment", verbose_name=_("shipment"), on_delete=models.CASCADE, related_name="+"
    )
    service = models.CharField(_("service"), max_length=12, choices=LogisticsConnection.Service.choices, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    # When failed work is due again (config.retry's back-off).
    next_attempt_at = models.DateTimeField(_("next attempt at"), default=timezone.now)
    # When a worker claimed it (config.sweep): a claim left this long by a killed worker counts as a failed attempt.
    claimed_at = models.DateTimeField(_("claimed at"), null=True, blank=True)
    error = models.TextField(_("last error"), blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    subscribed_at = models.DateTimeField(_("subscribed at"), null=True, blank=True)

    history = HistoricalRecords()

    class Meta:
        app_label = "integrations"
        verbose_name = _("tracking subscription")
        verbose_name_plural = _("tracking subscriptions")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.shipment_id} {self.service or '—'} ({self.status})"


class TrackingCallback(models.Model):
    """A tracking push from an aggregator or a carrier, stored as it came (after its signature was checked)
    before anything is done with it. Processing is idempotent (events are keyed per parcel); failures are
    retried, then parked where staff replay them."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        PROCESSING = "processing", _("Processing")
        PROCESSED = "processed", _("Processed")
        FAILED = "failed", _("Failed, will retry")
        PARKED = "parked", _("Parked")

    service = models.CharField(_("service"), max_length=12, choices=LogisticsConnection.Service.choices)
    body = models.JSONField(_("body"))
    received_at = models.DateTimeField(_("received at"), auto_now_add=True, db_index=True)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    # When failed work is due again (config.retry's back-off).
    next_attempt_at = models.DateTimeField(_("next attempt at"), default=timezone.now)
    # When a worker claimed it (config.sweep): a claim left this long by a killed worker counts as a failed attempt.
    claimed_at = models.DateTimeField(_("claimed at"), null=True, blank=True)
    error = models.TextField(_("last error"), blank=True)
    processed_at = models.DateTimeField(_("processed at"), null=True, blank=True)

    history = HistoricalRecords()

    class Meta:
        app_label = "integrations"
        verbose_name = _("tracking callback")
        verbose_name_plural = _("tracking callbacks")
        ordering = ["-received_at", "-id"]

    def __str__(self) -> str:
        return f"{self.service} callback {self.pk} ({self.status})"
