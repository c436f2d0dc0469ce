"""The figures of the after-sales reports, read for one user over one filter (docs/aftersales.md "Reports").

Scope: the cases and orders of the shops the user may see (``orders.selectors.shop_list_for_user``), in one
currency, over whole Asia/Shanghai days. Definitions, each written out in docs/aftersales.md:

- a case counts in the period it was **requested** in (the platform's request time, else its creation); the
  kind filter narrows the cases, never the orders;
- **orders** are the orders **paid** in the same period (and shop); their **paid amount** is what was paid for
  them (for a SKU: what was paid for its lines, discounts allocated);
- **refunded** cases are those that reached ``refunded`` (money went back); their amount is the case amount (for
  a SKU: the case lines' amounts, so postage stays out);
- **refund rate (cases)** = refunded cases ÷ orders; **refund rate (amount)** = refunded amount ÷ paid amount;
  in percent, one decimal, empty when nothing was paid;
- **time to close**: hours from the request to the money going back (refunded) or the case closing (exchange,
  re-ship), of the cases that ended so within the period; p50 and p90 interpolated between the two nearest cases
  (what PostgreSQL's ``percentile_cont`` gives), computed here so SQLite gives the same answer;
- **auto-approved share**: of the cases requested in the period that were approved, those the automatic tier
  approved.
"""

from __future__ import annotations

import datetime as dt
import statistics
from collections import defaultdict
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any
from zoneinfo import ZoneInfo

from django.db.models import Count, DecimalField, Exists, ExpressionWrapper, F, OuterRef, Q, QuerySet, Sum
from django.db.models.functions import Coalesce, TruncDay, TruncMonth, TruncWeek

from aftersales.models import Case, CaseDecision, CaseLine
from orders.models import Order, OrderLine
from orders.selectors import shop_list_for_user

SHANGHAI = ZoneInfo("Asia/Shanghai")
ZERO = Decimal("0.00")
PERIODS = ("day", "week", "month")
TRUNC = {"day": TruncDay, "week": TruncWeek, "month": TruncMonth}
# What ends a case for the time to close: the money went back, or the goods went out (exchange, re-ship).
ENDED = (Case.Status.REFUNDED, Case.Status.CLOSED)
MONEY_FIELD = DecimalField(max_digits=14, decimal_places=2)


@dataclass(frozen=True)
class ReportFilter:
    """What a report covers: ``date_from``…``date_to`` (Asia/Shanghai days, both included), ``period`` (``day``,
    ``week`` from Monday, ``month``), one shop (its id) or all the user may see, one kind or all, one currency."""

    date_from: dt.date
    date_to: dt.date
    period: str = "day"
    shop_id: int | None = None
    kind: str = ""
    currency: str = "CNY"

    @property
    def since(self) -> dt.datetime:
        return dt.datetime.combine(self.date_from, dt.time(), tzinfo=SHANGHAI)

    @property
    def until(self) -> dt.datetime:
        return dt.datetime.combine(self.date_to + dt.timedelta(days=1), dt.time(), tzinfo=SHANGHAI)


