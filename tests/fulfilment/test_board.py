"""The command center's floor figures against known data: parcels shipped on time or late, per channel and
warehouse, and exceptions by hour × channel / category with the orders behind each cell."""

import datetime as dt

import pytest
from django.utils import timezone

from fulfilment import board
from fulfilment.models import Shipment, WorkItem
from fulfilment.services import pack_complete, shipment_label_print, shipment_ship
from inventory.models import SKU
from orders.models import Order

pytestmark = pytest.mark.django_db

TZ = timezone.get_default_timezone()


def ship(order, picked, manager):
    shipment = pack_complete(
        wave_order=picked(order), verified={"SKU-1": 1}, weight_grams=500, carrier_code="ZTO", actor=manager
    )
    return shipment_ship(shipment=shipment_label_print(shipment=shipment, actor=manager), actor=manager)


def test_on_time_rate_per_channel_and_warehouse(floor, approved_order, picked, sandbox, manager):
    now = timezone.now()
    ship(approved_order(promised_ship_at=now + dt.timedelta(hours=5)), picked, manager)
    ship(approved_order(promised_ship_at=now - dt.timedelta(hours=1)), picked, manager)
    ship(approved_order(promised_ship_at=now + dt.timedelta(hours=1)), picked, manager)
    approved_order(promised_ship_at=now - dt.timedelta(hours=2))  # not shipped: not counted

    figures = board.on_time_by(since=now - dt.timedelta(hours=1), until=now + dt.timedelta(hours=1))

    assert figures["channel"] == [{"key": "tmall", "shipped": 3, "on_time": 2, "rate": 66.7}]
    assert figures["warehouse"] == [{"key": "wh-a", "shipped": 3, "on_time": 2, "rate": 66.7}]


def test_exception_heat_map_by_hour_channel_and_category_with_density_and_orders(
    floor, approved_order, picked, sandbox, manager
):
    SKU.objects.filter(code="SKU-1").update(category="饮料")
    day = timezone.localdate()
    at_9 = dt.datetime.combine(day, dt.time(9, 15), tzinfo=TZ)
    shipments = [ship(approved_order(), picked, manager) for _ in range(3)]
    orders = [s.order for s in shipments]
    Order.objects.filter(pk__in=[o.pk for o in orders]).update(created_at=at_9)
    for shipment, kind in [(shipments[0], "no_pickup"), (shipments[0], "stalled"), (shipments[1], "no_pickup")]:
        item = WorkItem.objects.create(shipment=shipment, order=shipment.order, kind=kind, level=1, detail="test")
        WorkItem.objects.filter(pk=item.pk).update(created_at=at_9 + dt.timedelta(minutes=10))
    assert Shipment.objects.count() == 3

    heat = board.exception_heatmap(
        since=dt.datetime.combine(day, dt.time.min, tzinfo=TZ), until=at_9 + dt.timedelta(hours=1)
    )

    assert heat["total"] == 3
    assert heat["channel"] == [
        {
            "hour": 9,
            "key": "tmall",
            "exceptions": 3,
            "orders": 3,
            "density": 100.0,
            "numbers": sorted({orders[0].number, orders[1].number}),
        }
    ]
    [category] = heat["category"]
    assert (category["hour"], category["key"], category["exceptions"], category["orders"]) == (9, "饮料", 3, 3)
