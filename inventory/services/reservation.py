"""Reserving stock for paid orders (releasing, consuming and moving it: ``inventory.services.release``).

Orders call these with plain ids and quantities (inventory does not import orders). Every function is
idempotent: a line that already holds its reservation is not reserved again, and a reservation is released
or consumed by compare-and-set, so repeating a step — or two workers doing it at once — changes nothing.

The algorithm (docs/inventory.md): read the candidate stock rows without locks; pick the first location
(the order's own warehouse if it has one, else active warehouses/stores by priority) whose rows look
sufficient for *every* line; then reserve with one conditional UPDATE per stock row in ascending pk. When
all lines sit on one stock row (most orders), one statement takes the stock and writes the reservations
and their ledger rows (PostgreSQL). A multi-row attempt runs in a savepoint: if a concurrent order took the
last units of any row, the savepoint is rolled back — releasing the row locks it took — and the next
candidate is tried. All lines or none.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import partial
from typing import NamedTuple

from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from config.messages import message, message_list
from config.tasks import enqueue_on_commit
from inventory.exceptions import LedgerInconsistent, StockInvalid
from inventory.locks import (
    ACTIVE_RESERVATIONS_OF_LINES,
    execute_prepared,
    stock_change,
    stock_lock_in_order,
    stock_reserve_many,
    stock_reserve_one_row,
    stock_rows_lock_for_skus,
)
from inventory.models import SKU, Pool, Reservation, Stock, StockMovement, Warehouse
from inventory.services.levels import movement_build, stock_changed_on_commit

Kind = StockMovement.Kind
ACTIVE = Reservation.State.ACTIVE
# The ledger reason of every reservation, whichever way it is written (one statement or the ORM).
RESERVE_REASON = message(gettext_noop("reserved for the order"))


@dataclass(frozen=True)
class LineDemand:
    """One order line as inventory sees it."""

    line_id: int
    sku_id: int
    quantity: int


# One SKU × pool an order could not reserve (``ReserveResult.describe``).
SHORTAGE = gettext_noop("%(sku)s (%(pool)s): wanted %(wanted)s, available %(available)s")


@dataclass
class ReserveResult:
    """``ok``: every stock-managed line holds its reservation (now or from before). ``short`` says what was
    missing when not ok: one dict per SKU × pool (sku, pool, wanted, available at the best location)."""

    ok: bool
    warehouse_id: int | None = None
    created: int = 0
    short: list[dict] = field(default_factory=list)
    unmanaged_line_ids: list[int] = field(default_factory=list)

    def describe(self) -> str:
        """What is missing as a message (``config.messages``), one SKU × pool after the other: "SKU-1 (spot): wanted
        2, available 1; …", read in the reader's language wherever it is stored."""
        lines = [
            message(SHORTAGE, sku=s["sku"], pool=s["pool"], wanted=s["wanted"], available=s["available"])
            for s in self.short
        ]
        return message_list(lines) if lines else ""


class _Lost(Exception):
    """A concurrent order took the units between the read and the UPDATE."""


class _Row(NamedTuple):
    pk: int
    sku_id: int
    warehouse_id: int
    pool: str
    on_hand: int
    reserved: int
    sku_code: str
    is_presale: bool
    priority: int
    warehouse_code: str
    kind: str
    is_active: bool

    @property
    def available(self) -> int:
        return self.on_hand - self.reserved


# The stock rows of the order's SKUs and the order lines' active reservations, in one round trip.
_READ_STOCK = """
SELECT 's', s.id, s.sku_id, s.warehouse_id, s.pool, s.on_hand, s.reserved, k.code, k.is_presale, w.priority,
       w.code, w.kind, w.is_active
  FROM {stock} s JOIN {sku} k ON k.id = s.sku_id JOIN {warehouse} w ON w.id = s.warehouse_id
 WHERE s.sku_id IN ({skus})
UNION ALL
"""
_READ_HELD = """
SELECT 'r', r.id, r.order_line_id, r.stock_id, NULL, r.quantity, NULL, NULL, NULL, NULL, NULL, NULL, NULL
  FROM {reservation} r
 WHERE r.order_line_id IN ({lines}) AND r.state = %s
"""
# PostgreSQL: a prepared statement, so the reservations are probed line by line
# (see inventory.locks.ACTIVE_RESERVATIONS_OF_LINES).
_READ_HELD_PREPARED = """
SELECT 'r', held.id, held.order_line_id, held.stock_id, NULL, held.quantity, NULL, NULL, NULL, NULL, NULL, NULL, NULL
  FROM {held}
"""