def percent(part: Decimal | int, whole: Decimal | int) -> Decimal | None:
    """``part`` ÷ ``whole`` in percent, one decimal (None when ``whole`` is 0)."""
    if not whole:
        return None
    return (Decimal(part) * 100 / Decimal(whole)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def _shops(user, f: ReportFilter) -> QuerySet:
    shops = shop_list_for_user(user)
    return shops.filter(pk=f.shop_id) if f.shop_id else shops


def report_cases(user, f: ReportFilter) -> QuerySet[Case]:
    """The cases a report counts: of the user's shops (and the filter's shop, kind and currency), requested
    within the filter's days, each annotated with ``asked`` (the request time, else the creation)."""
    cases = Case.objects.filter(order__shop__in=_shops(user, f).values("pk"), currency=f.currency).annotate(
        asked=Coalesce("requested_at", "created_at")
    )
    if f.kind:
        cases = cases.filter(kind=f.kind)
    return cases.filter(asked__gte=f.since, asked__lt=f.until)


def report_orders(user, f: ReportFilter) -> QuerySet[Order]:
    """The orders a report sets the cases against: paid within the filter's days, of the user's shops (and the
    filter's shop) in its currency."""
    return Order.objects.filter(
        shop__in=_shops(user, f).values("pk"), currency=f.currency, paid_at__gte=f.since, paid_at__lt=f.until
    )


def _buckets(f: ReportFilter) -> list[dt.date]:
    """Every period start between the filter's days, so a chart shows the empty periods too."""
    day = f.date_from
    if f.period == "week":
        day -= dt.timedelta(days=day.weekday())
    elif f.period == "month":
        day = day.replace(day=1)
    starts = []
    while day <= f.date_to:
        starts.append(day)
        if f.period == "day":
            day += dt.timedelta(days=1)
        elif f.period == "week":
            day += dt.timedelta(days=7)
        else:
            day = (day.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
    return starts


def _bucket(moment: dt.datetime | dt.date) -> dt.date:
    return moment.astimezone(SHANGHAI).date() if isinstance(moment, dt.datetime) else moment


def _rates(row: dict[str, Any]) -> dict[str, Any]:
    row["case_rate"] = percent(row["refunded_cases"], row["orders"])
    row["amount_rate"] = percent(row["refunded_amount"], row["paid_amount"])
    return row


_CASE_FIGURES = {
    "cases": Count("pk"),
    "refunded_cases": Count("pk", filter=Q(status=Case.Status.REFUNDED)),
    "refunded_amount": Coalesce(Sum("amount", filter=Q(status=Case.Status.REFUNDED)), ZERO, output_field=MONEY_FIELD),
}
_ORDER_FIGURES = {"orders": Count("pk"), "paid_amount": Coalesce(Sum("paid_amount"), ZERO, output_field=MONEY_FIELD)}
_EMPTY = {"orders": 0, "paid_amount": ZERO, "cases": 0, "refunded_cases": 0, "refunded_amount": ZERO}


def refund_trend(user, f: ReportFilter) -> list[dict[str, Any]]:
    """Per period (``start``: its first day): orders and paid amount, cases requested, refunded cases and
    amount, and both refund rates — every period of the filter, empty ones included."""
    trunc = TRUNC[f.period]
    rows = {start: {"start": start, **_EMPTY} for start in _buckets(f)}
    for row in (
        report_orders(user, f)
        .annotate(bucket=trunc("paid_at", tzinfo=SHANGHAI))
        .values("bucket")
        .annotate(**_ORDER_FIGURES)
        .order_by()
    ):
        rows[_bucket(row["bucket"])].update(orders=row["orders"], paid_amount=row["paid_amount"])
    cases = report_cases(user, f).annotate(bucket=trunc("asked", tzinfo=SHANGHAI))
    for row in cases.values("bucket").annotate(**_CASE_FIGURES).order_by():
        rows[_bucket(row["bucket"])].update(
            cases=row["cases"], refunded_cases=row["refunded_cases"], refunded_amount=row["refunded_amount"]
        )
    return [_rates(row) for row in rows.values()]


def refund_by_shop(user, f: ReportFilter) -> list[dict[str, Any]]:
    """Per shop with orders or cases over the filter's days: the trend's figures, the highest refunded amount
    first."""
    rows: dict[int, dict[str, Any]] = {}
    shops = {pk: (name, code) for pk, name, code in _shops(user, f).values_list("pk", "name", "code")}

    def row_of(shop_id: int) -> dict[str, Any]:
        name, code = shops.get(shop_id, ("", ""))
        return rows.setdefault(shop_id, {"shop_id": shop_id, "shop": name, "code": code, **_EMPTY})

    for row in report_orders(user, f).values("shop_id").annotate(**_ORDER_FIGURES).order_by():
        row_of(row["shop_id"]).update(orders=row["orders"], paid_amount=row["paid_amount"])
    for row in report_cases(user, f).values("order__shop_id").annotate(**_CASE_FIGURES).order_by():
        row_of(row["order__shop_id"]).update(
            cases=row["cases"], refunded_cases=row["refunded_cases"], refunded_amount=row["refunded_amount"]
        )
    return sorted((_rates(row) for row in rows.values()), key=lambda r: (-r["refunded_amount"], -r["cases"], r["code"]))


def refund_by_sku(user, f: ReportFilter, *, limit: int = 20) -> list[dict[str, Any]]:
    """The top returned SKUs: per SKU on the cases' lines, units asked back, cases, refunded cases and the
    refunded lines' amount, against the orders with that SKU and what was paid for its lines — the most units
    first, at most ``limit``."""
    line_total = ExpressionWrapper(F("unit_price") * F("quantity") - F("discount"), output_field=MONEY_FIELD)
    refunded = Q(case__status=Case.Status.REFUNDED)
    top = list(
        CaseLine.objects.filter(case__in=report_cases(user, f).values("pk"))
        .values("sku_id", "sku__code", "sku__name")
        .annotate(
            units=Sum("quantity"),
            cases=Count("case", distinct=True),
            refunded_cases=Count("case", distinct=True, filter=refunded),
            refunded_amount=Coalesce(Sum("amount", filter=refunded), ZERO, output_field=MONEY_FIELD),
        )
        .order_by("-units", "-cases", "sku__code")[:limit]
    )
    sold = {
        row["sku_id"]: row
        for row in OrderLine.objects.filter(
            order__in=report_orders(user, f).values("pk"), sku_id__in=[row["sku_id"] for row in top]
        )
        .values("sku_id")
        .annotate(orders=Count("order", distinct=True), paid_amount=Sum(line_total))
        .order_by()
    }
    rows = []
    for row in top:
        sales = sold.get(row["sku_id"], {})
        rows.append(
            _rates(
                {
                    "sku_id": row["sku_id"],
                    "sku": row["sku__code"],
                    "name": row["sku__name"],
                    "units": row["units"],
                    "cases": row["cases"],
                    "refunded_cases": row["refunded_cases"],
                    "refunded_amount": row["refunded_amount"],
                    "orders": sales.get("orders", 0),
                    "paid_amount": sales.get("paid_amount") or ZERO,
                }
            )
        )
    return rows


def refund_reasons(user, f: ReportFilter) -> dict[str, Any]:
    """Why buyers asked: per reason code (``""`` when none was given) the cases and their amount with the share
    of all cases, the most frequent first; and the same counts per period for the chart (``by_period``: one
    list of counts per reason, in the periods' order)."""
    trunc = TRUNC[f.period]
    starts = _buckets(f)
    totals: dict[str, dict[str, Any]] = {}
    per_period: dict[str, dict[dt.date, int]] = defaultdict(dict)
    for row in (
        report_cases(user, f)
        .annotate(bucket=trunc("asked", tzinfo=SHANGHAI))
        .values("reason_code", "bucket")
        .annotate(cases=Count("pk"), amount=Coalesce(Sum("amount"), ZERO, output_field=MONEY_FIELD))
        .order_by()
    ):
        code = row["reason_code"]
        total = totals.setdefault(code, {"reason_code": code, "cases": 0, "amount": ZERO})
        total["cases"] += row["cases"]
        total["amount"] += row["amount"]
        per_period[code][_bucket(row["bucket"])] = row["cases"]
    labels = dict(Case.ReasonCode.choices)
    every = sum(total["cases"] for total in totals.values())
    reasons = sorted(totals.values(), key=lambda r: (-r["cases"], r["reason_code"]))
    for reason in reasons:
        reason["label"] = labels.get(reason["reason_code"], "")
        reason["share"] = percent(reason["cases"], every)
    return {
        "reasons": reasons,
        "periods": starts,
        "by_period": {r["reason_code"]: [per_period[r["reason_code"]].get(s, 0) for s in starts] for r in reasons},
    }


def _quantile(hours: list[float], share: float) -> float | None:
    """The ``share`` quantile of ``hours``, interpolated between the two nearest values (``percentile_cont``)."""
    if not hours:
        return None
    if len(hours) == 1:
        return hours[0]
    return statistics.quantiles(hours, n=100, method="inclusive")[round(share * 100) - 1]


def close_times(user, f: ReportFilter) -> dict[str, Any]:
    """Time to close: the cases (of the user's shops, the filter's shop, kind and currency) that were refunded
    or closed within the filter's days — how many, and p50/p90 in hours from the request to the refund (or the
    close), overall and per kind."""
    cases = Case.objects.filter(
        order__shop__in=_shops(user, f).values("pk"), currency=f.currency, status__in=ENDED
    ).annotate(asked=Coalesce("requested_at", "created_at"), ended=Coalesce("refunded_at", "closed_at"))
    if f.kind:
        cases = cases.filter(kind=f.kind)
    rows = cases.filter(ended__gte=f.since, ended__lt=f.until).values_list("kind", "asked", "ended").order_by()
    by_kind: dict[str, list[float]] = defaultdict(list)
    every: list[float] = []
    for kind, asked, ended in rows:
        hours = max(0.0, (ended - asked).total_seconds() / 3600)
        by_kind[kind].append(hours)
        every.append(hours)

    def figures(hours: list[float]) -> dict[str, Any]:
        hours.sort()
        p50, p90 = _quantile(hours, 0.5), _quantile(hours, 0.9)
        return {
            "closed": len(hours),
            "p50_h": round(p50, 1) if p50 is not None else None,
            "p90_h": round(p90, 1) if p90 is not None else None,
        }

    labels = dict(Case.Kind.choices)
    kinds = [
        {"kind": kind, "label": labels[kind], **figures(by_kind[kind])} for kind in Case.Kind.values if by_kind[kind]
    ]
    return {**figures(every), "kinds": kinds}


def auto_approved_share(user, f: ReportFilter) -> dict[str, Any]:
    """Of the cases requested within the filter's days that were approved, how many the automatic tier
    approved, and their share in percent."""
    approvals = CaseDecision.objects.filter(case=OuterRef("pk"), verdict=CaseDecision.Verdict.APPROVE)
    approved = report_cases(user, f).filter(Exists(approvals))
    counts = approved.aggregate(
        approved=Count("pk"), automatic=Count("pk", filter=Exists(approvals.filter(automatic=True)))
    )
    return {**counts, "share": percent(counts["automatic"], counts["approved"])}


def aftersales_report(user, f: ReportFilter) -> dict[str, Any]:
    """Every figure of the reports page (and its Excel export) for ``f``."""
    return {
        "filter": f,
        "trend": refund_trend(user, f),
        "shops": refund_by_shop(user, f),
        "skus": refund_by_sku(user, f),
        "reasons": refund_reasons(user, f),
        "close": close_times(user, f),
        "auto": auto_approved_share(user, f),
    }
