"""Fulfilment's part of the demo: the carrier library, and bins, pick faces and carriers for each demo
warehouse, so the pick/pack pages work on the demo orders straight away; and parcels for the demo orders that
already left the warehouse — labels, tracks, a carrier exception, an interception, ETAs — so the order pages,
the exception levels and the public tracking page have something to show."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from fulfilment.carriers.adapters import TrackingUpdate
from fulfilment.models import Carrier, Shipment, ShipmentInterception, WarehouseCarrier
from fulfilment.services import fulfilment_setup, incidents_scan, shipment_platform_delivered, tracking_events_ingest
from inventory.models import Warehouse
from orders.models import Order, OrderEvent
from orders.states import Status

DEMO_WAREHOUSES = ("hz-main", "gz-south", "sh-store")
DEMO_PARCELS = 40
SENT = (Status.SHIPPED, Status.IN_TRANSIT, Status.DELIVERED, Status.COMPLETED)
# hours after hand-over, kind, text ({origin}/{dest} are cities)
TRACK = [
    (1, "picked_up", "【{origin}】快件已揽收"),
    (6, "in_transit", "快件已到达【{origin}转运中心】"),
    (20, "in_transit", "快件已到达【{dest}分拨中心】"),
    (30, "out_for_delivery", "【{dest}】快递员正在派送"),
    (32, "delivered", "已签收，签收人：本人"),
]
EXCEPTION_TEXT = "收件人电话无法接通，派送不成功，将再次派送"


def demo_seed() -> dict[str, int]:
    warehouses = Warehouse.objects.filter(code__in=DEMO_WAREHOUSES)
    for warehouse in warehouses:
        fulfilment_setup(warehouse=warehouse)
    return {"fulfilment_warehouses": len(warehouses), **demo_parcels_ensure()}


def _carrier_for(order: Order, index: int) -> Carrier:
    choices = list(
        Carrier.objects.filter(
            pk__in=WarehouseCarrier.objects.filter(
                warehouse=order.warehouse, is_active=True, for_same_city=False
            ).values("carrier")
        )
        .filter(kind="express")
        .order_by("code")
    )
    return choices[index % len(choices)] if choices else Carrier.objects.get(code="ZTO")


def _shipped_at(order: Order, now: dt.datetime) -> dt.datetime:
    event = OrderEvent.objects.filter(order=order, to_status=Status.SHIPPED).order_by("at").first()
    return event.at if event is not None else now - dt.timedelta(hours=20)


def demo_parcels_ensure(*, now: dt.datetime | None = None) -> dict[str, int]:
    """A parcel for demo orders that left the warehouse and have none: its label, the track so far (one
    carrier exception among the parcels in transit), delivery for delivered orders (the platform showing it
    for completed ones), one interception; then the exception scan. Idempotent: orders with a parcel are left."""
    now = now or timezone.now()
    orders = list(
        Order.objects.filter(status__in=SENT, warehouse__isnull=False, shipments__isnull=True)
        .select_related("warehouse")
        .order_by("pk")[:DEMO_PARCELS]
    )
    made = 0
    exception_shown = Shipment.objects.filter(status=Shipment.Status.EXCEPTION).exists()
    for index, order in enumerate(orders):
        carrier = _carrier_for(order, index)
        handed_over = _shipped_at(order, now)
        shipment = Shipment.objects.create(
            order=order,
            warehouse=order.warehouse,
            carrier=carrier,
            status=Shipment.Status.SHIPPED,
            tracking_number=f"{carrier.code}9{order.pk:011d}",
            weight_grams=600 + (order.pk % 7) * 150,
            label={"sort_code": f"{(order.province or '??')[:2]}-{(order.city or '??')[:2]}-{order.pk % 100:02d}"},
            label_printed_at=handed_over - dt.timedelta(hours=1),
            shipped_at=handed_over,
        )
        made += 1
        steps = {Status.SHIPPED: 0, Status.IN_TRANSIT: 3}.get(order.status, len(TRACK))
        updates = []
        for step, (hours, kind, text) in enumerate(TRACK[:steps]):
            # never in the future: a recent hand-over has its scans squeezed into the last minutes, in order
            at = min(handed_over + dt.timedelta(hours=hours), now - dt.timedelta(minutes=10 * (steps - step)))
            updates.append(
                TrackingUpdate(
                    tracking_number=shipment.tracking_number,
                    external_id=f"demo-{shipment.pk}-{hours}",
                    kind=kind,
                    occurred_at=at,
                    description=text.format(origin=order.warehouse.city or "", dest=order.city or ""),
                    province=order.province if kind in ("out_for_delivery", "delivered") else order.warehouse.province,
                    city=order.city if kind in ("out_for_delivery", "delivered") else order.warehouse.city,
                )
            )
        if order.status == Status.IN_TRANSIT and not exception_shown:
            updates.append(
                TrackingUpdate(
                    tracking_number=shipment.tracking_number,
                    external_id=f"demo-{shipment.pk}-exception",
                    kind="exception",
                    occurred_at=now - dt.timedelta(minutes=5),
                    description=EXCEPTION_TEXT,
                    province=order.province,
                    city=order.city,
                )
            )
            exception_shown = True
        if updates:
            tracking_events_ingest(shipment=shipment, updates=updates, source="poll")
        if order.status == Status.COMPLETED:
            shipment_platform_delivered(shipment_id=shipment.pk, at=now)
    intercepted = 0
    if not ShipmentInterception.objects.exists():
        target = (
            Shipment.objects.filter(status=Shipment.Status.IN_TRANSIT).select_related("carrier").order_by("pk").first()
        )
        if target is not None:  # as the sandbox answers one (the demo makes no network calls while seeding)
            ShipmentInterception.objects.create(
                shipment=target,
                carrier=target.carrier,
                tracking_number=target.tracking_number,
                provider="sandbox",
                reason="买家申请退款，拦截退回",
                status=ShipmentInterception.Status.ACCEPTED,
                reference=f"INT-{target.pk}",
                message="拦截申请已受理",
                requested_system="aftersales",
                answered_at=now,
            )
            intercepted = 1
    if made:
        incidents_scan()
    return {"demo_parcels": made, "demo_interceptions": intercepted}
