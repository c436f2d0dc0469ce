"""Django admin for warehouses and SKUs. Warehouses are scoped to the ones the user may work on; who may
work on a warehouse is granted by administrators on its "Who may work on this" page (django-guardian)."""

from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from config.admin import AccessGrantAdminMixin, ScopedAdminMixin
from inventory.access import warehouse_access_grant
from inventory.models import SKU, Warehouse
from inventory.selectors import stock_warehouses_for_user, user_sees_all_stock


@admin.register(Warehouse)
class WarehouseAdmin(ScopedAdminMixin, AccessGrantAdminMixin, SimpleHistoryAdmin):
    access_codename = "access_warehouse"
    list_display = ["code", "name", "kind", "province", "city", "priority", "is_active"]
    list_filter = ["kind", "province", "is_active"]
    search_fields = ["code", "name", "city", "address"]

    def get_queryset(self, request):
        warehouses = super().get_queryset(request)
        if user_sees_all_stock(request.user):
            return warehouses
        return warehouses.filter(pk__in=stock_warehouses_for_user(request.user).values("pk"))

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        if not change and not user_sees_all_stock(request.user):
            warehouse_access_grant(who=request.user, warehouses=obj)


@admin.register(SKU)
class SKUAdmin(SimpleHistoryAdmin):
    list_display = [
        "code",
        "name",
        "barcode",
        "category",
        "weight_grams",
        "is_fragile",
        "is_cold_chain",
        "is_presale",
        "is_active",
    ]
    list_filter = ["is_active", "is_fragile", "is_cold_chain", "is_presale", "category"]
    search_fields = ["code", "barcode", "name", "category"]


from inventory import admin_stock  # noqa: E402,F401
