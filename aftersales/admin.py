"""Django admin for after-sales: cases (with their lines, evidence, timeline and decisions) and refund executions
are scoped to the orders the user may see, unknown parcels to the warehouses; all read-only (services write
them). Approval tiers and the risk policy are set here by managers."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from simple_history.admin import SimpleHistoryAdmin

from aftersales.models import (
    ApprovalTier,
    Case,
    CaseDecision,
    CaseEvent,
    CaseEvidence,
    CaseLine,
    Payout,
    RiskPolicy,
    UnknownParcel,
)
from aftersales.services import payout_replay
from config.admin import ReadOnlyInline
from inventory.selectors import stock_warehouses_for_user
from orders.admin.mixins import OrderScopedMixin, ReadOnlyAdminMixin, VisibleShopFilter, VisibleWarehouseFilter


class CaseLineInline(ReadOnlyInline):
    model = CaseLine
    fields = ["sku", "quantity", "amount", "received_quantity", "condition"]
    readonly_fields = fields


class CaseEvidenceInline(ReadOnlyInline):
    model = CaseEvidence
    fields = ["kind", "file", "caption", "uploaded_by", "uploaded_at"]
    readonly_fields = fields


class CaseEventInline(ReadOnlyInline):
    model = CaseEvent
    fields = ["at", "kind", "from_status", "to_status", "actor", "system", "note"]
    readonly_fields = fields


class CaseDecisionInline(ReadOnlyInline):
    model = CaseDecision
    fields = ["at", "verdict", "actor", "automatic", "tier", "amount", "reason"]
    readonly_fields = fields


@admin.register(Case)
class CaseAdmin(OrderScopedMixin, ReadOnlyAdminMixin, SimpleHistoryAdmin):
    list_display = ["number", "order", "shop", "kind", "status", "case_amount", "source", "external_id", "deadline_at"]
    list_filter = ["status", "kind", "source", ("order__shop", VisibleShopFilter), "requested_at"]
    search_fields = ["number", "order__number", "order__external_id", "external_id", "reason"]
    list_select_related = ["order", "order__shop"]
    date_hierarchy = "created_at"
    inlines = [CaseLineInline, CaseEvidenceInline, CaseDecisionInline, CaseEventInline]

    @admin.display(description=_("shop"), ordering="order__shop__code")
    def shop(self, case):
        return case.order.shop

    @admin.display(description=_("amount"), ordering="amount")
    def case_amount(self, case):
        return f"{case.amount} {case.currency}"


class _CasePartAdmin(OrderScopedMixin, ReadOnlyAdminMixin, SimpleHistoryAdmin):
    """A part of a case (its lines, evidence, timeline, decisions), scoped to the orders the user may see."""

    order_path = "case__order"
    list_select_related = ["case"]
    search_fields = ["case__number"]


@admin.register(CaseLine)
class CaseLineAdmin(_CasePartAdmin):
    list_display = ["case", "sku", "quantity", "amount", "received_quantity", "condition"]


@admin.register(CaseEvidence)
class CaseEvidenceAdmin(_CasePartAdmin):
    list_display = ["case", "kind", "file", "uploaded_by", "uploaded_at"]


@admin.register(CaseEvent)
class CaseEventAdmin(_CasePartAdmin):
    list_display = ["case", "at", "kind", "from_status", "to_status", "system", "note"]
    list_filter = ["kind"]


@admin.register(CaseDecision)
class CaseDecisionAdmin(_CasePartAdmin):
    list_display = ["case", "at", "verdict", "actor", "automatic", "tier", "amount"]
    list_filter = ["verdict", "automatic"]


@admin.register(Payout)
class PayoutAdmin(OrderScopedMixin, ReadOnlyAdminMixin, SimpleHistoryAdmin):
    order_path = "case__order"
    list_display = [
        "request_no",
        "case",
        "method",
        "provider",
        "amount",
        "status",
        "attempts",
        "error_code",
        "updated_at",
    ]
    list_filter = ["status", "method", "provider"]
    search_fields = ["request_no", "case__number", "reference"]
    list_select_related = ["case"]
    actions = ["replay"]

    def has_replay_permission(self, request) -> bool:
        return request.user.has_perm("aftersales.change_case")

    @admin.action(description=_("Send the parked refund executions again"), permissions=["replay"])
    def replay(self, request, queryset):
        sent = 0
        for payout in queryset.filter(status=Payout.Status.PARKED):
            sent += payout_replay(payout=payout, actor=request.user).status == Payout.Status.PENDING
        self.message_user(
            request, ngettext("%(n)d execution sent again.", "%(n)d executions sent again.", sent) % {"n": sent}
        )


@admin.register(ApprovalTier)
class ApprovalTierAdmin(SimpleHistoryAdmin):
    list_display = [
        "name",
        "approver",
        "max_amount",
        "clean_history_only",
        "history_days",
        "finance_check",
        "is_active",
    ]
    list_editable = ["is_active"]
    list_filter = ["approver", "is_active"]


@admin.register(RiskPolicy)
class RiskPolicyAdmin(SimpleHistoryAdmin):
    """Managers set how a case's risk score is made and where high risk starts (the newest active one counts)."""

    list_display = ["name", "window_days", "points_per_case", "value_from", "watch_from", "high_from", "is_active"]
    list_filter = ["is_active"]


@admin.register(UnknownParcel)
class UnknownParcelAdmin(ReadOnlyAdminMixin, SimpleHistoryAdmin):
    """Parcels that matched no case, in the warehouses the user may see (registered and linked on the returns
    page of the warehouse)."""

    list_display = ["scanned", "tracking_number", "warehouse", "registered_at", "registered_by", "case", "linked_at"]
    list_filter = [("warehouse", VisibleWarehouseFilter), "registered_at"]
    search_fields = ["scanned", "tracking_number", "sender", "note", "case__number"]
    list_select_related = ["warehouse", "case"]

    def get_queryset(self, request):
        return super().get_queryset(request).filter(warehouse__in=stock_warehouses_for_user(request.user))
