"""Records only services write — the timeline, order lines, number counters, idempotency keys: read-only."""

from __future__ import annotations

from django.contrib import admin
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from orders.admin.mixins import ReadOnlyAdminMixin, ScopedAdminMixin
from orders.models import (
    IdempotencyKey,
    OrderEvent,
    OrderLine,
    OrderNumberCounter,
)
from orders.selectors import order_list_for_user


@admin.register(OrderEvent)
class OrderEventAdmin(ScopedAdminMixin, ReadOnlyAdminMixin, SimpleHistoryAdmin):
    list_display = ["order", "at", "kind", "who", "from_status", "to_status", "reason_shown"]
    list_filter = ["kind", "to_status", "at"]
    search_fields = ["order__number", "reason", "system", "actor__username"]
    list_select_related = ["order", "actor"]
    date_hierarchy = "at"

    def get_queryset(self, request):
        return super().get_queryset(request).filter(order__in=order_list_for_user(request.user).values("pk"))

    @admin.display(description=_("by"))
    def who(self, event):
        return event.actor_display

    @admin.display(description=_("reason"))
    def reason_shown(self, event):
        return event.reason_display


@admin.register(OrderLine)
class OrderLineAdmin(ScopedAdminMixin, ReadOnlyAdminMixin, SimpleHistoryAdmin):
    list_display = ["order", "sku", "title", "quantity", "unit_price", "discount", "is_gift", "external_line_id"]
    list_filter = ["is_gift"]
    search_fields = ["order__number", "sku__code", "title", "external_line_id"]
    list_select_related = ["order", "sku"]

    def get_queryset(self, request):
        return super().get_queryset(request).filter(order__in=order_list_for_user(request.user).values("pk"))


@admin.register(OrderNumberCounter)
class OrderNumberCounterAdmin(ReadOnlyAdminMixin, SimpleHistoryAdmin):
    list_display = ["prefix", "day", "last"]
    list_filter = ["prefix", "day"]
    search_fields = ["prefix"]


@admin.register(IdempotencyKey)
class IdempotencyKeyAdmin(ScopedAdminMixin, ReadOnlyAdminMixin, SimpleHistoryAdmin):
    list_display = ["key", "user", "order_link", "created_at"]
    list_filter = ["created_at"]
    search_fields = ["key", "order__number", "user__username"]
    list_select_related = ["user", "order"]
    fields = ["key", "user", "order", "request_hash", "created_at"]

    def get_queryset(self, request):
        return super().get_queryset(request).filter(order__in=order_list_for_user(request.user).values("pk"))

    @admin.display(description=_("order"), ordering="order__number")
    def order_link(self, key):
        return format_html('<a href="{}">{}</a>', reverse("admin:orders_order_change", args=[key.order_id]), key.order)
