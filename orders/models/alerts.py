"""SLA alerts (orders.sla) and the notification channels they go to (orders.notifications)."""

from django.core.validators import URLValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from config.fields import EncryptedTextField
from orders.models.fields import user_fk
from orders.models.orders import Order


class Alert(models.Model):
    """Something an SLA monitor noticed. One open alert per ``key``; it resolves itself when the cause goes."""

    class Kind(models.TextChoices):
        STUCK = "stuck", _("Order not moving")
        SHIP_LATE = "ship_late", _("Not shipped by promised time")
        PHONE_MANY_ACCOUNTS = "phone_many_accounts", _("One phone behind many accounts")
        ADDRESS_CHANGES = "address_changes", _("Repeated address changes")
        BOARD = "board", _("Command center figure out of bounds")
        AFTERSALES_DEADLINE = "aftersales_deadline", _("After-sales deadline")

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
    acknowledged_by = user_fk(_("acknowledged by"))
    acknowledged_at = models.DateTimeField(_("acknowledged at"), null=True, blank=True)
    assignee = user_fk(_("assignee"))
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
    """Where staff notifications go: a DingTalk or WeCom group robot, or a list of e-mail addresses. The one
    channel model of Order Hub: alerts of every app, reminders and the daily reports are routed to these
    (``orders.notifications``) and sent by ``integrations.alerting``."""

    class Kind(models.TextChoices):
        DINGTALK = "dingtalk", _("DingTalk group robot")
        WECOM = "wecom", _("WeCom group robot")
        EMAIL = "email", _("E-mail")

    name = models.CharField(_("name"), max_length=100)
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    # The URL carries the robot's credential (DingTalk access_token, WeCom key): stored encrypted, like the secret.
    webhook_url = EncryptedTextField(
        _("webhook URL"),
        blank=True,
        validators=[URLValidator(schemes=["https", "http"])],
        help_text=_("DingTalk: …/robot/send?access_token=…; WeCom: …/webhook/send?key=… (the key is the secret)."),
    )
    secret = EncryptedTextField(_("signing secret"), blank=True, help_text=_("DingTalk 加签 secret (SEC…)."))
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

    def __repr__(self) -> str:  # never print the URL's credential or the secret
        return f"<NotificationChannel {self.pk} {self.kind}>"
