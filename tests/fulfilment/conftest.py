"""Fulfilment fixtures: carriers loaded, warehouses with bins and stock, approved orders, and the carrier
sandbox reached through Django's test client instead of the network."""

from __future__ import annotations

import json
from decimal import Decimal
from urllib.parse import urlsplit

import pytest
from django.test import Client

from fulfilment.carriers.adapters import http as carrier_http
from fulfilment.services import carriers_sync, location_upsert, sku_place, warehouse_carrier_set
from inventory.services import stock_receive
from orders.services import order_transition
from orders.states import Status
from tests.factories import SKUFactory, make_order


@pytest.fixture(autouse=True)
def english():
    """Messages are asserted in English (the UI default is Chinese; translations change over time)."""
    from django.utils import translation

    with translation.override("en", deactivate=True):
        yield


@pytest.fixture
def carriers(db):
    carriers_sync()


@pytest.fixture
def sandbox(db, monkeypatch):
    """Carrier calls go to the built-in sandbox views through the test client (no sockets)."""
    client = Client()
    calls = []

    def transport(method, url, body, timeout):
        path = urlsplit(url).path
        calls.append((method, path, body))
        if method == "POST":
            response = client.post(path, data=json.dumps(body), content_type="application/json")
        else:
            response = client.get(path)
        return response.status_code, json.loads(response.content or b"null")

    monkeypatch.setattr(carrier_http, "transport", transport)
    return calls


@pytest.fixture
def floor(world, carriers):
    """wh-a (Hangzhou) and wh-b (Guangzhou) with bins, pick faces, carriers and 50 units of SKU-1..3.

    wh-a bins: front F01-01 (SKU-3), middle M02-01 (SKU-1), back B03-05 (SKU-2)."""
    wh_a, wh_b = world["wh_a"], world["wh_b"]
    wh_a.city = "杭州市"
    wh_a.save()
    wh_b.city = "广州市"
    wh_b.save()
    sku1, sku2, sku3 = world["skus"]
    for wh in (wh_a, wh_b):
        warehouse_carrier_set(warehouse=wh, carrier_code="ZTO", priority=10)
        warehouse_carrier_set(warehouse=wh, carrier_code="SF", priority=20, for_urgent=True)
        warehouse_carrier_set(warehouse=wh, carrier_code="SFTC", priority=5, for_same_city=True)
        stock_receive(warehouse=wh, lines=[(sku1, 50), (sku2, 50), (sku3, 50)], reason="test stock")
    bins = {
        "F01-01": location_upsert(warehouse=wh_a, code="F01-01", zone="front", aisle=1, bay=1),
        "M02-01": location_upsert(warehouse=wh_a, code="M02-01", zone="middle", aisle=2, bay=1),
        "B03-05": location_upsert(warehouse=wh_a, code="B03-05", zone="back", aisle=3, bay=5),
    }
    sku_place(warehouse=wh_a, sku=sku3, location=bins["F01-01"])
    sku_place(warehouse=wh_a, sku=sku1, location=bins["M02-01"])
    sku_place(warehouse=wh_a, sku=sku2, location=bins["B03-05"])
    b_bin = location_upsert(warehouse=wh_b, code="F01-01", zone="front", aisle=1, bay=1)
    for sku in (sku1, sku2, sku3):
        sku_place(warehouse=wh_b, sku=sku, location=b_bin)
    return {**world, "bins": bins}


@pytest.fixture
def approved_order(floor):
    """``approved_order(shop=…, skus=[(sku, qty)], **order fields)``: paid (stock reserved) and approved."""

    def make(*, shop=None, skus=None, **fields):
        shop = shop or floor["shop_a"]
        lines = [(sku, qty, Decimal("10.00")) for sku, qty in (skus or [(floor["skus"][0], 1)])]
        fields.setdefault("province", "江苏省")
        fields.setdefault("city", "南京市")
        order = make_order(shop=shop, skus=lines, status=Status.PAID, **fields)
        order.refresh_from_db()
        assert order.status == Status.PAID, f"order not reserved: {order.status} {order.hold_reason}"
        return order_transition(order=order, to_status=Status.APPROVED, system="tests")

    return make


@pytest.fixture
def new_sku(db):
    return SKUFactory


@pytest.fixture
def picked(floor, manager):
    """``picked(order)`` → the order's WaveOrder once its wave is built (by the order's own carrier, so
    it may take other approved orders along) and every task of that wave is picked in full."""
    from fulfilment.models import PickTask, WaveOrder
    from fulfilment.services import carrier_choose, pick_confirm, wave_build

    def pick(order):
        live = WaveOrder.objects.filter(order=order).exclude(status=WaveOrder.Status.REMOVED).first()
        if live is None:
            carrier = carrier_choose(order=order, warehouse=order.warehouse)
            wave = wave_build(
                warehouse=order.warehouse, strategy="by_carrier", carrier_code=carrier.code, actor=manager
            )
        else:
            wave = live.wave
        for task in (
            wave.tasks.filter(status=PickTask.Status.OPEN).select_related("sku", "location").order_by("sequence")
        ):
            pick_confirm(
                task=task,
                location_code=task.location.code if task.location_id else "",
                sku_code=task.sku.code,
                quantity=task.quantity,
                actor=manager,
            )
        return WaveOrder.objects.select_related("order", "wave").get(wave=wave, order=order)

    return pick


@pytest.fixture
def labelled(floor, approved_order, picked, sandbox, manager):
    """``labelled(order=None, **order fields)`` → a ZTO parcel of the order (a new approved one unless given),
    picked, packed and labelled (the label from the sandbox)."""
    from fulfilment.services import pack_complete, shipment_label_print

    def make(order=None, **fields):
        wave_order = picked(order or approved_order(**fields))
        shipment = pack_complete(
            wave_order=wave_order, verified={"SKU-1": 1}, weight_grams=800, carrier_code="ZTO", actor=manager
        )
        return shipment_label_print(shipment=shipment, actor=manager)

    return make


@pytest.fixture
def shipped(labelled, manager):
    """``shipped(order=None, **order fields)`` → that parcel, shipped now."""
    from fulfilment.services import shipment_ship

    def make(order=None, **fields):
        return shipment_ship(shipment=labelled(order, **fields), actor=manager)

    return make
