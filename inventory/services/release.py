"""Giving reserved stock back (cancel, close, a line removed), turning it into a deduction when the order ships,
and moving it between lines when orders are merged or split. Each is compare-and-set on the reservation's
state, so repeating a step — or two workers doing it at once — changes nothing."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from inventory.exceptions import InsufficientStock, LedgerInconsistent
from inventory.locks import (
    reservations_active_for_update,
    reservations_of_line_for_update,
    stock_change,
)
from inventory.models import Reservation, StockMovement
from inventory.services.levels import movement_build, stock_changed_on_commit

Kind = StockMovement.Kind
ACTIVE = Reservation.State.ACTIVE


def _close(
    *,
    order_ids: Sequence[int],
    line_ids: Iterable[int] | None,
    state: str,
    kind: str,
    actor,
    system: str,
    reason: str,
) -> int:
    """Close the orders' active reservations (compare-and-set) and apply their stock change: each stock row
    once, by the sum of its reservations. Returns units."""
    locked = list(
        reservations_active_for_update(order_ids=order_ids, line_ids=line_ids).values(
            "pk", "stock_id", "quantity", "reference", "stock__sku_id", "stock__warehouse_id", "stock__pool"
        )
    )
    if not locked:
        return 0
    now = timezone.now()
    consume = state == Reservation.State.CONSUMED
    Reservation.objects.filter(pk__in=[r["pk"] for r in locked], state=ACTIVE).update(state=state, closed_at=now)
    by_stock: dict[int, list[dict]] = {}
    for r in locked:  # ascending stock pk: the stock row locks follow the documented order
        by_stock.setdefault(r["stock_id"], []).append(r)
    movements = []
    arrivals: dict[int, set[int]] = defaultdict(set)
    for stock_id, held in by_stock.items():
        quantity = sum(r["quantity"] for r in held)
        if not stock_change(stock_id, on_hand=-quantity if consume else 0, reserved=-quantity):
            names = ", ".join(f"{r['pk']} ({r['reference']})" for r in held)
            raise LedgerInconsistent(
                _("Reservations %(names)s hold %(quantity)s but stock row %(stock_id)s cannot %(value)s it.")
                % {
                    "names": names,
                    "quantity": quantity,
                    "stock_id": stock_id,
                    "value": "ship" if consume else "release",
                },
                extra={"reservations": [r["pk"] for r in held], "stock": stock_id},
            )
        for r in held:
            key = (r["stock__sku_id"], r["stock__warehouse_id"], r["stock__pool"])
            movements.append(
                _movement(
                    r,
                    kind=kind,
                    units=r["quantity"],
                    consume=consume,
                    reason=reason,
                    actor=actor,
                    system=system,
                    at=now,
                )
            )
            if not consume:
                arrivals[key[1]].add(key[0])
    StockMovement.objects.bulk_create(movements)
    stock_changed_on_commit(sku_ids=[m.sku_id for m in movements], arrivals=arrivals)
    return sum(r["quantity"] for r in locked)


def _movement(r: dict, *, kind: str, units: int, consume: bool, reason: str, actor, system: str, at) -> StockMovement:
    """The ledger row of ``units`` of the locked reservation ``r`` released (or shipped, ``consume``)."""
    return movement_build(
        kind=kind,
        key=(r["stock__sku_id"], r["stock__warehouse_id"], r["stock__pool"]),
        on_hand=-units if consume else 0,
        reserved=-units,
        reference=r["reference"],
        reason=reason,
        reservation_id=r["pk"],
        actor=actor,
        system=system,
        at=at,
    )


def order_stock_release(
    *,
    order_id: int,
    line_ids: Iterable[int] | None = None,
    actor=None,
    system: str = "inventory",
    reason: str = "",
) -> int:
    """Give back the stock an order (or some of its lines) holds: cancel, close, line removed.
    Returns the units released now (0 on a repeat)."""
    return orders_stock_release(order_ids=[order_id], line_ids=line_ids, actor=actor, system=system, reason=reason)


@transaction.atomic(savepoint=False)
def orders_stock_release(
    *,
    order_ids: Sequence[int],
    line_ids: Iterable[int] | None = None,
    actor=None,
    system: str = "inventory",
    reason: str = "",
) -> int:
    """``order_stock_release`` for several orders at once (a batch cancelled or closed together): their
    reservations locked together in stock then pk order, each stock row changed once, one ledger insert,
    one after-commit stock notice. Returns the units released now."""
    return _close(
        order_ids=order_ids,
        line_ids=line_ids,
        state=Reservation.State.RELEASED,
        kind=Kind.RELEASE,
        actor=actor,
        system=system,
        reason=reason,
    )


@transaction.atomic(savepoint=False)
def order_lines_stock_release(
    *,
    order_id: int,
    units: Mapping[int, int],
    actor=None,
    system: str = "inventory",
    reason: str = "",
) -> dict[int, int]:
    """Give back exactly ``units`` = {order line id: units} of what these lines of one order hold (units taken
    off the order before it ships): a reservation given back whole is closed, one given back in part keeps the
    rest. A line holding fewer units gives back what it holds. The lines' reservations are locked together in
    stock then pk order, each stock row changed once (ascending pk), one ledger row a reservation touched.
    Returns the units given back per line."""
    wanted = {line_id: quantity for line_id, quantity in units.items() if quantity > 0}
    if not wanted:
        return {}
    locked = list(
        reservations_active_for_update(order_ids=[order_id], line_ids=list(wanted)).values(
            "pk",
            "order_line_id",
            "stock_id",
            "quantity",
            "reference",
            "stock__sku_id",
            "stock__warehouse_id",
            "stock__pool",
        )
    )
    now = timezone.now()
    left = dict(wanted)
    given: dict[int, int] = defaultdict(int)
    by_stock: dict[int, int] = {}
    movements = []
    arrivals: dict[int, set[int]] = defaultdict(set)
    for r in locked:  # stock then pk order: the stock rows below are changed in ascending pk
        take = min(left[r["order_line_id"]], r["quantity"])
        if take <= 0:
            continue
        if take == r["quantity"]:
            Reservation.objects.filter(pk=r["pk"], state=ACTIVE).update(state=Reservation.State.RELEASED, closed_at=now)
        else:
            Reservation.objects.filter(pk=r["pk"], state=ACTIVE).update(quantity=r["quantity"] - take)
        left[r["order_line_id"]] -= take
        given[r["order_line_id"]] += take
        by_stock[r["stock_id"]] = by_stock.get(r["stock_id"], 0) + take
        key = (r["stock__sku_id"], r["stock__warehouse_id"], r["stock__pool"])
        movements.append(
            _movement(
                r, kind=Kind.RELEASE, units=take, consume=False, reason=reason, actor=actor, system=system, at=now
            )
        )
        arrivals[key[1]].add(key[0])
    for stock_id, quantity in by_stock.items():
        if not stock_change(stock_id, reserved=-quantity):
            raise LedgerInconsistent(
                _(
                    "Order %(order_id)s's reservations hold %(quantity)s on stock row %(stock_id)s; it cannot "
                    "release them."
                )
                % {"order_id": order_id, "quantity": quantity, "stock_id": stock_id},
                extra={"order": order_id, "stock": stock_id},
            )
    if movements:
        StockMovement.objects.bulk_create(movements)
        stock_changed_on_commit(sku_ids=[m.sku_id for m in movements], arrivals=arrivals)
    return dict(given)


@transaction.atomic(savepoint=False)
def order_stock_consume(
    *,
    order_id: int,
    line_ids: Iterable[int] | None = None,
    actor=None,
    system: str = "inventory",
    reason: str = "",
) -> int:
    """The order (or these lines) shipped: each reservation becomes a deduction — on hand and reserved both
    go down and a ``ship`` movement is written. Returns the units consumed now (0 on a repeat)."""
    return _close(
        order_ids=[order_id],
        line_ids=line_ids,
        state=Reservation.State.CONSUMED,
        kind=Kind.SHIP,
        actor=actor,
        system=system,
        reason=reason,
    )


@transaction.atomic
def reservation_move(
    *,
    from_line_id: int,
    to_order_id: int,
    to_line_id: int,
    to_reference: str,
    quantity: int | None = None,
) -> int:
    """Reservations follow the lines: when order review merges or splits orders, move (some of) a line's
    reserved units to another line. Stock levels do not change, so no movement is written. Returns units moved.
    """
    remaining = quantity
    moved = 0
    now = timezone.now()
    for source in reservations_of_line_for_update(line_id=from_line_id):
        if remaining is not None and remaining <= 0:
            break
        take = source.quantity if remaining is None else min(remaining, source.quantity)
        target = (
            Reservation.objects.select_for_update()
            .filter(order_line_id=to_line_id, stock_id=source.stock_id, state=ACTIVE)
            .first()
        )
        if target is not None:
            target.quantity += take
            target.save(update_fields=["quantity"])
        else:
            Reservation.objects.create(
                stock_id=source.stock_id,
                order_id=to_order_id,
                order_line_id=to_line_id,
                reference=to_reference,
                quantity=take,
                created_at=source.created_at,
            )
        if take == source.quantity:
            source.state = Reservation.State.MOVED
            source.closed_at = now
            source.save(update_fields=["state", "closed_at"])
        else:
            source.quantity -= take
            source.save(update_fields=["quantity"])
        moved += take
        if remaining is not None:
            remaining -= take
    if quantity is not None and moved < quantity:
        raise InsufficientStock(
            _("Line %(from_line_id)s holds only %(moved)s reserved units, %(quantity)s were to be moved.")
            % {"from_line_id": from_line_id, "moved": moved, "quantity": quantity},
            extra={"line": from_line_id, "held": moved, "wanted": quantity},
        )
    return moved
