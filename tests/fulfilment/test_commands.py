import io

import pytest
from django.core.management import call_command

from fulfilment.models import Carrier, Location, SKUPlacement, WarehouseCarrier, Zone
from fulfilment.services import carrier_choose
from inventory.services import stock_receive
from tests.factories import make_order

pytestmark = pytest.mark.django_db


def test_carriers_sync_command_loads_the_library():
    out = io.StringIO()
    call_command("carriers_sync", stdout=out)
    assert Carrier.objects.count() >= 50
    assert "created" in out.getvalue()


def test_fulfilment_setup_gives_a_warehouse_bins_pick_faces_and_carriers(world):
    wh = world["wh_a"]
    sku1, sku2, _ = world["skus"]
    stock_receive(warehouse=wh, lines=[(sku1, 5), (sku2, 5)])
    out = io.StringIO()
    quiet = io.StringIO()
    call_command(
        "fulfilment_setup",
        "wh-a",
        aisles=3,
        bays=2,
        carriers="ZTO,YTO",
        urgent="SF",
        same_city="SFTC",
        stdout=out,
        stderr=quiet,
    )
    call_command("fulfilment_setup", "wh-a", aisles=3, bays=2, stdout=out, stderr=io.StringIO())  # idempotent
    assert Location.objects.filter(warehouse=wh).count() == 6
    zones = set(Location.objects.filter(warehouse=wh).values_list("zone", flat=True))
    assert zones == {Zone.FRONT, Zone.MIDDLE, Zone.BACK}
    assert set(SKUPlacement.objects.filter(warehouse=wh).values_list("sku__code", flat=True)) == {"SKU-1", "SKU-2"}
    assert WarehouseCarrier.objects.filter(warehouse=wh, for_same_city=True).get().carrier.code == "SFTC"
    order = make_order(shop=world["shop_a"], province="浙江省", city="宁波市", tags=["保价"])
    assert carrier_choose(order=order, warehouse=wh).code == "SF"
    assert "6 bins" in out.getvalue()
