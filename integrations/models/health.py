"""Shop health alerts (sent through the notification channels, orders.notifications)."""

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords


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
