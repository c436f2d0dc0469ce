from decimal import Decimal

import pytest

from fulfilment import geo
from fulfilment.routing import order_route
from inventory.services import stock_receive
from tests.factories import SKUFactory, WarehouseFactory, make_order

pytestmark = pytest.mark.django_db


def test_province_table_is_complete_and_neighbours_are_symmetric():
    provinces = geo.provinces()
    assert len(provinces) == 34
    names = {p.name for p in provinces}
    for p in provinces:
        assert p.neighbours <= names
        for n in p.neighbours:
            assert p.name in next(q for q in provinces if q.name == n).neighbours


def test_distance_and_ring_between_provinces():
    assert geo.distance_km("浙江省", "浙江") == 0
    assert geo.ring("浙江省", "上海市") == 1
    assert geo.ring("浙江省", "新疆") == 2
    assert 900 < geo.distance_km("浙江省", "广东省") < 1200
    assert geo.distance_km("浙江省", "Atlantis") is None


@pytest.fixture
def three_warehouses(world):
    """Hangzhou and Guangzhou from the world, plus Shanghai at a worse priority."""
    sh = WarehouseFactory(code="wh-sh", name="上海仓", province="上海市", city="上海市", priority=200)
    return {"hz": world["wh_a"], "gz": world["wh_b"], "sh": sh}


def _order(province, skus, city=""):
    return make_order(skus=[(sku, qty, Decimal("1.00")) for sku, qty in skus], province=province, city=city)


def test_routes_to_the_warehouse_in_the_consignees_province_that_has_stock(three_warehouses):
    sku = SKUFactory()
    for wh in three_warehouses.values():
        stock_receive(warehouse=wh, lines=[(sku, 10)])
    result = order_route(order=_order("广东省", [(sku, 2)], "深圳市"))
    assert result.warehouse == "wh-b"
    assert result.candidates[0].ring == 0
    assert "same province" in result.reason


def test_a_nearer_warehouse_without_stock_loses_to_one_that_can_fill(three_warehouses):
    sku = SKUFactory()
    stock_receive(warehouse=three_warehouses["hz"], lines=[(sku, 1)])
    stock_receive(warehouse=three_warehouses["gz"], lines=[(sku, 5)])
    result = order_route(order=_order("浙江省", [(sku, 3)]))
    assert result.warehouse == "wh-b"
    hz = next(c for c in result.candidates if c.warehouse == "wh-a")
    assert not hz.fills_order and hz.short_lines == [{"sku": sku.code, "needed": 3, "available": 1}]


def test_a_neighbouring_province_beats_a_nearer_one_across_a_border_and_priority_breaks_ties(three_warehouses):
    sku = SKUFactory()
    stock_receive(warehouse=three_warehouses["gz"], lines=[(sku, 10)])
    stock_receive(warehouse=three_warehouses["sh"], lines=[(sku, 10)])
    # 江西: Guangdong is a neighbour (≈670 km), Shanghai is not (≈610 km): the neighbour ships.
    result = order_route(order=_order("江西省", [(sku, 1)]))
    assert result.warehouse == "wh-b"
    assert [(c.warehouse, c.ring) for c in result.candidates][:2] == [("wh-b", 1), ("wh-sh", 2)]
    # Two warehouses in the same province: the lower priority number wins.
    hz2 = WarehouseFactory(code="wh-hz2", province="浙江省", city="杭州市", priority=1)
    stock_receive(warehouse=hz2, lines=[(sku, 10)])
    stock_receive(warehouse=three_warehouses["hz"], lines=[(sku, 10)])
    assert order_route(order=_order("浙江省", [(sku, 1)])).warehouse == "wh-hz2"


def test_units_an_order_reserved_count_for_it_and_not_for_others(three_warehouses, world):
    sku = SKUFactory()
    stock_receive(warehouse=three_warehouses["hz"], lines=[(sku, 2)])
    stock_receive(warehouse=three_warehouses["gz"], lines=[(sku, 2)])
    paid = make_order(shop=world["shop_a"], skus=[(sku, 2, Decimal("1.00"))], status="paid", province="浙江省")
    paid.refresh_from_db()
    assert paid.status == "paid"  # both Hangzhou units are now reserved for it
    assert order_route(order=paid).warehouse == "wh-a"
    assert order_route(order=_order("浙江省", [(sku, 2)])).warehouse == "wh-b"


def test_no_single_warehouse_can_fill_it_so_a_split_is_proposed(three_warehouses):
    a, b = SKUFactory(), SKUFactory()
    stock_receive(warehouse=three_warehouses["hz"], lines=[(a, 5)])
    stock_receive(warehouse=three_warehouses["gz"], lines=[(b, 5)])
    result = order_route(order=_order("浙江省", [(a, 2), (b, 3)]))
    assert result.warehouse is None
    assert [(p.warehouse, p.lines) for p in result.split] == [
        ("wh-a", [{"sku": a.code, "quantity": 2}]),
        ("wh-b", [{"sku": b.code, "quantity": 3}]),
    ]
    assert result.unfillable == []
    assert result.as_dict()["split"][0]["warehouse"] == "wh-a"


def test_what_no_warehouse_has_is_reported_as_unfillable(three_warehouses):
    a = SKUFactory()
    stock_receive(warehouse=three_warehouses["hz"], lines=[(a, 1)])
    result = order_route(order=_order("浙江省", [(a, 3)]))
    assert result.warehouse is None
    assert result.unfillable == [{"sku": a.code, "quantity": 2}]


def test_route_api_returns_the_decision_as_data(client, manager, three_warehouses, world):
    sku = SKUFactory()
    stock_receive(warehouse=three_warehouses["gz"], lines=[(sku, 3)])
    order = make_order(shop=world["shop_a"], skus=[(sku, 1, Decimal("5.00"))], province="广东省")
    client.force_login(manager)
    body = client.get(f"/api/v1/orders/{order.number}/route/").json()
    assert body["warehouse"] == "wh-b"
    assert {c["warehouse"] for c in body["candidates"]} == {"wh-a", "wh-b", "wh-sh"}


def test_route_api_hides_orders_the_user_cannot_see(client, cs_a, world):
    order = make_order(shop=world["shop_b"])
    client.force_login(cs_a)
    assert client.get(f"/api/v1/orders/{order.number}/route/").status_code == 404
