"""The one alert model of Order Hub and the notification channels alerts go to (orders.notifications).

Every app raises its alerts here through ``orders.services.alerts`` (inventory, which may not import orders,
through a signal): the SLA watch, the command center's rules, after-sales deadlines, shipping exceptions, safety
stock and the shop connections' health."""

from django.core.validators import URLValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from config.fields import EncryptedTextField
from orders.models.fields import user_fk
from orders.models.orders import Order


class Alert(models.Model):
    """Something that needs a person. One open alert per ``key``; it resolves itself when the cause goes (or
    staff resolve it). What it is about: an order, a shop, a SKU, or a label in ``detail``."""

    class Kind(models.TextChoices):
        STUCK = "stuck", _("Order not moving")
        SHIP_LATE = "ship_late", _("Not shipped by promised time")
        PHONE_MANY_ACCOUNTS = "phone_many_accounts", _("One phone behind many accounts")
        ADDRESS_CHANGES = "address_changes", _("Repeated address changes")
        BOARD = "board", _("Command center figure out of bounds")
        AFTERSALES_DEADLINE = "aftersales_deadline", _("After-sales deadline")
        SHIPPING_INCIDENT = "shipping_incident", _("Shipping exception")
        SAFETY_STOCK = "safety_stock", _("At safety stock")
        # the shop connections' health (integrations.health)
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

    class Severity(models.TextChoices):
        INFO = "info", _("Info")
        WARNING = "warning", _("Amber")
        CRITICAL = "critical", _("Red")

    kind = models.CharField(_("kind"), max_length=32, choices=Kind.choices)
    severity = models.CharField(_("severity"), max_length=10, choices=Severity.choices, default=Severity.WARNING)
    key = models.CharField(_("key"), max_length=100, help_text=_("What the alert is about; one open alert per key."))
    order = models.ForeignKey(
        Order, verbose_name=_("order"), on_delete=models.CASCADE, null=True, blank=True, related_name="alerts"
    )
    shop = models.ForeignKey(
        "orders.Shop", verbose_name=_("shop"), on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    sku = models.ForeignKey(
        "inventory.SKU", verbose_name=_("SKU"), on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    title = models.CharField(_("title"), max_length=200)
    message = models.TextField(_("message"), blank=True, help_text=_("The whole text, when the title is not enough."))
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
        indexes = [
            models.Index(fields=["resolved_at", "severity"], name="alert_open_severity_idx"),
            # the filtered pages: a shop's health alerts, the shipping desk's, the stock alerts
            models.Index(fields=["kind", "resolved_at"], name="alert_kind_open_idx"),
        ]

    def __str__(self) -> str:
        return f"[{self.severity}] {self.title}"


# The shop connections' health (integrations.health): listed on a shop's health page and the health alert page.
CONNECTION_KINDS = (
    Alert.Kind.TOKEN_EXPIRY,
    Alert.Kind.TOKEN_REFRESH,
    Alert.Kind.CERT_EXPIRY,
    Alert.Kind.COUNT_GAP,
    Alert.Kind.FAILURES,
    Alert.Kind.CALLBACK_FAILURES,
    Alert.Kind.LAG,
    Alert.Kind.DEAD_LETTERS,
    Alert.Kind.WAYBILL_BALANCE,
    Alert.Kind.WEBHOOK_PAUSED,
)


class NotificationChannel(models.Model):
    """Where staff notifications go: a DingTalk or WeCom group robot, a list of e-mail addresses, or on-call
    phone numbers to call (for red alerts: set the minimum severity to red). The one
    channel model of Order Hub: alerts of every app, reminders and the daily reports are routed to these
    (``orders.notifications``) and sent by ``integrations.alerting``."""

    class Kind(models.TextChoices):
        DINGTALK = "dingtalk", _("DingTalk group robot")
        WECOM = "wecom", _("WeCom group robot")
        EMAIL = "email", _("E-mail")
        VOICE = "voice", _("Phone call")

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
    # On-call staff's numbers are personal data: stored encrypted, write-only in the admin, shown masked.
    phones = EncryptedTextField(
        _("phone numbers"),
        blank=True,
        help_text=_("Phone call: the on-call numbers, one per line; each is called in turn."),
    )
    min_severity = models.CharField(
        _("minimum severity"), max_length=10, choices=Alert.Severity.choices, default=Alert.Severity.WARNING
    )
    alert_kinds = models.JSONField(_("alert kinds"), default=list, blank=True, help_text=_("Empty: every kind."))
    # Quiet hours on the Shanghai clock (TIME_ZONE): non-red alerts wait until they end; red ones still go, and a
    # phone channel (it exists to wake someone) has none.
    quiet_from = models.TimeField(
        _("quiet hours from"), null=True, blank=True, help_text=_("Shanghai time, e.g. 22:00. Red alerts still go.")
    )
    quiet_to = models.TimeField(_("quiet hours to"), null=True, blank=True, help_text=_("Shanghai time, e.g. 08:00."))
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    history = HistoricalRecords(excluded_fields=["webhook_url", "secret", "phones"])

    class Meta:
        verbose_name = _("notification channel")
        verbose_name_plural = _("notification channels")
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(quiet_from__isnull=True, quiet_to__isnull=True)
                | Q(quiet_from__isnull=False, quiet_to__isnull=False),
                name="notification_channel_quiet_hours_both_or_neither",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.get_kind_display()})"

    def __repr__(self) -> str:  # never print the URL's credential or the secret
        return f"<NotificationChannel {self.pk} {self.kind}>"


