import pytest
from django.db import IntegrityError, transaction
from django.db.models import F

from inventory.exceptions import InsufficientStock, StockIdempotencyConflict, StockInvalid
from inventory.models import Pool, Stock, StockMovement, Warehouse
from inventory.services import stock_adjust, stock_receive, stock_return, stock_transfer
from tests.factories import SKUFactory, WarehouseFactory

pytestmark = pytest.mark.django_db


def level(sku, warehouse, pool=Pool.SPOT):
    row = Stock.objects.filter(sku=sku, warehouse=warehouse, pool=pool).first()
    return (row.on_hand, row.reserved) if row else None


def test_receipt_adds_on_hand_and_writes_one_ledger_row_per_sku(world, manager):
    sku1, sku2, _ = world["skus"]

    movements = stock_receive(
        warehouse=world["wh_a"], lines=[(sku1, 10), (sku2, 4), (sku1, 2)], reference="PO-1", actor=manager
    )

    assert level(sku1, world["wh_a"]) == (12, 0)
    assert level(sku2, world["wh_a"]) == (4, 0)
    assert sorted((m.sku_id, m.kind, m.on_hand_delta, m.reference, m.actor) for m in movements) == sorted(
        [(sku1.pk, "receipt", 12, "PO-1", manager), (sku2.pk, "receipt", 4, "PO-1", manager)]
    )


def test_negative_adjustment_takes_only_available_units(world, receive):
    sku = world["skus"][0]
    receive(sku, world["wh_a"], 5)
    Stock.objects.filter(sku=sku).update(reserved=3)  # as if orders held 3 …
    StockMovement.objects.create(
        kind="reserve", sku=sku, warehouse=world["wh_a"], reserved_delta=3, system="tests"
    )  # … with its ledger row, so the invariant holds; reservations are tested on their own
    from inventory.models import Reservation

    Reservation.objects.create(
        stock=Stock.objects.get(sku=sku), order_id=1, order_line_id=1, reference="OH1", quantity=3
    )

    with pytest.raises(InsufficientStock) as excinfo:
        stock_adjust(sku=sku, warehouse=world["wh_a"], quantity=-3, reason="damaged")

    assert "可用仅 2 件（在库 5，已占用 3）" in excinfo.value.message
    assert excinfo.value.extra["available"] == 2
    stock_adjust(sku=sku, warehouse=world["wh_a"], quantity=-2, reason="damaged")
    assert level(sku, world["wh_a"]) == (3, 3)


def test_adjustment_needs_a_reason_and_a_nonzero_whole_quantity(world):
    sku = world["skus"][0]
    with pytest.raises(StockInvalid, match="reason"):
        stock_adjust(sku=sku, warehouse=world["wh_a"], quantity=3, reason="  ")
    with pytest.raises(StockInvalid, match="不会改变任何库存"):
        stock_adjust(sku=sku, warehouse=world["wh_a"], quantity=0, reason="x")
    with pytest.raises(StockInvalid, match="不是整数"):
        stock_adjust(sku=sku, warehouse=world["wh_a"], quantity=1.5, reason="x")
    assert not StockMovement.objects.exists()


def test_adjusting_below_zero_with_no_stock_row_changes_nothing(world):
    sku = world["skus"][0]
    with pytest.raises(InsufficientStock):
        stock_adjust(sku=sku, warehouse=world["wh_a"], quantity=-1, reason="lost")
    assert not Stock.objects.exists()


def test_inactive_location_cannot_receive(world):
    closed = WarehouseFactory(code="closed", is_active=False)
    with pytest.raises(StockInvalid, match="已停用"):
        stock_receive(warehouse=closed, lines=[(world["skus"][0], 1)])


def test_transfer_moves_units_and_is_all_or_nothing(world, receive):
    sku1, sku2, _ = world["skus"]
    receive(sku1, world["wh_a"], 5)
    receive(sku2, world["wh_a"], 1)

    with pytest.raises(InsufficientStock):
        stock_transfer(
            from_warehouse=world["wh_a"], to_warehouse=world["wh_b"], lines=[(sku1, 2), (sku2, 3)], reason="rebalance"
        )
    assert level(sku1, world["wh_a"]) == (5, 0)
    assert level(sku1, world["wh_b"]) is None

    movements = stock_transfer(
        from_warehouse=world["wh_a"],
        to_warehouse=world["wh_b"],
        lines=[(sku1, 2)],
        reason="rebalance",
        reference="TR-1",
    )

    assert level(sku1, world["wh_a"]) == (3, 0)
    assert level(sku1, world["wh_b"]) == (2, 0)
    assert sorted((m.kind, m.warehouse_id, m.on_hand_delta) for m in movements) == sorted(
        [("transfer_out", world["wh_a"].pk, -2), ("transfer_in", world["wh_b"].pk, 2)]
    )