def _read(sku_ids: list[int], line_ids: list[int]) -> tuple[list[_Row], list[tuple[int, int, int, int]]]:
    tables = {
        "stock": Stock._meta.db_table,
        "sku": SKU._meta.db_table,
        "warehouse": Warehouse._meta.db_table,
        "reservation": Reservation._meta.db_table,
    }
    if connection.vendor == "postgresql":  # arrays: one statement text, prepared once per connection
        held = ACTIVE_RESERVATIONS_OF_LINES.format(line_ids="%s", reservation=tables["reservation"])
        sql = _READ_STOCK.format(skus="SELECT unnest(%s::bigint[])", **tables) + _READ_HELD_PREPARED.format(held=held)
        found = execute_prepared(sql, [sku_ids, line_ids])
    else:
        sql = _READ_STOCK.format(skus=", ".join(["%s"] * len(sku_ids)), **tables) + _READ_HELD.format(
            lines=", ".join(["%s"] * len(line_ids)), **tables
        )
        with connection.cursor() as cursor:
            cursor.execute(sql, [*sku_ids, *line_ids, str(ACTIVE)])
            found = cursor.fetchall()
    rows, held = [], []
    for tag, *values in found:
        if tag == "s":
            values[7], values[11] = bool(values[7]), bool(values[11])  # SQLite gives 0/1
            rows.append(_Row(*values))
        else:  # (reservation pk, line id, stock id, quantity)
            held.append((values[1], values[2], values[4], values[0]))
    return rows, held


