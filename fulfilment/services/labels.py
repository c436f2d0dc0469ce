"""E-waybills and the label breaker.

Before a label prints, the breaker checks what would make the parcel fail on the road or on the platform:
an inactive carrier, an address the carrier cannot route, a weight over the carrier's limit, a carrier the
order's platform has no code for. Then the carrier adapter is asked for a tracking number (outside any
transaction); a failed request also blocks. A blocked parcel shows its reason and cannot print until staff
fix the cause (change carrier or weight) and try again.
"""

from __future__ import annotations

import time

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from fulfilment import geo
from fulfilment.carriers.adapters import CarrierCallFailed, WaybillRequest, adapter_for
from fulfilment.carriers.adapters.base import Party
from fulfilment.carriers.library import carrier_platform_code
from fulfilment.exceptions import CarrierNotMapped, LabelBlocked, ShipmentStateError
from fulfilment.models import BlockReason, Shipment, WaybillAttempt
from fulfilment.selectors import packing_instructions

PRINTABLE = (Shipment.Status.PACKED, Shipment.Status.BLOCKED)


def label_breaker_check(*, shipment: Shipment) -> tuple[str, str] | None:
    """``(BlockReason, detail)`` when the label must not print, else None. No network."""
    order = shipment.order
    carrier = shipment.carrier
    if not carrier.is_active:
        return BlockReason.CARRIER_INACTIVE, _("%(c)s is not active.") % {"c": carrier}
    check = geo.address_check(
        province=order.province, city=order.city, address=order.address, has_cipher=bool(order.consignee_cipher)
    )
    if not check.ok:
        return BlockReason.ADDRESS_UNPARSEABLE, _("Address cannot be parsed: %(p)s.") % {"p": check.problem}
    if shipment.weight_grams > carrier.max_weight_grams:
        return BlockReason.OVERWEIGHT, _(
            "%(w).1f kg is over %(c)s's limit of %(m).1f kg: choose a freight carrier or split the parcel."
        ) % {
            "w": shipment.weight_grams / 1000,
            "c": carrier.name,
            "m": carrier.max_weight_grams / 1000,
        }
    try:
        carrier_platform_code(carrier=carrier, platform=order.shop.platform)
    except CarrierNotMapped as exc:
        return BlockReason.NO_PLATFORM_CODE, exc.message
    return None


def shipment_label_print(*, shipment: Shipment, actor=None) -> Shipment:
    """Get the e-waybill for a packed parcel. A printed label is returned as it is (reprint). Raises
    ``LabelBlocked`` (reason and detail in ``extra``) when the breaker stops it."""
    shipment = Shipment.objects.select_related("order__shop", "carrier", "warehouse").get(pk=shipment.pk)
    if shipment.status not in PRINTABLE:
        if shipment.tracking_number:
            return shipment
        raise ShipmentStateError(_("This parcel is %(s)s.") % {"s": shipment.get_status_display()})
    blocked = label_breaker_check(shipment=shipment)
    if blocked is not None:
        _block(shipment=shipment, reason=blocked[0], message=blocked[1], actor=actor)
    order = shipment.order
    wh = shipment.warehouse
    request = WaybillRequest(
        carrier_code=shipment.carrier.code,
        order_reference=order.number,
        sender=Party(name=wh.name, phone="", province=wh.province, city=wh.city, district="", address=wh.address),
        receiver=Party(
            name=order.consignee_name,
            phone=order.consignee_phone,
            province=geo.province_normalise(order.province) or order.province,
            city=order.city,
            district=order.district,
            address=order.address,
        ),
        weight_grams=shipment.weight_grams,
        receiver_cipher=order.consignee_cipher or {},
        insured="保价" in (order.tags or []),
        cold_chain="需冰袋" in (order.tags or []),
    )
    started = time.monotonic()
    try:
        result = adapter_for(shipment.carrier).waybill_request(request)
    except CarrierCallFailed as exc:
        _block(
            shipment=shipment,
            reason=BlockReason.WAYBILL_FAILED,
            message=_("E-waybill request to %(c)s failed: %(m)s") % {"c": shipment.carrier.name, "m": exc.message},
            actor=actor,
            response=exc.body if isinstance(exc.body, dict) else {"error": str(exc.body)[:500]},
            duration_ms=int((time.monotonic() - started) * 1000),
        )
    duration = int((time.monotonic() - started) * 1000)
    with transaction.atomic():
        updated = Shipment.objects.filter(pk=shipment.pk, status__in=PRINTABLE).update(
            status=Shipment.Status.LABELLED,
            tracking_number=result.tracking_number,
            label=_label_data(shipment, result.label, result.tracking_number),
            label_printed_at=timezone.now(),
            block_reason="",
            block_message="",
        )
        WaybillAttempt.objects.create(
            shipment=shipment,
            carrier=shipment.carrier,
            ok=bool(updated),
            tracking_number=result.tracking_number,
            response=result.label,
            duration_ms=duration,
            message="" if updated else "parcel changed while the label was requested",
            actor=_user(actor),
        )
    shipment.refresh_from_db()
    return shipment


def _label_data(shipment: Shipment, label: dict, tracking_number: str) -> dict:
    instructions = packing_instructions(order=shipment.order)
    return {**label, "tracking_number": tracking_number, "carrier": shipment.carrier.code, "instructions": instructions}


def _block(*, shipment: Shipment, reason: str, message: str, actor, response: dict | None = None, duration_ms: int = 0):
    with transaction.atomic():
        Shipment.objects.filter(pk=shipment.pk, status__in=PRINTABLE).update(
            status=Shipment.Status.BLOCKED, block_reason=reason, block_message=message[:255]
        )
        WaybillAttempt.objects.create(
            shipment=shipment,
            carrier=shipment.carrier,
            ok=False,
            block_reason=reason,
            message=message[:255],
            response=response or {},
            duration_ms=duration_ms,
            actor=_user(actor),
        )
    raise LabelBlocked(message, extra={"reason": reason, "shipment": shipment.pk, "order": shipment.order.number})


def _user(actor):
    return actor if actor is not None and getattr(actor, "is_authenticated", False) else None
