"""The reports page and its Excel export: the figures of the user's shops, the filter's errors said precisely."""

import datetime as dt
import io
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.test import Client
from django.urls import reverse
from openpyxl import load_workbook

from aftersales.models import Case
from aftersales.services import LineRequest, case_create
from orders.states import Status
from tests.factories import make_order

pytestmark = pytest.mark.django_db

SH = ZoneInfo("Asia/Shanghai")
PAGE = reverse("aftersales:reports")
XLSX = reverse("aftersales:reports-xlsx")
DAYS = {"date_from": "2026-11-10", "date_to": "2026-11-11"}


@pytest.fixture
def cases(world):
    sku = world["skus"][0]
    for shop, price in ((world["shop_a"], "40.00"), (world["shop_b"], "70.00")):
        paid_at = dt.datetime(2026, 11, 10, 9, tzinfo=SH)
        order = make_order(shop=shop, skus=[(sku, 1, Decimal(price))], status=Status.PAID, paid_at=paid_at)
        case = case_create(
            order=order, kind="refund_only", lines=[LineRequest(sku_code=sku.code, quantity=1)], reason_code="quality"
        )
        Case.objects.filter(pk=case.pk).update(
            requested_at=dt.datetime(2026, 11, 10, 10, tzinfo=SH),
            status=Case.Status.REFUNDED,
            refunded_at=dt.datetime(2026, 11, 10, 16, tzinfo=SH),
            closed_at=dt.datetime(2026, 11, 10, 16, tzinfo=SH),
        )


def _client(user) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(user)
    return client


def test_the_page_shows_the_figures_with_their_charts_data(cases, manager):
    response = _client(manager).get(PAGE, DAYS)

    assert response.status_code == 200
    page = response.content.decode()
    assert "天猫旗舰店" in page and "京东自营店" in page
    charts = response.context["charts"]
    assert charts["periods"] == ["2026-11-10", "2026-11-11"]
    assert charts["trend"]["refunded_cases"] == [2, 0]
    assert charts["trend"]["amount_rate"] == [100.0, None]
    assert charts["reasons"] == [{"name": "Quality problem", "cases": 2, "by_period": [2, 0]}]
    assert 'id="report-charts"' in page and "board/vendor/echarts-6.1.0.min.js" in page


def test_a_cs_agent_reads_only_the_shops_granted(cases, cs_a):
    response = _client(cs_a).get(PAGE, DAYS)

    assert response.status_code == 200
    assert "京东自营店" not in response.content.decode()
    assert [row["code"] for row in response.context["report"]["shops"]] == ["shop-a"]


def test_the_warehouse_may_not_read_the_reports(cases, warehouse_b):
    assert _client(warehouse_b).get(PAGE).status_code == 403
    assert _client(warehouse_b).get(XLSX).status_code == 403


def test_a_filter_that_cannot_be_used_says_which_field_and_why(manager):
    response = _client(manager).get(PAGE, {"date_from": "2026-11-12", "date_to": "2026-11-10", "shop": "nowhere"})

    assert response.status_code == 400
    assert response.context["form"].errors == {
        "shop": ["Select a valid choice. nowhere is not one of the available choices."],
        "date_to": ["date_to: 2026-11-10 is before date_from 2026-11-12."],
    }


def test_the_excel_export_holds_the_pages_figures(cases, finance):
    response = _client(finance).get(XLSX, {**DAYS, "shop": "shop-b"})

    assert response.status_code == 200
    assert response["Content-Disposition"] == 'attachment; filename="aftersales-20261110-20261111.xlsx"'
    workbook = load_workbook(io.BytesIO(response.content))
    assert workbook.sheetnames == ["Trend", "Shops", "SKUs", "Reasons", "Time to close"]
    trend = [list(row) for row in workbook["Trend"].iter_rows(min_row=3, values_only=True)]
    assert [row[1:] for row in trend] == [[1, 70, 1, 1, 70, 100, 100], [0, 0, 0, 0, 0, None, None]]
    shops = [list(row) for row in workbook["Shops"].iter_rows(min_row=2, values_only=True)]
    assert [row[:2] for row in shops] == [["京东自营店", "shop-b"]]
    close = list(workbook["Time to close"].iter_rows(min_row=2, max_row=2, values_only=True))[0]
    assert close == ("All kinds", 1, 6, 6)
