"""The orders a run compares — paid in the period, or touched by a statement line or a refund in it — kept
in a temporary table of the run's transaction that the streaming queries join, and the streams themselves."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

from django.db import connection
from django.db.models.expressions import RawSQL

from aftersales.models import Case
from finance.models import StatementLine
from finance.services.reconciliation.rows import day_bounds
from orders.models import Order

STREAM_CHUNK = 5000
SCOPE_TABLE = "finance_reconcile_scope"


def scope_build(date_from: dt.date, date_to: dt.date) -> int:
    """Fill a temporary table with the ids of the orders in scope: paid in the period, or touched by a line
    or a refund in the period. (One ``IN (…)`` per source joined by ``OR`` would make PostgreSQL fall back
    to a per-row subplan once the id lists outgrow ``work_mem``; a keyed temp table is joined as a set.)"""
    start, end = day_bounds(date_from, date_to)
    lines = StatementLine._meta.db_table
    orders = Order._meta.db_table
    refunds = Case._meta.db_table
    if not connection.in_atomic_block:
        raise RuntimeError("scope_build runs inside the run's transaction (its temporary table lives there).")
    # ON COMMIT DROP: the table belongs to the run's transaction — behind PgBouncer in transaction mode
    # (DB_TRANSACTION_POOLER) the next transaction may be served by another server session, which would not have
    # it (https://www.pgbouncer.org/features.html: temporary tables only with ON COMMIT DROP in that mode).
    on_commit = " ON COMMIT DROP" if connection.vendor == "postgresql" else ""
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE IF EXISTS {SCOPE_TABLE}")
        cursor.execute(f"CREATE TEMPORARY TABLE {SCOPE_TABLE} (order_id bigint PRIMARY KEY){on_commit}")
        cursor.execute(
            f"""INSERT INTO {SCOPE_TABLE} (order_id)
                SELECT id FROM {orders} WHERE paid_at >= %s AND paid_at < %s
                UNION
                SELECT order_id FROM {lines}
                 WHERE business_date >= %s AND business_date <= %s AND order_id IS NOT NULL
                UNION
                SELECT order_id FROM {refunds}
                 WHERE (refunded_at >= %s AND refunded_at < %s) OR (requested_at >= %s AND requested_at < %s)""",
            [start, end, date_from, date_to, start, end, start, end],
        )
        count = cursor.rowcount
        if connection.vendor == "postgresql":
            cursor.execute(f"ANALYZE {SCOPE_TABLE}")
    return count


def scope_drop() -> None:
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE IF EXISTS {SCOPE_TABLE}")


def in_scope() -> RawSQL:
    return RawSQL(f"SELECT order_id FROM {SCOPE_TABLE}", [])  # noqa: S608 - a constant table name


def stream(queryset, fields: tuple[str, ...], factory) -> Iterator:
    for row in queryset.values_list(*fields).iterator(chunk_size=STREAM_CHUNK):
        yield factory(*row)
