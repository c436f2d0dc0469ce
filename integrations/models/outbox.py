"""What goes out to the platforms: outbound calls written with the change that caused them, delivered after commit."""

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from integrations.models.work import WorkStatus


class OutboxMessage(models.Model):
    """An outbound call to a platform (ship confirmation, stock push, delivery check, refund decision), written in
    the same transaction as the change that caused it and delivered after commit, with retries."""

    class Kind(models.TextChoices):
        SHIP_CONFIRM = "ship_confirm", _("Shipment confirmation")
        STOCK_PUSH = "stock_push", _("Stock push")
        DELIVERY_CHECK = "delivery_check", _("Delivery check on the platform")
        REFUND_AGREE = "refund_agree", _("Refund agreed on the platform")
        RETURN_AGREE = "return_agree", _("Return agreed on the platform")
        REFUND_REFUSE = "refund_refuse", _("Refund refused on the platform")

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
