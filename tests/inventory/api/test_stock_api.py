import pytest
from rest_framework.test import APIClient

from inventory.models import Pool, Stock, StockMovement

pytestmark = pytest.mark.django_db


def client_for(user):
    client = APIClient()
    client.force_authenticate(user)
    return client


@pytest.fixture
def stocked(stocked, world, receive):
    """The inventory ``stocked`` SKU, with 2 presale units at wh-b too."""
    receive(stocked, world["wh_b"], 2, Pool.PRESALE)
    return stocked


def test_stock_of_a_sku_per_location(manager, stocked):
    response = client_for(manager).get("/api/v1/stock/", {"sku": stocked.code})

    assert response.status_code == 200
    body = response.json()
    assert [
        (loc["warehouse"], loc["pool"], loc["on_hand"], loc["reserved"], loc["available"]) for loc in body["locations"]
    ] == [
        ("wh-a", "spot", 10, 3, 7),
        ("wh-b", "presale", 2, 0, 2),
        ("wh-b", "spot", 4, 0, 4),
    ]
    assert body["totals"]["spot"] == {"on_hand": 14, "reserved": 3, "available": 11}


def test_stock_shows_only_the_locations_the_user_may_see(warehouse_b, cs_a, admin_user, stocked):
    seen = client_for(warehouse_b).get("/api/v1/stock/", {"sku": stocked.code}).json()
    assert {loc["warehouse"] for loc in seen["locations"]} == {"wh-b"}
    assert client_for(cs_a).get("/api/v1/stock/", {"sku": stocked.code}).json()["locations"] == []
    everything = client_for(admin_user).get("/api/v1/stock/", {"sku": stocked.code}).json()
    assert {loc["warehouse"] for loc in everything["locations"]} == {"wh-a", "wh-b"}


def test_stock_needs_a_known_sku_and_credentials(manager, stocked):
    assert client_for(manager).get("/api/v1/stock/").json()["code"] == "invalid"
    missing = client_for(manager).get("/api/v1/stock/", {"sku": "NOPE"})
    assert (missing.status_code, missing.json()["code"]) == (404, "sku_not_found")
    assert APIClient().get("/api/v1/stock/", {"sku": stocked.code}).status_code == 401


def test_an_adjustment_changes_on_hand_and_is_recorded_with_its_reason(warehouse_b, stocked):
    response = client_for(warehouse_b).post(
        "/api/v1/stock/adjustments/",
        {"sku": stocked.code, "warehouse": "wh-b", "quantity": -3, "reason": "破损 damaged in handling"},
        format="json",
    )

    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["movements"][0]["kind"] == "adjustment"
    assert body["movements"][0]["on_hand_delta"] == -3
    assert body["movements"][0]["by"] == "warehouse_b"
    assert body["levels"] == [
        {
            "sku": stocked.code,
            "warehouse": "wh-b",
            "warehouse_name": "广州仓",
            "kind": "warehouse",
            "pool": "spot",
            "on_hand": 1,
            "reserved": 0,
            "available": 1,
        }
    ]


def test_an_adjustment_cannot_take_reserved_units(manager, stocked):
    response = client_for(manager).post(
        "/api/v1/stock/adjustments/",
        {"sku": stocked.code, "warehouse": "wh-a", "quantity": -8, "reason": "lost"},
        format="json",
    )
    assert response.status_code == 409
    assert response.json()["code"] == "insufficient_stock"
    assert response.json()["extra"]["available"] == 7


