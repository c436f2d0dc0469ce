"""Order shaping (orders.shaping): merge/split links between orders, and presale terms."""

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from orders.models.fields import MONEY, user_fk
from orders.models.orders import Order


class OrderLink(models.Model):
    """Merge and split history: which order went into which, with the platform order ids it carried."""

    class Kind(models.TextChoices):
        MERGE = "merge", _("Merged into")
        SPLIT = "split", _("Split off into")

    kind = models.CharField(_("kind"), max_length=8, choices=Kind.choices)
    from_order = models.ForeignKey(
        Order, verbose_name=_("from order"), on_delete=models.PROTECT, related_name="links_out"
    )
    to_order = models.ForeignKey(Order, verbose_name=_("to order"), on_delete=models.PROTECT, related_name="links_in")
    platform_ids = models.JSONField(_("platform order ids carried"), default=list, blank=True)
    snapshot = models.JSONField(_("what moved"), default=dict, blank=True)
    reason = models.CharField(_("reason"), max_length=255, blank=True)
    created_by = user_fk(_("by"))
    created_at = models.DateTimeField(_("at"), auto_now_add=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("order link")
        verbose_name_plural = _("order links")
        ordering = ["created_at", "id"]
        constraints = [models.CheckConstraint(condition=~Q(from_order=models.F("to_order")), name="orderlink_not_self")]

    def __str__(self) -> str:
        return f"{self.from_order_id} {self.kind} {self.to_order_id}"


class PresaleTerms(models.Model):
    """定金 + 尾款: the deposit paid up front and the balance due by a deadline."""

    class State(models.TextChoices):
        AWAITING_BALANCE = "awaiting_balance", _("Awaiting balance")
        BALANCE_PAID = "balance_paid", _("Balance paid")
        EXPIRED = "expired", _("Expired (cancelled)")

    order = models.OneToOneField(Order, verbose_name=_("order"), on_delete=models.CASCADE, related_name="presale")
    currency = models.CharField(_("currency"), max_length=3, default="CNY")
    deposit = models.DecimalField(_("deposit (定金)"), **MONEY)
    balance = models.DecimalField(_("balance (尾款)"), **MONEY)
    deposit_paid_at = models.DateTimeField(_("deposit paid at"), null=True, blank=True)
    # Unknown when the platform does not say (Taobao step trades): the platform then closes the trade itself
    # when the balance is not paid, and the deadline schedule leaves such terms alone.
    balance_due_at = models.DateTimeField(_("balance due by"), null=True, blank=True, db_index=True)
    balance_paid_at = models.DateTimeField(_("balance paid at"), null=True, blank=True)
    reminded_at = models.DateTimeField(_("reminder sent at"), null=True, blank=True)
    state = models.CharField(_("state"), max_length=20, choices=State.choices, default=State.AWAITING_BALANCE)
    # The platform's own word for the presale stage (Taobao FRONT_PAID_FINAL_NOPAID, PDD 1, …), as received;
    # empty for presales set up in Order Hub. Set means the platform enforces the deadline, not Order Hub.
    platform_state = models.CharField(_("platform presale status"), max_length=40, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("presale terms")
        verbose_name_plural = _("presale terms")
        constraints = [
            models.CheckConstraint(
                condition=Q(deposit__gte=0) & Q(balance__gte=0), name="presaleterms_amounts_not_negative"
            )
        ]

    def __str__(self) -> str:
        return f"{self.order_id}: {self.deposit}+{self.balance} {self.currency} by {self.balance_due_at}"
