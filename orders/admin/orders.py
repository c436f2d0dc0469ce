"""Orders in the admin: scoped, masked for users without ``orders.view_consignee_pii``, status changes through
``orders.services.order_transition`` (admin actions); status, hold reason, amounts and numbering read-only."""

from __future__ import annotations

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.urls import reverse
from django.utils.translation import gettext, gettext_noop
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from config.admin import ReadOnlyInline
from config.messages import message
from orders.admin.mixins import ScopedAdminMixin, VisibleShopFilter, VisibleWarehouseFilter
from orders.exceptions import InvalidTransition
from orders.masking import mask_address, mask_email, mask_phone, user_sees_pii
from orders.models import Order, OrderEvent, OrderLine
from orders.models.orders import CONSIGNEE_FIELDS
from orders.selectors import order_list_for_user
from orders.services import order_event_record, order_transition
from orders.states import HoldReason, Status


class OrderLineInline(ReadOnlyInline):
    model = OrderLine
    fields = ["sku", "title", "quantity", "unit_price", "discount", "is_gift", "external_line_id"]
    readonly_fields = fields

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("sku")


class OrderEventInline(ReadOnlyInline):
    model = OrderEvent
    fields = ["at", "kind", "actor_display", "from_status", "to_status", "reason_shown"]
    readonly_fields = fields
    verbose_name_plural = _("timeline")

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("actor")

    @admin.display(description=_("by"))
    def actor_display(self, event):
        return event.actor_display

    @admin.display(description=_("reason"))
    def reason_shown(self, event):
        return event.reason_display


MASKED = {"consignee_phone": "masked_phone", "buyer_email": "masked_email", "address": "masked_address"}
HIDDEN_WITHOUT_PII = {"consignee_cipher"}
EDITABLE = {"queue", "priority", "tags", "seller_memo", *CONSIGNEE_FIELDS} - HIDDEN_WITHOUT_PII


