import datetime as dt

import pytest
from django.utils import timezone

from fulfilment.exceptions import NothingToWave, UnknownCarrier, WaveError
from fulfilment.models import Location, PickTask, SKUPlacement, Wave, WaveOrder, WaveStrategy, Zone
from fulfilment.selectors import wave_list_for_user
from fulfilment.services import slotting_apply, wave_build, wave_cancel, wave_claim, waves_build_auto
from fulfilment.services.locations import location_path
from orders.states import Status

pytestmark = pytest.mark.django_db


def test_same_city_wave_takes_only_orders_to_the_warehouses_city(floor, approved_order):
    local = approved_order(province="浙江省", city="杭州市")
    approved_order(province="浙江省", city="宁波市")
    wave = wave_build(warehouse=floor["wh_a"], strategy=WaveStrategy.SAME_CITY)
    assert [wo.order_id for wo in wave.wave_orders.all()] == [local.pk]
    assert wave.wave_orders.get().carrier.code == "SFTC"  # the warehouse's same-city carrier


def test_urgent_wave_takes_the_urgent_queue_and_加急_tags(floor, approved_order):
    queued = approved_order(queue="urgent")
    tagged = approved_order(tags=["加急"])
    approved_order()
    wave = wave_build(warehouse=floor["wh_a"], strategy=WaveStrategy.URGENT)
    assert {wo.order_id for wo in wave.wave_orders.all()} == {queued.pk, tagged.pk}
    assert {wo.carrier.code for wo in wave.wave_orders.all()} == {"SF"}


def test_single_sku_wave_takes_orders_of_one_sku_whatever_the_quantity(floor, approved_order):
    sku1, sku2, _ = floor["skus"]
    single = approved_order(skus=[(sku1, 3)])
    approved_order(skus=[(sku1, 1), (sku2, 1)])
    wave = wave_build(warehouse=floor["wh_a"], strategy=WaveStrategy.SINGLE_SKU)
    assert [wo.order_id for wo in wave.wave_orders.all()] == [single.pk]


def test_by_carrier_wave_needs_a_real_carrier_and_takes_its_orders(floor, approved_order):
    zto = approved_order()
    approved_order(tags=["保价"])  # insured → SF
    with pytest.raises(WaveError):
        wave_build(warehouse=floor["wh_a"], strategy=WaveStrategy.BY_CARRIER)
    with pytest.raises(UnknownCarrier):
        wave_build(warehouse=floor["wh_a"], strategy=WaveStrategy.BY_CARRIER, carrier_code="ZT0")
    wave = wave_build(warehouse=floor["wh_a"], strategy=WaveStrategy.BY_CARRIER, carrier_code="ZTO")
    assert [wo.order_id for wo in wave.wave_orders.all()] == [zto.pk]
    assert wave.carrier.code == "ZTO"


def test_capacity_caps_a_wave_and_the_highest_priority_earliest_promise_goes_first(floor, approved_order):
    now = timezone.now()
    late = approved_order(promised_ship_at=now + dt.timedelta(hours=20))
    early = approved_order(promised_ship_at=now + dt.timedelta(hours=2))
    vip = approved_order(priority=5, promised_ship_at=now + dt.timedelta(hours=40))
    wave = wave_build(warehouse=floor["wh_a"], strategy=WaveStrategy.BY_CARRIER, carrier_code="ZTO", capacity=2)
    assert [wo.order_id for wo in wave.wave_orders.order_by("sequence")] == [vip.pk, early.pk]
    second = wave_build(warehouse=floor["wh_a"], strategy=WaveStrategy.BY_CARRIER, carrier_code="ZTO", capacity=2)
    assert [wo.order_id for wo in second.wave_orders.all()] == [late.pk]


def test_building_a_wave_moves_its_orders_to_picking_and_no_order_is_in_two_waves(floor, approved_order):
    order = approved_order()
    wave = wave_build(warehouse=floor["wh_a"], strategy=WaveStrategy.BY_CARRIER, carrier_code="ZTO")
    order.refresh_from_db()
    assert order.status == Status.PICKING
    assert order.events.filter(to_status=Status.PICKING, reason=f"wave {wave.number}").exists()
    with pytest.raises(NothingToWave):
        wave_build(warehouse=floor["wh_a"], strategy=WaveStrategy.BY_CARRIER, carrier_code="ZTO")


def test_only_approved_orders_of_the_warehouse_are_waved(floor, approved_order):
    approved_order(shop=floor["shop_b"])  # ships from wh-b
    with pytest.raises(NothingToWave):
        wave_build(warehouse=floor["wh_a"], strategy=WaveStrategy.BY_CARRIER, carrier_code="ZTO")


def test_pick_tasks_follow_the_walking_order_front_zone_first(floor, approved_order):
    sku1, sku2, sku3 = floor["skus"]
    first = approved_order(skus=[(sku2, 1), (sku1, 2)])
    second = approved_order(skus=[(sku3, 1), (sku1, 1)])
    wave = wave_build(warehouse=floor["wh_a"], strategy=WaveStrategy.BY_CARRIER, carrier_code="ZTO")
    tasks = list(
        wave.tasks.order_by("sequence").values_list("location__code", "sku__code", "wave_order__order_id", "quantity")
    )
    assert tasks == [
        ("F01-01", "SKU-3", second.pk, 1),
        ("M02-01", "SKU-1", first.pk, 2),
        ("M02-01", "SKU-1", second.pk, 1),
        ("B03-05", "SKU-2", first.pk, 1),
    ]


