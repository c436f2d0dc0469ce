import pytest

from fulfilment.exceptions import PackMismatch, UnknownCarrier, WaveError, WrongLocation, WrongQuantity, WrongSKU
from fulfilment.models import PickTask, ScanEvent, Shipment, Wave, WaveOrder
from fulfilment.services import pack_complete, pick_confirm, wave_build
from orders.services import order_transition
from orders.states import HoldReason, Status
from tests.factories import SKUFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def wave(floor, approved_order):
    sku1, sku2, _ = floor["skus"]
    order = approved_order(skus=[(sku1, 2), (sku2, 1)])
    return wave_build(warehouse=floor["wh_a"], strategy="by_carrier", carrier_code="ZTO"), order


def _task(wave, sku_code):
    return wave.tasks.select_related("sku", "location", "wave_order__order").get(sku__code=sku_code)


def test_a_pick_at_the_right_bin_of_the_right_sku_is_recorded(wave, manager):
    wave, order = wave
    task = pick_confirm(task=_task(wave, "SKU-1"), location_code="m02-01", sku_code="SKU-1", quantity=2, actor=manager)
    assert (task.status, task.picked_quantity, task.picked_by) == (PickTask.Status.DONE, 2, manager)
    assert ScanEvent.objects.filter(kind=ScanEvent.Kind.PICKED, task=task, quantity=2).count() == 1


def test_a_barcode_scan_counts_as_the_sku(wave, manager, floor):
    wave, _order = wave
    sku1 = floor["skus"][0]
    task = pick_confirm(
        task=_task(wave, "SKU-1"), location_code="M02-01", sku_code=sku1.barcode, quantity=2, actor=manager
    )
    assert task.status == PickTask.Status.DONE


def test_a_sku_not_in_the_order_is_refused_loudly_and_recorded(wave, manager):
    wave, order = wave
    stranger = SKUFactory(code="SKU-X")
    task = _task(wave, "SKU-1")
    with pytest.raises(WrongSKU) as exc:
        pick_confirm(task=task, location_code="M02-01", sku_code=stranger.code, quantity=2, actor=manager)
    assert exc.value.status == 409
    assert f"SKU-X is not in order {order.number}" in exc.value.message
    task.refresh_from_db()
    assert (task.status, task.picked_quantity) == (PickTask.Status.OPEN, 0)
    refusal = ScanEvent.objects.get(kind=ScanEvent.Kind.WRONG_SKU)
    assert (refusal.scanned, refusal.expected, refusal.user) == ("SKU-X", "SKU-1", manager)


def test_a_sku_of_the_order_scanned_at_the_wrong_bin_is_refused_with_a_different_message(wave, manager):
    wave, _order = wave
    with pytest.raises(WrongSKU) as exc:
        pick_confirm(task=_task(wave, "SKU-1"), location_code="M02-01", sku_code="SKU-2", quantity=1, actor=manager)
    assert "is in order" in exc.value.message and "This bin is for SKU-1" in exc.value.message


def test_the_wrong_bin_is_refused(wave, manager):
    wave, _order = wave
    with pytest.raises(WrongLocation) as exc:
        pick_confirm(task=_task(wave, "SKU-1"), location_code="B03-05", sku_code="SKU-1", quantity=2, actor=manager)
    assert exc.value.extra["expected"] == "M02-01"
    assert ScanEvent.objects.filter(kind=ScanEvent.Kind.WRONG_LOCATION).count() == 1


def test_more_than_the_task_asks_is_refused_and_less_is_a_short_pick(wave, manager):
    wave, _order = wave
    task = _task(wave, "SKU-1")
    with pytest.raises(WrongQuantity):
        pick_confirm(task=task, location_code="M02-01", sku_code="SKU-1", quantity=3, actor=manager)
    task = pick_confirm(task=task, location_code="M02-01", sku_code="SKU-1", quantity=1, actor=manager)
    assert task.status == PickTask.Status.SHORT


