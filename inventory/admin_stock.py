"""Admin for stock. Levels, the ledger and reservations are read-only here: quantities change only
through inventory.services (receipts, adjustments, transfers, counts, orders). Allocation and safety-stock
rules are edited here and saved through their services."""

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.views.main import ChangeList
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from config.admin import ReadOnlyAdminMixin
from config.errors import ApplicationError
from inventory.models import (
    ChannelStock,
    Reservation,
    SafetyStock,
    Stock,
    StockCount,
    StockCountLine,
    StockMovement,
)
from inventory.services import channel_stock_set, safety_stock_set, stock_count_apply
from inventory.shops import shop_names


class ReadOnlyAdmin(ReadOnlyAdminMixin, SimpleHistoryAdmin):
    pass


@admin.register(Stock)
class StockAdmin(ReadOnlyAdmin):
    list_display = ["sku", "warehouse", "pool", "on_hand", "reserved", "available"]
    list_filter = ["pool", "warehouse"]
    search_fields = ["sku__code", "sku__name", "warehouse__code"]
    list_select_related = ["sku", "warehouse"]


@admin.register(StockMovement)
class StockMovementAdmin(ReadOnlyAdmin):
    list_display = [
        "at",
        "kind",
        "sku",
        "warehouse",
        "pool",
        "on_hand_delta",
        "reserved_delta",
        "reference",
        "reason_shown",
    ]
    list_filter = ["kind", "pool", "warehouse"]
    search_fields = ["sku__code", "reference", "reason"]
    list_select_related = ["sku", "warehouse"]
    date_hierarchy = "at"

    @admin.display(description=_("reason"))
    def reason_shown(self, movement):
        return movement.reason_display


@admin.register(Reservation)
class ReservationAdmin(ReadOnlyAdmin):
    list_display = ["reference", "order_line_id", "stock", "quantity", "state", "created_at", "closed_at"]
    list_filter = ["state"]
    search_fields = ["reference", "stock__sku__code"]
    list_select_related = ["stock"]


def _shop_choices() -> list[tuple[int, str]]:
    return sorted(((pk, str(name)) for pk, name in shop_names().items()), key=lambda choice: choice[1])


class ChannelStockForm(forms.ModelForm):
    # A channel row names its shop by id (inventory.shops); the admin picks it by code and name.
    shop_id = forms.TypedChoiceField(label=_("shop"), coerce=int, choices=_shop_choices)

    class Meta:
        model = ChannelStock
        fields = ["shop_id", "sku", "rule", "percent", "quota", "pause_on_safety", "is_active"]


class ShopFilter(admin.SimpleListFilter):
    title = _("shop")
    parameter_name = "shop_id"

    def lookups(self, request, model_admin):
        return _shop_choices()

    def queryset(self, request, queryset):
        return queryset.filter(shop_id=self.value()) if self.value() else queryset


class ChannelStockChangeList(ChangeList):
    """Reads the names of the listed rows' shops in one directory call, not one per row."""

    def get_results(self, request):
        super().get_results(request)
        names = shop_names(row.shop_id for row in self.result_list)
        for row in self.result_list:
            row.shop_name = names[row.shop_id]


@admin.register(ChannelStock)
class ChannelStockAdmin(SimpleHistoryAdmin):
    form = ChannelStockForm
    list_display = [
        "shop",
        "sku",
        "rule",
        "percent",
        "quota",
        "pause_on_safety",
        "computed_quantity",
        "last_pushed_quantity",
        "paused",
        "dirty",
        "is_active",
    ]
    list_filter = ["rule", "paused", "dirty", "is_active", ShopFilter]
    search_fields = ["sku__code"]
    fields = ["shop_id", "sku", "rule", "percent", "quota", "pause_on_safety", "is_active"]
    autocomplete_fields = ["sku"]
    list_select_related = ["sku"]

    @admin.display(description=_("shop"), ordering="shop_id")
    def shop(self, obj: ChannelStock) -> str:
        name = getattr(obj, "shop_name", None) or shop_names([obj.shop_id])[obj.shop_id]
        return str(name)

    def get_changelist(self, request, **kwargs):
        return ChannelStockChangeList

    def save_model(self, request, obj, form, change):
        try:
            saved = channel_stock_set(
                shop_id=obj.shop_id,
                sku=obj.sku,
                rule=obj.rule,
                percent=obj.percent,
                quota=obj.quota,
                pause_on_safety=obj.pause_on_safety,
                is_active=obj.is_active,
            )
        except ApplicationError as exc:
            self.message_user(request, exc.message, messages.ERROR)
            return
        obj.pk = saved.pk


@admin.register(SafetyStock)
class SafetyStockAdmin(SimpleHistoryAdmin):
    list_display = ["sku", "mode", "fixed_quantity", "lead_days", "threshold", "computed_at"]
    list_filter = ["mode"]
    search_fields = ["sku__code", "sku__name"]
    fields = ["sku", "mode", "fixed_quantity", "lead_days"]
    autocomplete_fields = ["sku"]

    def save_model(self, request, obj, form, change):
        try:
            saved = safety_stock_set(
                sku=obj.sku, mode=obj.mode, fixed_quantity=obj.fixed_quantity, lead_days=obj.lead_days
            )
        except ApplicationError as exc:
            self.message_user(request, exc.message, messages.ERROR)
            return
        obj.pk = saved.pk


class StockCountLineInline(admin.TabularInline):
    model = StockCountLine
    extra = 0
    can_delete = False
    fields = ["sku", "pool", "system_quantity", "counted_quantity", "counted_at"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(StockCount)
class StockCountAdmin(SimpleHistoryAdmin):
    list_display = ["__str__", "warehouse", "reason", "state", "created_by", "created_at", "applied_at"]
    list_filter = ["state", "warehouse"]
    search_fields = ["reason"]
    readonly_fields = ["warehouse", "reason", "state", "created_by", "created_at", "applied_by", "applied_at"]
    inlines = [StockCountLineInline]
    actions = ["apply_counts"]

    def has_add_permission(self, request):
        return False

    @admin.action(description=_("Apply the selected counts"), permissions=["change"])
    def apply_counts(self, request, queryset):
        for count in queryset:
            try:
                stock_count_apply(count=count, actor=request.user)
            except ApplicationError as exc:
                self.message_user(request, f"{count}: {exc.message}", messages.ERROR)


@admin.register(StockCountLine)
class StockCountLineAdmin(ReadOnlyAdmin):
    list_display = ["count", "sku", "pool", "system_quantity", "counted_quantity", "counted_at"]
    list_filter = ["pool"]
    search_fields = ["sku__code"]
