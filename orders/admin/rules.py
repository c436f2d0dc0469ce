"""Rule sets in the admin; their versions, previews and per-order results are written only by the rule editor
(orders.rules): read-only here, results scoped to the orders the user may see."""

from __future__ import annotations

from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from orders.admin.mixins import OrderScopedMixin, ReadOnlyAdminMixin
from orders.models import (
    OrderRuleResult,
    RulePreview,
    RuleSet,
    RuleSetVersion,
)


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
