import pytest

from inventory.exceptions import InsufficientStock
from inventory.models import Pool, Reservation, Stock, StockMovement, Warehouse
from inventory.services import (
    LineDemand,
    order_stock_consume,
    order_stock_release,
    order_stock_reserve,
    orders_stock_release,
    reservation_move,
)
from tests.factories import SKUFactory, WarehouseFactory

pytestmark = pytest.mark.django_db


def level(sku, warehouse, pool=Pool.SPOT):
    row = Stock.objects.get(sku=sku, warehouse=warehouse, pool=pool)
    return row.on_hand, row.reserved


def reserve(order_id, *lines, warehouse=None, presale=False):
    """lines: (line_id, sku, quantity)"""
    return order_stock_reserve(
        order_id=order_id,
        reference=f"OH{order_id}",
        lines=[LineDemand(line_id=lid, sku_id=sku.pk, quantity=q) for lid, sku, q in lines],
        warehouse_id=warehouse.pk if warehouse else None,
        presale=presale,
    )


def test_reserve_holds_every_line_and_writes_reserve_movements(world, receive):
    sku1, sku2, _ = world["skus"]
    receive(sku1, world["wh_a"], 5)
    receive(sku2, world["wh_a"], 5)

    result = reserve(1, (11, sku1, 2), (12, sku2, 3), warehouse=world["wh_a"])

    assert (result.ok, result.warehouse_id, result.created) == (True, world["wh_a"].pk, 2)
    assert level(sku1, world["wh_a"]) == (5, 2)
    assert level(sku2, world["wh_a"]) == (5, 3)
    assert sorted(Reservation.objects.values_list("order_line_id", "quantity", "state", "reference")) == [
        (11, 2, "active", "OH1"),
        (12, 3, "active", "OH1"),
    ]
    assert StockMovement.objects.filter(kind="reserve", reference="OH1").count() == 2


def test_reserve_is_all_lines_or_none(world, receive):
    sku1, sku2, _ = world["skus"]
    receive(sku1, world["wh_a"], 5)
    receive(sku2, world["wh_a"], 1)

    result = reserve(1, (11, sku1, 2), (12, sku2, 3), warehouse=world["wh_a"])

    assert not result.ok
    assert result.short == [{"sku": sku2.code, "sku_id": sku2.pk, "pool": "spot", "wanted": 3, "available": 1}]
    assert "wanted 3, available 1" in result.describe()
    assert level(sku1, world["wh_a"]) == (5, 0)
    assert not Reservation.objects.exists()


def test_reserve_never_exceeds_on_hand(world, receive):
    sku = world["skus"][0]
    receive(sku, world["wh_a"], 3)
    outcomes = [reserve(order_id, (order_id * 10, sku, 1), warehouse=world["wh_a"]).ok for order_id in range(1, 6)]
    assert outcomes == [True, True, True, False, False]
    assert level(sku, world["wh_a"]) == (3, 3)


def test_repeating_a_reservation_changes_nothing(world, receive):
    sku = world["skus"][0]
    receive(sku, world["wh_a"], 5)
    reserve(1, (11, sku, 2), warehouse=world["wh_a"])

    again = reserve(1, (11, sku, 2), warehouse=world["wh_a"])

    assert (again.ok, again.created) == (True, 0)
    assert level(sku, world["wh_a"]) == (5, 2)
    assert Reservation.objects.count() == 1


def test_a_line_that_grew_reserves_only_the_difference(world, receive):
    sku = world["skus"][0]
    receive(sku, world["wh_a"], 5)
    reserve(1, (11, sku, 2), warehouse=world["wh_a"])

    reserve(1, (11, sku, 3), warehouse=world["wh_a"])

    assert level(sku, world["wh_a"]) == (5, 3)
    assert Reservation.objects.get().quantity == 3


