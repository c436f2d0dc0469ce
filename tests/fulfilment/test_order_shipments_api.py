"""GET /api/v1/orders/<number>/shipments/: one order's parcels with carrier, tracking number and events."""

import datetime as dt

import pytest
from django.utils import timezone

from fulfilment.models import Shipment
from tests.api import api_client
from tests.factories import ShipmentFactory, TrackingEventFactory, library_carrier, make_order

pytestmark = pytest.mark.django_db


def url(number: str) -> str:
    return f"/api/v1/orders/{number}/shipments/"


@pytest.fixture
def order(world):
    return make_order(shop=world["shop_a"])


@pytest.fixture
def parcels(world, carriers, order):
    """Two parcels of the order: a cancelled one, then one labelled and tracked."""
    first = ShipmentFactory(
        order=order,
        warehouse=world["wh_a"],
        carrier=library_carrier("ZTO"),
        weight_grams=300,
        status=Shipment.Status.CANCELLED,
        tracking_number="ZT100",
    )
    second = ShipmentFactory(
        order=order,
        warehouse=world["wh_a"],
        carrier=library_carrier("SF"),
        weight_grams=800,
        status=Shipment.Status.IN_TRANSIT,
        tracking_number="SF200",
    )
    picked_up = timezone.now() - dt.timedelta(hours=5)
    TrackingEventFactory(
        shipment=second,
        external_id="e2",
        kind="in_transit",
        description="【杭州转运中心】已发出",
        city="杭州市",
        province="浙江省",
        occurred_at=picked_up + dt.timedelta(hours=2),
        source="push",
    )
    TrackingEventFactory(
        shipment=second,
        external_id="e1",
        kind="picked_up",
        description="已揽收",
        occurred_at=picked_up,
        source="poll",
    )
    return first, second


def test_lists_the_parcels_of_the_order_oldest_first_with_their_tracking_events(parcels, order, cs_a):
    first, second = parcels
    response = api_client(cs_a).get(url(order.number))
    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["count"] == 2
    assert [(row["id"], row["status"], row["carrier"], row["tracking_number"]) for row in body["results"]] == [
        (first.pk, "cancelled", "ZTO", "ZT100"),
        (second.pk, "in_transit", "SF", "SF200"),
    ]
    assert body["results"][0]["events"] == []
    events = body["results"][1]["events"]
    assert [(event["kind"], event["description"]) for event in events] == [
        ("picked_up", "已揽收"),
        ("in_transit", "【杭州转运中心】已发出"),
    ]
    assert (events[1]["province"], events[1]["city"]) == ("浙江省", "杭州市")


def test_an_order_without_parcels_has_an_empty_list(order, cs_a):
    response = api_client(cs_a).get(url(order.number))
    assert response.status_code == 200
    assert response.json()["results"] == []


def test_the_events_of_every_parcel_are_read_in_a_fixed_number_of_queries(
    parcels, order, cs_a, django_assert_max_num_queries
):
    client = api_client(cs_a)
    client.get(url(order.number))  # warm the permission caches of the token's user
    with django_assert_max_num_queries(8):
        assert client.get(url(order.number)).status_code == 200


def test_an_order_of_another_shop_is_not_found(parcels, order, warehouse_b):
    response = api_client(warehouse_b).get(url(order.number))
    assert response.status_code == 404
    assert response.json()["code"] == "order_not_found"


def test_anonymous_callers_get_401(order):
    assert api_client().get(url(order.number)).status_code == 401


def test_one_shipment_with_its_tracking_events(parcels, cs_a, warehouse_b):
    _first, second = parcels
    response = api_client(cs_a).get(f"/api/v1/shipments/{second.pk}/")
    assert response.status_code == 200, response.json()
    body = response.json()
    assert (body["order"], body["carrier"], body["tracking_number"], body["status"]) == (
        second.order.number,
        "SF",
        "SF200",
        "in_transit",
    )
    assert [event["kind"] for event in body["events"]] == ["picked_up", "in_transit"]
    assert api_client(warehouse_b).get(f"/api/v1/shipments/{second.pk}/").status_code == 404
