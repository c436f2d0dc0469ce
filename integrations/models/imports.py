"""Uploaded order files and the daily count check against the platforms."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords


class ImportJob(models.Model):
    """An uploaded order file: previewed, then imported row by row in the background."""

    class Status(models.TextChoices):
        PREVIEWED = "previewed", _("Previewed")
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Importing")
        DONE = "done", _("Done")
        FAILED = "failed", _("Failed")

    shop = models.ForeignKey("orders.Shop", verbose_name=_("shop"), on_delete=models.PROTECT, related_name="+")
    profile = models.CharField(_("file format"), max_length=32)
    file = models.FileField(_("file"), upload_to="integrations/imports/%Y/%m/")
    file_name = models.CharField(_("file name"), max_length=255)
    file_hash = models.CharField(_("file hash"), max_length=64, db_index=True)
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.PREVIEWED)
    total_orders = models.PositiveIntegerField(_("orders in file"), default=0)
    processed = models.PositiveIntegerField(_("processed"), default=0)
    created = models.PositiveIntegerField(_("orders created"), default=0)
    duplicates = models.PositiveIntegerField(_("duplicates skipped"), default=0)
    failed = models.PositiveIntegerField(_("orders failed"), default=0)
    errors = models.JSONField(_("row errors"), default=list, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("order import")
        verbose_name_plural = _("order imports")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.file_name

    @property
    def progress_percent(self) -> int:
        if not self.total_orders:
            return 100 if self.status == self.Status.DONE else 0
        return min(100, round(self.processed * 100 / self.total_orders))


class CountCheck(models.Model):
    """The daily reconciliation: orders the platform reports for a day vs orders Order Hub has."""

    shop = models.ForeignKey("orders.Shop", verbose_name=_("shop"), on_delete=models.CASCADE, related_name="+")
    day = models.DateField(_("day"))
    platform_count = models.PositiveIntegerField(_("platform count"))
    hub_count = models.PositiveIntegerField(_("Order Hub count"))
    missing = models.JSONField(_("missing platform order ids"), default=list, blank=True)
    gap_ratio = models.DecimalField(_("gap"), max_digits=7, decimal_places=4)
    checked_at = models.DateTimeField(_("checked at"), default=timezone.now)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("daily count check")
        verbose_name_plural = _("daily count checks")
        ordering = ["-day", "shop"]
        constraints = [models.UniqueConstraint(fields=["shop", "day"], name="count_check_unique_per_day")]

    def __str__(self) -> str:
        return f"{self.shop_id} {self.day}: {self.platform_count} vs {self.hub_count}"
