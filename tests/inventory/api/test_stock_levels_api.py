"""GET /api/v1/stock/levels/: stock levels at the locations you may see, paged or followed (config.feed)."""

from decimal import Decimal

import pytest

from inventory.services import stock_receive
from orders.states import Status
from tests.api import api_client
from tests.factories import make_order

URL = "/api/v1/stock/levels/"

pytestmark = pytest.mark.django_db


def get(client, url, params=None) -> dict:
    response = client.get(url, params)
    assert response.status_code == 200, response.json()
    return response.json()


def levels(body) -> list[tuple]:
    return [(row["sku"], row["warehouse"], row["pool"], row["on_hand"], row["reserved"]) for row in body["results"]]


@pytest.fixture
def stocked(world):
    sku1, sku2, _ = world["skus"]
    stock_receive(warehouse=world["wh_a"], lines=[(sku1, 5), (sku2, 3)], reason="test stock")
    stock_receive(warehouse=world["wh_b"], lines=[(sku1, 7)], reason="test stock")
    return world


def test_levels_by_sku_and_location_at_the_locations_you_may_see(stocked, manager, warehouse_b):
    body = get(api_client(manager), URL)
    assert body["count"] == 3 and body["count_is_estimate"] is False
    assert levels(body) == [
        ("SKU-1", "wh-a", "spot", 5, 0),
        ("SKU-1", "wh-b", "spot", 7, 0),
        ("SKU-2", "wh-a", "spot", 3, 0),
    ]
    assert body["results"][0]["available"] == 5 and body["results"][0]["changed_at"]
    assert levels(get(api_client(warehouse_b), URL)) == [("SKU-1", "wh-b", "spot", 7, 0)]
    assert levels(get(api_client(manager), URL, {"sku": "SKU-1", "warehouse": "wh-b"})) == [
        ("SKU-1", "wh-b", "spot", 7, 0)
    ]


@pytest.mark.django_db(transaction=True)
def test_a_reservation_on_the_hot_path_is_a_change_a_follower_gets_once(stocked, manager):
    client = api_client(manager)
    body = get(client, URL, {"cursor": ""})
    assert len(body["results"]) == 3 and body["has_more"] is False
    resume = body["next"]

    # Paid: order_stock_reserve takes the units with one conditional UPDATE of the stock row.
    order = make_order(shop=stocked["shop_a"], status=Status.PAID, skus=[(stocked["skus"][0], 2, Decimal("10.00"))])
    assert order.status == Status.PAID

    body = get(client, resume)
    assert levels(body) == [("SKU-1", "wh-a", "spot", 5, 2)]
    assert body["results"][0]["available"] == 3
    assert get(client, body["next"])["results"] == []


def test_a_bad_cursor_is_a_400(stocked, manager):
    response = api_client(manager).get(URL, {"cursor": "xyz"})
    assert response.status_code == 400
    assert response.json()["message"].startswith("cursor: ")
