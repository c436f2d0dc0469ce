import datetime as dt
import io

import pytest
from django.core.cache import cache
from django.utils import timezone
from openpyxl import load_workbook

from fulfilment.models import WaybillAttempt
from fulfilment.reports import shipping_health
from fulfilment.services import (
    incidents_scan,
    pack_complete,
    shipment_label_print,
    shipment_ship,
)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def fresh_cache():
    cache.clear()
    yield
    cache.clear()


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


def test_report_shows_the_latest_eta_backtest_and_the_weekly_task_records_one(client, manager, floor):
    from fulfilment.models import EtaBacktest
    from fulfilment.tasks import eta_backtest

    client.force_login(manager)
    page = client.get("/fulfilment/report/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "No ETA backtest yet" in page
    eta_backtest()
    kept = EtaBacktest.objects.get()
    assert kept.simulated is True and kept.tested > 0
    page = client.get("/fulfilment/report/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert f"±{kept.mae_hours} h" in page
    assert f"{round(kept.coverage * 100)}%" in page
    assert "Measured on simulated tracks" in page
