"""Fulfilment: carriers, warehouse locations, waves and picking, shipments and labels, tracking, incidents.

Split by sub-domain; everything is importable from ``fulfilment.models``.
"""

from fulfilment.models.accounts import PLATFORM_SERVICE, WaybillAccount, WaybillProvider
from fulfilment.models.carriers import Carrier, CarrierKind, CarrierPlatformCode, CodeSystem, WarehouseCarrier
from fulfilment.models.eta import EtaBacktest
from fulfilment.models.incidents import IncidentKind, WorkItem
from fulfilment.models.interceptions import ShipmentInterception
from fulfilment.models.locations import Location, SKUPlacement, Zone
from fulfilment.models.printing import LabelPrint
from fulfilment.models.reports import ReportDelivery
from fulfilment.models.sandbox import SandboxWaybill
from fulfilment.models.shipments import (
    BlockReason,
    Shipment,
    TrackingEvent,
    TrackingKind,
    TrackingPush,
    WaybillAttempt,
    WaybillCancellation,
)
from fulfilment.models.waves import PickTask, ScanEvent, Wave, WaveOrder, WaveStrategy

__all__ = [
    "PLATFORM_SERVICE",
    "WaybillAccount",
    "WaybillProvider",
    "BlockReason",
    "Carrier",
    "CarrierKind",
    "CarrierPlatformCode",
    "CodeSystem",
    "EtaBacktest",
    "IncidentKind",
    "LabelPrint",
    "ReportDelivery",
    "Location",
    "PickTask",
    "SKUPlacement",
    "SandboxWaybill",
    "ScanEvent",
    "Shipment",
    "ShipmentInterception",
    "TrackingEvent",
    "TrackingKind",
    "TrackingPush",
    "WarehouseCarrier",
    "Wave",
    "WaveOrder",
    "WaveStrategy",
    "WaybillAttempt",
    "WaybillCancellation",
    "WorkItem",
    "Zone",
]
