"""Excel exports generated in the background: finance reports, the difference list, journal vouchers.

``export_request`` records what the user asked for and queues ``finance.tasks.export_build`` after
commit. ``export_build`` claims the job by compare-and-set, streams rows into an openpyxl *write-only*
workbook (typed cells: numbers as numbers with ``#,##0.00``, dates as dates; bold frozen header; a totals
row), writes it to a temporary file outside any transaction and then stores it on the job. Visibility is
that of the requesting user at build time.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import tempfile
from collections import defaultdict
from collections.abc import Iterable, Iterator
from decimal import Decimal
from typing import Any

from django.core.files import File
from django.db.models import Count, Q, Sum
from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from config.spreadsheets import cell_value
from config.tasks import enqueue_on_commit
from finance.exceptions import ExportInvalid
from finance.models import DailyBalance, ExportJob, Voucher
from finance.models.reconciliation import UNRESOLVED_STATUSES
from finance.selectors import difference_list_for_user, entity_list_for_user, user_sees_all_entities
from finance.services.reconciliation import day_bounds
from finance.services.vouchers import LAYOUT_COLUMNS, MONEY_COLUMNS, voucher_rows

logger = logging.getLogger(__name__)

ZERO = Decimal("0.00")
MONEY_FORMAT = "#,##0.00"
DATE_FORMAT = "yyyy-mm-dd"
GROUPS = ("date", "channel", "shop", "category", "entity")
STALE_AFTER = dt.timedelta(minutes=30)
HEADER_FONT = Font(bold=True)
HEADER_FILL = PatternFill("solid", fgColor="DDE7F3")
TOTAL_FONT = Font(bold=True)


def export_request(*, user, kind: str, layout: str = ExportJob.Layout.EXCEL, params: dict[str, Any]) -> ExportJob:
    """Record an export and queue it. Dates in ``params`` are ISO strings."""
    if kind not in ExportJob.Kind.values:
        raise ExportInvalid(
            _("kind: %(kind)r is not one of %(value)s.") % {"kind": kind, "value": ", ".join(ExportJob.Kind.values)}
        )
    if layout not in ExportJob.Layout.values:
        raise ExportInvalid(
            _("layout: %(layout)r is not one of %(value)s.")
            % {"layout": layout, "value": ", ".join(ExportJob.Layout.values)}
        )
    if kind == ExportJob.Kind.REPORT and params.get("group_by", "date") not in GROUPS:
        raise ExportInvalid(
            _("group_by: %(value)r is not one of %(value2)s.")
            % {"value": params.get("group_by"), "value2": ", ".join(GROUPS)}
        )
    if kind == ExportJob.Kind.VOUCHERS and not params.get("entity"):
        raise ExportInvalid(_("entity: vouchers are exported per legal entity."))
    if params.get("entity") and not entity_list_for_user(user).filter(code=params["entity"]).exists():
        raise ExportInvalid(_("entity: you may not export the books of %(value)r.") % {"value": params["entity"]})
    clean = {k: (v.isoformat() if isinstance(v, dt.date) else v) for k, v in params.items() if v not in (None, "")}
    job = ExportJob.objects.create(kind=kind, layout=layout, params=clean, requested_by=user)
    enqueue_on_commit("finance.tasks.export_build", job.pk)
    return job


def export_claim(*, job_id: int) -> bool:
    now = timezone.now()
    return (
        ExportJob.objects.filter(pk=job_id)
        .filter(
            Q(status=ExportJob.Status.QUEUED) | Q(status=ExportJob.Status.RUNNING, created_at__lt=now - STALE_AFTER)
        )
        .update(status=ExportJob.Status.RUNNING, progress=0, error="")
        == 1
    )


def export_build(*, job_id: int) -> ExportJob:
    """Generate the job's workbook. Idempotent: a job that is done, failed or taken is returned as it is."""
    if not export_claim(job_id=job_id):
        return ExportJob.objects.get(pk=job_id)
    job = ExportJob.objects.select_related("requested_by").get(pk=job_id)
    fd, path = tempfile.mkstemp(suffix=".xlsx")
    os.close(fd)
    try:
        title, columns, rows, totals = _content(job)
        count = write_workbook(path, title=title, columns=columns, rows=rows, totals=totals)
        name = f"{job.kind}-{job.layout}-{job.pk}-{timezone.localtime():%Y%m%d%H%M%S}.xlsx"
        with open(path, "rb") as handle:
            job.file.save(name, File(handle), save=False)
        job.status, job.rows, job.progress, job.finished_at = ExportJob.Status.DONE, count, 100, timezone.now()
        job.save(update_fields=["file", "status", "rows", "progress", "finished_at"])
        if job.kind == ExportJob.Kind.VOUCHERS:
            Voucher.objects.filter(pk__in=job.params.get("_voucher_ids", [])).update(
                status=Voucher.Status.EXPORTED, exported_at=timezone.now()
            )
    except Exception as exc:
        logger.exception("export %s failed", job_id)
        ExportJob.objects.filter(pk=job_id).update(
            status=ExportJob.Status.FAILED, error=str(exc)[:2000], finished_at=timezone.now()
        )
    finally:
        os.unlink(path)
    job.refresh_from_db()
    return job