def test_a_sku_without_a_bin_is_picked_last(floor, approved_order):
    sku1, sku2, _ = floor["skus"]
    SKUPlacement.objects.filter(sku=sku1, warehouse=floor["wh_a"]).delete()
    approved_order(skus=[(sku1, 1), (sku2, 1)])
    wave = wave_build(warehouse=floor["wh_a"], strategy=WaveStrategy.BY_CARRIER, carrier_code="ZTO")
    assert list(wave.tasks.order_by("sequence").values_list("location__code", flat=True)) == ["B03-05", None]


def test_walking_order_is_s_shaped_through_the_aisles():
    up = [location_path(zone=Zone.MIDDLE, aisle=1, bay=b, level=1) for b in (1, 2, 3)]
    down = [location_path(zone=Zone.MIDDLE, aisle=2, bay=b, level=1) for b in (3, 2, 1)]
    assert sorted(up + down) == up + down
    assert location_path(zone=Zone.FRONT, aisle=9, bay=9, level=1) < location_path(
        zone=Zone.MIDDLE, aisle=1, bay=1, level=1
    )


def test_auto_build_runs_same_city_then_urgent_then_single_sku_then_by_carrier(floor, approved_order):
    sku1, sku2, _ = floor["skus"]
    local = approved_order(province="浙江省", city="杭州市", skus=[(sku1, 1), (sku2, 1)])
    urgent = approved_order(queue="urgent", skus=[(sku1, 1), (sku2, 1)])
    single = approved_order(skus=[(sku1, 2)])
    rest = approved_order(skus=[(sku1, 1), (sku2, 1)])
    waves = waves_build_auto(warehouse=floor["wh_a"], capacity=10)
    assert [(w.strategy, [wo.order_id for wo in w.wave_orders.all()]) for w in waves] == [
        (WaveStrategy.SAME_CITY, [local.pk]),
        (WaveStrategy.URGENT, [urgent.pk]),
        (WaveStrategy.SINGLE_SKU, [single.pk]),
        (WaveStrategy.BY_CARRIER, [rest.pk]),
    ]


def test_cancelling_a_wave_sends_its_orders_back_to_approved(floor, approved_order):
    order = approved_order()
    wave = wave_build(warehouse=floor["wh_a"], strategy=WaveStrategy.BY_CARRIER, carrier_code="ZTO")
    wave_cancel(wave=wave, reason="truck late")
    order.refresh_from_db()
    assert order.status == Status.APPROVED
    assert wave.wave_orders.get().status == WaveOrder.Status.REMOVED
    again = wave_build(warehouse=floor["wh_a"], strategy=WaveStrategy.BY_CARRIER, carrier_code="ZTO")
    assert again.wave_orders.get().order_id == order.pk


def test_two_pickers_cannot_both_claim_a_wave(floor, approved_order, manager, warehouse_b):
    approved_order()
    wave = wave_build(warehouse=floor["wh_a"], strategy=WaveStrategy.BY_CARRIER, carrier_code="ZTO")
    wave_claim(wave=wave, user=manager)
    with pytest.raises(WaveError):
        wave_claim(wave=Wave.objects.get(pk=wave.pk), user=warehouse_b)


def test_hottest_skus_are_re_slotted_into_the_front_zone(floor):
    from fulfilment.services.locations import sku_velocity

    wh = floor["wh_a"]
    sku1, sku2, sku3 = floor["skus"]
    velocity = {sku2.pk: 40, sku1.pk: 10}  # SKU-2 flies, SKU-3 did not sell
    import fulfilment.services.locations as locations

    original = locations.sku_velocity
    locations.sku_velocity = lambda **kw: velocity
    try:
        moves = slotting_apply(warehouse=wh)
    finally:
        locations.sku_velocity = original
    placed = {
        p.sku.code: p.location for p in SKUPlacement.objects.filter(warehouse=wh).select_related("sku", "location")
    }
    assert placed["SKU-2"].zone == Zone.FRONT
    assert placed["SKU-1"].code == "M02-01"
    assert placed["SKU-3"].zone == Zone.BACK
    assert {m["sku"] for m in moves} == {"SKU-2", "SKU-3"}
    assert sku_velocity(warehouse=wh) == {}


def test_wave_list_selector_is_scoped_and_does_not_grow_queries(
    floor, approved_order, warehouse_b, manager, django_assert_num_queries
):
    for _ in range(3):
        approved_order()
        wave_build(warehouse=floor["wh_a"], strategy=WaveStrategy.BY_CARRIER, carrier_code="ZTO", capacity=1)
    assert wave_list_for_user(warehouse_b).count() == 0
    with django_assert_num_queries(3):  # the user's permissions (2), then the waves with their warehouse scope
        waves = list(wave_list_for_user(manager))
        assert [w.order_count for w in waves] == [1, 1, 1]
        assert all(w.warehouse.code == "wh-a" for w in waves)
    assert Location.objects.filter(warehouse=floor["wh_a"]).count() == 3
    assert PickTask.objects.count() == 3
