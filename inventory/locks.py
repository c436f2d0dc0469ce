"""Every statement that locks stock rows lives here, so the lock order can be checked in one place.

Lock order (see docs/inventory.md): an order row first (orders.services.order_transition locks it), then
its reservation rows, then stock rows in ascending primary key, then the SKUs' channel rows in ascending
primary key. Stock counters change only by conditional UPDATEs that take the row lock, re-check the
condition on the newest row version and either apply the change or touch nothing: ``stock_change`` (one
row), ``stock_reserve_one_row`` (one row, with the reservations and ledger rows it writes, one statement)
and ``stock_reserve_many`` (several rows already locked in ascending pk by ``stock_lock_in_order`` or
``stock_rows_lock_for_skus``). Two transactions that need the same rows therefore queue in the same order
and cannot deadlock.
"""

from __future__ import annotations

from collections.abc import Iterable

import psycopg
from django.conf import settings
from django.db import connection
from django.db.models import F, QuerySet
from psycopg.types.json import Jsonb

from inventory.models import ChannelStock, Reservation, Stock, StockCount, StockMovement, movement_reason_stored


def stock_change(stock_id: int, *, on_hand: int = 0, reserved: int = 0) -> bool:
    """Apply ``on_hand``/``reserved`` deltas to one stock row if the result keeps every invariant.

    The WHERE clause carries the condition (enough on hand to remove, enough reserved to release,
    available ≥ 0 afterwards), so the check and the write are one statement: no lost update, no oversell.
    Returns False (and changes nothing) when the condition does not hold.
    """
    if not (on_hand or reserved):
        return True
    rows = Stock.objects.filter(pk=stock_id)
    if on_hand < 0:
        rows = rows.filter(on_hand__gte=-on_hand)
    if reserved < 0:
        rows = rows.filter(reserved__gte=-reserved)
    # available afterwards = (on_hand + Δon_hand) − (reserved + Δreserved) ≥ 0
    need = reserved - on_hand
    if need > 0:
        rows = rows.filter(on_hand__gte=F("reserved") + need)
    updates = {}
    if on_hand:
        updates["on_hand"] = F("on_hand") + on_hand
    if reserved:
        updates["reserved"] = F("reserved") + reserved
    return rows.update(**updates) == 1


def stock_rows_for_update(stock_ids: Iterable[int]) -> QuerySet[Stock]:
    """Stock rows locked in ascending pk (for reads that must stay true until commit, e.g. counts)."""
    return Stock.objects.select_for_update().filter(pk__in=list(stock_ids)).order_by("pk")


def reservations_active_for_update(
    *, order_ids: Iterable[int], line_ids: Iterable[int] | None = None
) -> QuerySet[Reservation]:
    """The active reservations of these orders, locked (only the reservation rows) in stock then pk order.

    After waiting for a concurrent release/consume, PostgreSQL re-checks ``state`` on the new row version,
    so a reservation someone else just closed is not returned: release and consume are compare-and-set.
    """
    rows = Reservation.objects.filter(order_id__in=list(order_ids), state=Reservation.State.ACTIVE)
    if line_ids is not None:
        rows = rows.filter(order_line_id__in=list(line_ids))
    return rows.select_for_update(of=("self",)).order_by("stock_id", "pk")


def reservations_of_line_for_update(*, line_id: int) -> QuerySet[Reservation]:
    rows = Reservation.objects.filter(order_line_id=line_id, state=Reservation.State.ACTIVE)
    return rows.select_for_update(of=("self",)).order_by("stock_id", "pk")


def stock_count_for_update(count_id: int) -> StockCount:
    return StockCount.objects.select_for_update().get(pk=count_id)


def channel_stocks_for_update(sku_ids: Iterable[int]) -> QuerySet[ChannelStock]:
    return ChannelStock.objects.select_for_update().filter(sku_id__in=list(sku_ids)).order_by("pk")


