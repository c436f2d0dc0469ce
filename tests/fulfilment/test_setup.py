"""fulfilment_setup: a warehouse's carriers, bin grid and pick faces, set up in one idempotent call."""

import pytest

from fulfilment.models import Location, SKUPlacement, WarehouseCarrier, Zone
from fulfilment.services import fulfilment_setup
from inventory.services import stock_receive

pytestmark = pytest.mark.django_db


def _carriers(warehouse):
    return {
        wc.carrier.code: (wc.priority, wc.for_urgent, wc.for_same_city)
        for wc in WarehouseCarrier.objects.filter(warehouse=warehouse).select_related("carrier")
    }


def test_fulfilment_setup_builds_bins_carriers_and_pick_faces_and_reports_each_bin(world):
    wh = world["wh_a"]
    sku1, sku2, _sku3 = world["skus"]
    stock_receive(warehouse=wh, lines=[(sku1, 5), (sku2, 5)])
    calls = []

    result = fulfilment_setup(
        warehouse=wh,
        aisles=3,
        bays=2,
        carriers=["ZTO", " YTO ", ""],
        urgent="SF",
        same_city="SFTC",
        progress=lambda done, total: calls.append((done, total)),
    )

    assert result == {"bins": 6, "placed": 2, "reslotted": 0}
    assert calls == [(n, 6) for n in range(1, 7)]
    bins = dict(Location.objects.filter(warehouse=wh).values_list("code", "zone"))
    assert bins == {
        "F01-01": Zone.FRONT,
        "F01-02": Zone.FRONT,
        "M02-01": Zone.MIDDLE,
        "M02-02": Zone.MIDDLE,
        "B03-01": Zone.BACK,
        "B03-02": Zone.BACK,
    }
    # first listed is the default; the urgent carrier is added behind them; same-city ranks first but is
    # used only for same-city orders
    assert _carriers(wh) == {
        "ZTO": (10, False, False),
        "YTO": (20, False, False),
        "SF": (90, True, False),
        "SFTC": (5, False, True),
    }
    # pick faces only for SKUs with stock here, in the front bins, in walking order
    placed = dict(SKUPlacement.objects.filter(warehouse=wh).values_list("sku__code", "location__code"))
    assert placed == {"SKU-1": "F01-01", "SKU-2": "F01-02"}


def test_fulfilment_setup_is_idempotent_and_marks_a_listed_urgent_carrier(world):
    wh = world["wh_a"]
    stock_receive(warehouse=wh, lines=[(world["skus"][0], 1)])

    first = fulfilment_setup(warehouse=wh, aisles=2, bays=2, carriers=["ZTO", "SF"], urgent="SF", same_city="")
    again = fulfilment_setup(warehouse=wh, aisles=2, bays=2, carriers=["ZTO", "SF"], urgent="SF", same_city="")

    assert first == again == {"bins": 4, "placed": 1, "reslotted": 0}
    assert Location.objects.filter(warehouse=wh).count() == 4
    assert SKUPlacement.objects.filter(warehouse=wh).count() == 1
    assert _carriers(wh) == {"ZTO": (10, False, False), "SF": (20, True, False)}
