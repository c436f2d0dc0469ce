"""Merge/split links and presale terms (orders.shaping): read-only, scoped to the orders the user may see."""

from __future__ import annotations

from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from orders.admin.mixins import OrderScopedMixin, ReadOnlyAdminMixin
from orders.models import (
    OrderLink,
    PresaleTerms,
)


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
