"""The adapter interface and the values that cross it (plain dataclasses, no models)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any, Protocol


@dataclass(frozen=True)
class Party:
    name: str
    phone: str
    province: str
    city: str
    district: str
    address: str


@dataclass(frozen=True)
class WaybillRequest:
    carrier_code: str
    order_reference: str
    sender: Party
    receiver: Party
    weight_grams: int
    receiver_cipher: dict[str, Any] = field(default_factory=dict)
    insured: bool = False
    cold_chain: bool = False


@dataclass(frozen=True)
class WaybillResult:
    tracking_number: str
    label: dict[str, Any]


@dataclass(frozen=True)
class TrackingUpdate:
    """One tracking event in Order Hub's normalised form."""

    tracking_number: str
    external_id: str
    kind: str
    occurred_at: dt.datetime
    description: str = ""
    province: str = ""
    city: str = ""


class CarrierCallFailed(Exception):
    """The carrier refused or could not be reached. ``code`` is the carrier's error code (or ``network``)."""

    def __init__(self, message: str, *, code: str = "error", status: int | None = None, body: Any = None):
        super().__init__(message)
        self.message = message
        self.code = code
        self.status = status
        self.body = body


class CarrierAdapter(Protocol):
    def waybill_request(self, request: WaybillRequest) -> WaybillResult: ...

    def tracking_fetch(self, tracking_number: str) -> list[TrackingUpdate]: ...
