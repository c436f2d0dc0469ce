"""Risk policy (风控规则): how a case's risk score (0–100) is made and where high risk starts, set by managers.

The score adds up documented inputs (``aftersales.services.risk.case_risk_assess`` writes it on the case):

- history: ``points_per_case`` for each other case (not withdrawn) of the same buyer — the same consignee
  phone, or the same buyer id on the same platform, across all shops — in the last ``window_days`` days, at
  most ``history_cap``;
- value: ``value_points`` when the case gives back at least ``value_from``;
- reason: ``reason_points`` when its reason code is one of ``risky_reasons`` (reasons the buyer need not prove);
- inspection: ``fraud_points`` when the warehouse found a wrong item or an empty box in this case's parcel, and
  ``fraud_points`` again when an earlier case of the buyer was flagged so.

The total is capped at 100. From ``watch_from`` a case is shown as "watch", from ``high_from`` as high risk: a
high-risk case never approves by itself (the automatic approval tier skips it). The newest active policy counts;
without one, the defaults below do.
"""

from decimal import Decimal

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords


def default_risky_reasons() -> list[str]:
    return ["not_as_described", "quality", "missing_item"]


class RiskPolicy(models.Model):
    name = models.CharField(_("name"), max_length=100, default="default")
    window_days = models.PositiveSmallIntegerField(_("look-back days"), default=90)
    points_per_case = models.PositiveSmallIntegerField(_("points per earlier case"), default=15)
    history_cap = models.PositiveSmallIntegerField(_("at most, for the history"), default=45)
    value_from = models.DecimalField(_("high value from"), max_digits=14, decimal_places=2, default=Decimal("300.00"))
    value_points = models.PositiveSmallIntegerField(_("points for a high value"), default=20)
    risky_reasons = models.JSONField(
        _("risky reason codes"),
        default=default_risky_reasons,
        blank=True,
        help_text=_("Reason codes the buyer need not prove, e.g. not_as_described, quality, missing_item."),
    )
    reason_points = models.PositiveSmallIntegerField(_("points for a risky reason"), default=15)
    fraud_points = models.PositiveSmallIntegerField(
        _("points for a wrong item or an empty box"),
        default=40,
        help_text=_("For this case's inspection, and again for an earlier case of the buyer flagged so."),
    )
    watch_from = models.PositiveSmallIntegerField(_("watch from score"), default=40)
    high_from = models.PositiveSmallIntegerField(
        _("high risk from score"), default=70, help_text=_("High-risk cases never approve by themselves.")
    )
    is_active = models.BooleanField(_("active"), default=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("risk policy")
        verbose_name_plural = _("risk policies")
        ordering = ["-updated_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(watch_from__lte=models.F("high_from")) & Q(high_from__lte=100),
                name="riskpolicy_thresholds_ordered",
            ),
            models.CheckConstraint(condition=Q(window_days__gt=0), name="riskpolicy_window_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.name} (≥ {self.high_from})"


__all__ = ["RiskPolicy", "default_risky_reasons"]
