"""The demo's parcels: demo orders that left the warehouse get a label and the track so far, one carrier
exception and one interception show, ETAs are there for parcels on their way; running it again adds nothing."""

import pytest

from fulfilment.demo import EXCEPTION_TEXT, demo_parcels_ensure
from fulfilment.eta.selectors import shipment_eta
from fulfilment.models import IncidentKind, Shipment, ShipmentInterception, TrackingEvent, WorkItem
from orders.services import order_transition
from orders.states import Status

pytestmark = pytest.mark.django_db

PATH = [Status.PICKING, Status.SHIPPED, Status.IN_TRANSIT, Status.DELIVERED, Status.COMPLETED]


def _order_at(approved_order, status):
    order = approved_order()
    for step in PATH[: PATH.index(status) + 1]:
        order = order_transition(order=order, to_status=step, system="tests")
    return order


def test_demo_orders_that_left_get_parcels_with_tracks_an_exception_and_an_interception(approved_order):
    orders = {s: _order_at(approved_order, s) for s in (Status.SHIPPED, Status.IN_TRANSIT, Status.DELIVERED)}
    second_in_transit = _order_at(approved_order, Status.IN_TRANSIT)
    completed = _order_at(approved_order, Status.COMPLETED)
    approved_order()  # not shipped: no parcel

    assert demo_parcels_ensure() == {"demo_parcels": 5, "demo_interceptions": 1}

    parcels = {s.order_id: s for s in Shipment.objects.select_related("carrier", "warehouse", "order")}
    assert set(parcels) == {o.pk for o in (*orders.values(), second_in_transit, completed)}
    assert all(p.tracking_number and p.label["sort_code"] for p in parcels.values())
    shipped = parcels[orders[Status.SHIPPED].pk]
    assert (shipped.status, TrackingEvent.objects.filter(shipment=shipped).count()) == (Shipment.Status.SHIPPED, 0)
    exception = parcels[orders[Status.IN_TRANSIT].pk]
    assert exception.status == Shipment.Status.EXCEPTION
    assert TrackingEvent.objects.filter(shipment=exception, description=EXCEPTION_TEXT).exists()
    assert WorkItem.objects.filter(shipment=exception, kind=IncidentKind.CARRIER_EXCEPTION, status="open").exists()
    assert parcels[second_in_transit.pk].status == Shipment.Status.IN_TRANSIT
    delivered = parcels[orders[Status.DELIVERED].pk]
    assert delivered.status == Shipment.Status.DELIVERED and delivered.delivered_at is not None
    assert parcels[completed.pk].platform_delivered_at is not None
    assert shipment_eta(shipment=shipped) is not None and shipment_eta(shipment=delivered) is None
    interception = ShipmentInterception.objects.get()
    assert (interception.shipment.order_id, interception.status) == (second_in_transit.pk, "accepted")
    assert interception.shipment.status == Shipment.Status.IN_TRANSIT

    assert demo_parcels_ensure() == {"demo_parcels": 0, "demo_interceptions": 0}


def test_the_demo_receives_one_sf_route_push_for_an_sf_parcel(approved_order, monkeypatch):
    from fulfilment import demo
    from fulfilment.models import Carrier
    from integrations.logistics.demo import sf_push_demo_ensure
    from integrations.logistics.models import TrackingCallback

    monkeypatch.setattr(demo, "_carrier_for", lambda order, index: Carrier.objects.get(code="SF"))
    _order_at(approved_order, Status.IN_TRANSIT)  # the exception
    order = _order_at(approved_order, Status.IN_TRANSIT)
    demo_parcels_ensure()
    assert sf_push_demo_ensure() == 1
    callback = TrackingCallback.objects.get(service="sf")
    assert callback.status == "processed"
    shipment = Shipment.objects.get(order=order)
    assert TrackingEvent.objects.filter(shipment=shipment, external_id__startswith="sf-DEMO").count() == 1
    assert sf_push_demo_ensure() == 0
