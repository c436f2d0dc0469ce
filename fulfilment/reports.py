"""The daily shipping health report: on-time ship rate per channel, label error rate, exceptions caught,
manual interventions — as data, inline-SVG charts and an Excel workbook (openpyxl).

Definitions (one Shanghai calendar day):
- on time: a parcel shipped that day whose order's promised ship time had not passed; overdue
  unshipped: orders whose promised ship time passed by the day's end and that have still not shipped.
- label error rate: failed or blocked e-waybill attempts ÷ all attempts that day.
- exceptions caught: work items opened that day, by level.
- manual interventions: work items resolved by a person, labels retried after a block, and refused scans
  (wrong bin / SKU / quantity) that staff corrected on the floor.
"""

from __future__ import annotations

import datetime as dt
import io
from collections import defaultdict
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db.models import Count, F, Q
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString

from config.spreadsheets import sheet_append
from fulfilment.models import IncidentKind, ScanEvent, Shipment, WaybillAttempt, WorkItem
from orders.models import Order, Platform
from orders.selectors import order_list_for_user
from orders.states import NOT_SHIPPED


def _day_bounds(day: dt.date) -> tuple[dt.datetime, dt.datetime]:
    tz = timezone.get_default_timezone()
    start = dt.datetime.combine(day, dt.time.min, tzinfo=tz)
    return start, start + dt.timedelta(days=1)


