"""The reports' figures as the reports page's charts read them (``reports.js``, Apache ECharts): plain JSON
values, series named in the reader's language."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.utils.translation import gettext as _


def _number(value: Decimal | int | None) -> float | int | None:
    return float(value) if isinstance(value, Decimal) else value


def report_charts(report: dict[str, Any]) -> dict[str, Any]:
    """The trend (cases and refunded cases as bars, both refund rates as lines) and the reasons (per period,
    stacked; and their shares)."""
    trend = report["trend"]
    reasons = report["reasons"]
    by_period = reasons["by_period"]
    names = {row["reason_code"]: row["label"] or _("No reason given") for row in reasons["reasons"]}
    return {
        "periods": [row["start"].isoformat() for row in trend],
        "trend": {
            "names": {
                "cases": _("Cases"),
                "refunded_cases": _("Refunded cases"),
                "case_rate": _("Refund rate (cases) %"),
                "amount_rate": _("Refund rate (amount) %"),
            },
            "cases": [row["cases"] for row in trend],
            "refunded_cases": [row["refunded_cases"] for row in trend],
            "case_rate": [_number(row["case_rate"]) for row in trend],
            "amount_rate": [_number(row["amount_rate"]) for row in trend],
        },
        "reasons": [
            {"name": names[row["reason_code"]], "cases": row["cases"], "by_period": by_period[row["reason_code"]]}
            for row in reasons["reasons"]
        ],
    }
