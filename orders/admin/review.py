"""The review queue in the admin: tasks and approvals read-only (written by orders.review), with actions
that call its services; scoped to the orders the user may see."""

from __future__ import annotations

from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from orders.admin.mixins import OrderScopedMixin, ReadOnlyAdminMixin
from orders.models import (
    Approval,
    ReviewTask,
)
from orders.review.services import review_bulk


class ApprovalInline(admin.TabularInline):
    model = Approval
    extra = 0
    can_delete = False
    fields = ["tier", "role", "status", "rule", "decided_by", "decided_at", "note"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(ReviewTask)
class ReviewTaskAdmin(OrderScopedMixin, ReadOnlyAdminMixin, SimpleHistoryAdmin):
    list_display = ["order", "kind", "status", "hold_reason", "reason_shown", "created_at", "decided_by"]
    list_filter = ["status", "kind", "hold_reason", "created_at"]
    search_fields = ["order__number", "reason"]
    list_select_related = ["order", "decided_by"]
    exclude = ["reason", "decision_note"]  # shown as reason_shown and decision_note_shown
    readonly_fields = ["reason_shown", "decision_note_shown"]
    inlines = [ApprovalInline]
    actions = ["approve", "release"]

    def has_change_permission(self, request, obj=None):
        return False

    @admin.display(description=_("reason"))
    def reason_shown(self, task):
        return task.reason_display  # in the reader's language when Order Hub wrote it

    @admin.display(description=_("decision note"))
    def decision_note_shown(self, task):
        return task.decision_note_display  # in the reader's language when Order Hub wrote it

    def _bulk(self, request, queryset, action):
        for result in review_bulk(
            action=action, task_ids=list(queryset.values_list("pk", flat=True)), actor=request.user
        ):
            level = messages.SUCCESS if result.ok else messages.ERROR
            self.message_user(request, f"{result.order_number or result.task_id}: {result.message}", level)

    @admin.action(description=_("Approve the selected review tasks"), permissions=["decide"])
    def approve(self, request, queryset):
        self._bulk(request, queryset, "approve")

    @admin.action(description=_("Release the holds (re-check)"), permissions=["decide"])
    def release(self, request, queryset):
        self._bulk(request, queryset, "release")

    def has_decide_permission(self, request):
        return request.user.has_perm("orders.change_reviewtask")


@admin.register(Approval)
class ApprovalAdmin(OrderScopedMixin, ReadOnlyAdminMixin, SimpleHistoryAdmin):
    order_path = "task__order"
    list_display = ["task", "tier", "role", "status", "decided_by", "decided_at"]
    list_filter = ["status", "role"]
    search_fields = ["task__order__number", "role"]
    list_select_related = ["task", "decided_by"]
