"""Admin for the fulfilment tables. The carrier library (carriers and their platform codes) is edited here
by staff; state changes of waves, parcels and work items go through the services (admin actions)."""

from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop
from simple_history.admin import SimpleHistoryAdmin

from config.admin import ReadOnlyAdminMixin
from config.errors import ApplicationError
from config.messages import message
from fulfilment.models import (
    Carrier,
    CarrierPlatformCode,
    EtaBacktest,
    LabelPrint,
    Location,
    PickTask,
    ReportDelivery,
    SandboxWaybill,
    ScanEvent,
    Shipment,
    ShipmentInterception,
    SKUPlacement,
    TrackingEvent,
    TrackingPush,
    WarehouseCarrier,
    Wave,
    WaveOrder,
    WaybillAccount,
    WaybillAttempt,
    WaybillCancellation,
    WorkItem,
)
from fulfilment.services import (
    carriers_sync,
    shipment_intercept,
    tracking_push_replay,
    wave_cancel,
    waybill_cancellation_retry_now,
    work_item_resolve,
)
from fulfilment.services.locations import location_path


class CarrierPlatformCodeInline(admin.TabularInline):
    model = CarrierPlatformCode
    extra = 0


@admin.register(Carrier)
class CarrierAdmin(SimpleHistoryAdmin):
    list_display = ("code", "name", "kind", "max_weight_grams", "api_base_url", "is_active")
    list_filter = ("kind", "is_active")
    search_fields = ("code", "name", "platform_codes__code")
    inlines = [CarrierPlatformCodeInline]
    actions = ["sync_from_bundled_list"]

    @admin.action(description=_("Load missing carriers and codes from the bundled list"))
    def sync_from_bundled_list(self, request, queryset):
        result = carriers_sync()
        self.message_user(
            request, _("Carriers: %(created)d created, %(updated)d updated, %(codes_added)d codes added.") % result
        )


@admin.register(CarrierPlatformCode)
class CarrierPlatformCodeAdmin(SimpleHistoryAdmin):
    list_display = ("carrier", "platform", "code")
    list_filter = ("platform",)
    search_fields = ("carrier__code", "carrier__name", "code")


@admin.register(WarehouseCarrier)
class WarehouseCarrierAdmin(SimpleHistoryAdmin):
    list_display = ("warehouse", "carrier", "priority", "for_same_city", "for_urgent", "is_active")
    list_filter = ("warehouse", "for_same_city", "for_urgent", "is_active")
    search_fields = ("carrier__code", "warehouse__code")


@admin.register(Location)
class LocationAdmin(SimpleHistoryAdmin):
    list_display = ("code", "warehouse", "zone", "aisle", "bay", "level", "path", "is_active")
    list_filter = ("warehouse", "zone", "is_active")
    search_fields = ("code",)

    def save_model(self, request, obj, form, change):
        obj.path = location_path(zone=obj.zone, aisle=obj.aisle, bay=obj.bay, level=obj.level)
        super().save_model(request, obj, form, change)


@admin.register(SKUPlacement)
class SKUPlacementAdmin(SimpleHistoryAdmin):
    list_display = ("sku", "warehouse", "location", "updated_at")
    list_filter = ("warehouse", "location__zone")
    search_fields = ("sku__code", "location__code")
    raw_id_fields = ("sku", "location")


class WaveOrderInline(admin.TabularInline):
    model = WaveOrder
    extra = 0
    can_delete = False
    readonly_fields = ("order", "sequence", "tote", "carrier", "status")


@admin.register(Wave)
class WaveAdmin(SimpleHistoryAdmin):
    list_display = ("number", "warehouse", "strategy", "carrier", "capacity", "status", "assignee", "created_at")
    list_filter = ("status", "strategy", "warehouse")
    search_fields = ("number", "wave_orders__order__number")
    readonly_fields = (
        "number",
        "warehouse",
        "strategy",
        "carrier",
        "capacity",
        "status",
        "created_by",
        "created_at",
        "picked_at",
    )
    inlines = [WaveOrderInline]
    actions = ["cancel_waves"]

    @admin.action(description=_("Cancel the selected waves (orders go back to approved)"))
    def cancel_waves(self, request, queryset):
        for wave in queryset:
            try:
                wave_cancel(wave=wave, actor=request.user, reason=message(gettext_noop("in the admin")))
            except Exception as exc:  # noqa: BLE001 - report each wave's own error
                self.message_user(request, f"{wave}: {exc}", messages.ERROR)


@admin.register(WaveOrder)
class WaveOrderAdmin(SimpleHistoryAdmin):
    list_display = ("wave", "order", "sequence", "tote", "carrier", "status")
    list_filter = ("status",)
    search_fields = ("order__number", "tote", "wave__number")
    raw_id_fields = ("wave", "order")