def order_stock_reserve(
    *,
    order_id: int,
    reference: str,
    lines: Sequence[LineDemand],
    warehouse_id: int | None = None,
    presale: bool = False,
    actor=None,
    system: str = "inventory",
) -> ReserveResult:
    """Reserve every line of an order, all or none.

    ``warehouse_id`` pins the location (the order's warehouse); without it the first active warehouse or
    store by priority that can fill every line is used. ``presale`` (the order is tagged presale) takes all
    lines from the presale pool; otherwise each line's pool follows its SKU's ``is_presale`` flag.
    A SKU with no stock row at any location is not stock-managed (services, virtual goods, SKUs not set up
    yet): its lines are not reserved and are listed in ``unmanaged_line_ids``.
    Returns ``ok=False`` with what was short and changes nothing; the caller decides (orders puts the order
    on hold ``out_of_stock``).

    Atomic on its own, and composable inside a caller's transaction. The read takes no locks; the common
    case — every line on one stock row — is written by one statement (PostgreSQL). An order that names its
    warehouse and wants one SKU tries that statement first, so a successful sale is one round trip.
    """
    for line in lines:
        if line.quantity < 1:
            raise StockInvalid(
                _("line %(line_line_id)s: quantity %(line_quantity)s must be at least 1.")
                % {"line_line_id": line.line_id, "line_quantity": line.quantity}
            )
    if not lines:
        return ReserveResult(ok=True)
    actor = actor if actor is not None and getattr(actor, "is_authenticated", False) else None
    if warehouse_id is not None and len({line.sku_id for line in lines}) == 1 and connection.vendor == "postgresql":
        # Optimistic first try, one statement: the order's location has the units and no line is reserved
        # yet. Anything else (short, unmanaged, a repeat) takes the full path below, which says why.
        created = _reserve_one_row(
            None,
            [(line, None, line.quantity) for line in lines],
            order_id=order_id,
            reference=reference,
            actor=actor,
            system=system,
            sku_id=lines[0].sku_id,
            warehouse_id=warehouse_id,
            presale=presale,
        )
        if created is not None:
            return ReserveResult(ok=True, warehouse_id=warehouse_id, created=created)
    rows, held_list = _read(sorted({line.sku_id for line in lines}), [line.line_id for line in lines])
    managed = {row.sku_id for row in rows}
    unmanaged = [line.line_id for line in lines if line.sku_id not in managed]
    lines = [line for line in lines if line.sku_id in managed]
    if not lines:
        return ReserveResult(ok=True, unmanaged_line_ids=unmanaged)

    # What each line still needs (a repeat finds its reservations and needs nothing).
    held: dict[int, int] = defaultdict(int)
    held_rows: dict[tuple[int, int], int] = {}
    for line_id, stock_id, quantity, pk in held_list:
        held[line_id] += quantity
        held_rows[(line_id, stock_id)] = pk
    presale_skus = {row.sku_id for row in rows if row.is_presale}
    needs: list[tuple[LineDemand, str, int]] = []
    for line in lines:
        missing = line.quantity - held[line.line_id]
        if missing > 0:
            pool = Pool.PRESALE if presale or line.sku_id in presale_skus else Pool.SPOT
            needs.append((line, pool, missing))
    if not needs:
        return ReserveResult(ok=True, warehouse_id=warehouse_id, unmanaged_line_ids=unmanaged)

    demand: dict[tuple[int, str], int] = defaultdict(int)
    for line, pool, missing in needs:
        demand[(line.sku_id, pool)] += missing
    by_location: dict[int, dict[tuple[int, str], _Row]] = defaultdict(dict)
    for row in rows:
        by_location[row.warehouse_id][(row.sku_id, row.pool)] = row
    candidates = _candidates(rows, warehouse_id)

    for location in candidates:
        at = by_location.get(location, {})
        if not all(key in at and at[key].available >= wanted for key, wanted in demand.items()):
            continue
        stock_of = {key: row.pk for key, row in at.items()}
        updates = sorted((at[key].pk, wanted) for key, wanted in demand.items())
        if len(updates) == 1 and not held_rows:
            (key,) = demand
            created = _reserve_one_row(
                at[key], needs, order_id=order_id, reference=reference, actor=actor, system=system
            )
        elif not held_rows and connection.vendor == "postgresql":
            created = _reserve_rows_sql(
                updates, needs, stock_of, order_id=order_id, reference=reference, actor=actor, system=system
            )
        else:
            created = _reserve_rows(
                updates,
                partial(
                    _record,
                    needs=needs,
                    stock_of=stock_of,
                    held_rows=held_rows,
                    order_id=order_id,
                    reference=reference,
                    location=location,
                    actor=actor,
                    system=system,
                ),
            )
        if created is None:
            continue
        return ReserveResult(ok=True, warehouse_id=location, created=created, unmanaged_line_ids=unmanaged)

    best = by_location.get(candidates[0], {}) if candidates else {}
    codes = {row.sku_id: row.sku_code for row in rows}
    short = _shortage(demand, best, codes, {row.pk: row.available for row in rows})
    if not short:  # it looked sufficient but concurrent orders took the units first
        short = [
            {"sku": codes[s], "sku_id": s, "pool": p, "wanted": w, "available": None} for (s, p), w in demand.items()
        ]
    return ReserveResult(ok=False, warehouse_id=warehouse_id, short=short, unmanaged_line_ids=unmanaged)


def _shortage(demand, best: dict, codes: dict[int, str], available: dict[int, int]) -> list[dict]:
    """What ``demand`` ((sku, pool) → wanted) lacks at the best location (``best``: (sku, pool) → row)."""
    short = []
    for (sku_id, pool), wanted in sorted(demand.items()):
        row = best.get((sku_id, pool))
        have = available[row.pk] if row else 0
        if have < wanted:
            short.append({"sku": codes[sku_id], "sku_id": sku_id, "pool": pool, "wanted": wanted, "available": have})
    return short


