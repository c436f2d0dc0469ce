"""An order that lost units to an approved partial refund before shipping: its wave picks, its parcel holds
and its label lists only what it still ships."""

from decimal import Decimal

import pytest

from aftersales.services import LineRequest, case_approve, case_create
from fulfilment.models import PickTask
from fulfilment.services import wave_build
from fulfilment.services.packing import pack_expected
from orders.states import Status

pytestmark = pytest.mark.django_db


def test_the_wave_picks_and_the_parcel_holds_only_the_units_left_to_ship(floor, approved_order, manager):
    sku1, sku2, _ = floor["skus"]
    order = approved_order(skus=[(sku1, 3), (sku2, 1)])
    case = case_create(
        order=order,
        kind="refund_only",
        amount=Decimal("20.00"),
        lines=[LineRequest(sku_code=sku1.code, quantity=1), LineRequest(sku_code=sku2.code, quantity=1)],
    )
    case_approve(case=case, actor=manager)
    order.refresh_from_db()
    assert order.status == Status.APPROVED

    wave = wave_build(warehouse=floor["wh_a"], strategy="by_carrier", carrier_code="ZTO")

    tasks = PickTask.objects.filter(wave=wave, wave_order__order=order)
    assert list(tasks.values_list("sku__code", "quantity")) == [("SKU-1", 2)]
    assert pack_expected(wave_order=wave.wave_orders.get(order=order)) == {"SKU-1": 2}