# One statement that takes the stock and writes what it took: the conditional UPDATE, the reservations, their
# ledger rows, and the dirty flag of the SKU's channel rows (for the debounced push). If the UPDATE matches
# no row, nothing else happens. Used for the common case — an order whose lines all reserve on one stock
# row — on PostgreSQL (data-modifying CTEs): one round trip, and a hot stock row stays locked only for this
# statement and the commit. ``{row}`` picks the row: by id, or (the optimistic first try) by SKU, location
# and pool, provided none of the lines holds a reservation yet.
_RESERVE_ONE_ROW = """
WITH taken AS (
    UPDATE {stock} SET reserved = reserved + %(total)s
     WHERE id = {row} AND on_hand >= reserved + %(total)s
 RETURNING id, sku_id, warehouse_id, pool
), held AS (
    INSERT INTO {reservation} (stock_id, order_id, order_line_id, reference, quantity, state, created_at)
    SELECT taken.id, %(order_id)s, line.id, %(reference)s, line.quantity, 'active', %(at)s
      FROM taken, unnest(%(line_ids)s::bigint[], %(quantities)s::integer[]) AS line(id, quantity)
 RETURNING id, quantity
), ledger AS (
    INSERT INTO {movement} (kind, sku_id, warehouse_id, pool, on_hand_delta, reserved_delta, reference, reason,
                            reason_message, reservation_id, actor_id, system, idempotency_key, at)
    SELECT 'reserve', taken.sku_id, taken.warehouse_id, taken.pool, 0, held.quantity, %(reference)s, %(reason)s,
           %(reason_message)s, held.id, %(actor_id)s, %(system)s, '', %(at)s
      FROM taken, held
 RETURNING id
), flagged AS (
{flag}
)
SELECT (SELECT count(*) FROM ledger), (SELECT count(*) FROM flagged)
"""
# Mark the taken SKUs' clean channel rows dirty, locking them in ascending id like every other writer of
# channel rows (the sync, the touch after other stock changes), so they cannot deadlock on them.
_FLAG_CHANNELS = """    UPDATE {channel} SET dirty = true
     WHERE id IN (SELECT channel.id FROM {channel} channel
                   WHERE channel.sku_id IN (SELECT sku_id FROM taken) AND NOT channel.dirty AND channel.is_active
                   ORDER BY channel.id FOR UPDATE)
 RETURNING id"""
# The active reservations of some order lines (``{line_ids}``: an array parameter), looked up line by line in the
# partial unique index reservation_one_active_per_line_and_stock (order_line_id, stock_id WHERE state = 'active').
# The statements here are prepared, i.e. planned once per connection. Written as ``order_line_id = ANY(…) AND
# state = 'active'``, the plan made while the table is small and has never been analysed — a freshly migrated
# database, its first peak — reads every active reservation through reservation_stock_state_idx (without
# statistics the planner takes 'active' for a rare state), and the connection keeps that plan while the table
# grows: each sale read all earlier ones. One LATERAL probe per line (OFFSET 0 keeps it from being flattened into
# a join) leaves the planner nothing but the line-id probe, at any size and with or without statistics; 'active'
# is written out so that the partial index applies. Columns: held.id, order_line_id, stock_id, quantity.
ACTIVE_RESERVATIONS_OF_LINES = """unnest({line_ids}::bigint[]) AS line(id) CROSS JOIN LATERAL (
    SELECT r.id, r.order_line_id, r.stock_id, r.quantity FROM {reservation} r
     WHERE r.order_line_id = line.id AND r.state = 'active' OFFSET 0) held"""

_ROW_BY_ID = "%(stock_id)s"
_ROW_BY_SKU = """(
    SELECT s.id FROM {stock} s JOIN {sku} k ON k.id = s.sku_id
     WHERE s.sku_id = %(sku_id)s AND s.warehouse_id = %(warehouse_id)s
       AND s.pool = CASE WHEN %(presale)s OR k.is_presale THEN 'presale' ELSE 'spot' END
       AND NOT EXISTS (SELECT 1 FROM {held})
)"""


def stock_reserve_one_row(
    *,
    lines: list[tuple[int, int]],
    order_id: int,
    reference: str,
    actor_id: int | None,
    system: str,
    reason: str,
    at,
    stock_id: int | None = None,
    sku_id: int | None = None,
    warehouse_id: int | None = None,
    presale: bool = False,
) -> tuple[int, int] | None:
    """Reserve ``lines`` = [(order_line_id, quantity)] on one stock row in one statement (PostgreSQL): the
    row ``stock_id``, or the row of ``sku_id`` at ``warehouse_id`` in the pool the SKU and ``presale`` call
    for (then only if no line holds a reservation yet).

    Returns (reservations written, channel rows newly marked dirty), or None when nothing was reserved —
    not enough available, no such row, or a line already reserved; then nothing at all was written or locked.
    """
    tables = {
        "stock": Stock._meta.db_table,
        "sku": Stock._meta.get_field("sku").related_model._meta.db_table,
        "reservation": Reservation._meta.db_table,
        "movement": StockMovement._meta.db_table,
        "channel": ChannelStock._meta.db_table,
    }
    held = ACTIVE_RESERVATIONS_OF_LINES.format(line_ids="%(line_ids)s", reservation=tables["reservation"])
    row = _ROW_BY_ID if stock_id is not None else _ROW_BY_SKU.format(held=held, **tables)
    sql = _RESERVE_ONE_ROW.format(row=row, flag=_FLAG_CHANNELS.format(**tables), **tables)
    params = {
        "total": sum(quantity for _line, quantity in lines),
        "stock_id": stock_id,
        "sku_id": sku_id,
        "warehouse_id": warehouse_id,
        "presale": presale,
        "order_id": order_id,
        "reference": reference,
        "line_ids": [line for line, _quantity in lines],
        "quantities": [quantity for _line, quantity in lines],
        "actor_id": actor_id,
        "system": system,
        **_reason_columns(reason),
        "at": at,
    }
    written, flagged = execute_prepared(sql, params)[0]
    return (written, flagged) if written else None


