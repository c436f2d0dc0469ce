"""Admin for the rules, review, shaping and SLA models (issue 5). Imported at the bottom of orders/admin.py.

Rule versions, previews, results, links and approvals are written only by their services (the rule editor,
the review queue): read-only here. Review tasks and alerts get admin actions that call the services.
Everything tied to an order is scoped to the orders the user may see.
"""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from orders.admin import ReadOnlyAdminMixin, ScopedAdminMixin
from orders.models import (
    Alert,
    Approval,
    NotificationChannel,
    OrderLink,
    OrderRuleResult,
    PresaleTerms,
    ReviewTask,
    RulePreview,
    RuleSet,
    RuleSetVersion,
)
from orders.review.services import review_bulk
from orders.selectors import order_list_for_user
from orders.sla import alert_acknowledge, alert_assign


class OrderScopedMixin(ScopedAdminMixin):
    order_path = "order"

    def get_queryset(self, request):
        visible = order_list_for_user(request.user).values("pk")
        return super().get_queryset(request).filter(**{f"{self.order_path}__in": visible})


@admin.register(RuleSet)
class RuleSetAdmin(SimpleHistoryAdmin):
    list_display = ["code", "name", "is_active", "created_at"]
    list_filter = ["is_active"]
    search_fields = ["code", "name"]


@admin.register(RuleSetVersion)
class RuleSetVersionAdmin(ReadOnlyAdminMixin, SimpleHistoryAdmin):
    list_display = ["rule_set", "number", "status", "created_by", "published_at", "note"]
    list_filter = ["status", "rule_set"]
    search_fields = ["rule_set__code", "rule_set__name", "note"]
    list_select_related = ["rule_set", "created_by"]


@admin.register(RulePreview)
class RulePreviewAdmin(ReadOnlyAdminMixin, SimpleHistoryAdmin):
    list_display = ["version", "created_at", "window_days", "orders_scanned", "orders_changed", "created_by"]
    list_filter = ["created_at"]
    search_fields = ["version__rule_set__code"]
    list_select_related = ["version", "version__rule_set", "created_by"]


@admin.register(OrderRuleResult)
class OrderRuleResultAdmin(OrderScopedMixin, ReadOnlyAdminMixin, SimpleHistoryAdmin):
    list_display = ["order", "evaluated_at", "health_score", "carrier"]
    list_filter = ["evaluated_at", "carrier"]
    search_fields = ["order__number"]
    list_select_related = ["order"]


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
    list_display = ["order", "kind", "status", "hold_reason", "reason", "created_at", "decided_by"]
    list_filter = ["status", "kind", "hold_reason", "created_at"]
    search_fields = ["order__number", "reason"]
    list_select_related = ["order", "decided_by"]
    inlines = [ApprovalInline]
    actions = ["approve", "release"]

    def has_change_permission(self, request, obj=None):
        return False

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


@admin.register(OrderLink)
class OrderLinkAdmin(OrderScopedMixin, ReadOnlyAdminMixin, SimpleHistoryAdmin):
    order_path = "to_order"
    list_display = ["kind", "from_order", "to_order", "platform_ids", "created_by", "created_at"]
    list_filter = ["kind", "created_at"]
    search_fields = ["from_order__number", "to_order__number", "from_order__external_id"]
    list_select_related = ["from_order", "to_order", "created_by"]


@admin.register(PresaleTerms)
class PresaleTermsAdmin(OrderScopedMixin, ReadOnlyAdminMixin, SimpleHistoryAdmin):
    list_display = ["order", "state", "deposit", "balance", "currency", "balance_due_at", "reminded_at"]
    list_filter = ["state", "balance_due_at"]
    search_fields = ["order__number", "order__external_id"]
    list_select_related = ["order"]


@admin.register(Alert)
class AlertAdmin(ReadOnlyAdminMixin, ScopedAdminMixin, SimpleHistoryAdmin):
    list_display = ["title", "kind", "severity", "order", "created_at", "acknowledged_by", "assignee", "resolved_at"]
    list_filter = ["severity", "kind", "resolved_at", "created_at"]
    search_fields = ["title", "order__number", "key"]
    list_select_related = ["order", "acknowledged_by", "assignee"]
    actions = ["acknowledge", "assign_to_me"]

    def get_queryset(self, request):
        from orders.review.selectors import alert_list_for_user

        return alert_list_for_user(request.user, state="all")

    @admin.action(description=_("Acknowledge the selected alerts"), permissions=["work"])
    def acknowledge(self, request, queryset):
        for alert in queryset:
            alert_acknowledge(alert_id=alert.pk, actor=request.user)

    @admin.action(description=_("Assign the selected alerts to me"), permissions=["work"])
    def assign_to_me(self, request, queryset):
        for alert in queryset:
            alert_assign(alert_id=alert.pk, assignee=request.user, actor=request.user)

    def has_work_permission(self, request):
        return request.user.has_perm("orders.change_alert")


class NotificationChannelForm(forms.ModelForm):
    webhook_url = forms.URLField(label=_("webhook URL"), required=False, max_length=500, assume_scheme="https")

    class Meta:
        model = NotificationChannel
        fields = ["name", "kind", "webhook_url", "secret", "emails", "min_severity", "alert_kinds", "is_active"]
        widgets = {"secret": forms.PasswordInput(render_value=True)}


@admin.register(NotificationChannel)
class NotificationChannelAdmin(SimpleHistoryAdmin):
    form = NotificationChannelForm
    list_display = ["name", "kind", "min_severity", "is_active"]
    list_filter = ["kind", "is_active", "min_severity"]
    search_fields = ["name", "emails"]
