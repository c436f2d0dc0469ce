"""Staff and partner stock operations: receipts, adjustments, transfers and returns.

Each one changes stock levels only through ``inventory.locks.stock_change`` (in ascending stock pk) and
writes one ledger row per level it changes. With an ``idempotency_key`` a repeated request (a WMS retrying
after a timeout) returns what the first one wrote and changes nothing.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from config.messages import Message, message
from inventory.exceptions import InsufficientStock, StockIdempotencyConflict, StockInvalid
from inventory.locks import stock_change
from inventory.models import SKU, Pool, Stock, StockMovement, Warehouse, movement_reason_stored
from inventory.signals import stock_arrived, stock_changed

logger = logging.getLogger(__name__)

Key = tuple[int, int, str]  # (sku_id, warehouse_id, pool)
Kind = StockMovement.Kind


# --- building blocks shared by every stock service ----------------------------------------------------------


def stock_rows_ensure(keys: Iterable[Key]) -> dict[Key, int]:
    """The stock row ids for these (sku, location, pool) keys, creating missing rows at zero.

    Creation is ``INSERT … ON CONFLICT DO NOTHING``, so two transactions creating the same row both succeed.
    """
    wanted = set(keys)
    if not wanted:
        return {}
    found = _stock_ids(wanted)
    missing = wanted - found.keys()
    if missing:
        Stock.objects.bulk_create(
            [Stock(sku_id=s, warehouse_id=w, pool=p) for s, w, p in sorted(missing)], ignore_conflicts=True
        )
        found = _stock_ids(wanted)
    return found


def _stock_ids(keys: set[Key]) -> dict[Key, int]:
    rows = Stock.objects.filter(
        sku_id__in={k[0] for k in keys}, warehouse_id__in={k[1] for k in keys}, pool__in={k[2] for k in keys}
    ).values_list("sku_id", "warehouse_id", "pool", "pk")
    return {(s, w, p): pk for s, w, p, pk in rows if (s, w, p) in keys}


def movement_build(
    *,
    kind: str,
    key: Key,
    on_hand: int = 0,
    reserved: int = 0,
    reference: str = "",
    reason: str = "",
    reservation_id: int | None = None,
    actor=None,
    system: str = "",
    at: datetime | None = None,
) -> StockMovement:
    """An unsaved ledger row; callers ``bulk_create`` them together after their level changes succeed. A
    ``reason`` made with ``config.messages.message`` is shown in each reader's language."""
    sku_id, warehouse_id, pool = key
    actor = actor if actor is not None and getattr(actor, "is_authenticated", False) else None
    return StockMovement(
        kind=kind,
        sku_id=sku_id,
        warehouse_id=warehouse_id,
        pool=pool,
        on_hand_delta=on_hand,
        reserved_delta=reserved,
        reference=reference[:64],
        reason=reason[:255],
        reason_message=movement_reason_stored(reason),
        reservation_id=reservation_id,
        actor=actor,
        system="" if actor else system,
        at=at or timezone.now(),
    )


def stock_changed_on_commit(*, sku_ids: Iterable[int], arrivals: dict[int, set[int]] | None = None) -> None:
    """After commit: mark these SKUs' channel stock for a push, send ``stock_changed``, and ``stock_arrived``
    per location (``arrivals`` = warehouse id → SKU ids whose available went up)."""
    skus = sorted(set(sku_ids))
    arrived = {w: sorted(s) for w, s in (arrivals or {}).items() if s}

    def _after_commit() -> None:
        from inventory.services.channels import channel_stock_touch

        channel_stock_touch(sku_ids=skus)
        for receiver, response in stock_changed.send_robust(sender=Stock, sku_ids=skus):
            if isinstance(response, Exception):
                logger.error("stock_changed receiver %r failed: %r", receiver, response, exc_info=response)
        for warehouse_id, arrived_skus in sorted(arrived.items()):
            for receiver, response in stock_arrived.send_robust(
                sender=Stock, sku_ids=arrived_skus, warehouse_id=warehouse_id
            ):
                if isinstance(response, Exception):
                    logger.error("stock_arrived receiver %r failed: %r", receiver, response, exc_info=response)

    transaction.on_commit(_after_commit, robust=True)


def insufficient(stock_id: int, *, wanted: int, what: str) -> InsufficientStock:
    """An ``InsufficientStock`` that says which SKU, where, and what is there now."""
    row = Stock.objects.select_related("sku", "warehouse").get(pk=stock_id)
    return InsufficientStock(
        _(
            "%(row_sku_code)s at %(row_warehouse_code)s (%(row_pool)s): cannot %(what)s %(wanted)s, only "
            "%(row_available)s available (on hand %(row_on_hand)s, reserved %(row_reserved)s)."
        )
        % {
            "row_sku_code": row.sku.code,
            "row_warehouse_code": row.warehouse.code,
            "row_pool": row.pool,
            "what": what,
            "wanted": wanted,
            "row_available": row.available,
            "row_on_hand": row.on_hand,
            "row_reserved": row.reserved,
        },
        extra={
            "sku": row.sku.code,
            "warehouse": row.warehouse.code,
            "pool": row.pool,
            "wanted": wanted,
            "on_hand": row.on_hand,
            "reserved": row.reserved,
            "available": row.available,
        },
    )


