import datetime as dt
import io

import pytest
from django.core.cache import cache
from django.utils import timezone
from openpyxl import load_workbook

from fulfilment.models import TrackingPush, WaybillAttempt
from fulfilment.reports import shipping_health
from fulfilment.services import (
    incidents_scan,
    pack_complete,
    shipment_label_print,
    shipment_ship,
    tracking_push_process,
)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def fresh_cache():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def delivered(floor, approved_order, picked, sandbox, manager):
    order = approved_order(consignee_name="王小明", consignee_phone="13912345678")
    shipment = pack_complete(
        wave_order=picked(order), verified={"SKU-1": 1}, weight_grams=800, carrier_code="ZTO", actor=manager
    )
    shipment = shipment_ship(shipment=shipment_label_print(shipment=shipment, actor=manager), actor=manager)
    body = {
        "tracking_number": shipment.tracking_number,
        "events": [
            {
                "id": "1",
                "kind": "picked_up",
                "at": timezone.now().isoformat(),
                "province": "浙江省",
                "city": "杭州市",
                "description": "已揽收",
            },
            {
                "id": "2",
                "kind": "delivered",
                "at": timezone.now().isoformat(),
                "province": "江苏省",
                "city": "南京市",
                "description": "已签收，快递员电话 13800001111",
            },
        ],
    }
    tracking_push_process(push_id=TrackingPush.objects.create(carrier_code="ZTO", body=body).pk)
    return shipment


def test_public_page_shows_a_masked_timeline_for_the_right_phone_digits(client, delivered):
    response = client.post("/track/", {"order_number": delivered.order.number, "phone_last4": "5678"})
    assert response.status_code == 200
    html = response.content.decode()
    assert "王*" in html and "王小明" not in html
    assert "139****5678" in html and "13912345678" not in html
    assert "138****11" in html and "13800001111" not in html  # numbers inside descriptions too
    assert delivered.tracking_number not in html and delivered.tracking_number[-4:] in html
    assert "文三路" not in html  # no street address


def test_public_page_does_not_say_which_part_was_wrong(client, delivered):
    wrong_phone = client.post("/track/", {"order_number": delivered.order.number, "phone_last4": "0000"})
    wrong_order = client.post("/track/", {"order_number": "OH00000000000000", "phone_last4": "5678"})
    assert wrong_phone.status_code == wrong_order.status_code == 404
    assert wrong_phone.context["error"] == wrong_order.context["error"]
    assert wrong_phone.context["result"] is None


def test_public_page_is_rate_limited_per_address(client, delivered):
    for _ in range(10):
        client.post("/track/", {"order_number": "nope", "phone_last4": "1234"})
    blocked = client.post("/track/", {"order_number": delivered.order.number, "phone_last4": "5678"})
    assert blocked.status_code == 429
    assert blocked.context["result"] is None


def test_guessing_one_orders_phone_is_limited_across_addresses(client, delivered):
    for i in range(5):
        client.post(
            "/track/", {"order_number": delivered.order.number, "phone_last4": f"000{i}"}, REMOTE_ADDR=f"10.0.0.{i}"
        )
    right = client.post(
        "/track/", {"order_number": delivered.order.number, "phone_last4": "5678"}, REMOTE_ADDR="10.0.0.99"
    )
    assert right.status_code == 429


def test_public_page_needs_no_login(client):
    assert client.get("/track/").status_code == 200


def test_daily_report_counts_on_time_label_errors_exceptions_and_interventions(
    floor, approved_order, picked, sandbox, manager
):
    now = timezone.now()
    on_time = approved_order(promised_ship_at=now + dt.timedelta(hours=5))
    late = approved_order(promised_ship_at=now - dt.timedelta(hours=1), address="中山路1号 #FAIL")
    approved_order(promised_ship_at=now - dt.timedelta(hours=2))  # overdue and never shipped
    for order in (on_time, late):
        shipment = pack_complete(
            wave_order=picked(order), verified={"SKU-1": 1}, weight_grams=500, carrier_code="ZTO", actor=manager
        )
        if order == late:
            with pytest.raises(Exception):  # noqa: B017 - the breaker: waybill failed
                shipment_label_print(shipment=shipment, actor=manager)
            type(late).objects.filter(pk=late.pk).update(address="中山路1号")
            from fulfilment.services import shipment_update

            shipment = shipment_update(shipment=shipment, weight_grams=500)
        shipment_ship(shipment=shipment_label_print(shipment=shipment, actor=manager), actor=manager)
    incidents_scan(now=now + dt.timedelta(hours=25))
    report = shipping_health(day=timezone.localdate(), user=manager)
    tmall = next(c for c in report["channels"] if c["platform"] == "tmall")
    assert (tmall["shipped"], tmall["on_time"], tmall["late"], str(tmall["on_time_rate"])) == (2, 1, 1, "50.0")
    assert tmall["overdue_unshipped"] == 1
    assert (report["label"]["attempts"], report["label"]["failed"], str(report["label"]["error_rate"])) == (
        3,
        1,
        "33.3",
    )
    assert report["interventions"]["labels_retried"] == 1
    assert WaybillAttempt.objects.filter(ok=False).count() == 1


def test_report_page_has_charts_and_the_excel_has_the_sheets(client, manager, floor):
    client.force_login(manager)
    page = client.get("/fulfilment/report/", {"day": timezone.localdate().isoformat()})
    assert page.status_code == 200
    assert b"<svg" in page.content
    xlsx = client.get("/fulfilment/report.xlsx", {"day": timezone.localdate().isoformat()})
    assert xlsx["Content-Type"].startswith("application/vnd.openxmlformats")
    workbook = load_workbook(io.BytesIO(xlsx.content))
    assert workbook.sheetnames == ["Channels", "Labels", "Exceptions", "Interventions"]
    assert [c.value for c in workbook["Exceptions"][1]] == ["Level", "Kind", "Caught"]
    assert workbook["Exceptions"].max_row == 6


def test_report_is_only_for_order_viewers(client, outsider):
    client.force_login(outsider)
    assert client.get("/fulfilment/report/").status_code == 403
