"""Django admin for shops and orders, scoped like every other view of Order Hub.

- Every changelist and object page shows only what ``orders.selectors`` lets the user see; an object
  outside that scope is a 404 on its change, delete and history pages (simple-history's own views do not
  scope, so ``ScopedAdminMixin`` checks before them).
- Status changes go through ``orders.services.order_transition`` (admin actions); status, hold reason,
  amounts and numbering are read-only.
- Consignee phone and detail address are masked for users without ``orders.view_consignee_pii`` in the
  changelist, the change form and the history pages.
- Who may work on which shop/warehouse (django-guardian) is granted on the "Who may work on this" page
  of a shop or warehouse (guardian's object-permission pages), by administrators only, and only the
  access permission is offered there.
"""

from __future__ import annotations

from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import Http404
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from guardian.admin import (
    AdminGroupObjectPermissionsForm,
    AdminUserObjectPermissionsForm,
    GuardedModelAdminMixin,
)
from simple_history.admin import SimpleHistoryAdmin

from orders.access import shop_access_grant
from orders.exceptions import InvalidTransition
from orders.masking import mask_address, mask_phone, user_sees_pii
from orders.models import IdempotencyKey, Order, OrderEvent, OrderLine, OrderNumberCounter, Shop
from orders.selectors import order_list_for_user, shop_list_for_user, user_sees_all_orders, warehouse_list_for_user
from orders.services import order_event_record, order_transition
from orders.states import HoldReason, Status

admin.site.site_header = _("Order Hub administration")
admin.site.site_title = _("Order Hub")
admin.site.index_title = _("Order Hub administration")


# --- shared pieces (also used by the inventory, integrations and aftersales admins) ------------------------


class ScopedAdminMixin:
    """Object pages 404 unless the object is in ``get_queryset(request)`` — including simple-history's
    history list and historical-version pages, which would otherwise look objects up unscoped."""

    def _visible_or_404(self, request, object_id) -> None:
        try:
            visible = self.get_queryset(request).filter(pk=unquote(object_id)).exists()
        except (ValueError, TypeError, ValidationError):
            visible = False
        if not visible:
            raise Http404(gettext("No such object, or you may not see it."))

    def change_view(self, request, object_id, form_url="", extra_context=None):
        self._visible_or_404(request, object_id)
        return super().change_view(request, object_id, form_url, extra_context)

    def delete_view(self, request, object_id, extra_context=None):
        self._visible_or_404(request, object_id)
        return super().delete_view(request, object_id, extra_context)

    def history_view(self, request, object_id, extra_context=None):
        self._visible_or_404(request, object_id)
        return super().history_view(request, object_id, extra_context)

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        self._visible_or_404(request, object_id)
        return super().history_form_view(request, object_id, version_id, extra_context)


class ReadOnlyAdminMixin:
    """Records written only by services (audit rows, counters, keys): viewable, never edited here."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class VisibleShopFilter(admin.RelatedFieldListFilter):
    """The shop filter offers only shops the user may see."""

    def field_choices(self, field, request, model_admin):
        return [(shop.pk, str(shop)) for shop in shop_list_for_user(request.user)]


class VisibleWarehouseFilter(admin.RelatedFieldListFilter):
    def field_choices(self, field, request, model_admin):
        return [(warehouse.pk, str(warehouse)) for warehouse in warehouse_list_for_user(request.user)]


def _access_only_form(base, codename: str):
    """Guardian's object-permission form, offering only the access permission (not add/change/delete)."""

    class AccessOnlyForm(base):
        def get_obj_perms_field_choices(self):
            return [(code, name) for code, name in super().get_obj_perms_field_choices() if code == codename]

    return AccessOnlyForm


