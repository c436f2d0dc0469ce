"""The reports as one Excel workbook: a sheet per table of the page, written through the one cell writer
(``config.spreadsheets.sheet_append``, so no text becomes a formula)."""

from __future__ import annotations

import io
from typing import Any

from django.utils.translation import gettext as _
from openpyxl import Workbook

from config.spreadsheets import sheet_append


def report_workbook(report: dict[str, Any]) -> bytes:
    """The workbook of ``report`` (``aftersales.reports.selectors.aftersales_report``)."""
    f = report["filter"]
    workbook = Workbook(write_only=True)
    trend = workbook.create_sheet(_("Trend"))
    sheet_append(trend, [_("After-sales reports"), f"{f.date_from:%Y-%m-%d} – {f.date_to:%Y-%m-%d}", f.currency])
    rate_columns = [_("Orders"), _("Paid amount"), _("Cases"), _("Refunded cases"), _("Refunded amount")]
    rate_columns += [_("Refund rate (cases) %"), _("Refund rate (amount) %")]
    sheet_append(trend, [_("Period from"), *rate_columns])
    for row in report["trend"]:
        sheet_append(trend, [row["start"], *_rate_values(row)])

    shops = workbook.create_sheet(_("Shops"))
    sheet_append(shops, [_("Shop"), _("Shop code"), *rate_columns])
    for row in report["shops"]:
        sheet_append(shops, [row["shop"], row["code"], *_rate_values(row)])

    skus = workbook.create_sheet(_("SKUs"))
    sheet_append(skus, [_("SKU"), _("Name"), _("Units asked back"), *rate_columns])
    for row in report["skus"]:
        sheet_append(skus, [row["sku"], row["name"], row["units"], *_rate_values(row)])

    reasons = workbook.create_sheet(_("Reasons"))
    sheet_append(reasons, [_("Reason"), _("Reason code"), _("Cases"), _("Amount"), _("Share %")])
    for row in report["reasons"]["reasons"]:
        label = row["label"] or _("No reason given")
        sheet_append(reasons, [label, row["reason_code"], row["cases"], row["amount"], row["share"]])

    close = workbook.create_sheet(_("Time to close"))
    sheet_append(close, [_("Kind"), _("Closed"), _("p50 (hours)"), _("p90 (hours)")])
    summary = report["close"]
    sheet_append(close, [_("All kinds"), summary["closed"], summary["p50_h"], summary["p90_h"]])
    for row in summary["kinds"]:
        sheet_append(close, [row["label"], row["closed"], row["p50_h"], row["p90_h"]])
    auto = report["auto"]
    sheet_append(close, [])
    sheet_append(close, [_("Approved cases"), _("Approved automatically"), _("Auto-approved share %")])
    sheet_append(close, [auto["approved"], auto["automatic"], auto["share"]])

    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def _rate_values(row: dict[str, Any]) -> list[Any]:
    return [
        row["orders"],
        row["paid_amount"],
        row["cases"],
        row["refunded_cases"],
        row["refunded_amount"],
        row["case_rate"],
        row["amount_rate"],
    ]