@dataclass(frozen=True)
class OrderDemand:
    """One new order as inventory sees it (``orders_stock_reserve``)."""

    order_id: int
    reference: str
    lines: Sequence[LineDemand]
    warehouse_id: int | None = None
    presale: bool = False


@transaction.atomic
def orders_stock_reserve(
    *, orders: Sequence[OrderDemand], actor=None, system: str = "inventory"
) -> dict[int, ReserveResult]:
    """Reserve for many new orders at once: for each, in the given order (first come, first served), the
    decision ``order_stock_reserve`` makes — location, pool, all lines or none, unmanaged SKUs left alone.

    The SKUs' stock rows (then their channel rows) are locked up front in ascending pk, so what is read
    stays true and concurrent batches queue rather than deadlock; the decisions are made in memory and
    every stock change, reservation and ledger row is written in one statement (PostgreSQL). For orders
    whose lines hold no reservation yet. Returns each order's result by order id.
    """
    for order in orders:
        for line in order.lines:
            if line.quantity < 1:
                raise StockInvalid(
                    _("line %(line_line_id)s: quantity %(line_quantity)s must be at least 1.")
                    % {"line_line_id": line.line_id, "line_quantity": line.quantity}
                )
    sku_ids = sorted({line.sku_id for order in orders for line in order.lines})
    if not sku_ids:
        return {order.order_id: ReserveResult(ok=True) for order in orders}
    if connection.vendor == "postgresql":
        rows = [_Row(*values) for values in stock_rows_lock_for_skus(sku_ids)]
    else:  # SQLite: the transaction holds the database's write lock from its start
        rows = _read(sku_ids, [])[0]
    rows_of: dict[int, list[_Row]] = defaultdict(list)
    for row in rows:
        rows_of[row.sku_id].append(row)
    available = {row.pk: row.available for row in rows}
    codes = {row.sku_id: row.sku_code for row in rows}
    presale_skus = {row.sku_id for row in rows if row.is_presale}
    takes: dict[int, int] = defaultdict(int)
    written: list[tuple[int, int, int, str, int]] = []  # (line, stock row, order, reference, quantity)
    results: dict[int, ReserveResult] = {}
    for order in orders:
        unmanaged = [line.line_id for line in order.lines if line.sku_id not in rows_of]
        lines = [line for line in order.lines if line.sku_id in rows_of]
        if not lines:
            results[order.order_id] = ReserveResult(ok=True, unmanaged_line_ids=unmanaged)
            continue
        mine = [row for sku_id in {line.sku_id for line in lines} for row in rows_of[sku_id]]
        demand: dict[tuple[int, str], int] = defaultdict(int)
        pools = []
        for line in lines:
            pool = Pool.PRESALE if order.presale or line.sku_id in presale_skus else Pool.SPOT
            demand[(line.sku_id, pool)] += line.quantity
            pools.append(pool)
        by_location: dict[int, dict[tuple[int, str], _Row]] = defaultdict(dict)
        for row in mine:
            by_location[row.warehouse_id][(row.sku_id, row.pool)] = row
        candidates = _candidates(mine, order.warehouse_id)
        for location in candidates:
            at = by_location.get(location, {})
            if all(key in at and available[at[key].pk] >= wanted for key, wanted in demand.items()):
                for key, wanted in demand.items():
                    available[at[key].pk] -= wanted
                    takes[at[key].pk] += wanted
                written += [
                    (line.line_id, at[(line.sku_id, pool)].pk, order.order_id, order.reference[:64], line.quantity)
                    for line, pool in zip(lines, pools, strict=True)
                ]
                results[order.order_id] = ReserveResult(
                    ok=True, warehouse_id=location, created=len(lines), unmanaged_line_ids=unmanaged
                )
                break
        else:
            best = by_location.get(candidates[0], {}) if candidates else {}
            results[order.order_id] = ReserveResult(
                ok=False,
                warehouse_id=order.warehouse_id,
                short=_shortage(demand, best, codes, available),
                unmanaged_line_ids=unmanaged,
            )
    if written:
        _reserve_many_write(sorted(takes.items()), written, actor=actor, system=system)
    return results