@admin.register(PickTask)
class PickTaskAdmin(SimpleHistoryAdmin):
    list_display = ("wave", "sequence", "location", "sku", "quantity", "picked_quantity", "status", "picked_by")
    list_filter = ("status",)
    search_fields = ("wave__number", "sku__code", "location__code")
    raw_id_fields = ("wave", "wave_order", "order_line", "sku", "location")


@admin.register(ScanEvent)
class ScanEventAdmin(SimpleHistoryAdmin):
    list_display = ("at", "station", "kind", "scanned", "expected", "quantity", "user", "order")
    list_filter = ("station", "kind")
    search_fields = ("scanned", "expected", "order__number")
    raw_id_fields = ("wave", "task", "order")


class WaybillAttemptShown:
    """An e-waybill attempt's message in the reader's language when Order Hub wrote it."""

    @admin.display(description=_("message"))
    def message_shown(self, attempt):
        return attempt.message_display


class WaybillAttemptInline(WaybillAttemptShown, admin.TabularInline):
    model = WaybillAttempt
    extra = 0
    can_delete = False
    readonly_fields = (
        "at",
        "carrier",
        "ok",
        "block_reason",
        "message_shown",
        "tracking_number",
        "duration_ms",
        "actor",
    )
    exclude = ("response", "message")  # the message shown as message_shown


class TrackingEventInline(admin.TabularInline):
    model = TrackingEvent
    extra = 0
    can_delete = False
    readonly_fields = ("occurred_at", "kind", "description", "province", "city", "source", "external_id")


@admin.register(Shipment)
class ShipmentAdmin(SimpleHistoryAdmin):
    list_display = (
        "order",
        "carrier",
        "tracking_number",
        "status",
        "block_reason",
        "weight_grams",
        "shipped_at",
        "delivered_at",
    )
    list_filter = ("status", "block_reason", "carrier", "warehouse")
    search_fields = ("order__number", "tracking_number")
    raw_id_fields = ("order",)
    exclude = ("block_message", "block_message_message")  # shown as block_message_shown
    readonly_fields = [
        *(f.name for f in Shipment._meta.fields if f.name not in ("id", "block_message", "block_message_message")),
        "block_message_shown",
    ]
    inlines = [WaybillAttemptInline, TrackingEventInline]
    actions = ["intercept"]

    @admin.display(description=_("block detail"))
    def block_message_shown(self, shipment):
        return shipment.block_message_display  # in the reader's language when Order Hub wrote it

    @admin.action(description=_("Ask the carrier to intercept the selected parcels (back to the sender)"))
    def intercept(self, request, queryset):
        for shipment in queryset:
            try:
                interception = shipment_intercept(
                    shipment=shipment, reason=message(gettext_noop("Requested in the admin")), actor=request.user
                )
            except ApplicationError as exc:
                self.message_user(request, f"{shipment.tracking_number or shipment.pk}: {exc.message}", messages.ERROR)
                continue
            answer = interception.message_display  # in the reader's language when Order Hub wrote it
            self.message_user(
                request, f"{interception.tracking_number}: {interception.get_status_display()} {answer}".strip()
            )


@admin.register(ShipmentInterception)
class ShipmentInterceptionAdmin(SimpleHistoryAdmin):
    list_display = (
        "requested_at",
        "tracking_number",
        "carrier",
        "provider",
        "status",
        "reason_shown",
        "message_shown",
    )
    list_filter = ("status", "carrier", "provider")
    search_fields = ("tracking_number", "shipment__order__number", "reference")
    raw_id_fields = ("shipment",)
    exclude = ("reason", "message")  # shown as reason_shown and message_shown
    readonly_fields = [
        "reason_shown",
        "message_shown",
        *(f.name for f in ShipmentInterception._meta.fields if f.name not in ("reason", "message")),
    ]

    def has_add_permission(self, request):  # requests are made through the service (shipments' action)
        return False

    @admin.display(description=_("reason"))
    def reason_shown(self, interception):
        return interception.reason_display

    @admin.display(description=_("carrier's answer"))
    def message_shown(self, interception):
        return interception.message_display  # in the reader's language when Order Hub wrote it


@admin.register(WaybillAttempt)
class WaybillAttemptAdmin(WaybillAttemptShown, SimpleHistoryAdmin):
    list_display = ("at", "shipment", "carrier", "ok", "block_reason", "message_shown", "duration_ms")
    list_filter = ("ok", "block_reason", "carrier")
    search_fields = ("shipment__order__number", "tracking_number", "message")
    raw_id_fields = ("shipment",)
    exclude = ("message",)  # shown as message_shown
    readonly_fields = ("message_shown",)