def stock_lock_in_order(stock_ids) -> dict[int, tuple[int, int]]:
    """Lock these stock rows in ascending pk (``SELECT … ORDER BY id FOR UPDATE`` locks rows in output
    order) and return their (on_hand, reserved)."""
    rows = Stock.objects.filter(pk__in=list(stock_ids)).order_by("pk").select_for_update()
    return {pk: (on_hand, reserved) for pk, on_hand, reserved in rows.values_list("pk", "on_hand", "reserved")}


# The stock rows of many orders' SKUs, with what choosing a location needs, locked in ascending pk; then the
# SKUs' channel rows, locked in ascending pk (the order every writer of them keeps).
_LOCK_SKUS = """
SELECT s.id, s.sku_id, s.warehouse_id, s.pool, s.on_hand, s.reserved, k.code, k.is_presale, w.priority, w.code,
       w.kind, w.is_active
  FROM {stock} s JOIN {sku} k ON k.id = s.sku_id JOIN {warehouse} w ON w.id = s.warehouse_id
 WHERE s.sku_id = ANY(%(sku_ids)s::bigint[])
 ORDER BY s.id
   FOR UPDATE OF s
"""
_LOCK_CHANNELS = "SELECT id FROM {channel} WHERE sku_id = ANY(%(sku_ids)s::bigint[]) ORDER BY id FOR UPDATE"


def stock_rows_lock_for_skus(sku_ids: Iterable[int]) -> list[tuple]:
    """Lock every stock row of these SKUs (ascending pk), then their channel rows (ascending pk), and return
    the stock rows as (id, sku_id, warehouse_id, pool, on_hand, reserved, sku code, sku is_presale,
    warehouse priority, warehouse code, warehouse kind, warehouse is_active). PostgreSQL.

    For reserving many orders in one transaction: each reservation locking its own rows as it goes could
    take rows in another order than a concurrent batch; taking them all first, in the global order, makes
    concurrent batches queue instead of deadlocking."""
    tables = {
        "stock": Stock._meta.db_table,
        "sku": Stock._meta.get_field("sku").related_model._meta.db_table,
        "warehouse": Stock._meta.get_field("warehouse").related_model._meta.db_table,
        "channel": ChannelStock._meta.db_table,
    }
    params = {"sku_ids": sorted(set(sku_ids))}
    rows = execute_prepared(_LOCK_SKUS.format(**tables), params)
    execute_prepared(_LOCK_CHANNELS.format(**tables), params)
    return rows


def stock_rows_lock_for_sku_codes(codes: Iterable[str]) -> None:
    """Lock every stock row of the SKUs with these codes, then their channel rows, each in ascending pk
    (PostgreSQL; on SQLite the transaction's write lock already covers them).

    For a transaction that goes on to reserve or release on them in several steps — the inbox applies the
    new orders of several shops in one batch each, then other messages one by one. Each step locks its own
    rows in ascending pk, but the rows of a later step come after those of an earlier one, not in one global
    order: two workers whose shops sell the same SKUs could each hold what the other waits for. Taken all at
    once first, they queue instead; the steps then find their rows already locked."""
    if connection.vendor != "postgresql":
        return
    sku_model = Stock._meta.get_field("sku").related_model
    sku_ids = list(sku_model.objects.filter(code__in=set(codes)).values_list("pk", flat=True))
    if sku_ids:
        stock_rows_lock_for_skus(sku_ids)


