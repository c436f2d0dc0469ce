"""Carrier adapters: one interface (``CarrierAdapter``) for e-waybills and tracking, and the adapter that
speaks Order Hub's carrier protocol to a configurable base URL — the built-in sandbox by default."""

from fulfilment.carriers.adapters.base import (
    CarrierAdapter,
    CarrierCallFailed,
    InterceptNotSupported,
    InterceptResult,
    TrackingUpdate,
    WaybillRequest,
    WaybillResult,
)
from fulfilment.carriers.adapters.http import HttpCarrierAdapter, adapter_for

__all__ = [
    "CarrierAdapter",
    "CarrierCallFailed",
    "HttpCarrierAdapter",
    "InterceptNotSupported",
    "InterceptResult",
    "TrackingUpdate",
    "WaybillRequest",
    "WaybillResult",
    "adapter_for",
]
