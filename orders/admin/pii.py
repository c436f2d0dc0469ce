"""Who revealed which order's consignee phone and address: read-only, scoped to the orders the user sees."""

from __future__ import annotations

from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from orders.admin.mixins import ReadOnlyAdminMixin, ScopedAdminMixin
from orders.models import ConsigneeReveal
from orders.selectors import order_list_for_user


@admin.register(ConsigneeReveal)
class ConsigneeRevealAdmin(ScopedAdminMixin, ReadOnlyAdminMixin, SimpleHistoryAdmin):
    """Who revealed which order's consignee phone and address, when, from where, and why."""

    list_display = ["at", "user", "order", "reason", "ip_address"]
    list_filter = ["at"]
    search_fields = ["order__number", "user__username", "reason"]
    list_select_related = ["order", "user"]
    date_hierarchy = "at"

    def get_queryset(self, request):
        return super().get_queryset(request).filter(order__in=order_list_for_user(request.user).values("pk"))