# Reservations (of one order or many) on stock rows already locked (``stock_lock_in_order``,
# ``stock_rows_lock_for_skus``) and checked: take
# the rows, write every line's reservation and ledger row, flag the channel rows, in one statement.
_RESERVE_MANY = """
WITH want(stock_id, total) AS (
    SELECT * FROM unnest(%(stock_ids)s::bigint[], %(totals)s::integer[])
), taken AS (
    UPDATE {stock} stock SET reserved = stock.reserved + want.total
      FROM want
     WHERE stock.id = want.stock_id AND stock.on_hand >= stock.reserved + want.total
 RETURNING stock.id, stock.sku_id, stock.warehouse_id, stock.pool
), held AS (
    INSERT INTO {reservation} (stock_id, order_id, order_line_id, reference, quantity, state, created_at)
    SELECT line.stock_id, line.order_id, line.id, line.reference, line.quantity, 'active', %(at)s
      FROM unnest(%(line_ids)s::bigint[], %(line_stock_ids)s::bigint[], %(order_ids)s::bigint[],
                  %(references)s::text[], %(quantities)s::integer[])
           AS line(id, stock_id, order_id, reference, quantity)
 RETURNING id, stock_id, quantity, reference
), ledger AS (
    INSERT INTO {movement} (kind, sku_id, warehouse_id, pool, on_hand_delta, reserved_delta, reference, reason,
                            reason_message, reservation_id, actor_id, system, idempotency_key, at)
    SELECT 'reserve', taken.sku_id, taken.warehouse_id, taken.pool, 0, held.quantity, held.reference, %(reason)s,
           %(reason_message)s, held.id, %(actor_id)s, %(system)s, '', %(at)s
      FROM held JOIN taken ON taken.id = held.stock_id
 RETURNING id
), flagged AS (
{flag}
)
SELECT (SELECT count(*) FROM taken), (SELECT count(*) FROM ledger), (SELECT count(*) FROM flagged)
"""


def stock_reserve_many(
    *,
    takes: list[tuple[int, int]],
    lines: list[tuple[int, int, int, str, int]],
    actor_id: int | None,
    system: str,
    reason: str,
    at,
) -> tuple[int, int, int]:
    """Reserve for many orders on locked stock rows in one statement (PostgreSQL). ``takes`` =
    [(stock_id, total)], ``lines`` = [(order_line_id, stock_id, order_id, reference, quantity)]. Returns (rows
    taken, reservations written, channel rows newly marked dirty); the caller checks every row was taken."""
    tables = {
        "stock": Stock._meta.db_table,
        "reservation": Reservation._meta.db_table,
        "movement": StockMovement._meta.db_table,
        "channel": ChannelStock._meta.db_table,
    }
    sql = _RESERVE_MANY.format(flag=_FLAG_CHANNELS.format(**tables), **tables)
    params = {
        "stock_ids": [stock_id for stock_id, _total in takes],
        "totals": [total for _stock_id, total in takes],
        "line_ids": [line[0] for line in lines],
        "line_stock_ids": [line[1] for line in lines],
        "order_ids": [line[2] for line in lines],
        "references": [line[3] for line in lines],
        "quantities": [line[4] for line in lines],
        "actor_id": actor_id,
        "system": system,
        **_reason_columns(reason),
        "at": at,
    }
    return execute_prepared(sql, params)[0]


def _reason_columns(reason: str) -> dict:
    """The ledger row's ``reason`` and ``reason_message`` for these statements, as ``movement_build`` writes them."""
    return {"reason": reason[:255], "reason_message": Jsonb(movement_reason_stored(reason))}


def execute_prepared(sql: str, params) -> list[tuple]:
    """Run one statement as a server-side prepared statement and return its rows (PostgreSQL).

    Django's psycopg cursors bind parameters client-side, so PostgreSQL plans every statement afresh; for
    the reservation statements planning costs more than executing. psycopg prepares a statement once per
    connection and reuses the plan. Runs on Django's connection, inside whatever transaction is open, and
    raises Django's database exceptions.
    """
    connection.ensure_connection()
    connection.validate_no_broken_transaction()
    raw = connection.connection
    if not settings.DB_PREPARED_STATEMENTS:  # behind a transaction-mode pooler: plain server-side binding
        with connection.wrap_database_errors, psycopg.Cursor(raw) as cursor:
            cursor.execute(sql, params, prepare=False)
            return cursor.fetchall()
    # Django turns psycopg's prepared statements off (prepare_threshold=None, for transaction-mode poolers);
    # they are allowed for these statements only. Django's own cursors bind client-side and never prepare.
    threshold, raw.prepare_threshold = raw.prepare_threshold, 0
    try:
        with connection.wrap_database_errors, psycopg.Cursor(raw) as cursor:
            cursor.execute(sql, params, prepare=True)
            return cursor.fetchall()
    finally:
        raw.prepare_threshold = threshold
