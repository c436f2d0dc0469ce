"""Admin of the command center's stored panels: read-only (the refresh task writes them), with an action that
recomputes the chosen panels now."""

from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from config.admin import ReadOnlyAdminMixin
from integrations.board.models import BoardAlertRule, BoardSnapshot
from integrations.board.snapshots import board_snapshots_refresh


@admin.register(BoardSnapshot)
class BoardSnapshotAdmin(ReadOnlyAdminMixin, SimpleHistoryAdmin):
    list_display = ("panel", "computed_at", "took_ms", "error")
    readonly_fields = ("panel", "data", "computed_at", "took_ms", "error")
    actions = ["refresh_now"]

    @admin.action(description=_("Recompute the selected panels now"))
    def refresh_now(self, request, queryset):
        outcome = board_snapshots_refresh(panels=list(queryset.values_list("panel", flat=True)))
        failed = {panel: error for panel, error in outcome.items() if error != "ok"}
        if failed:
            self.message_user(request, _("Some panels failed: %(failed)s") % {"failed": failed}, messages.ERROR)
        else:
            self.message_user(request, _("Recomputed."), messages.SUCCESS)


@admin.register(BoardAlertRule)
class BoardAlertRuleAdmin(SimpleHistoryAdmin):
    """Managers set thresholds on the board's figures here; the alerts appear with the others (orders' alerts)."""

    list_display = ("name", "figure", "comparison", "threshold", "for_minutes", "severity", "is_active", "last_value")
    list_filter = ("is_active", "figure", "severity")
    readonly_fields = ("breach_started_at", "last_value")
