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


class BoardAlertRule(models.Model):
    """A manager's threshold on a board figure: when ``figure`` compared with ``threshold`` holds for
    ``for_minutes``, an alert (orders' ``Alert``, kind ``board``: one alert model, one way of sending) is raised
    and routed to the notification channels that take that kind and severity; after ``escalate_after_minutes``
    more it turns red. Quiet hours are the channels' (a channel's
    quiet hours hold its non-red alerts, whatever raised them). The alert resolves
    itself when the figure is back within bounds; staff acknowledge and assign it like any alert."""

    class Comparison(models.TextChoices):
        ABOVE = "above", _("above")
        BELOW = "below", _("below")

    class Severity(models.TextChoices):
        WARNING = "warning", _("Amber")
        CRITICAL = "critical", _("Red")

    class Figure(models.TextChoices):
        BACKLOG = "backlog", _("Orders waiting")
        BACKLOG_OVER_4H = "backlog_over_4h", _("Orders waiting over 4 h")
        STUCK = "stuck", _("Stuck orders")
        REVIEW_OPEN = "review_open", _("Review queue size")
        REVIEW_WAIT_MIN = "review_wait_min", _("Oldest review wait (min)")
        OVERSOLD = "oversold", _("Oversold units")
        CYCLE_P90_H = "cycle_p90_h", _("Paid → shipped p90 (h)")
        LABEL_ERRORS = "label_errors", _("Label errors today")
        EXCEPTIONS = "exceptions", _("Exceptions intercepted today")
        CALLBACK_FAILURES = "callback_failures", _("Most consecutive failures of a shop")
        CONSISTENCY_MIN = "consistency_min", _("Lowest consistency index of a shop (%)")
        TOKEN_DAYS_MIN = "token_days_min", _("Fewest days before a shop's token expires")
        OPEN_DIFFERENCES = "open_differences", _("Open finance differences")

    name = models.CharField(_("name"), max_length=100)
    figure = models.CharField(_("figure"), max_length=40, choices=Figure.choices)
    comparison = models.CharField(_("when the figure is"), max_length=8, choices=Comparison.choices)
    threshold = models.DecimalField(_("threshold"), max_digits=14, decimal_places=2)
    for_minutes = models.PositiveIntegerField(_("for at least (minutes)"), default=0)
    severity = models.CharField(_("severity"), max_length=10, choices=Severity.choices, default=Severity.WARNING)
    escalate_after_minutes = models.PositiveIntegerField(
        _("turn red after (minutes)"), null=True, blank=True, help_text=_("Empty: never escalates.")
    )
    is_active = models.BooleanField(_("active"), default=True)
    # The evaluator's state, written with single UPDATEs (no history rows every minute).
    breach_started_at = models.DateTimeField(_("out of bounds since"), null=True, blank=True)
    last_value = models.DecimalField(_("last value"), max_digits=14, decimal_places=2, null=True, blank=True)

    history = HistoricalRecords(excluded_fields=["breach_started_at", "last_value"])

    class Meta:
        verbose_name = _("board alert rule")
        verbose_name_plural = _("board alert rules")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name
