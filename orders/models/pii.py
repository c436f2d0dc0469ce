"""Consignee personal data: who revealed a masked phone and address, and why (orders.services.pii)."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from orders.models.orders import Order


class ConsigneeReveal(models.Model):
    """Someone who sees consignee data masked revealed one order's phone and address, and said why.

    Written only by ``orders.services.consignee_reveal``; the admin lists it read-only. Holding the permission
    below is what allows the reveal (``orders.reveal_consignee_pii``)."""

    order = models.ForeignKey(
        Order, verbose_name=_("order"), on_delete=models.CASCADE, related_name="consignee_reveals"
    )
    user = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("by"), on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(_("at"), auto_now_add=True, db_index=True)
    reason = models.CharField(_("reason"), max_length=200)
    ip_address = models.GenericIPAddressField(_("from address"), null=True, blank=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("consignee reveal")
        verbose_name_plural = _("consignee reveals")
        ordering = ["-at", "-id"]
        permissions = [
            ("reveal_consignee_pii", _("Can reveal a masked consignee phone and address, giving a reason (logged)"))
        ]
        constraints = [models.CheckConstraint(condition=~Q(reason=""), name="consignee_reveal_has_reason")]

    def __str__(self) -> str:
        return f"{self.order_id} {self.user_id} {self.at:%Y-%m-%d %H:%M}"
