import pytest

from fulfilment.models import Wave
from fulfilment.services import wave_build

pytestmark = pytest.mark.django_db


def test_desk_builds_a_wave_from_the_form(client, manager, floor, approved_order):
    approved_order()
    client.force_login(manager)
    assert client.get("/fulfilment/").status_code == 200
    response = client.post("/fulfilment/", {"warehouse": "wh-a", "strategy": "auto", "capacity": "10"}, follow=True)
    assert response.status_code == 200
    assert Wave.objects.count() == 1


def test_desk_shows_the_error_of_a_mistyped_carrier(client, manager, floor, approved_order):
    approved_order()
    client.force_login(manager)
    response = client.post(
        "/fulfilment/", {"warehouse": "wh-a", "strategy": "by_carrier", "carrier": "YT0", "capacity": "10"}, follow=True
    )
    assert "YTO" in response.content.decode()
    assert not Wave.objects.exists()


def test_floor_pages_are_for_the_warehouse_role_only(client, outsider, finance, floor):
    for user in (outsider, finance):
        client.force_login(user)
        assert client.get("/fulfilment/").status_code == 403
        assert client.get("/fulfilment/m/").status_code == 403
        assert client.get("/api/v1/waves/").status_code == 403


def test_warehouse_staff_see_only_their_warehouses_waves(client, warehouse_b, floor, approved_order):
    approved_order()
    wave = wave_build(warehouse=floor["wh_a"], strategy="by_carrier", carrier_code="ZTO")
    client.force_login(warehouse_b)
    assert client.get("/fulfilment/m/").status_code == 200
    assert client.get(f"/fulfilment/m/waves/{wave.pk}/").status_code == 404
    assert client.get(f"/fulfilment/waves/{wave.pk}/picklist/").status_code == 404
    assert client.get(f"/api/v1/waves/{wave.pk}/").status_code == 404


def test_printable_pick_list_is_in_walking_order_and_slips_show_instructions(client, manager, floor, approved_order):
    sku1, sku2, sku3 = floor["skus"]
    approved_order(skus=[(sku2, 1), (sku3, 1), (sku1, 1)], tags=["赠品", "需冰袋"], buyer_remark="请放门口")
    wave = wave_build(warehouse=floor["wh_a"], strategy="by_carrier", carrier_code="SF")
    client.force_login(manager)
    html = client.get(f"/fulfilment/waves/{wave.pk}/picklist/").content.decode()
    assert html.index("F01-01") < html.index("M02-01") < html.index("B03-05")
    slips = client.get(f"/fulfilment/waves/{wave.pk}/slips/").content.decode()
    assert "<span>赠品</span>" in slips and "<span>需冰袋</span>" in slips and "请放门口" in slips


def test_mobile_pages_are_phone_sized_and_keep_the_scan_field_focused(client, manager, floor, approved_order):
    approved_order()
    wave = wave_build(warehouse=floor["wh_a"], strategy="by_carrier", carrier_code="ZTO")
    client.force_login(manager)
    for url in ("/fulfilment/m/", f"/fulfilment/m/waves/{wave.pk}/", "/fulfilment/m/pack/"):
        html = client.get(url).content.decode()
        assert 'name="viewport" content="width=device-width' in html
        assert "localStorage" in html and "navigator.vibrate" in html
    pick = client.get(f"/fulfilment/m/waves/{wave.pk}/").content.decode()
    assert 'id="scan"' in pick and "autofocus" in pick and 'id="pick-data"' in pick


def test_pack_lookup_api_shows_special_instructions(client, manager, floor, approved_order, picked):
    order = approved_order(tags=["保价"], queue="urgent")
    wave_order = picked(order)
    client.force_login(manager)
    body = client.get("/api/v1/packing/lookup/", {"code": wave_order.tote}).json()
    assert body["order"] == order.number
    assert body["instructions"] == ["保价", "加急"]
    assert body["expected"] == {"SKU-1": 1}
    assert body["carriers"][0]["code"] == "SFTC"  # the warehouse's carriers first


def test_pack_lookup_refuses_a_code_that_is_missing_or_cannot_be_one(client, manager, floor):
    client.force_login(manager)
    for params in ({}, {"code": "T01\x00"}, {"code": "x" * 65}):
        response = client.get("/api/v1/packing/lookup/", params)
        assert response.status_code == 400, params
        assert response.json()["code"] == "invalid"
        assert response.json()["message"].startswith("code:")


def test_every_fulfilment_admin_page_opens(client, floor, approved_order, picked, manager):
    from django.contrib import admin
    from django.urls import reverse

    from tests.factories import UserFactory

    picked(approved_order())
    root = UserFactory(username="root", is_superuser=True)
    client.force_login(root)
    for model in admin.site._registry:
        if model._meta.app_label != "fulfilment":
            continue
        url = reverse(f"admin:fulfilment_{model._meta.model_name}_changelist")
        assert client.get(url).status_code == 200, url