# --- validation ---------------------------------------------------------------------------------------------


def _quantity(value, where: str, *, signed: bool = False) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise StockInvalid(
            _("%(where)s: %(value)r is not a whole number.") % {"where": where, "value": value}, extra={"field": where}
        )
    if signed and value == 0:
        raise StockInvalid(
            _("%(where)s: an adjustment of 0 changes nothing.") % {"where": where}, extra={"field": where}
        )
    if not signed and value < 1:
        raise StockInvalid(
            _("%(where)s: %(value)s must be at least 1.") % {"where": where, "value": value}, extra={"field": where}
        )
    return value


def _reason(reason: str) -> str:
    if not (reason or "").strip():
        raise StockInvalid(_("reason: say why the stock changes (it goes into the ledger)."), extra={"field": "reason"})
    return reason if isinstance(reason, Message) else reason.strip()


def _location(warehouse: Warehouse, field: str = "warehouse") -> Warehouse:
    if not warehouse.is_active:
        raise StockInvalid(
            _("%(field)s: location %(warehouse_code)s is not active.")
            % {"field": field, "warehouse_code": warehouse.code},
            extra={"field": field},
        )
    return warehouse


def _pool(pool: str) -> str:
    if pool not in Pool.values:
        raise StockInvalid(
            _("pool: %(pool)r is not one of %(value)s.") % {"pool": pool, "value": ", ".join(Pool.values)},
            extra={"field": "pool"},
        )
    return pool


@dataclass(frozen=True)
class StockLine:
    sku: SKU
    quantity: int


def _lines(lines: Sequence[StockLine | tuple[SKU, int]]) -> list[StockLine]:
    if not lines:
        raise StockInvalid(_("lines: give at least one SKU and quantity."), extra={"field": "lines"})
    merged: dict[int, StockLine] = {}
    for index, line in enumerate(lines):
        line = line if isinstance(line, StockLine) else StockLine(*line)
        _quantity(line.quantity, f"lines[{index}].quantity")
        if line.sku.pk in merged:
            line = StockLine(line.sku, merged[line.sku.pk].quantity + line.quantity)
        merged[line.sku.pk] = line
    return list(merged.values())


# --- idempotency --------------------------------------------------------------------------------------------


def _replay(idempotency_key: str, *, kinds: set[str]) -> list[StockMovement] | None:
    """The movements a request with this key wrote, or None when the key is new."""
    if not idempotency_key:
        return None
    first = StockMovement.objects.filter(idempotency_key=idempotency_key).first()
    if first is None:
        return None
    if first.kind not in kinds:
        raise StockIdempotencyConflict(
            _("Idempotency key %(idempotency_key)r was already used for a %(first_kind)s (%(first_reference)s).")
            % {"idempotency_key": idempotency_key, "first_kind": first.kind, "first_reference": first.reference},
            extra={"kind": first.kind, "reference": first.reference},
        )
    return list(
        StockMovement.objects.filter(
            Q(pk=first.pk)
            | Q(at=first.at, reference=first.reference, actor_id=first.actor_id, system=first.system, kind__in=kinds)
        ).order_by("pk")
    )


def _idempotent(kinds: set[str]):
    """Run a stock service once per idempotency key: replay first, and if a concurrent request with the same
    key committed first (unique key → IntegrityError), return what it wrote."""

    def decorate(func):
        def wrapper(*, idempotency_key: str = "", **kwargs):
            replay = _replay(idempotency_key, kinds=kinds)
            if replay is not None:
                return replay
            try:
                return func(idempotency_key=idempotency_key, **kwargs)
            except IntegrityError:
                replay = _replay(idempotency_key, kinds=kinds)
                if replay is None:
                    raise
                return replay

        wrapper.__name__ = func.__name__
        wrapper.__doc__ = func.__doc__
        wrapper.__wrapped__ = func
        return wrapper

    return decorate