def test_an_adjustment_repeated_with_its_idempotency_key_is_applied_once(manager, stocked):
    client = client_for(manager)
    payload = {"sku": stocked.code, "warehouse": "wh-a", "quantity": 5, "reason": "WMS sync"}
    first = client.post("/api/v1/stock/adjustments/", payload, format="json", HTTP_IDEMPOTENCY_KEY="wms-42")
    again = client.post("/api/v1/stock/adjustments/", payload, format="json", HTTP_IDEMPOTENCY_KEY="wms-42")

    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json()["movements"] == again.json()["movements"]
    assert Stock.objects.get(sku=stocked, warehouse__code="wh-a", pool="spot").on_hand == 15


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"warehouse": "wh-a", "quantity": 1, "reason": "x"}, "sku"),
        ({"sku": "SKU-1", "warehouse": "wh-a", "quantity": "lots", "reason": "x"}, "quantity"),
        ({"sku": "SKU-1", "warehouse": "wh-a", "quantity": 1}, "reason"),
        ({"sku": "SKU-1", "warehouse": "wh-a", "quantity": 1, "reason": "x", "colour": "red"}, "colour"),
    ],
)
def test_a_bad_adjustment_says_which_field_is_wrong(manager, stocked, payload, field):
    response = client_for(manager).post("/api/v1/stock/adjustments/", payload, format="json")
    assert response.status_code == 400
    assert response.json()["message"].startswith(f"{field}:")


def test_adjusting_needs_the_adjust_permission_and_the_location(cs_a, warehouse_b, stocked):
    payload = {"sku": stocked.code, "warehouse": "wh-a", "quantity": 1, "reason": "x"}
    assert client_for(cs_a).post("/api/v1/stock/adjustments/", payload, format="json").status_code == 403
    hidden = client_for(warehouse_b).post("/api/v1/stock/adjustments/", payload, format="json")
    assert (hidden.status_code, hidden.json()["code"]) == (404, "warehouse_not_found")
    assert not StockMovement.objects.filter(kind="adjustment").exists()


def test_receipt_and_transfer_through_the_api(manager, world, stocked):
    client = client_for(manager)
    received = client.post(
        "/api/v1/stock/receipts/",
        {"warehouse": "wh-b", "reference": "PO-77", "lines": [{"sku": stocked.code, "quantity": 6}]},
        format="json",
    )
    assert received.status_code == 201
    moved = client.post(
        "/api/v1/stock/transfers/",
        {
            "from_warehouse": "wh-b",
            "to_warehouse": "wh-a",
            "reason": "rebalance",
            "lines": [{"sku": stocked.code, "quantity": 10}],
        },
        format="json",
    )
    assert moved.status_code == 201, moved.json()
    assert {(lv["warehouse"], lv["on_hand"]) for lv in moved.json()["levels"]} == {("wh-a", 20), ("wh-b", 0)}
    too_much = client.post(
        "/api/v1/stock/transfers/",
        {
            "from_warehouse": "wh-b",
            "to_warehouse": "wh-a",
            "reason": "x",
            "lines": [{"sku": stocked.code, "quantity": 1}],
        },
        format="json",
    )
    assert too_much.status_code == 409


def test_count_through_the_api_then_the_accuracy_report(manager, stocked):
    client = client_for(manager)
    counted = client.post(
        "/api/v1/stock/counts/",
        {"warehouse": "wh-b", "reason": "cycle count", "lines": [{"sku": stocked.code, "counted": 3}]},
        format="json",
    )
    assert counted.status_code == 201, counted.json()
    assert counted.json()["state"] == "applied"
    assert counted.json()["lines"] == [
        {"sku": stocked.code, "pool": "spot", "system": 4, "counted": 3, "difference": -1}
    ]

    report = client.get("/api/v1/stock/accuracy/", {"warehouse": "wh-b"}).json()
    assert (report["lines"], report["line_accuracy"], report["unit_accuracy"]) == (1, "0.0000", "0.7500")


def test_reservations_of_an_order(manager, stocked):
    body = client_for(manager).get("/api/v1/stock/reservations/", {"order": "OH20260101000001"}).json()
    assert [(r["sku"], r["warehouse"], r["quantity"], r["state"]) for r in body] == [
        (stocked.code, "wh-a", 3, "active")
    ]
