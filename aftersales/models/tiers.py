"""Approval tiers: who may approve a case of which amount, set by managers.

A case of amount A may be approved by a user holding the tier's role (or a superuser) under any active tier
whose ``max_amount`` is empty or at least A. An ``automatic`` tier approves by itself — only for buyers with a
clean history when ``clean_history_only`` says so. A tier with ``finance_check`` asks a second check by finance
before the money goes back (payouts above a limit). A fresh install has one tier: a manager approves any
amount (migration ``0003``); seed_demo adds the usual ladder (≤ 50 CNY automatic, ≤ 500 CS, above a manager,
above 2000 CNY a finance check).
"""

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords


class ApprovalTier(models.Model):
    class Approver(models.TextChoices):
        AUTOMATIC = "automatic", _("Automatic")
        CS = "客服/销售", _("Sales & customer service")
        MANAGER = "主管", _("Manager")
        FINANCE = "财务", _("Finance")

    name = models.CharField(_("name"), max_length=100)
    approver = models.CharField(_("approved by"), max_length=16, choices=Approver.choices)
    max_amount = models.DecimalField(
        _("up to amount"),
        max_digits=14,
        decimal_places=2,
        null=True,
        blank=True,
        help_text=_("Empty: any amount."),
    )
    clean_history_only = models.BooleanField(
        _("only buyers with a clean history"),
        default=True,
        help_text=_("Automatic tiers: only when the buyer had no other after-sales case in the look-back days."),
    )
    history_days = models.PositiveSmallIntegerField(_("look-back days"), default=90)
    finance_check = models.BooleanField(
        _("second finance check"), default=False, help_text=_("The money goes back only after finance checked it.")
    )
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("approval tier")
        verbose_name_plural = _("approval tiers")
        ordering = [models.F("max_amount").asc(nulls_last=True), "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(max_amount__isnull=True) | Q(max_amount__gte=0), name="approvaltier_amount_not_negative"
            )
        ]

    def __str__(self) -> str:
        limit = f"≤ {self.max_amount}" if self.max_amount is not None else "*"
        return f"{self.name} ({self.get_approver_display()} {limit})"

    def covers(self, amount) -> bool:
        return self.max_amount is None or amount <= self.max_amount
