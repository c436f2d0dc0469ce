"""The peak simulator's runs (one row each, started from the back office or the command line)."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords


class PeakRun(models.Model):
    """A simulation: what was asked, how it is going (the latest samples, for the live page), what it found
    (the command's last JSON line) and where its report is. Progress rewrites ``live`` by a conditional
    ``UPDATE`` once a second (no history row per sample); history records the start, the end and admin edits."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Running")
        FINISHED = "finished", _("Finished")
        FAILED = "failed", _("Failed")

    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.QUEUED)
    parameters = models.JSONField(_("parameters"), default=dict, blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("requested by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True, db_index=True)
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    database = models.CharField(_("simulation database"), max_length=63, blank=True)
    first_on_fresh_database = models.BooleanField(_("first run on a fresh database"), null=True, blank=True)
    live = models.JSONField(_("live progress"), default=dict, blank=True)
    result = models.JSONField(_("result"), default=dict, blank=True)
    report_dir = models.CharField(_("report directory"), max_length=255, blank=True)
    error = models.TextField(_("error"), blank=True)

    history = HistoricalRecords(excluded_fields=["live"])

    class Meta:
        verbose_name = _("peak simulation")
        verbose_name_plural = _("peak simulations")
        ordering = ["-created_at", "-id"]
        permissions = [("run_peakrun", _("Can start peak simulations"))]

    def __str__(self) -> str:
        return f"#{self.pk} {self.status}"

    @property
    def is_live(self) -> bool:
        return self.status in (self.Status.QUEUED, self.Status.RUNNING)
