"""The daily balances of a period (per day, channel and shop): sales, refunds, money received and settled,
fees, open differences — derived rows, rebuilt by every run."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import connection, transaction
from django.db.models import Count, Sum
from django.db.models.functions import TruncDate

from aftersales.models import Case
from finance.formats.base import SHANGHAI, Flow, LineKind
from finance.models import DailyBalance, Difference, ReconciliationRun, StatementLine
from finance.models.reconciliation import UNRESOLVED_STATUSES
from finance.services.reconciliation.rows import PAID_REFUND, ZERO, day_bounds, money
from orders.models import Order


@transaction.atomic
def daily_balances_rebuild(
    run: ReconciliationRun, date_from: dt.date, date_to: dt.date, coverage: set, shops: dict
) -> int:
    start, end = day_bounds(date_from, date_to)
    rows: dict[tuple, dict[str, Any]] = {}

    def row(day: dt.date, shop_id: int | None, channel: str) -> dict[str, Any]:
        key = (day, channel, shop_id)
        if key not in rows:
            rows[key] = {
                "sales": ZERO,
                "refunds": ZERO,
                "received": ZERO,
                "settled": ZERO,
                "fees": ZERO,
                "open_differences": 0,
                "entity_id": shops.get(shop_id, ("", None))[1] if shop_id else None,
            }
        return rows[key]

    def channel_of(shop_id: int | None) -> str:
        return shops.get(shop_id, ("", None))[0] if shop_id else ""

    sales = (
        Order.objects.filter(paid_at__gte=start, paid_at__lt=end)
        .annotate(day=TruncDate("paid_at", tzinfo=SHANGHAI))
        .values("day", "shop_id")
        .annotate(total=Sum("paid_amount"))
        .order_by()
    )
    for item in sales:
        row(item["day"], item["shop_id"], channel_of(item["shop_id"]))["sales"] += money(item["total"])
    refunds = (
        Case.objects.filter(status=PAID_REFUND, refunded_at__gte=start, refunded_at__lt=end)
        .exclude(kind=Case.Kind.COMPENSATION)
        .annotate(day=TruncDate("refunded_at", tzinfo=SHANGHAI))
        .values("day", "order__shop_id")
        .annotate(total=Sum("amount"))
        .order_by()
    )
    for item in refunds:
        shop_id = item["order__shop_id"]
        row(item["day"], shop_id, channel_of(shop_id))["refunds"] += money(item["total"])
    lines = (
        StatementLine.objects.filter(business_date__gte=date_from, business_date__lte=date_to)
        .values("business_date", "order__shop_id", "source", "flow", "kind")
        .annotate(amount=Sum("amount"), fee=Sum("fee"), commission=Sum("commission"))
        .order_by()
    )
    for item in lines:
        shop_id = item["order__shop_id"]
        kind = item["kind"]
        target = row(item["business_date"], shop_id, channel_of(shop_id) if shop_id else f"{item['source']}")
        amount = money(item["amount"])
        if kind in LineKind.ORDER_KINDS or (shop_id is None and kind == LineKind.OTHER):
            if item["flow"] == Flow.PAYMENT:
                target["received"] += amount
            elif item["flow"] == Flow.SETTLEMENT:
                target["settled"] += amount
        target["fees"] += money(item["fee"]) + money(item["commission"])
    open_counts = (
        Difference.objects.filter(
            business_date__gte=date_from, business_date__lte=date_to, status__in=UNRESOLVED_STATUSES
        )
        .values("business_date", "shop_id", "channel")
        .annotate(n=Count("id"))
        .order_by()
    )
    for item in open_counts:
        shop_id = item["shop_id"]
        row(item["business_date"], shop_id, channel_of(shop_id) if shop_id else item["channel"])[
            "open_differences"
        ] += item["n"]
    objects = []
    for (day, channel, shop_id), values in rows.items():
        expected = values["sales"] - values["refunds"]
        covered = shop_id is None or (shop_id, day) in coverage
        objects.append(
            DailyBalance(
                date=day,
                channel=channel,
                shop_id=shop_id,
                expected=expected,
                difference=(values["received"] - expected) if covered else ZERO,
                covered=covered,
                run=run,
                **values,
            )
        )
    # Atomic: a failure between the DELETE and the INSERT must not leave days without balances.
    with connection.cursor() as cursor:  # derived rows: one DELETE, no per-row history
        cursor.execute(f"DELETE FROM {DailyBalance._meta.db_table} WHERE date BETWEEN %s AND %s", [date_from, date_to])
    DailyBalance.objects.bulk_create(objects, batch_size=1000)
    return len(objects)