def _rate(part: int, whole: int) -> Decimal | None:
    if not whole:
        return None
    return (Decimal(part) * 100 / Decimal(whole)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def shipping_health(*, day: dt.date, user=None) -> dict[str, Any]:
    """The report for ``day``; with ``user`` only the orders they may see (None: everything, for tasks)."""
    start, end = _day_bounds(day)
    orders = Order.objects.all() if user is None else order_list_for_user(user)
    order_ids = orders.values("pk")

    shipped = (
        Shipment.objects.filter(order__in=order_ids, shipped_at__gte=start, shipped_at__lt=end)
        .values("order__shop__platform")
        .annotate(
            total=Count("pk"),
            on_time=Count(
                "pk", filter=Q(order__promised_ship_at__isnull=True) | Q(shipped_at__lte=F("order__promised_ship_at"))
            ),
        )
    )
    overdue = (
        orders.filter(promised_ship_at__lt=end, status__in=NOT_SHIPPED)
        .exclude(status__in=["pending_payment"])
        .values("shop__platform")
        .annotate(n=Count("pk"))
    )
    overdue_by = {r["shop__platform"]: r["n"] for r in overdue}
    channels = []
    for row in sorted(shipped, key=lambda r: r["order__shop__platform"]):
        platform = row["order__shop__platform"]
        channels.append(
            {
                "channel": Platform(platform).label,
                "platform": platform,
                "shipped": row["total"],
                "on_time": row["on_time"],
                "late": row["total"] - row["on_time"],
                "on_time_rate": _rate(row["on_time"], row["total"]),
                "overdue_unshipped": overdue_by.pop(platform, 0),
            }
        )
    for platform, n in sorted(overdue_by.items()):
        channels.append(
            {
                "channel": Platform(platform).label,
                "platform": platform,
                "shipped": 0,
                "on_time": 0,
                "late": 0,
                "on_time_rate": None,
                "overdue_unshipped": n,
            }
        )

    attempts = WaybillAttempt.objects.filter(shipment__order__in=order_ids, at__gte=start, at__lt=end)
    label_total = attempts.count()
    label_failed = attempts.filter(ok=False).count()
    label_reasons = list(attempts.filter(ok=False).values("block_reason").annotate(n=Count("pk")).order_by("-n"))

    items = WorkItem.objects.filter(order__in=order_ids, created_at__gte=start, created_at__lt=end)
    by_kind = {r["kind"]: r["n"] for r in items.values("kind").annotate(n=Count("pk"))}
    exceptions = [
        {"kind": kind, "label": IncidentKind(kind).label, "level": level, "count": by_kind.get(kind, 0)}
        for kind, level in _kinds_by_level()
    ]

    resolved_by_people = WorkItem.objects.filter(
        order__in=order_ids, resolved_at__gte=start, resolved_at__lt=end, resolved_by__isnull=False
    ).count()
    retried_shipments = (
        attempts.filter(ok=True, shipment__attempts__ok=False, shipment__attempts__at__lt=F("at"))
        .values("shipment")
        .distinct()
        .count()
    )
    refused_scans = ScanEvent.objects.filter(
        order__in=order_ids,
        at__gte=start,
        at__lt=end,
        kind__in=[ScanEvent.Kind.WRONG_LOCATION, ScanEvent.Kind.WRONG_SKU, ScanEvent.Kind.WRONG_QUANTITY],
    ).count()
    interventions = {
        "work_items_resolved": resolved_by_people,
        "labels_retried": retried_shipments,
        "scans_corrected": refused_scans,
    }
    total_shipped = sum(c["shipped"] for c in channels)
    total_on_time = sum(c["on_time"] for c in channels)
    totals = {
        "shipped": total_shipped,
        "on_time_rate": str(_rate(total_on_time, total_shipped)) if total_shipped else None,
        "label_attempts": label_total,
        "label_errors": label_failed,
        "label_error_rate": str(_rate(label_failed, label_total)) if label_total else None,
        "exceptions": sum(e["count"] for e in exceptions),
        "manual_interventions": sum(interventions.values()),
    }
    return {
        "day": day,
        "channels": channels,
        "label": {
            "attempts": label_total,
            "failed": label_failed,
            "error_rate": _rate(label_failed, label_total),
            "reasons": label_reasons,
        },
        "exceptions": exceptions,
        "interventions": interventions,
        "totals": totals,
    }


def _kinds_by_level() -> list[tuple[str, int]]:
    from fulfilment.models.incidents import LEVELS

    return sorted(((str(k), v) for k, v in LEVELS.items()), key=lambda kv: (kv[1], kv[0]))


# --- charts -------------------------------------------------------------------------------------------------


def bar_chart_svg(rows: list[tuple[str, float, str]], *, unit: str = "", max_value: float | None = None) -> SafeString:
    """A small accessible horizontal bar chart as inline SVG from ``(label, value, css class)`` rows;
    widths in %, so it fits a 360 px phone and a wide screen alike."""
    if not rows:
        return format_html('<p class="muted">{}</p>', "—")
    top = max_value or max((v for _l, v, _c in rows), default=0) or 1
    row_h = 40
    bars = format_html_join(
        "",
        '<g class="chart-row"><title>{0}: {1}{2}</title>'
        '<text x="0" y="{3}" class="chart-label">{0}</text>'
        '<rect x="0" y="{4}" width="82%" height="14" rx="3" class="chart-track"></rect>'
        '<rect x="0" y="{4}" width="{5}%" height="14" rx="3" class="chart-bar {6}"></rect>'
        '<text x="{5}%" dx="6" y="{7}" class="chart-value">{1}{2}</text></g>',
        (
            (
                label,
                _fmt(value),
                unit,
                i * row_h + 13,
                i * row_h + 19,
                f"{max(value / top * 82, 0.4):.2f}",
                css,
                i * row_h + 31,
            )
            for i, (label, value, css) in enumerate(rows)
        ),
    )
    return format_html(
        '<svg class="chart" role="img" width="100%" height="{}" xmlns="http://www.w3.org/2000/svg">{}</svg>',
        len(rows) * row_h + 2,
        bars,
    )


def _fmt(value: float) -> str:
    return f"{value:.1f}".rstrip("0").rstrip(".") if isinstance(value, float | Decimal) else str(value)


def report_charts(report: dict[str, Any]) -> dict[str, SafeString]:
    on_time = [
        (
            c["channel"],
            float(c["on_time_rate"]),
            "ok" if c["on_time_rate"] >= 95 else "warn" if c["on_time_rate"] >= 80 else "bad",
        )
        for c in report["channels"]
        if c["on_time_rate"] is not None
    ]
    exceptions = [(f"L{e['level']} {e['label']}", e["count"], f"level-{e['level']}") for e in report["exceptions"]]
    return {
        "on_time": bar_chart_svg(on_time, unit="%", max_value=100),
        "exceptions": bar_chart_svg(exceptions),
    }


# --- Excel --------------------------------------------------------------------------------------------------


def shipping_health_xlsx(report: dict[str, Any]) -> bytes:
    from openpyxl import Workbook
    from openpyxl.chart import BarChart, Reference
    from openpyxl.styles import Font

    wb = Workbook()
    bold = Font(bold=True)
    ws = wb.active
    ws.title = "Channels"
    sheet_append(ws, [f"Shipping health {report['day']:%Y-%m-%d} (Asia/Shanghai)"])
    ws["A1"].font = bold
    sheet_append(ws, ["Channel", "Shipped", "On time", "Late", "On-time rate %", "Overdue unshipped"])
    for cell in ws[2]:
        cell.font = bold
    for c in report["channels"]:
        sheet_append(
            ws,
            [
                c["channel"],
                c["shipped"],
                c["on_time"],
                c["late"],
                float(c["on_time_rate"]) if c["on_time_rate"] is not None else None,
                c["overdue_unshipped"],
            ],
        )
    if report["channels"]:
        chart = BarChart()
        chart.title = "On-time ship rate %"
        chart.add_data(Reference(ws, min_col=5, min_row=2, max_row=2 + len(report["channels"])), titles_from_data=True)
        chart.set_categories(Reference(ws, min_col=1, min_row=3, max_row=2 + len(report["channels"])))
        ws.add_chart(chart, "H2")

    ws = wb.create_sheet("Labels")
    sheet_append(ws, ["Attempts", "Failed or blocked", "Error rate %"])
    sheet_append(
        ws,
        [
            report["label"]["attempts"],
            report["label"]["failed"],
            float(report["label"]["error_rate"]) if report["label"]["error_rate"] is not None else None,
        ],
    )
    sheet_append(ws, [])
    sheet_append(ws, ["Block reason", "Count"])
    for r in report["label"]["reasons"]:
        sheet_append(ws, [r["block_reason"] or "request failed", r["n"]])

    ws = wb.create_sheet("Exceptions")
    sheet_append(ws, ["Level", "Kind", "Caught"])
    for e in report["exceptions"]:
        sheet_append(ws, [e["level"], str(e["label"]), e["count"]])

    ws = wb.create_sheet("Interventions")
    sheet_append(ws, ["What", "Count"])
    for key, value in report["interventions"].items():
        sheet_append(ws, [key.replace("_", " "), value])
    for sheet in wb.worksheets:
        sheet.column_dimensions["A"].width = 36
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def daily_series(*, days: int = 14, user=None, end: dt.date | None = None) -> list[dict[str, Any]]:
    """Shipped and on-time counts per day for the last ``days`` days (for the trend chart)."""
    end = end or timezone.localdate()
    out = []
    per_day: dict[dt.date, dict[str, int]] = defaultdict(lambda: {"shipped": 0, "on_time": 0})
    start, _ = _day_bounds(end - dt.timedelta(days=days - 1))
    _, stop = _day_bounds(end)
    orders = Order.objects.all() if user is None else order_list_for_user(user)
    for shipped_at, promised in Shipment.objects.filter(
        order__in=orders.values("pk"), shipped_at__gte=start, shipped_at__lt=stop
    ).values_list("shipped_at", "order__promised_ship_at"):
        d = timezone.localtime(shipped_at).date()
        per_day[d]["shipped"] += 1
        per_day[d]["on_time"] += int(promised is None or shipped_at <= promised)
    for i in range(days):
        d = end - dt.timedelta(days=days - 1 - i)
        out.append({"day": d, **per_day[d]})
    return out