@admin.register(LabelPrint)
class LabelPrintAdmin(SimpleHistoryAdmin):
    list_display = ("at", "tracking_number", "method", "component", "status", "reprint", "by", "message_shown")
    list_filter = ("method", "status", "component", "reprint")
    search_fields = ("tracking_number", "shipment__order__number", "task_id")
    raw_id_fields = ("shipment",)
    exclude = ("message",)  # shown as message_shown
    readonly_fields = ("message_shown",)

    @admin.display(description=_("message"))
    def message_shown(self, label_print):
        return label_print.message_display  # in the reader's language when Order Hub said it


@admin.register(EtaBacktest)
class EtaBacktestAdmin(SimpleHistoryAdmin):
    list_display = ("run_at", "simulated", "samples", "tested", "mae_hours", "coverage", "from_history")


@admin.register(WaybillAccount)
class WaybillAccountAdmin(SimpleHistoryAdmin):
    list_display = (
        "provider",
        "carrier",
        "shop",
        "branch_name",
        "branch_code",
        "balance",
        "balance_alert_below",
        "subscription_active",
        "is_active",
    )
    list_filter = ("provider", "carrier", "is_active", "subscription_active")
    search_fields = ("branch_name", "branch_code", "account_number", "shop__name")


@admin.register(WaybillCancellation)
class WaybillCancellationAdmin(SimpleHistoryAdmin):
    list_display = (
        "created_at",
        "carrier",
        "tracking_number",
        "reason_shown",
        "status",
        "attempts",
        "next_attempt_at",
        "error_shown",
    )
    list_filter = ("status", "carrier")
    search_fields = ("tracking_number", "shipment__order__number")
    raw_id_fields = ("shipment",)
    exclude = ("reason", "error")  # shown as reason_shown and error_shown
    readonly_fields = ("reason_shown", "error_shown")
    actions = ["retry"]

    @admin.display(description=_("reason"))
    def reason_shown(self, cancellation):
        return cancellation.reason_display  # in the reader's language when Order Hub wrote it

    @admin.display(description=_("last error"))
    def error_shown(self, cancellation):
        return cancellation.error_display  # Order Hub's words in the reader's language, the service's as given

    @admin.action(description=_("Cancel the selected numbers at their service again"))
    def retry(self, request, queryset):
        for cancellation in queryset.exclude(status=WaybillCancellation.Status.DONE):
            self.message_user(
                request,
                f"{cancellation.tracking_number}: {waybill_cancellation_retry_now(cancellation=cancellation)}",
            )


@admin.register(TrackingPush)
class TrackingPushAdmin(SimpleHistoryAdmin):
    list_display = ("received_at", "carrier_code", "status", "attempts", "next_attempt_at", "error")
    list_filter = ("status", "carrier_code")
    search_fields = ("error",)
    actions = ["replay"]

    @admin.action(description=_("Replay the selected pushes"))
    def replay(self, request, queryset):
        for push in queryset:
            self.message_user(request, f"{push.pk}: {tracking_push_replay(push=push)}")


@admin.register(TrackingEvent)
class TrackingEventAdmin(SimpleHistoryAdmin):
    list_display = ("shipment", "kind", "occurred_at", "province", "city", "source")
    list_filter = ("kind", "source")
    search_fields = ("shipment__tracking_number", "shipment__order__number", "description")
    raw_id_fields = ("shipment",)


@admin.register(WorkItem)
class WorkItemAdmin(SimpleHistoryAdmin):
    list_display = ("level", "kind", "order", "shipment", "status", "detail", "created_at", "resolved_by")
    list_filter = ("status", "level", "kind")
    search_fields = ("order__number", "shipment__tracking_number", "detail")
    raw_id_fields = ("order", "shipment")
    actions = ["resolve"]

    @admin.action(description=_("Resolve the selected work items"))
    def resolve(self, request, queryset):
        for item in queryset:
            work_item_resolve(item=item, actor=request.user, resolution="resolved in admin")


@admin.register(SandboxWaybill)
class SandboxWaybillAdmin(SimpleHistoryAdmin):
    list_display = ("tracking_number", "carrier_code", "order_reference", "province", "city", "scenario", "created_at")
    list_filter = ("carrier_code", "scenario")
    search_fields = ("tracking_number", "order_reference")


@admin.register(ReportDelivery)
class ReportDeliveryAdmin(ReadOnlyAdminMixin, SimpleHistoryAdmin):
    """The daily shipping health report's sends to the groups: read-only, with "send again" for parked ones."""

    list_display = ("day", "channel", "status", "attempts", "sent_at", "next_attempt_at", "last_error")
    list_filter = ("status", "day")
    actions = ["send_again"]

    @admin.action(description=_("Send again at the next run"))
    def send_again(self, request, queryset):
        from fulfilment.services.report_delivery import report_deliveries_replay

        n = report_deliveries_replay(delivery_ids=list(queryset.values_list("pk", flat=True)))
        self.message_user(request, _("%(n)s deliveries will be sent again.") % {"n": n})