def _apply(
    changes: list[tuple[str, Key, int]],
    *,
    reference: str,
    reason: str,
    actor,
    system: str,
    idempotency_key: str,
    verb: str,
) -> list[StockMovement]:
    """Apply (kind, key, on_hand delta) changes in ascending stock pk and write their ledger rows."""
    ids = stock_rows_ensure(key for _kind, key, _delta in changes)
    for _kind, key, delta in sorted(changes, key=lambda c: ids[c[1]]):
        if not stock_change(ids[key], on_hand=delta):
            raise insufficient(ids[key], wanted=-delta, what=verb)
    now = timezone.now()
    movements = [
        movement_build(
            kind=kind, key=key, on_hand=delta, reference=reference, reason=reason, actor=actor, system=system, at=now
        )
        for kind, key, delta in changes
    ]
    movements[0].idempotency_key = idempotency_key
    StockMovement.objects.bulk_create(movements)
    arrivals: dict[int, set[int]] = defaultdict(set)
    for _kind, (sku_id, warehouse_id, _pool), delta in changes:
        if delta > 0:
            arrivals[warehouse_id].add(sku_id)
    stock_changed_on_commit(sku_ids=[key[0] for _k, key, _d in changes], arrivals=arrivals)
    return movements


# --- the operations -----------------------------------------------------------------------------------------


@_idempotent({Kind.RECEIPT})
@transaction.atomic
def stock_receive(
    *,
    warehouse: Warehouse,
    lines: Sequence[StockLine | tuple[SKU, int]],
    reason: str = "",
    reference: str = "",
    pool: str = Pool.SPOT,
    actor=None,
    system: str = "",
    idempotency_key: str = "",
) -> list[StockMovement]:
    """Goods arrived at ``warehouse`` (a purchase receipt, a production batch): on hand goes up."""
    _location(warehouse)
    _pool(pool)
    changes = [(Kind.RECEIPT, (line.sku.pk, warehouse.pk, pool), line.quantity) for line in _lines(lines)]
    return _apply(
        changes,
        reference=reference,
        reason=reason or message(gettext_noop("receipt")),
        actor=actor,
        system=system,
        idempotency_key=idempotency_key,
        verb="receive",
    )


@_idempotent({Kind.ADJUSTMENT})
@transaction.atomic
def stock_adjust(
    *,
    sku: SKU,
    warehouse: Warehouse,
    quantity: int,
    reason: str,
    pool: str = Pool.SPOT,
    reference: str = "",
    actor=None,
    system: str = "",
    idempotency_key: str = "",
) -> list[StockMovement]:
    """Change on hand by a signed ``quantity`` (damage, loss, found goods, setting presale stock).

    A negative adjustment can only take available units: reserved units belong to paid orders.
    """
    _quantity(quantity, "quantity", signed=True)
    _location(warehouse)
    _pool(pool)
    return _apply(
        [(Kind.ADJUSTMENT, (sku.pk, warehouse.pk, pool), quantity)],
        reference=reference,
        reason=_reason(reason),
        actor=actor,
        system=system,
        idempotency_key=idempotency_key,
        verb="remove",
    )


@_idempotent({Kind.TRANSFER_OUT, Kind.TRANSFER_IN})
@transaction.atomic
def stock_transfer(
    *,
    from_warehouse: Warehouse,
    to_warehouse: Warehouse,
    lines: Sequence[StockLine | tuple[SKU, int]],
    reason: str,
    reference: str = "",
    from_pool: str = Pool.SPOT,
    to_pool: str = Pool.SPOT,
    actor=None,
    system: str = "",
    idempotency_key: str = "",
) -> list[StockMovement]:
    """Move available units between locations (or pools). Goods on the road: transfer to an in-transit
    location, then from it to the destination when they arrive."""
    _location(from_warehouse, "from_warehouse")
    _location(to_warehouse, "to_warehouse")
    _pool(from_pool)
    _pool(to_pool)
    if from_warehouse.pk == to_warehouse.pk and from_pool == to_pool:
        raise StockInvalid(_("to_warehouse: a transfer needs a different location or pool."), extra={"field": "to"})
    changes = []
    for line in _lines(lines):
        changes.append((Kind.TRANSFER_OUT, (line.sku.pk, from_warehouse.pk, from_pool), -line.quantity))
        changes.append((Kind.TRANSFER_IN, (line.sku.pk, to_warehouse.pk, to_pool), line.quantity))
    return _apply(
        changes,
        reference=reference,
        reason=_reason(reason),
        actor=actor,
        system=system,
        idempotency_key=idempotency_key,
        verb="transfer",
    )


@_idempotent({Kind.RETURN})
@transaction.atomic
def stock_return(
    *,
    sku: SKU,
    warehouse: Warehouse,
    quantity: int,
    reference: str,
    reason: str = "",
    pool: str = Pool.SPOT,
    actor=None,
    system: str = "",
    idempotency_key: str = "",
) -> list[StockMovement]:
    """Returned goods put back into sellable stock (after-sales calls this once the return is inspected)."""
    _quantity(quantity, "quantity")
    _location(warehouse)
    _pool(pool)
    return _apply(
        [(Kind.RETURN, (sku.pk, warehouse.pk, pool), quantity)],
        reference=reference,
        reason=reason or message(gettext_noop("return")),
        actor=actor,
        system=system,
        idempotency_key=idempotency_key,
        verb="return",
    )