class AccessGrantAdminMixin(GuardedModelAdminMixin):
    """Guardian's object-permission pages ("Who may work on this") for granting access to a shop or warehouse.

    Only administrators (``orders.view_all_orders``, superusers) may grant, and only ``access_codename``.
    """

    access_codename = ""
    change_form_template = "admin/orders/access_change_form.html"

    def _may_grant(self, request) -> bool:
        return user_sees_all_orders(request.user)

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        context["may_grant_access"] = self._may_grant(request)
        return super().render_change_form(request, context, add, change, form_url, obj)

    def obj_perms_manage_view(self, request, object_pk):
        if not self._may_grant(request):
            raise PermissionDenied
        return super().obj_perms_manage_view(request, object_pk)

    def obj_perms_manage_user_view(self, request, object_pk, user_id):
        if not self._may_grant(request):
            raise PermissionDenied
        return super().obj_perms_manage_user_view(request, object_pk, user_id)

    def obj_perms_manage_group_view(self, request, object_pk, group_id):
        if not self._may_grant(request):
            raise PermissionDenied
        return super().obj_perms_manage_group_view(request, object_pk, group_id)

    def get_obj_perms_manage_user_form(self, request):
        return _access_only_form(AdminUserObjectPermissionsForm, self.access_codename)

    def get_obj_perms_manage_group_form(self, request):
        return _access_only_form(AdminGroupObjectPermissionsForm, self.access_codename)


# --- shops -------------------------------------------------------------------------------------------------


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


# --- orders ------------------------------------------------------------------------------------------------


class OrderLineInline(admin.TabularInline):
    model = OrderLine
    fields = ["sku", "title", "quantity", "unit_price", "discount", "is_gift", "external_line_id"]
    readonly_fields = fields
    extra = 0
    can_delete = False
    show_change_link = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("sku")


class OrderEventInline(admin.TabularInline):
    model = OrderEvent
    fields = ["at", "kind", "actor_display", "from_status", "to_status", "reason"]
    readonly_fields = fields
    extra = 0
    can_delete = False
    verbose_name_plural = _("timeline")

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("actor")

    @admin.display(description=_("by"))
    def actor_display(self, event):
        return event.actor_display


# Consignee fields that users without orders.view_consignee_pii only ever see masked.
MASKED = {"consignee_phone": "masked_phone", "address": "masked_address"}
# Never shown to those users at all (platform ciphertexts and handles).
HIDDEN_WITHOUT_PII = {"consignee_cipher"}
CONSIGNEE_FIELDS = [
    "consignee_name",
    "consignee_phone",
    "country",
    "province",
    "city",
    "district",
    "address",
    "postal_code",
    "consignee_cipher",
]
# What may be edited here; everything else about an order comes from its channel or its services.
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
                    "hold_note",
                    "warehouse",
                    "queue",
                    "priority",
                    "tags",
                ]
            },
        ),
        (_("Buyer and consignee"), {"fields": ["buyer_id", "buyer_nick", "buyer_level", *CONSIGNEE_FIELDS]}),
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

    @admin.display(description=_("detail address"))
    def masked_address(self, order):
        return mask_address(order.address)

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
                reason=gettext("Edited in admin: %(fields)s") % {"fields": ", ".join(changed)},
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
                    reason=gettext("Admin action"),
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


# --- timeline, lines, numbering, idempotency keys (read-only) -----------------------------------------------------


@admin.register(OrderEvent)
class OrderEventAdmin(ScopedAdminMixin, ReadOnlyAdminMixin, SimpleHistoryAdmin):
    list_display = ["order", "at", "kind", "who", "from_status", "to_status", "reason"]
    list_filter = ["kind", "to_status", "at"]
    search_fields = ["order__number", "reason", "system", "actor__username"]
    list_select_related = ["order", "actor"]
    date_hierarchy = "at"

    def get_queryset(self, request):
        return super().get_queryset(request).filter(order__in=order_list_for_user(request.user).values("pk"))

    @admin.display(description=_("by"))
    def who(self, event):
        return event.actor_display


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


from orders import admin_rules  # noqa: E402,F401