@admin.register(Order)
class OrderAdmin(ScopedAdminMixin, SimpleHistoryAdmin):
    list_display = [
        "number",
        "shop",
        "external_id",
        "status",
        "hold_reason",
        "buyer_nick",
        "consignee_name",
        "consignee_phone",
        "address",
        "paid",
        "created_at",
        "promised_ship_at",
    ]
    list_filter = [
        "status",
        "hold_reason",
        "queue",
        "source",
        ("shop", VisibleShopFilter),
        ("warehouse", VisibleWarehouseFilter),
        "created_at",
    ]
    search_fields = ["number", "external_id", "buyer_nick", "consignee_name", "=consignee_phone"]
    list_select_related = ["shop", "warehouse"]
    list_per_page = 50
    date_hierarchy = "created_at"
    inlines = [OrderLineInline, OrderEventInline]
    actions = ["approve", "hold_manual", "cancel"]
    fieldsets = [
        (
            None,
            {
                "fields": [
                    "number",
                    "shop",
                    "external_id",
                    "source",
                    "status",
                    "hold_reason",
                    "hold_note_shown",
                    "warehouse",
                    "queue",
                    "priority",
                    "tags",
                ]
            },
        ),
        (
            _("Buyer and consignee"),
            {"fields": ["buyer_id", "buyer_nick", "buyer_level", "buyer_email", *CONSIGNEE_FIELDS]},
        ),
        (_("Remarks"), {"fields": ["buyer_remark", "seller_memo"]}),
        (
            _("Amounts"),
            {
                "fields": [
                    "currency",
                    "goods_amount",
                    "discount_platform",
                    "discount_merchant",
                    "shipping_fee",
                    "paid_amount",
                    "payment_method",
                ]
            },
        ),
        (_("Times"), {"fields": ["placed_at", "paid_at", "promised_ship_at", "created_at", "updated_at"]}),
    ]

    def get_queryset(self, request):
        return order_list_for_user(request.user)

    def view_on_site(self, order):
        return reverse("order-detail", args=[order.number])

    def has_add_permission(self, request):
        return False  # orders come in through the channels, the partner API and order_create

    def has_delete_permission(self, request, obj=None):
        return False  # an order is cancelled or closed, never deleted

    # masking

    def get_list_display(self, request):
        if user_sees_pii(request.user):
            return self.list_display
        return [MASKED.get(name, name) for name in self.list_display]

    def get_fieldsets(self, request, obj=None):
        if user_sees_pii(request.user):
            return self.fieldsets
        return [
            (
                title,
                {
                    **options,
                    "fields": [MASKED.get(f, f) for f in options["fields"] if f not in HIDDEN_WITHOUT_PII],
                },
            )
            for title, options in self.fieldsets
        ]

    def get_readonly_fields(self, request, obj=None):
        editable = EDITABLE if user_sees_pii(request.user) else EDITABLE - set(CONSIGNEE_FIELDS)
        fields = [f for _title, options in self.get_fieldsets(request, obj) for f in options["fields"]]
        return [f for f in fields if f not in editable]

    @admin.display(description=_("consignee phone"))
    def masked_phone(self, order):
        return mask_phone(order.consignee_phone)

    @admin.display(description=_("buyer e-mail"))
    def masked_email(self, order):
        return mask_email(order.buyer_email)

    @admin.display(description=_("detail address"))
    def masked_address(self, order):
        return mask_address(order.address)

    @admin.display(description=_("hold note"))
    def hold_note_shown(self, order):
        return order.hold_note_display  # in the reader's language when Order Hub wrote it

    @admin.display(description=_("paid amount"), ordering="paid_amount")
    def paid(self, order):
        return f"{order.paid_amount} {order.currency}"

    def set_history_delta_changes(self, request, historical_records, foreign_keys_are_objs=True):
        """The history page's "changes" column, without the consignee's personal data for masked users."""
        if user_sees_pii(request.user):
            return super().set_history_delta_changes(request, historical_records, foreign_keys_are_objs)
        previous = None
        for current in historical_records:
            if previous is not None:
                delta = previous.diff_against(
                    current,
                    excluded_fields=[*MASKED, *HIDDEN_WITHOUT_PII],
                    foreign_keys_are_objs=foreign_keys_are_objs,
                )
                helper = self.get_historical_record_context_helper(request, previous)
                previous.history_delta_changes = helper.context_for_delta_changes(delta)
            previous = current

    def revert_disabled(self, request, obj=None):
        return True  # reverting would bypass the lifecycle; status changes go through order_transition

    # editing: only the EDITABLE fields, on a fresh locked row, with a timeline entry

    def save_model(self, request, obj, form, change):
        if not change:
            raise PermissionDenied
        changed = [name for name in form.changed_data if name in EDITABLE]
        if not changed:
            return
        with transaction.atomic():
            locked = Order.objects.select_for_update().get(pk=obj.pk)
            for name in changed:
                setattr(locked, name, form.cleaned_data[name])
            locked.save(update_fields=[*changed, "updated_at"])
            order_event_record(
                order=locked,
                kind=OrderEvent.Kind.UPDATED,
                actor=request.user,
                reason=message(gettext_noop("Edited in admin: %(fields)s"), fields=", ".join(changed)),
                data={"fields": changed},
            )
        obj.refresh_from_db()

    # lifecycle actions

    @admin.action(description=_("Approve the selected orders"), permissions=["change"])
    def approve(self, request, queryset):
        self._transition_each(request, queryset, Status.APPROVED)

    @admin.action(description=_("Put the selected orders on hold (held by staff)"), permissions=["change"])
    def hold_manual(self, request, queryset):
        self._transition_each(request, queryset, Status.ON_HOLD, hold_reason=HoldReason.MANUAL)

    @admin.action(description=_("Cancel the selected orders"), permissions=["change"])
    def cancel(self, request, queryset):
        self._transition_each(request, queryset, Status.CANCELLED)

    def _transition_each(self, request, queryset, to_status: str, hold_reason: str = "") -> None:
        moved = 0
        for order in queryset.order_by("pk"):
            try:
                order_transition(
                    order=order,
                    to_status=to_status,
                    actor=request.user,
                    reason=message(gettext_noop("Admin action")),
                    hold_reason=hold_reason,
                )
            except InvalidTransition as error:
                self.message_user(request, f"{order.number}: {error.message}", level=messages.ERROR)
            else:
                moved += 1
        if moved:
            self.message_user(
                request,
                gettext("%(count)d order(s) moved to %(status)s.")
                % {"count": moved, "status": Status(to_status).label},
                level=messages.SUCCESS,
            )