def _reserve_many_write(takes: list[tuple[int, int]], written, *, actor, system: str) -> None:
    actor = actor if actor is not None and getattr(actor, "is_authenticated", False) else None
    now = timezone.now()
    if connection.vendor == "postgresql":
        taken, _written, flagged = stock_reserve_many(
            takes=takes,
            lines=written,
            actor_id=actor.pk if actor else None,
            system="" if actor else system[:64],
            reason=RESERVE_REASON,
            at=now,
        )
        if taken != len(takes):
            raise LedgerInconsistent(_("Locked stock rows %(takes)s could not all be reserved.") % {"takes": takes})
        if flagged:
            enqueue_on_commit("inventory.tasks.channel_stock_sync")
        return
    keys = {
        row.pk: (row.sku_id, row.warehouse_id, row.pool)
        for row in Stock.objects.filter(pk__in=[t for t, _ in takes]).only("sku_id", "warehouse_id", "pool")
    }
    for stock_id, total in takes:
        if not stock_change(stock_id, reserved=total):
            raise LedgerInconsistent(
                _("Stock row %(stock_id)s could not be reserved (%(total)s).") % {"stock_id": stock_id, "total": total}
            )
    reservations = Reservation.objects.bulk_create(
        [
            Reservation(
                stock_id=stock_id,
                order_id=order_id,
                order_line_id=line_id,
                reference=reference,
                quantity=quantity,
                created_at=now,
            )
            for line_id, stock_id, order_id, reference, quantity in written
        ]
    )
    StockMovement.objects.bulk_create(
        [_reserve_movement(keys[r.stock_id], r.quantity, r.pk, r.reference, actor, system, now) for r in reservations]
    )
    stock_changed_on_commit(sku_ids=[keys[stock_id][0] for stock_id, _total in takes])


def _candidates(rows: list[_Row], warehouse_id: int | None) -> list[int]:
    if warehouse_id is not None:
        return [warehouse_id]
    sellable = {
        row.warehouse_id: (row.priority, row.warehouse_code)
        for row in rows
        if row.is_active and row.kind != Warehouse.Kind.IN_TRANSIT
    }
    return sorted(sellable, key=sellable.__getitem__)


def _reserve_one_row(row: _Row | None, needs, *, order_id, reference, actor, system, **row_by_sku) -> int | None:
    """Every line reserves on one stock row: a single conditional UPDATE, and the reservations and their
    ledger rows written with it. Returns how many reservations were written, or None (nothing changed).
    ``row`` None: the row is found by ``sku_id``, ``warehouse_id`` and ``presale`` (PostgreSQL only)."""
    now = timezone.now()
    if connection.vendor == "postgresql":  # one statement: the row stays locked only for it and the commit
        done = stock_reserve_one_row(
            stock_id=row.pk if row is not None else None,
            **row_by_sku,
            lines=[(line.line_id, missing) for line, _pool, missing in needs],
            order_id=order_id,
            reference=reference[:64],
            actor_id=actor.pk if actor else None,
            system="" if actor else system[:64],
            reason=RESERVE_REASON,
            at=now,
        )
        if done is None:
            return None
        written, flagged = done
        if flagged:  # the statement marked the SKU's channel rows dirty: push them
            enqueue_on_commit("inventory.tasks.channel_stock_sync")
        return written
    with transaction.atomic(savepoint=False):
        return _reserve_one_row_orm(row, needs, order_id=order_id, reference=reference, actor=actor, system=system)


def _reserve_one_row_orm(row: _Row, needs, *, order_id, reference, actor, system) -> int | None:
    now = timezone.now()
    if not stock_change(row.pk, reserved=sum(missing for _line, _pool, missing in needs)):
        return None
    reservations = Reservation.objects.bulk_create(
        [
            Reservation(
                stock_id=row.pk,
                order_id=order_id,
                order_line_id=line.line_id,
                reference=reference[:64],
                quantity=missing,
                created_at=now,
            )
            for line, _pool, missing in needs
        ]
    )
    key = (row.sku_id, row.warehouse_id, row.pool)
    StockMovement.objects.bulk_create(
        [_reserve_movement(key, r.quantity, r.pk, reference, actor, system, now) for r in reservations]
    )
    stock_changed_on_commit(sku_ids=[row.sku_id])
    return len(reservations)


