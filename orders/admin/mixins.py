"""Admin pieces about orders that other apps' admins use too (integrations, aftersales): pages scoped to the
orders the user may see and list filters offering only visible shops and warehouses. The app-neutral pieces
(scoped object pages, read-only admins, grant pages) live in ``config.admin`` and are re-exported here."""

from __future__ import annotations

from django.contrib import admin

from config.admin import AccessGrantAdminMixin, ReadOnlyAdminMixin, ScopedAdminMixin, access_only_form
from orders.selectors import order_list_for_user, shop_list_for_user, warehouse_list_for_user

__all__ = [
    "AccessGrantAdminMixin",
    "OrderScopedMixin",
    "ReadOnlyAdminMixin",
    "ScopedAdminMixin",
    "VisibleShopFilter",
    "VisibleWarehouseFilter",
    "access_only_form",
]


class OrderScopedMixin(ScopedAdminMixin):
    order_path = "order"

    def get_queryset(self, request):
        visible = order_list_for_user(request.user).values("pk")
        return super().get_queryset(request).filter(**{f"{self.order_path}__in": visible})


class VisibleShopFilter(admin.RelatedFieldListFilter):
    """The shop filter offers only shops the user may see."""

    def field_choices(self, field, request, model_admin):
        return [(shop.pk, str(shop)) for shop in shop_list_for_user(request.user)]


class VisibleWarehouseFilter(admin.RelatedFieldListFilter):
    def field_choices(self, field, request, model_admin):
        return [(warehouse.pk, str(warehouse)) for warehouse in warehouse_list_for_user(request.user)]
