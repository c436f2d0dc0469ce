"""The pack station: every line verified by scan, the parcel weighed, a carrier chosen from the list."""

from __future__ import annotations

from collections import Counter

from django.db import transaction
from django.utils.translation import gettext as _

from fulfilment.carriers.library import carrier_get
from fulfilment.exceptions import PackMismatch, ShipmentStateError, WaveError
from fulfilment.models import PickTask, ScanEvent, Shipment, Wave, WaveOrder
from fulfilment.services.picking import sku_by_scan
from orders.states import Status

MAX_WEIGHT_GRAMS = 5_000_000


def pack_expected(*, wave_order: WaveOrder) -> dict[str, int]:
    """SKU code → units the parcel must contain (all lines, gifts included; units cancelled before shipping
    are not in it)."""
    expected: Counter[str] = Counter()
    for line in wave_order.order.lines.select_related("sku"):
        if line.to_ship > 0:
            expected[line.sku.code] += line.to_ship
    return dict(expected)


def pack_complete(
    *, wave_order: WaveOrder, verified: dict[str, int], weight_grams: int, carrier_code: str, actor, client_id: str = ""
) -> Shipment:
    """Close the parcel: ``verified`` (SKU code or barcode → units scanned) must equal the order exactly.
    Creates the shipment (status packed) with its weight and carrier; the label is printed next."""
    carrier = carrier_get(carrier_code)
    try:
        weight = int(weight_grams)
    except (TypeError, ValueError):
        weight = 0
    if not 0 < weight <= MAX_WEIGHT_GRAMS:
        raise PackMismatch(
            _("Weight %(w)r g: weigh the parcel (grams, more than 0).") % {"w": weight_grams}, code="weight_invalid"
        )
    wave_order = WaveOrder.objects.select_related("order", "wave").get(pk=wave_order.pk)
    order = wave_order.order
    existing = Shipment.objects.filter(order=order).exclude(status=Shipment.Status.CANCELLED).first()
    if wave_order.status == WaveOrder.Status.PACKED and existing is not None:
        return existing  # the same pack posted again
    if wave_order.status != WaveOrder.Status.PICKED:
        short = (
            PickTask.objects.filter(wave_order=wave_order).exclude(status=PickTask.Status.DONE).select_related("sku")
        )
        raise PackMismatch(
            _("Order %(order)s is not fully picked: %(missing)s.")
            % {
                "order": order.number,
                "missing": ", ".join(f"{t.sku.code} {t.picked_quantity}/{t.quantity}" for t in short)
                or wave_order.get_status_display(),
            },
            code="not_picked",
        )
    if order.status != Status.PICKING:
        raise PackMismatch(
            _("Order %(order)s is %(status)s: do not pack it.")
            % {"order": order.number, "status": order.get_status_display()},
            code="order_not_picking",
        )
    counted: Counter[str] = Counter()
    for code, units in (verified or {}).items():
        sku = sku_by_scan(code)
        counted[sku.code if sku else str(code)] += int(units or 0)
    expected = pack_expected(wave_order=wave_order)
    problems = []
    for code in sorted(set(expected) | set(counted)):
        if counted.get(code, 0) != expected.get(code, 0):
            problems.append(f"{code}: scanned {counted.get(code, 0)}, order has {expected.get(code, 0)}")
    if problems:
        raise PackMismatch(
            _("The parcel does not match order %(order)s: %(p)s.") % {"order": order.number, "p": "; ".join(problems)},
            extra={"problems": problems},
        )
    return _pack_apply(wave_order=wave_order, carrier=carrier, weight=weight, actor=actor, client_id=client_id)


@transaction.atomic
def _pack_apply(*, wave_order: WaveOrder, carrier, weight: int, actor, client_id: str) -> Shipment:
    updated = WaveOrder.objects.filter(pk=wave_order.pk, status=WaveOrder.Status.PICKED).update(
        status=WaveOrder.Status.PACKED
    )
    if not updated:
        existing = (
            Shipment.objects.filter(order_id=wave_order.order_id).exclude(status=Shipment.Status.CANCELLED).first()
        )
        if existing is not None:
            return existing
        raise WaveError(_("Order %(order)s was packed by someone else.") % {"order": wave_order.order.number})
    shipment = Shipment.objects.create(
        order=wave_order.order,
        warehouse=wave_order.wave.warehouse,
        carrier=carrier,
        weight_grams=weight,
        packed_by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    ScanEvent.objects.create(
        station=ScanEvent.Station.PACK,
        kind=ScanEvent.Kind.PACKED,
        wave_id=wave_order.wave_id,
        order_id=wave_order.order_id,
        scanned=wave_order.tote,
        quantity=sum(pack_expected(wave_order=wave_order).values()),
        client_id=(client_id or "")[:64],
        user=actor if getattr(actor, "is_authenticated", False) else None,
    )
    if (
        not WaveOrder.objects.filter(wave_id=wave_order.wave_id)
        .exclude(status__in=[WaveOrder.Status.PACKED, WaveOrder.Status.REMOVED])
        .exists()
    ):
        Wave.objects.filter(pk=wave_order.wave_id).exclude(status=Wave.Status.CANCELLED).update(status=Wave.Status.DONE)
    return shipment


@transaction.atomic
def shipment_update(
    *, shipment: Shipment, carrier_code: str | None = None, weight_grams: int | None = None
) -> Shipment:
    """Change the carrier (from the list) or the weight of a parcel whose label is not printed yet; a
    blocked parcel goes back to packed so the label can be tried again."""
    shipment = Shipment.objects.select_for_update().get(pk=shipment.pk)
    if shipment.status not in (Shipment.Status.PACKED, Shipment.Status.BLOCKED):
        raise ShipmentStateError(
            _("The label of this parcel is already printed (%(s)s).") % {"s": shipment.get_status_display()}
        )
    if carrier_code:
        shipment.carrier = carrier_get(carrier_code)
    if weight_grams is not None:
        weight = int(weight_grams)
        if not 0 < weight <= MAX_WEIGHT_GRAMS:
            raise PackMismatch(_("Weight %(w)r g is not a parcel weight.") % {"w": weight_grams}, code="weight_invalid")
        shipment.weight_grams = weight
    shipment.status = Shipment.Status.PACKED
    shipment.block_reason = ""
    shipment.block_message = ""
    shipment.block_message_message = None
    shipment.save()
    return shipment