def _reserve_rows_sql(updates, needs, stock_of, *, order_id, reference, actor, system) -> int | None:
    """Several stock rows on PostgreSQL: in a savepoint, lock them in ascending pk and check them, then take
    them and write every reservation and ledger row in one statement. If one row is short, rolling back the
    savepoint frees the locks already taken. Returns reservations written, or None (nothing changed)."""
    try:
        with transaction.atomic():
            levels = stock_lock_in_order(stock_id for stock_id, _wanted in updates)
            if any(levels[stock_id][0] - levels[stock_id][1] < wanted for stock_id, wanted in updates):
                raise _Lost
            taken, written, flagged = stock_reserve_many(
                takes=updates,
                lines=[
                    (line.line_id, stock_of[(line.sku_id, pool)], order_id, reference[:64], missing)
                    for line, pool, missing in needs
                ],
                actor_id=actor.pk if actor else None,
                system="" if actor else system[:64],
                reason=RESERVE_REASON,
                at=timezone.now(),
            )
            if taken != len(updates):
                raise LedgerInconsistent(
                    _("Locked stock rows %(updates)s could not all be reserved.") % {"updates": updates}
                )
    except _Lost:
        return None
    if flagged:
        enqueue_on_commit("inventory.tasks.channel_stock_sync")
    return written


def _reserve_rows(updates: list[tuple[int, int]], record) -> int | None:
    """Several stock rows (or lines growing their reservation): inside a savepoint, write the rows, then
    take the stock with conditional UPDATEs in ascending stock pk. If one row lost its units to a concurrent
    order, the savepoint is rolled back — undoing the rows and freeing the locks already taken — and None
    is returned."""
    try:
        with transaction.atomic():
            _reservations, movements = record()
            for stock_id, wanted in updates:
                if not stock_change(stock_id, reserved=wanted):
                    raise _Lost
    except _Lost:
        return None
    stock_changed_on_commit(sku_ids=[m.sku_id for m in movements])
    return len(movements)


def _record(
    *, needs, stock_of, held_rows, order_id, reference, location, actor, system
) -> tuple[list[Reservation], list[StockMovement]]:
    """Write the reservations (or grow a line's existing one) and their ``reserve`` movements."""
    now = timezone.now()
    new: list[tuple[Reservation, tuple[int, int, str]]] = []
    movements: list[StockMovement] = []
    for line, pool, missing in needs:
        key = (line.sku_id, location, pool)
        existing = held_rows.get((line.line_id, stock_of[(line.sku_id, pool)]))
        if existing:  # the line grew since it was reserved: add to its reservation on the same row
            Reservation.objects.filter(pk=existing, state=ACTIVE).update(quantity=F("quantity") + missing)
            movements.append(_reserve_movement(key, missing, existing, reference, actor, system, now))
            continue
        reservation = Reservation(
            stock_id=stock_of[(line.sku_id, pool)],
            order_id=order_id,
            order_line_id=line.line_id,
            reference=reference[:64],
            quantity=missing,
            created_at=now,
        )
        new.append((reservation, key))
    Reservation.objects.bulk_create([reservation for reservation, _key in new])
    movements += [_reserve_movement(key, r.quantity, r.pk, reference, actor, system, now) for r, key in new]
    StockMovement.objects.bulk_create(movements)
    return [reservation for reservation, _key in new], movements


def _reserve_movement(key, quantity, reservation_id, reference, actor, system, at) -> StockMovement:
    return movement_build(
        kind=Kind.RESERVE,
        key=key,
        reserved=quantity,
        reference=reference,
        reason=RESERVE_REASON,
        reservation_id=reservation_id,
        actor=actor,
        system=system,
        at=at,
    )
