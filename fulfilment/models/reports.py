"""Sending the daily shipping health report (发货健康度日报) to the group robots: one row per day and channel."""

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords


class ReportDelivery(models.Model):
    """The report of ``day`` for one notification channel (a DingTalk or WeCom group robot, or e-mail). Created
    once per day and channel at the set time (the unique constraint makes a second run a no-op), claimed by
    compare-and-set when sent, retried by config.retry's back-off and parked as dead for staff to send again."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        SENDING = "sending", _("Sending")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Failed, will retry")
        DEAD = "dead", _("Gave up")

    day = models.DateField(_("report day"))
    channel = models.ForeignKey(
        "orders.NotificationChannel", verbose_name=_("channel"), on_delete=models.CASCADE, related_name="+"
    )
    status = models.CharField(_("status"), max_length=8, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt at"), default=timezone.now)
    claimed_at = models.DateTimeField(_("claimed at"), null=True, blank=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    last_error = models.TextField(_("last error"), blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("shipping report delivery")
        verbose_name_plural = _("shipping report deliveries")
        ordering = ["-day", "channel"]
        constraints = [models.UniqueConstraint(fields=["day", "channel"], name="report_delivery_one_per_day_channel")]

    def __str__(self) -> str:
        return f"{self.day} → {self.channel_id}: {self.status}"
