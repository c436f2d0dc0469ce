"""Packing instructions (加急, 赠品, 需冰袋, …) come from one selector, so the packing slip, the pack station and
the printed label tell the warehouse the same thing."""

import re
from decimal import Decimal

import pytest

from fulfilment.services import pack_complete, shipment_label_print, wave_build
from orders.services import LineInput, order_create, order_transition
from orders.states import Status
from tests.factories import order_input

pytestmark = pytest.mark.django_db


@pytest.fixture
def gift_order(floor):
    """An approved order of wh-a in the urgent queue, tagged 需冰袋 and 老客, with a free gift line."""
    sku1, sku2, _sku3 = floor["skus"]
    data = order_input(
        skus=[(sku1, 1, Decimal("10.00"))],
        status=Status.PAID,
        tags=["老客", "需冰袋"],
        queue="urgent",
        province="江苏省",
        city="南京市",
    )
    data.lines.append(LineInput(sku_code=sku2.code, quantity=1, unit_price=Decimal("0.00"), is_gift=True))
    order = order_create(shop=floor["shop_a"], data=data, system="tests")
    return order_transition(order=order, to_status=Status.APPROVED, system="tests")


def _tags(html: str, css_class: str = "tags") -> list[str]:
    block = re.search(rf'class="{css_class}"[^>]*>(.*?)</p>', html, re.S)
    return re.findall(r"<span>([^<]+)</span>", block.group(1)) if block else []


@pytest.mark.parametrize(
    "tags, queue, gift, expected",
    [
        (["老客", "需冰袋"], "urgent", True, ["需冰袋", "加急", "赠品"]),
        (["赠品", "加急"], "urgent", True, ["赠品", "加急"]),  # never twice
        (["保价"], "", False, ["保价"]),
        (["需配赠品", "VIP"], "", False, ["需配赠品"]),  # a rule's packing tag is an instruction too
        ([], "", False, []),
    ],
)
def test_instructions_come_from_tags_the_urgent_queue_and_gift_lines(floor, tags, queue, gift, expected):
    sku1, sku2, _sku3 = floor["skus"]
    data = order_input(skus=[(sku1, 1, Decimal("10.00"))], status=Status.PAID, tags=tags, queue=queue or "normal")
    if gift:
        data.lines.append(LineInput(sku_code=sku2.code, quantity=1, unit_price=Decimal("0.00"), is_gift=True))
    order = order_create(shop=floor["shop_a"], data=data, system="tests")

    from fulfilment.selectors import packing_instructions

    assert packing_instructions(order=order) == expected


def test_slip_pack_station_and_label_show_the_same_instructions(client, manager, floor, gift_order, picked, sandbox):
    expected = ["需冰袋", "加急", "赠品"]
    client.force_login(manager)
    wave_order = picked(gift_order)

    slips = client.get(f"/fulfilment/waves/{wave_order.wave_id}/slips/").content.decode()
    pack = client.get("/api/v1/packing/lookup/", {"code": wave_order.tote}).json()
    shipment = pack_complete(
        wave_order=wave_order, verified={"SKU-1": 1, "SKU-2": 1}, weight_grams=900, carrier_code="SF", actor=manager
    )
    shipment = shipment_label_print(shipment=shipment, actor=manager)
    label = client.get(f"/fulfilment/shipments/{shipment.pk}/label/").content.decode()

    assert _tags(slips) == expected
    assert pack["instructions"] == expected
    assert _tags(label) == expected
    assert shipment.label["instructions"] == expected


def test_the_label_shows_instructions_added_after_it_was_first_printed(
    client, manager, floor, gift_order, picked, sandbox
):
    wave_order = picked(gift_order)
    shipment = pack_complete(
        wave_order=wave_order, verified={"SKU-1": 1, "SKU-2": 1}, weight_grams=900, carrier_code="SF", actor=manager
    )
    shipment = shipment_label_print(shipment=shipment, actor=manager)
    gift_order.tags = [*gift_order.tags, "保价"]
    gift_order.save(update_fields=["tags"])
    client.force_login(manager)

    label = client.get(f"/fulfilment/shipments/{shipment.pk}/label/").content.decode()

    assert _tags(label) == ["需冰袋", "保价", "加急", "赠品"]


def test_slips_read_instructions_without_a_query_per_order(
    client, manager, floor, approved_order, django_assert_max_num_queries
):
    for _ in range(3):
        approved_order(tags=["加急"])
    wave = wave_build(warehouse=floor["wh_a"], strategy="by_carrier", carrier_code="SF")
    client.force_login(manager)
    with django_assert_max_num_queries(20) as counted:
        client.get(f"/fulfilment/waves/{wave.pk}/slips/")
    few = len(counted)
    for _ in range(5):
        approved_order(tags=["加急"])
    wave_more = wave_build(warehouse=floor["wh_a"], strategy="by_carrier", carrier_code="SF")
    with django_assert_max_num_queries(few):
        client.get(f"/fulfilment/waves/{wave_more.pk}/slips/")
