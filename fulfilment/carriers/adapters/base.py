"""The adapter interface and the values that cross it (plain dataclasses, no models).

An adapter speaks to one e-waybill service (a platform's, a carrier's open platform, an aggregator, or Order
Hub's own carrier protocol). Fulfilment builds a ``WaybillRequest`` from the parcel and the e-waybill account
chosen for it and never learns the service's format; integrations builds the adapters of the real services
and registers them (``registry.provider_register``).
"""

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
class AccountRef:
    """The e-waybill account a request is made on (no secrets: integrations finds those by ``shop_id`` or
    ``provider``)."""

    id: int | None = None
    provider: str = "sandbox"
    shop_id: int | None = None
    branch_code: str = ""
    account_number: str = ""
    product_code: str = ""
    template_url: str = ""
    custom_template_url: str = ""

    @classmethod
    def of(cls, account) -> AccountRef:
        """The reference of a ``fulfilment.models.WaybillAccount``."""
        return cls(
            id=account.pk,
            provider=account.provider,
            shop_id=account.shop_id,
            branch_code=account.branch_code,
            account_number=account.account_number,
            product_code=account.product_code,
            template_url=account.template_url,
            custom_template_url=account.custom_template_url,
        )


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
    # The platform's order id and its code for the carrier (platform e-waybills tie the number to the order).
    platform: str = ""
    platform_order_id: str = ""
    platform_carrier_code: str = ""
    items: tuple[tuple[str, int], ...] = ()
    account: AccountRef = field(default_factory=AccountRef)
    # One id per parcel, so a retried request gets the same number from services that deduplicate.
    request_id: str = ""


@dataclass(frozen=True)
class WaybillResult:
    tracking_number: str
    label: dict[str, Any]
    # What the platform's print component needs (Cainiao/PDD/Douyin/JD: encrypted print data + template).
    print_data: dict[str, Any] = field(default_factory=dict)


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


@dataclass(frozen=True)
class InterceptResult:
    """The service's answer to an interception request: accepted for processing (the carrier still has to
    catch the parcel; the track says when it turns back) with the service's reference, if any."""

    reference: str = ""
    message: str = ""
    answer: dict[str, Any] = field(default_factory=dict)


class CarrierCallFailed(Exception):
    """The carrier refused or could not be reached. ``code`` is the carrier's error code (or ``network``)."""

    def __init__(self, message: str, *, code: str = "error", status: int | None = None, body: Any = None):
        super().__init__(message)
        self.message = message
        self.code = code
        self.status = status
        self.body = body


class InterceptNotSupported(CarrierCallFailed):
    """The service documents no interception (拦截) for this parcel: ask the carrier's branch by other means."""

    def __init__(self, message: str, *, body: Any = None):
        super().__init__(message, code="intercept_not_supported", body=body)


class CarrierAdapter(Protocol):
    def waybill_request(self, request: WaybillRequest) -> WaybillResult: ...

    def waybill_cancel(self, *, tracking_number: str, request: WaybillRequest) -> None: ...

    def waybill_balance(self) -> int | None:
        """The numbers left on this account's subscription (branch), read from the service; None where the
        service counts none (monthly billing: SF, Kuaidi100, Order Hub's protocol)."""
        ...

    def intercept(self, *, tracking_number: str, request: WaybillRequest, reason: str) -> InterceptResult:
        """Ask the carrier to stop a parcel on its way and send it back to the sender (拦截件 / 退回).
        Raises ``InterceptNotSupported`` where the service documents no such request, ``CarrierCallFailed``
        when it refuses (e.g. already signed for)."""
        ...

    def tracking_fetch(self, tracking_number: str) -> list[TrackingUpdate]: ...
