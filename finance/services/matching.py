"""Matching statement lines to orders (and known non-order items).

Rules, in order — the first that finds exactly one order wins:

1. ``number``: the line's merchant order no., letters and digits only, equals ``Order.number``
   (``OH20261111-000101`` → ``OH20261111000101``).
2. ``external_id``: the platform order id equals ``Order.external_id`` — the line's platform ref
   (``T200P`` + Taobao tid has its prefix removed) or, failing that, its merchant order no. as printed.
   Limited to the statement's shop when it has one. Several orders → ``ambiguous`` (left unmatched).
3. ``transaction``: another line from the same source with the same transaction id is matched to
   exactly one order (a refund or fee row that carries only the payment's transaction id).
4. ``known_item``: fees, commission, withdrawals and bank movements that match no order are known
   non-order items.

Rule 1 runs while the file is imported, chunk by chunk, through the unique index on ``Order.number``;
rules 2–4 run set-based afterwards (one join each), and again for a period's unmatched lines at every
reconciliation run, so orders that arrive after their statement still get matched.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.db import connection

from finance.formats import LineKind
from finance.models import StatementLine
from orders.models import Order

LINES = StatementLine._meta.db_table
ORDERS = Order._meta.db_table
TRANSACTION_WINDOW_DAYS = 120


def order_ids_by_number(keys: Iterable[str], *, shops: set[int] | None = None) -> dict[str, int]:
    """``{order number: order id}`` for the keys that are order numbers (one indexed query); the shops of
    the orders found are added to ``shops`` when given."""
    keys = [k for k in set(keys) if k]
    if not keys:
        return {}
    if connection.vendor == "postgresql":
        # One text parameter split by the server: thousands of placeholders (or a Python-dumped array) cost
        # more to send than the indexed lookups cost to run. Order numbers never contain a comma.
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT number, id, shop_id FROM {ORDERS} WHERE number = ANY(string_to_array(%s, ','))",
                [",".join(k for k in keys if "," not in k)],
            )
            rows = cursor.fetchall()
    else:
        rows = list(Order.objects.filter(number__in=keys).values_list("number", "id", "shop_id"))
    if shops is not None:
        shops.update(shop_id for _n, _i, shop_id in rows)
    return {number: order_id for number, order_id, _s in rows}


def _scope(statement_id: int | None, date_from: dt.date | None, date_to: dt.date | None) -> tuple[str, list]:
    if statement_id is not None:
        return "statement_id = %s", [statement_id]
    return "business_date BETWEEN %s AND %s", [date_from, date_to]


def lines_match(
    *,
    statement_id: int | None = None,
    date_from: dt.date | None = None,
    date_to: dt.date | None = None,
    shop_id: int | None = None,
) -> dict[str, int]:
    """Match the unmatched lines of one statement, or of a date range, by rules 1–4. Returns how many
    lines each rule matched. Idempotent: matched lines are never touched."""
    where, params = _scope(statement_id, date_from, date_to)
    counts = {}
    with connection.cursor() as cursor:
        # 1. order number (lines imported before their order existed)
        cursor.execute(
            f"""UPDATE {LINES} SET match_rule = 'number', order_id = (
                    SELECT o.id FROM {ORDERS} o WHERE o.number = {LINES}.order_key)
                WHERE {where} AND order_id IS NULL AND order_key <> ''
                  AND EXISTS (SELECT 1 FROM {ORDERS} o WHERE o.number = {LINES}.order_key)""",
            params,
        )
        counts["number"] = cursor.rowcount
        # 2. platform order id, then the merchant order no. as printed
        shop_filter = "AND o.shop_id = %s" if shop_id else ""
        shop_params = [shop_id] if shop_id else []
        counts["external_id"] = 0
        counts["ambiguous"] = 0
        for column in ("platform_ref", "order_ref"):
            candidates = f"""
                SELECT l.id AS line_id, MIN(o.id) AS order_id, COUNT(DISTINCT o.id) AS n
                FROM {LINES} l JOIN {ORDERS} o ON o.external_id = l.{column}
                WHERE l.{where}
                  AND l.order_id IS NULL AND l.{column} <> '' {shop_filter}
                GROUP BY l.id"""
            cursor.execute(
                f"""UPDATE {LINES} SET order_id = m.order_id, match_rule = 'external_id'
                    FROM ({candidates}) m
                    WHERE {LINES}.id = m.line_id AND m.n = 1""",
                [*params, *shop_params],
            )
            counts["external_id"] += cursor.rowcount
            cursor.execute(
                f"""UPDATE {LINES} SET match_rule = 'ambiguous'
                    FROM ({candidates}) m
                    WHERE {LINES}.id = m.line_id AND m.n > 1""",
                [*params, *shop_params],
            )
            counts["ambiguous"] += cursor.rowcount
        # 3. the transaction id of a matched line from the same source
        bounds = _date_bounds(cursor, where, params)
        counts["transaction"] = 0
        if bounds:
            low, high = bounds
            cursor.execute(
                f"""UPDATE {LINES} SET order_id = m.order_id, match_rule = 'transaction'
                    FROM (
                        SELECT u.id AS line_id, MIN(t.order_id) AS order_id
                        FROM {LINES} u JOIN {LINES} t
                          ON t.transaction_id = u.transaction_id AND t.source = u.source
                        WHERE u.{where} AND u.order_id IS NULL AND u.transaction_id <> ''
                          AND t.order_id IS NOT NULL AND t.business_date BETWEEN %s AND %s
                        GROUP BY u.id HAVING COUNT(DISTINCT t.order_id) = 1
                    ) m
                    WHERE {LINES}.id = m.line_id""",
                [*params, low - dt.timedelta(days=TRANSACTION_WINDOW_DAYS), high + dt.timedelta(days=1)],
            )
            counts["transaction"] = cursor.rowcount
        # 4. known non-order items
        known = ", ".join(f"'{kind}'" for kind in sorted(LineKind.KNOWN_ITEMS))
        cursor.execute(
            f"""UPDATE {LINES} SET match_rule = 'known_item'
                WHERE {where} AND order_id IS NULL AND kind IN ({known}) AND match_rule <> 'known_item'""",
            params,
        )
        counts["known_item"] = cursor.rowcount
    return counts


def _date_bounds(cursor, where: str, params: list) -> tuple[dt.date, dt.date] | None:
    cursor.execute(
        f"SELECT MIN(business_date), MAX(business_date) FROM {LINES} "
        f"WHERE {where} AND order_id IS NULL AND transaction_id <> ''",
        params,
    )
    low, high = cursor.fetchone()
    if low is None:
        return None
    if isinstance(low, str):  # SQLite returns dates as text from raw SQL
        low, high = dt.date.fromisoformat(low), dt.date.fromisoformat(high)
    return low, high


def shops_seen(*, statement_id: int) -> list[int]:
    """The shops of the orders a statement's lines matched."""
    return sorted(
        StatementLine.objects.filter(statement_id=statement_id, order__isnull=False)
        .values_list("order__shop_id", flat=True)
        .distinct()
        .order_by()
    )