def test_goods_on_the_road_sit_in_an_in_transit_location(world, receive):
    sku = world["skus"][0]
    road = WarehouseFactory(code="road", kind=Warehouse.Kind.IN_TRANSIT)
    receive(sku, world["wh_a"], 4)

    stock_transfer(from_warehouse=world["wh_a"], to_warehouse=road, lines=[(sku, 4)], reason="to Guangzhou")
    stock_transfer(from_warehouse=road, to_warehouse=world["wh_b"], lines=[(sku, 4)], reason="arrived")

    assert [level(sku, w) for w in (world["wh_a"], road, world["wh_b"])] == [(0, 0), (0, 0), (4, 0)]


def test_transfer_between_pools_at_one_location(world, receive):
    sku = world["skus"][0]
    receive(sku, world["wh_a"], 6)
    stock_transfer(
        from_warehouse=world["wh_a"],
        to_warehouse=world["wh_a"],
        lines=[(sku, 2)],
        to_pool=Pool.PRESALE,
        reason="commit to presale",
    )
    assert level(sku, world["wh_a"]) == (4, 0)
    assert level(sku, world["wh_a"], Pool.PRESALE) == (2, 0)
    with pytest.raises(StockInvalid):
        stock_transfer(from_warehouse=world["wh_a"], to_warehouse=world["wh_a"], lines=[(sku, 1)], reason="noop")


def test_return_puts_units_back(world, receive):
    sku = world["skus"][0]
    stock_return(sku=sku, warehouse=world["wh_b"], quantity=2, reference="RMA-7", system="aftersales")
    assert level(sku, world["wh_b"]) == (2, 0)
    assert StockMovement.objects.get().kind == "return"


def test_repeated_request_with_an_idempotency_key_changes_nothing(world):
    sku = world["skus"][0]
    first = stock_adjust(sku=sku, warehouse=world["wh_a"], quantity=7, reason="WMS sync", idempotency_key="wms-1")
    again = stock_adjust(sku=sku, warehouse=world["wh_a"], quantity=7, reason="WMS sync", idempotency_key="wms-1")

    assert [m.pk for m in again] == [m.pk for m in first]
    assert level(sku, world["wh_a"]) == (7, 0)
    with pytest.raises(StockIdempotencyConflict):
        stock_receive(warehouse=world["wh_a"], lines=[(sku, 1)], idempotency_key="wms-1")


def test_a_keyed_multi_line_receipt_replays_all_its_lines(world):
    sku1, sku2, _ = world["skus"]
    first = stock_receive(warehouse=world["wh_a"], lines=[(sku1, 1), (sku2, 2)], reference="PO-9", idempotency_key="k")
    again = stock_receive(warehouse=world["wh_a"], lines=[(sku1, 1), (sku2, 2)], reference="PO-9", idempotency_key="k")
    assert sorted(m.pk for m in again) == sorted(m.pk for m in first)
    assert StockMovement.objects.count() == 2


@pytest.mark.parametrize(
    ("on_hand", "reserved", "constraint"),
    [
        (-1, 0, "stock_on_hand_not_negative"),
        (3, -1, "stock_reserved_not_negative"),
        (3, 4, "stock_reserved_within_on_hand"),
    ],
)
def test_the_database_refuses_negative_or_over_reserved_stock(world, on_hand, reserved, constraint):
    sku = SKUFactory()
    row = Stock.objects.create(sku=sku, warehouse=world["wh_a"])
    with pytest.raises(IntegrityError, match=constraint), transaction.atomic():
        Stock.objects.filter(pk=row.pk).update(on_hand=on_hand, reserved=reserved)


def test_the_database_refuses_reserving_past_on_hand_even_with_a_blind_update(world, receive):
    sku = world["skus"][0]
    receive(sku, world["wh_a"], 2)
    with pytest.raises(IntegrityError), transaction.atomic():
        Stock.objects.filter(sku=sku).update(reserved=F("reserved") + 3)