def test_a_retried_post_with_the_same_client_id_is_applied_once(wave, manager):
    wave, _order = wave
    task = _task(wave, "SKU-1")
    pick_confirm(task=task, location_code="M02-01", sku_code="SKU-1", quantity=2, actor=manager, client_id="c-1")
    again = pick_confirm(
        task=task, location_code="M02-01", sku_code="SKU-1", quantity=2, actor=manager, client_id="c-1"
    )
    assert again.status == PickTask.Status.DONE
    assert ScanEvent.objects.filter(client_id="c-1").count() == 1
    with pytest.raises(WaveError):  # without a client id a second pick of a done task is refused
        pick_confirm(task=task, location_code="M02-01", sku_code="SKU-1", quantity=2, actor=manager)


def test_picking_every_task_marks_the_order_and_the_wave_picked(wave, manager):
    wave, _order = wave
    pick_confirm(task=_task(wave, "SKU-1"), location_code="M02-01", sku_code="SKU-1", quantity=2, actor=manager)
    assert Wave.objects.get(pk=wave.pk).status == Wave.Status.PICKING
    pick_confirm(task=_task(wave, "SKU-2"), location_code="B03-05", sku_code="SKU-2", quantity=1, actor=manager)
    assert WaveOrder.objects.get(wave=wave).status == WaveOrder.Status.PICKED
    assert Wave.objects.get(pk=wave.pk).status == Wave.Status.PICKED


def test_an_order_put_on_hold_mid_wave_is_not_picked(wave, manager):
    wave, order = wave
    order_transition(order=order, to_status=Status.ON_HOLD, hold_reason=HoldReason.REFUND, system="tests")
    with pytest.raises(WaveError) as exc:
        pick_confirm(task=_task(wave, "SKU-1"), location_code="M02-01", sku_code="SKU-1", quantity=2, actor=manager)
    assert exc.value.code == "order_not_picking"


def test_packing_needs_every_line_verified(floor, approved_order, picked, manager):
    sku1, sku2, _ = floor["skus"]
    wave_order = picked(approved_order(skus=[(sku1, 2), (sku2, 1)]))
    with pytest.raises(PackMismatch) as exc:
        pack_complete(wave_order=wave_order, verified={"SKU-1": 2}, weight_grams=900, carrier_code="ZTO", actor=manager)
    assert "SKU-2: scanned 0, order has 1" in exc.value.message
    with pytest.raises(PackMismatch):
        pack_complete(
            wave_order=wave_order,
            verified={"SKU-1": 2, "SKU-2": 1, "SKU-3": 1},
            weight_grams=900,
            carrier_code="ZTO",
            actor=manager,
        )
    assert not Shipment.objects.exists()


def test_packing_with_a_typed_carrier_code_is_refused(floor, approved_order, picked, manager):
    wave_order = picked(approved_order())
    with pytest.raises(UnknownCarrier):
        pack_complete(wave_order=wave_order, verified={"SKU-1": 1}, weight_grams=500, carrier_code="YT0", actor=manager)


def test_packing_creates_the_parcel_and_closes_the_wave(floor, approved_order, picked, manager):
    sku1 = floor["skus"][0]
    wave_order = picked(approved_order(skus=[(sku1, 2)]))
    shipment = pack_complete(
        wave_order=wave_order,
        verified={sku1.barcode: 2},
        weight_grams=1200,
        carrier_code="YTO",
        actor=manager,
        client_id="p1",
    )
    assert (shipment.status, shipment.carrier.code, shipment.weight_grams, shipment.packed_by) == (
        Shipment.Status.PACKED,
        "YTO",
        1200,
        manager,
    )
    assert WaveOrder.objects.get(pk=wave_order.pk).status == WaveOrder.Status.PACKED
    assert Wave.objects.get(pk=wave_order.wave_id).status == Wave.Status.DONE
    same = pack_complete(
        wave_order=wave_order, verified={"SKU-1": 2}, weight_grams=1200, carrier_code="YTO", actor=manager
    )
    assert same.pk == shipment.pk


def test_an_unpicked_order_cannot_be_packed(floor, approved_order, manager):
    order = approved_order()
    wave = wave_build(warehouse=floor["wh_a"], strategy="by_carrier", carrier_code="ZTO")
    with pytest.raises(PackMismatch) as exc:
        pack_complete(
            wave_order=wave.wave_orders.get(order=order),
            verified={"SKU-1": 1},
            weight_grams=500,
            carrier_code="ZTO",
            actor=manager,
        )
    assert exc.value.code == "not_picked"
