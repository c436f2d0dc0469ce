"""Django admin for refunds: scoped to the orders the user may see, read-only (refunds are recorded by
``aftersales.services.refund_record`` from the platforms and the back office, never typed in here)."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from aftersales.models import Refund
from orders.admin import ReadOnlyAdminMixin, ScopedAdminMixin, VisibleShopFilter
from orders.selectors import order_list_for_user


@admin.register(Refund)
class RefundAdmin(ScopedAdminMixin, ReadOnlyAdminMixin, SimpleHistoryAdmin):
    list_display = ["order", "shop", "external_id", "kind", "status", "refund_amount", "requested_at", "refunded_at"]
    list_filter = ["status", "kind", ("order__shop", VisibleShopFilter), "requested_at"]
    search_fields = ["order__number", "order__external_id", "external_id", "reason"]
    list_select_related = ["order", "order__shop"]
    date_hierarchy = "created_at"

    def get_queryset(self, request):
        return super().get_queryset(request).filter(order__in=order_list_for_user(request.user).values("pk"))

    @admin.display(description=_("shop"), ordering="order__shop__code")
    def shop(self, refund):
        return refund.order.shop

    @admin.display(description=_("amount"), ordering="amount")
    def refund_amount(self, refund):
        return f"{refund.amount} {refund.currency}"
