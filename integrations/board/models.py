"""The stored panels of the command center (one row per panel, rewritten by the refresh task)."""

from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords


class BoardSnapshot(models.Model):
    """One panel's figures as last computed. The refresh task rewrites ``data`` with a conditional ``UPDATE``
    every minute (no history row per refresh: the figures are derived from rows that keep their own); history
    records the panel's creation and any change made in the admin."""

    class Panel(models.TextChoices):
        NOW = "now", _("Now")
        FLOW = "flow", _("Flow")
        CONNECTIONS = "connections", _("Connections")
        HEATMAP = "heatmap", _("Error heat map")
        MONEY = "money", _("Money")

    panel = models.CharField(_("panel"), max_length=16, choices=Panel.choices, unique=True)
    data = models.JSONField(_("figures"), default=dict, blank=True)
    computed_at = models.DateTimeField(_("computed at"), null=True, blank=True)
    took_ms = models.PositiveIntegerField(_("computing took (ms)"), default=0)
    error = models.TextField(_("last error"), blank=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("board snapshot")
        verbose_name_plural = _("board snapshots")
        ordering = ["panel"]
        permissions = [("view_board", _("Can view the command center"))]

    def __str__(self) -> str:
        return f"{self.panel} @ {self.computed_at}"