def test_without_a_warehouse_the_first_location_by_priority_that_fills_every_line_is_used(world, receive):
    sku1, sku2, _ = world["skus"]
    near = WarehouseFactory(code="near", priority=1)
    far = WarehouseFactory(code="far", priority=50)
    road = WarehouseFactory(code="road", priority=0, kind=Warehouse.Kind.IN_TRANSIT)
    receive(sku1, road, 10)
    receive(sku1, near, 10)  # near lacks sku2
    receive(sku1, far, 10)
    receive(sku2, far, 10)

    result = reserve(1, (11, sku1, 1), (12, sku2, 1))

    assert result.warehouse_id == far.pk
    assert level(sku1, far) == (10, 1)
    assert level(sku1, near) == (10, 0)
    assert level(sku1, road) == (10, 0)


def test_a_pinned_warehouse_is_not_swapped_for_another(world, receive):
    sku = world["skus"][0]
    receive(sku, world["wh_b"], 10)
    result = reserve(1, (11, sku, 1), warehouse=world["wh_a"])
    assert not result.ok
    assert level(sku, world["wh_b"]) == (10, 0)


def test_skus_without_any_stock_row_are_not_stock_managed(world, receive):
    managed, unmanaged = world["skus"][0], SKUFactory(code="GIFT-CARD")
    receive(managed, world["wh_a"], 1)

    result = reserve(1, (11, managed, 1), (12, unmanaged, 5), warehouse=world["wh_a"])

    assert result.ok
    assert result.unmanaged_line_ids == [12]
    assert list(Reservation.objects.values_list("order_line_id", flat=True)) == [11]


def test_presale_orders_take_only_the_presale_pool_and_spot_orders_only_spot(world, receive):
    sku = world["skus"][0]
    receive(sku, world["wh_a"], 2, Pool.PRESALE)

    spot = reserve(1, (11, sku, 1), warehouse=world["wh_a"])
    assert not spot.ok
    assert spot.short[0]["pool"] == "spot"

    assert reserve(2, (21, sku, 2), warehouse=world["wh_a"], presale=True).ok
    assert level(sku, world["wh_a"], Pool.PRESALE) == (2, 2)

    receive(sku, world["wh_a"], 5)
    assert not reserve(3, (31, sku, 1), warehouse=world["wh_a"], presale=True).ok
    assert reserve(4, (41, sku, 5), warehouse=world["wh_a"]).ok
    assert level(sku, world["wh_a"], Pool.SPOT) == (5, 5)


def test_presale_skus_reserve_from_the_presale_pool(world, receive):
    sku = SKUFactory(code="PRE-1", is_presale=True)
    receive(sku, world["wh_a"], 3)  # spot units of a presale SKU are not what presale orders sell
    assert not reserve(1, (11, sku, 1), warehouse=world["wh_a"]).ok
    receive(sku, world["wh_a"], 3, Pool.PRESALE)
    assert reserve(2, (21, sku, 1), warehouse=world["wh_a"]).ok
    assert level(sku, world["wh_a"], Pool.PRESALE) == (3, 1)


def test_release_gives_the_units_back_once(world, receive):
    sku = world["skus"][0]
    receive(sku, world["wh_a"], 5)
    reserve(1, (11, sku, 2), (12, sku, 1), warehouse=world["wh_a"])

    assert order_stock_release(order_id=1, reason="cancelled") == 3
    assert order_stock_release(order_id=1, reason="cancelled") == 0

    assert level(sku, world["wh_a"]) == (5, 0)
    assert set(Reservation.objects.values_list("state", flat=True)) == {"released"}
    assert StockMovement.objects.filter(kind="release").count() == 2


def test_several_orders_release_together_each_stock_row_once_and_only_what_they_hold(
    world, receive, django_assert_num_queries
):
    sku1, sku2, _ = world["skus"]
    receive(sku1, world["wh_a"], 10)
    receive(sku2, world["wh_a"], 10)
    reserve(1, (11, sku1, 2), (12, sku2, 1), warehouse=world["wh_a"])
    reserve(2, (21, sku1, 3), warehouse=world["wh_a"])
    reserve(3, (31, sku2, 4), warehouse=world["wh_a"])  # not among those released
    released = orders_stock_release(order_ids=[2, 1, 99], reason="order cancelled")

    assert released == 6
    assert level(sku1, world["wh_a"]) == (10, 0) and level(sku2, world["wh_a"]) == (10, 4)
    states = dict(Reservation.objects.values_list("order_id", "state").distinct())
    assert states == {1: "released", 2: "released", 3: "active"}
    moves = StockMovement.objects.filter(kind="release").order_by("reference", "reserved_delta")
    assert [(m.reference, m.reserved_delta, m.reason) for m in moves] == [
        ("OH1", -2, "order cancelled"),
        ("OH1", -1, "order cancelled"),
        ("OH2", -3, "order cancelled"),
    ]
    with django_assert_num_queries(1):  # a repeat finds nothing to release
        assert orders_stock_release(order_ids=[1, 2]) == 0


