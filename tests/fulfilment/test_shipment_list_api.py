"""GET /api/v1/shipments/: the shipments of the orders you may see, paged or followed (config.feed)."""

import pytest

from fulfilment.models import Shipment
from tests.api import api_client
from tests.factories import ShipmentFactory, make_order

URL = "/api/v1/shipments/"

pytestmark = pytest.mark.django_db


def get(client, url, params=None) -> dict:
    response = client.get(url, params)
    assert response.status_code == 200, response.json()
    return response.json()


def ship(order, warehouse) -> Shipment:
    return ShipmentFactory(order=order, warehouse=warehouse)


@pytest.fixture
def parcels(world, carriers):
    a = ship(make_order(shop=world["shop_a"]), world["wh_a"])
    b = ship(make_order(shop=world["shop_b"]), world["wh_b"])
    return a, b


def test_each_user_lists_the_shipments_of_the_orders_they_may_see(parcels, manager, cs_a, warehouse_b, outsider):
    a, b = parcels
    body = get(api_client(manager), URL)
    assert [row["id"] for row in body["results"]] == [b.pk, a.pk]  # newest first
    assert body["count"] == 2
    assert body["results"][1] | {"packed_at": None, "changed_at": None} == {
        "id": a.pk,
        "order": a.order.number,
        "shop": "shop-a",
        "warehouse": "wh-a",
        "carrier": "ZTO",
        "status": "packed",
        "tracking_number": "",
        "weight_grams": 500,
        "packed_at": None,
        "shipped_at": None,
        "delivered_at": None,
        "changed_at": None,
    }
    assert [row["id"] for row in get(api_client(cs_a), URL)["results"]] == [a.pk]
    assert [row["id"] for row in get(api_client(warehouse_b), URL)["results"]] == [b.pk]
    assert get(api_client(outsider), URL)["results"] == []
    assert [row["id"] for row in get(api_client(manager), URL, {"order": b.order.number})["results"]] == [b.pk]
    assert get(api_client(manager), URL, {"status": "shipped"})["results"] == []


@pytest.mark.django_db(transaction=True)
def test_a_follower_gets_each_shipment_change_once(parcels, manager):
    a, b = parcels
    client = api_client(manager)
    body = get(client, URL, {"cursor": ""})
    assert [row["id"] for row in body["results"]] == [a.pk, b.pk]  # in change order
    resume = body["next"]

    Shipment.objects.filter(pk=b.pk).update(status=Shipment.Status.SHIPPED, tracking_number="ZT1")

    body = get(client, resume)
    assert [(row["id"], row["status"], row["tracking_number"]) for row in body["results"]] == [(b.pk, "shipped", "ZT1")]
    assert get(client, body["next"])["results"] == []
