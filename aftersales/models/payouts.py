"""Refund executions (退款执行): one row per attempt to give a case's money back, idempotent by its refund
request number (``request_no``: the platform's or payment provider's idempotency key — Alipay
``out_request_no``, WeChat Pay ``out_refund_no`` — and ours).

``method`` says how: ``platform`` (the refund is agreed on the sales platform through the integrations
outbox), ``provider`` (a payment provider's refund API, by ``provider`` code: see
``aftersales.execution``), ``offline`` (staff gave the money back themselves and say so). Failures are retried
with ``config.retry``; a payout out of attempts is ``parked`` where staff see and replay it.
"""

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from orders.models.fields import MONEY, user_fk


class Payout(models.Model):
    class Method(models.TextChoices):
        PLATFORM = "platform", _("On the sales platform")
        PROVIDER = "provider", _("Payment provider")
        OFFLINE = "offline", _("Offline, by staff")

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting to be sent")
        SENT = "sent", _("Sent, waiting for the answer")
        FAILED = "failed", _("Failed, will retry")
        PARKED = "parked", _("Parked (needs staff)")
        SUCCEEDED = "succeeded", _("Money returned")

    case = models.ForeignKey(
        "aftersales.Case", verbose_name=_("case"), on_delete=models.PROTECT, related_name="payouts"
    )
    request_no = models.CharField(_("refund request number"), max_length=64, unique=True)
    method = models.CharField(_("method"), max_length=16, choices=Method.choices)
    provider = models.CharField(_("provider"), max_length=32, blank=True)
    amount = models.DecimalField(_("amount"), **MONEY)
    currency = models.CharField(_("currency"), max_length=3, default="CNY")
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt at"), null=True, blank=True)
    reference = models.CharField(_("provider reference"), max_length=64, blank=True)
    error_code = models.CharField(_("error code"), max_length=64, blank=True)
    error = models.TextField(_("error"), blank=True)
    requested_by = user_fk(_("requested by"))
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    succeeded_at = models.DateTimeField(_("succeeded at"), null=True, blank=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("refund execution")
        verbose_name_plural = _("refund executions")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gte=0), name="payout_amount_not_negative"),
            # One execution of a case at a time: a second one waits until the first is done or parked.
            models.UniqueConstraint(
                fields=["case"],
                condition=Q(status__in=["pending", "sent", "failed"]),
                name="payout_one_open_per_case",
            ),
        ]
        indexes = [models.Index(fields=["status", "next_attempt_at"], name="payout_due_idx")]

    def __str__(self) -> str:
        return self.request_no
