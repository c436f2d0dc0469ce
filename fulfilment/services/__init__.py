"""Writes in fulfilment, split by sub-domain. Import from here: ``from fulfilment.services import wave_build``."""

from fulfilment.services.accounts import (
    waybill_balance_check,
    waybill_balance_record,
    waybill_balance_refresh,
    waybill_balances_refresh,
)
from fulfilment.services.carriers import (
    carrier_choose,
    carrier_platform_code_set,
    carriers_sync,
    warehouse_carrier_set,
)
from fulfilment.services.incidents import incidents_scan, work_item_open, work_item_resolve
from fulfilment.services.interceptions import shipment_intercept
from fulfilment.services.labels import (
    label_breaker_check,
    shipment_label_print,
    shipment_label_void,
    waybill_account_choose,
    waybill_cancellation_process,
    waybill_cancellation_retry_now,
)
from fulfilment.services.locations import location_upsert, sku_place, slotting_apply
from fulfilment.services.packing import pack_complete, shipment_update
from fulfilment.services.picking import pick_confirm, scan_refused_record
from fulfilment.services.setup import fulfilment_setup
from fulfilment.services.shipping import shipment_platform_confirmed, shipment_platform_delivered, shipment_ship
from fulfilment.services.tracking import (
    tracking_events_ingest,
    tracking_poll_shipment,
    tracking_push_process,
    tracking_push_receive,
    tracking_push_replay,
)
from fulfilment.services.waves import wave_build, wave_cancel, wave_claim, waves_build_auto

__all__ = [
    "carrier_choose",
    "carrier_platform_code_set",
    "carriers_sync",
    "fulfilment_setup",
    "incidents_scan",
    "label_breaker_check",
    "location_upsert",
    "pack_complete",
    "pick_confirm",
    "scan_refused_record",
    "shipment_intercept",
    "shipment_label_print",
    "shipment_label_void",
    "shipment_platform_confirmed",
    "shipment_platform_delivered",
    "shipment_ship",
    "shipment_update",
    "sku_place",
    "slotting_apply",
    "tracking_events_ingest",
    "tracking_poll_shipment",
    "tracking_push_process",
    "tracking_push_receive",
    "tracking_push_replay",
    "warehouse_carrier_set",
    "waybill_account_choose",
    "waybill_balance_check",
    "waybill_balance_record",
    "waybill_balance_refresh",
    "waybill_balances_refresh",
    "waybill_cancellation_process",
    "waybill_cancellation_retry_now",
    "wave_build",
    "wave_cancel",
    "wave_claim",
    "waves_build_auto",
    "work_item_open",
    "work_item_resolve",
]
