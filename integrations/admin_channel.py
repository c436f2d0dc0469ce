"""Admin for the channel integrations' own records (the ShopConnection admin lives in admin.py).

Inbox, outbox, channel state, rejections, count checks and imports are written by services only: they are
viewable here, and changed only through actions that call services (replay dead letters, retry outbox).
Rows are scoped to the shops the user may see.
"""

from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from simple_history.admin import SimpleHistoryAdmin

from integrations.models import (
    ChannelListing,
    ChannelOrderState,
    CountCheck,
    FieldMapping,
    ImportJob,
    InboxMessage,
    OutboxMessage,
    WebhookRejection,
)
from orders.admin import ReadOnlyAdminMixin, ScopedAdminMixin, VisibleShopFilter
from orders.selectors import shop_list_for_user, user_sees_all_orders


class ShopScopedAdmin(ScopedAdminMixin, SimpleHistoryAdmin):
    def get_queryset(self, request):
        rows = super().get_queryset(request)
        if user_sees_all_orders(request.user):
            return rows
        return rows.filter(shop__in=shop_list_for_user(request.user).values("pk"))


class ServiceWrittenAdmin(ReadOnlyAdminMixin, ShopScopedAdmin):
    pass


@admin.register(InboxMessage)
class InboxMessageAdmin(ServiceWrittenAdmin):
    list_display = [
        "id",
        "shop",
        "platform",
        "kind",
        "topic",
        "external_id",
        "status",
        "result",
        "attempts",
        "received_at",
    ]
    list_filter = ["status", "kind", "platform", "result"]
    search_fields = ["external_id", "event_id", "topic", "shop__code", "last_error"]
    list_select_related = ["shop"]
    readonly_fields = [f.name for f in InboxMessage._meta.fields]
    actions = ["replay_dead_letters"]
    date_hierarchy = "received_at"

    @admin.action(description=_("Replay the selected dead letters"), permissions=["change"])
    def replay_dead_letters(self, request, queryset):
        from integrations.inbox import dead_letter_replay

        count = dead_letter_replay(message_ids=list(queryset.values_list("pk", flat=True)), actor=request.user)
        self.message_user(
            request,
            ngettext("%d dead letter queued again.", "%d dead letters queued again.", count) % count,
            messages.SUCCESS if count else messages.WARNING,
        )

    def has_change_permission(self, request, obj=None):
        # Needed for the replay action; the form itself stays read-only.
        return request.user.has_perm("integrations.change_inboxmessage")


@admin.register(OutboxMessage)
class OutboxMessageAdmin(ServiceWrittenAdmin):
    list_display = ["id", "shop", "kind", "dedup_key", "status", "attempts", "next_attempt_at", "sent_at"]
    list_filter = ["status", "kind"]
    search_fields = ["dedup_key", "shop__code", "last_error"]
    list_select_related = ["shop"]
    readonly_fields = [f.name for f in OutboxMessage._meta.fields]
    actions = ["retry_now"]

    @admin.action(description=_("Retry the selected failed or dead messages now"), permissions=["change"])
    def retry_now(self, request, queryset):
        from integrations.outbox import outbox_retry

        count = outbox_retry(message_ids=list(queryset.values_list("pk", flat=True)))
        self.message_user(request, ngettext("%d message queued.", "%d messages queued.", count) % count)

    def has_change_permission(self, request, obj=None):
        return request.user.has_perm("integrations.change_outboxmessage")


@admin.register(ChannelOrderState)
class ChannelOrderStateAdmin(ServiceWrittenAdmin):
    list_display = ["shop", "external_id", "order", "platform_status", "modified_at", "updated_at"]
    list_filter = ["shop__platform"]
    search_fields = ["external_id", "order__number", "shop__code"]
    list_select_related = ["shop", "order"]


@admin.register(ChannelListing)
class ChannelListingAdmin(ServiceWrittenAdmin):
    """Written by the catalog sync (action *Sync the catalogue* on shop connections, ``manage.py listings_sync``)."""

    list_display = ["shop", "sku_code", "title", "product_id", "variant_id", "inventory_item_id", "synced_at"]
    list_filter = ["shop__platform", ("shop", VisibleShopFilter)]
    search_fields = ["sku_code", "title", "variant_id", "inventory_item_id", "shop__code"]
    list_select_related = ["shop"]


@admin.register(WebhookRejection)
class WebhookRejectionAdmin(ReadOnlyAdminMixin, ScopedAdminMixin, SimpleHistoryAdmin):
    list_display = ["at", "platform", "shop_code", "reason", "remote_addr", "topic"]
    list_filter = ["platform"]
    search_fields = ["shop_code", "reason", "remote_addr"]
    date_hierarchy = "at"

    def get_queryset(self, request):
        rows = super().get_queryset(request)
        if user_sees_all_orders(request.user):
            return rows
        return rows.filter(shop__in=shop_list_for_user(request.user).values("pk"))


@admin.register(CountCheck)
class CountCheckAdmin(ServiceWrittenAdmin):
    list_display = ["day", "shop", "platform_count", "hub_count", "gap_ratio", "checked_at"]
    list_filter = ["day"]
    search_fields = ["shop__code"]


@admin.register(ImportJob)
class ImportJobAdmin(ServiceWrittenAdmin):
    list_display = [
        "file_name",
        "shop",
        "profile",
        "status",
        "total_orders",
        "created",
        "duplicates",
        "failed",
        "created_at",
    ]
    list_filter = ["status", "profile"]
    search_fields = ["file_name", "shop__code"]


@admin.register(FieldMapping)
class FieldMappingAdmin(SimpleHistoryAdmin):
    """Overrides of the adapters' field-mapping dictionaries; each is checked before it is saved."""

    list_display = ["profile", "section", "key", "value", "note", "updated_at"]
    list_filter = ["profile", "section"]
    search_fields = ["key", "value", "note"]

    def get_form(self, request, obj=None, **kwargs):
        from integrations.forms import FieldMappingForm

        kwargs["form"] = FieldMappingForm
        return super().get_form(request, obj, **kwargs)