class AlertDelivery(models.Model):
    """One send of an alert to one channel at one step (the severity it was raised or escalated to), and what
    became of it. Written in the transaction that raises or escalates the alert, sent after commit by
    ``orders.services.alert_delivery`` (claimed by compare-and-set), retried with config.retry's back-off and
    parked once the policy gives up, for staff to replay. A row without a channel is the e-mail to an order's
    supervisors when no e-mail channel took the alert."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting to be sent")
        SENDING = "sending", _("Sending")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Failed, will retry")
        PARKED = "parked", _("Parked (failed)")
        SKIPPED = "skipped", _("Not sent: resolved before it went out")

    DUE = (Status.PENDING, Status.FAILED)
    REPLAYABLE = (Status.PARKED, Status.FAILED)

    alert = models.ForeignKey(Alert, verbose_name=_("alert"), on_delete=models.CASCADE, related_name="deliveries")
    channel = models.ForeignKey(
        NotificationChannel,
        verbose_name=_("channel"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="deliveries",
        help_text=_("Empty: the e-mail to the order's supervisors."),
    )
    step = models.CharField(_("sent at severity"), max_length=10, choices=Alert.Severity.choices)
    extra_emails = models.JSONField(_("extra e-mail recipients"), default=list, blank=True)
    status = models.CharField(_("status"), max_length=8, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt at"), default=timezone.now)
    claimed_at = models.DateTimeField(_("claimed at"), null=True, blank=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    error_code = models.CharField(_("error code"), max_length=64, blank=True)
    last_error = models.TextField(_("last error"), blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now, db_index=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("alert delivery")
        verbose_name_plural = _("alert deliveries")
        ordering = ["-created_at", "-id"]
        constraints = [
            # One send per alert, channel and escalation step (the supervisors' e-mail: channel null).
            models.UniqueConstraint(
                fields=["alert", "channel", "step"], name="alert_delivery_once_per_step", nulls_distinct=False
            ),
        ]
        indexes = [
            # The sweeper's work list; sent, parked and skipped deliveries are not in it.
            models.Index(
                fields=["next_attempt_at"],
                condition=Q(status__in=["pending", "failed"]),
                name="alert_delivery_due_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.alert_id} → {self.channel_id or 'e-mail'} @{self.step}: {self.status}"