def test_release_of_some_lines_keeps_the_others(world, receive):
    sku = world["skus"][0]
    receive(sku, world["wh_a"], 5)
    reserve(1, (11, sku, 2), (12, sku, 1), warehouse=world["wh_a"])

    order_stock_release(order_id=1, line_ids=[12])

    assert level(sku, world["wh_a"]) == (5, 2)


def test_consume_turns_the_reservation_into_a_deduction_once(world, receive):
    sku = world["skus"][0]
    receive(sku, world["wh_a"], 5)
    reserve(1, (11, sku, 2), warehouse=world["wh_a"])

    assert order_stock_consume(order_id=1) == 2
    assert order_stock_consume(order_id=1) == 0
    assert order_stock_release(order_id=1) == 0  # nothing left to release after shipping

    assert level(sku, world["wh_a"]) == (3, 0)
    ship = StockMovement.objects.get(kind="ship")
    assert (ship.on_hand_delta, ship.reserved_delta, ship.reference) == (-2, -2, "OH1")


def test_reservations_follow_lines_that_are_split_or_merged(world, receive):
    sku = world["skus"][0]
    receive(sku, world["wh_a"], 10)
    reserve(1, (11, sku, 5), warehouse=world["wh_a"])

    # split: 2 of line 11 go to line 21 of a new order 2
    assert reservation_move(from_line_id=11, to_order_id=2, to_line_id=21, to_reference="OH2", quantity=2) == 2
    assert sorted(Reservation.objects.filter(state="active").values_list("order_id", "order_line_id", "quantity")) == [
        (1, 11, 3),
        (2, 21, 2),
    ]
    # merge back: everything of line 21 goes to line 11
    reservation_move(from_line_id=21, to_order_id=1, to_line_id=11, to_reference="OH1")
    assert list(Reservation.objects.filter(state="active").values_list("order_line_id", "quantity")) == [(11, 5)]
    assert level(sku, world["wh_a"]) == (10, 5)
    with pytest.raises(InsufficientStock):
        reservation_move(from_line_id=11, to_order_id=3, to_line_id=31, to_reference="OH3", quantity=6)


@pytest.mark.parametrize("lines", [1, 2])
def test_losing_a_race_after_the_read_leaves_nothing_behind_and_tries_the_next_location(
    world, receive, monkeypatch, lines
):
    """Between our read and our UPDATE another order takes the last unit at the first location."""
    from inventory.services import reservation as module

    sku1, sku2, _ = world["skus"]
    for wh in (world["wh_a"], world["wh_b"]):
        receive(sku1, wh, 1)
        receive(sku2, wh, 1)
    real_candidates = module._candidates
    raced = []

    def competitor_after_our_read(*args, **kwargs):
        if not raced:
            raced.append(True)
            assert reserve(99, (991, sku1, 1), (992, sku2, 1), warehouse=world["wh_a"]).ok
        return real_candidates(*args, **kwargs)

    monkeypatch.setattr(module, "_candidates", competitor_after_our_read)
    wanted = [(11, sku1, 1), (12, sku2, 1)][:lines]

    result = reserve(1, *wanted)

    assert (result.ok, result.warehouse_id) == (True, world["wh_b"].pk)
    assert sorted(Reservation.objects.values_list("order_id", "stock__warehouse__code")) == sorted(
        [(99, "wh-a"), (99, "wh-a")] + [(1, "wh-b")] * lines
    )
    assert StockMovement.objects.filter(kind="reserve", reference="OH1").count() == lines
