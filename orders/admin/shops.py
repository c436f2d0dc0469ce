"""Shops in the admin: scoped to the shops the user may work on; administrators grant access to them."""

from __future__ import annotations

from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from orders.access import shop_access_grant
from orders.admin.mixins import AccessGrantAdminMixin, ScopedAdminMixin
from orders.models import (
    Shop,
)
from orders.selectors import shop_list_for_user, user_sees_all_orders


@admin.register(Shop)
class ShopAdmin(ScopedAdminMixin, AccessGrantAdminMixin, SimpleHistoryAdmin):
    access_codename = "access_shop"
    list_display = ["code", "name", "platform", "default_warehouse", "ship_within_hours", "is_active"]
    list_filter = ["platform", "is_active"]
    search_fields = ["code", "name", "platform_shop_id"]
    list_select_related = ["default_warehouse"]

    def get_queryset(self, request):
        shops = super().get_queryset(request)
        if user_sees_all_orders(request.user):
            return shops
        return shops.filter(pk__in=shop_list_for_user(request.user).values("pk"))

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        if not change and not user_sees_all_orders(request.user):
            # Whoever opens a shop can work on it (and keeps seeing it here).
            shop_access_grant(who=request.user, shops=obj)