def write_workbook(path: str, *, title: str, columns: list[str], rows: Iterable[list], totals: set[int]) -> int:
    """Stream rows into a write-only workbook; the columns at the indexes in ``totals`` are totalled in a last
    row. Returns the number of data rows."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=title[:31])
    sheet.freeze_panes = "A2"
    for index, name in enumerate(columns, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = max(10, min(40, len(name) * 2 + 4))
    header = []
    for name in columns:
        cell = WriteOnlyCell(sheet, value=cell_value(name))
        cell.font, cell.fill = HEADER_FONT, HEADER_FILL
        cell.alignment = Alignment(horizontal="center")
        header.append(cell)
    sheet.append(header)
    sums: dict[int, Decimal] = defaultdict(Decimal)
    count = 0
    for row in rows:
        cells = []
        for index, value in enumerate(row):
            cell = WriteOnlyCell(sheet, value=cell_value(value))
            if isinstance(value, Decimal):
                cell.number_format = MONEY_FORMAT
            elif isinstance(value, dt.date):
                cell.number_format = DATE_FORMAT
            if index in totals and isinstance(value, Decimal | int) and not isinstance(value, bool):
                sums[index] += value
            cells.append(cell)
        sheet.append(cells)
        count += 1
    if totals:
        last = []
        for index in range(len(columns)):
            if index == 0:
                value = "合计 Total"
            else:
                value = sums.get(index, Decimal("0.00")) if index in totals else None
            cell = WriteOnlyCell(sheet, value=cell_value(value))
            cell.font = TOTAL_FONT
            if isinstance(value, Decimal):
                cell.number_format = MONEY_FORMAT
            last.append(cell)
        sheet.append(last)
    workbook.save(path)
    return count


def _date(params: dict, name: str, default: dt.date) -> dt.date:
    value = params.get(name)
    return dt.date.fromisoformat(value) if value else default


def _content(job: ExportJob) -> tuple[str, list[str], Iterator[list], set[int]]:
    user = job.requested_by
    params = job.params
    today = timezone.localdate()
    date_to = _date(params, "date_to", today)
    date_from = _date(params, "date_from", date_to - dt.timedelta(days=30))
    if job.kind == ExportJob.Kind.REPORT:
        group = params.get("group_by", "date")
        columns, rows = report_rows(
            user=user, date_from=date_from, date_to=date_to, group_by=group, entity_code=params.get("entity")
        )
        return f"report-{group}", columns, iter(rows), set(range(len(columns) - len(REPORT_MEASURES), len(columns)))
    if job.kind == ExportJob.Kind.DIFFERENCES:
        return "differences", DIFFERENCE_COLUMNS, _difference_rows(user, params, date_from, date_to), {10, 11, 12}
    vouchers = list(
        Voucher.objects.filter(entity__code=params["entity"], date__gte=date_from, date__lte=date_to)
        .filter(entity__in=entity_list_for_user(user))
        .prefetch_related("lines")
        .order_by("date", "number")
    )
    job.params = {**params, "_voucher_ids": [v.pk for v in vouchers]}
    ExportJob.objects.filter(pk=job.pk).update(params=job.params)
    columns = LAYOUT_COLUMNS[job.layout]
    preparer = user.get_username()

    def rows() -> Iterator[list]:
        for voucher in vouchers:
            yield from voucher_rows(voucher, job.layout, preparer=preparer)

    money = {i for i, name in enumerate(columns) if name in MONEY_COLUMNS}
    return f"vouchers-{job.layout}", columns, rows(), money


DIFFERENCE_COLUMNS = [
    "ID",
    "类型 Type",
    "项目 Component",
    "业务日期 Date",
    "渠道 Channel",
    "店铺 Shop",
    "法人 Entity",
    "订单 Order",
    "退款 Refund",
    "币种 Currency",
    "应有 Expected",
    "实际 Actual",
    "差额 Difference",
    "状态 Status",
    "负责人 Owner",
    "天数 Age (days)",
    "说明 Detail",
]


def _difference_rows(user, params: dict, date_from: dt.date, date_to: dt.date) -> Iterator[list]:
    differences = difference_list_for_user(
        user,
        date_from=date_from,
        date_to=date_to,
        types=params.get("types") or None,
        statuses=params.get("statuses") or None,
        shop_code=params.get("shop"),
        entity_code=params.get("entity"),
    ).order_by("business_date", "id")
    for d in differences.iterator(chunk_size=2000):
        yield [
            d.pk,
            d.get_type_display(),
            d.component,
            d.business_date,
            d.channel,
            d.shop.code if d.shop_id else "",
            d.entity.code if d.entity_id else "",
            d.order.number if d.order_id else "",
            (d.refund.external_id or str(d.refund_id)) if d.refund_id else "",
            d.currency,
            d.expected,
            d.actual,
            d.difference,
            d.get_status_display(),
            d.owner.get_username() if d.owner_id else "",
            d.age_days,
            d.detail_display,
        ]


REPORT_MEASURES = [
    "销售 Sales",
    "退款 Refunds",
    "净销售 Net sales",
    "到账 Received",
    "平台结算 Settled",
    "费用 Fees",
    "应收 Receivable",
    "未结差异数 Open differences",
    "差异金额 Difference",
]


def report_rows(
    *, user, date_from: dt.date, date_to: dt.date, group_by: str, entity_code: str | None = None
) -> tuple[list[str], list[list]]:
    """Sales, refunds, received, settled, fees, receivable and open differences, grouped. Built on the daily
    balances of the reconciliation runs (by category: from the order lines, refunds and fees allocated to
    categories in proportion to each order's line totals)."""
    if group_by == "category":
        return _category_rows(user=user, date_from=date_from, date_to=date_to, entity_code=entity_code)
    balances = DailyBalance.objects.filter(date__gte=date_from, date__lte=date_to)
    if not user_sees_all_entities(user):
        balances = balances.filter(entity__in=entity_list_for_user(user))
    if entity_code:
        balances = balances.filter(entity__code=entity_code)
    keys = {
        "date": (["日期 Date"], ["date"]),
        "channel": (["渠道 Channel"], ["channel"]),
        "shop": (["店铺 Shop", "店铺名称 Shop name"], ["shop__code", "shop__name"]),
        "entity": (["法人 Entity", "法人名称 Entity name"], ["entity__code", "entity__name"]),
    }[group_by]
    aggregated = (
        balances.values(*keys[1])
        .annotate(
            sales=Sum("sales"),
            refunds=Sum("refunds"),
            received=Sum("received"),
            settled=Sum("settled"),
            fees=Sum("fees"),
            open=Sum("open_differences"),
            difference=Sum("difference"),
        )
        .order_by(*keys[1])
    )
    open_amounts = _open_difference_amounts(user, date_from, date_to, group_by, entity_code)
    rows = []
    for item in aggregated:
        key = [item[k] if item[k] is not None else "" for k in keys[1]]
        sales, refunds = _dec(item["sales"]), _dec(item["refunds"])
        received, settled, fees = _dec(item["received"]), _dec(item["settled"]), _dec(item["fees"])
        net = sales - refunds
        open_count, open_total = open_amounts.get(tuple(key), (0, ZERO))
        rows.append(
            [*key, sales, refunds, net, received, settled, fees, net - received - settled, open_count, open_total]
        )
    return [*keys[0], *REPORT_MEASURES], rows


def _open_difference_amounts(user, date_from, date_to, group_by, entity_code) -> dict[tuple, tuple[int, Decimal]]:
    field = {
        "date": ["business_date"],
        "channel": ["channel"],
        "shop": ["shop__code", "shop__name"],
        "entity": ["entity__code", "entity__name"],
    }[group_by]
    rows = (
        difference_list_for_user(user, date_from=date_from, date_to=date_to, entity_code=entity_code)
        .filter(status__in=UNRESOLVED_STATUSES)
        .order_by()
        .values(*field)
        .annotate(n=Count("id"), total=Sum("difference"))
    )
    return {tuple(r[f] if r[f] is not None else "" for f in field): (r["n"], _dec(r["total"])) for r in rows}


def _category_rows(*, user, date_from, date_to, entity_code) -> tuple[list[str], list[list]]:
    from aftersales.models import Case
    from finance.models import ShopEntity, StatementLine
    from orders.models import Order, OrderLine

    start, end = day_bounds(date_from, date_to)
    entities = entity_list_for_user(user)
    if entity_code:
        entities = entities.filter(code=entity_code)
    shop_ids = ShopEntity.objects.filter(entity__in=entities).values("shop_id")
    orders = Order.objects.filter(paid_at__gte=start, paid_at__lt=end, shop_id__in=shop_ids)
    shares: dict[int, list[tuple[str, Decimal]]] = defaultdict(list)
    totals: dict[str, dict[str, Decimal]] = defaultdict(lambda: defaultdict(Decimal))
    for order_id, category, price, qty, discount in (
        OrderLine.objects.filter(order__in=orders)
        .values_list("order_id", "sku__category", "unit_price", "quantity", "discount")
        .iterator(chunk_size=5000)
    ):
        amount = price * qty - discount
        shares[order_id].append((category or "—", amount))
        totals[category or "—"]["sales"] += amount
    order_ids = orders.values("pk")

    def allocate(measure: str, rows: Iterable[tuple[int, Decimal | None]]) -> None:
        for order_id, value in rows:
            parts = shares.get(order_id)
            if not parts or not value:
                continue
            base = sum((a for _c, a in parts), ZERO) or Decimal(1)
            for category, amount in parts:
                totals[category][measure] += (Decimal(value) * amount / base).quantize(Decimal("0.01"))

    allocate(
        "refunds",
        Case.objects.filter(order_id__in=order_ids, status=Case.Status.REFUNDED)
        .values("order_id")
        .annotate(t=Sum("amount"))
        .values_list("order_id", "t"),
    )
    lines = StatementLine.objects.filter(order_id__in=order_ids).values("order_id")
    allocate("received", lines.filter(flow="payment").annotate(t=Sum("amount")).values_list("order_id", "t"))
    allocate("settled", lines.filter(flow="settlement").annotate(t=Sum("amount")).values_list("order_id", "t"))
    allocate("fees", lines.annotate(t=Sum("fee") + Sum("commission")).values_list("order_id", "t"))
    rows = []
    for category in sorted(totals):
        t = totals[category]
        net = t["sales"] - t["refunds"]
        rows.append(
            [
                category,
                t["sales"],
                t["refunds"],
                net,
                t["received"],
                t["settled"],
                t["fees"],
                net - t["received"] - t["settled"],
                None,
                None,
            ]
        )
    return ["品类 Category", *REPORT_MEASURES], rows


def _dec(value) -> Decimal:
    return ZERO if value is None else Decimal(str(value)).quantize(Decimal("0.01"))


__all__ = ["export_build", "export_request", "report_rows", "write_workbook"]
