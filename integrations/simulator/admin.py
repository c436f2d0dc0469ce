"""Admin of the peak simulator's runs: read-only (the runs write themselves; start one at /simulator/)."""

from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from config.admin import ReadOnlyAdminMixin
from integrations.simulator.models import PeakRun


@admin.register(PeakRun)
class PeakRunAdmin(ReadOnlyAdminMixin, SimpleHistoryAdmin):
    list_display = ("id", "status", "created_at", "finished_at", "first_on_fresh_database", "requested_by")
    list_filter = ("status",)
    readonly_fields = (
        "status",
        "parameters",
        "requested_by",
        "started_at",
        "finished_at",
        "database",
        "first_on_fresh_database",
        "result",
        "report_dir",
        "error",
    )
    exclude = ("live",)
