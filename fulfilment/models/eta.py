"""Backtests of the delivery ETA (fulfilment/eta): what the model's error was, on what history."""

from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords


class EtaBacktest(models.Model):
    run_at = models.DateTimeField(_("run at"), auto_now_add=True, db_index=True)
    simulated = models.BooleanField(_("on simulated tracks"))
    samples = models.PositiveIntegerField(_("parcels"))
    tested = models.PositiveIntegerField(_("held out"))
    mae_hours = models.DecimalField(_("mean absolute error (h)"), max_digits=7, decimal_places=2)
    coverage = models.DecimalField(_("inside the range"), max_digits=4, decimal_places=3)
    from_history = models.DecimalField(_("answered from history"), max_digits=4, decimal_places=3)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("ETA backtest")
        verbose_name_plural = _("ETA backtests")
        ordering = ["-run_at", "-id"]

    def __str__(self) -> str:
        return f"±{self.mae_hours} h ({'simulated' if self.simulated else 'real'})"
