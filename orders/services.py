"""Writes on orders: numbering, creation, partner submission and the lifecycle.

``order_transition`` is the only function that changes an order's status (``order_transition_many`` is its
set-based form for a batch, judged by the same helpers). Other apps change orders only through these
functions.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from config.db import bulk_create_with_history_copy, history_copy, rows_update
from config.errors import ApplicationError
from config.tasks import enqueue_on_commit
from inventory.models import SKU
from inventory.services import LineDemand
from orders.exceptions import DuplicateOrder, IdempotencyConflict, InvalidTransition, OrderInvalid
from orders.models import IdempotencyKey, Order, OrderEvent, OrderLine, OrderNumberCounter, Shop, Source
from orders.states import HoldReason, Status, can_transition
from orders.stock import order_stock_follow, orders_stock_follow, orders_stock_follow_created

DEFAULT_PREFIX = getattr(settings, "ORDER_NUMBER_PREFIX", "OH")
CENT = Decimal("0.01")


# --- numbering ---------------------------------------------------------------------------------------------


@transaction.atomic(savepoint=False)
def order_number_allocate(*, prefix: str = DEFAULT_PREFIX, count: int = 1, day: dt.date | None = None) -> list[str]:
    """Hand out ``count`` order numbers ``<prefix><yyyymmdd><6-digit sequence>`` for ``day`` (Shanghai).

    The day's counter row is created if missing (INSERT … ON CONFLICT DO NOTHING, safe under races) and
    then locked; the lock is held until the caller's transaction ends, so two transactions never get the
    same sequence and a rolled-back one gives its numbers back.
    """
    if count < 1:
        raise ValueError("count must be at least 1")
    day = day or timezone.localdate()
    OrderNumberCounter.objects.bulk_create([OrderNumberCounter(prefix=prefix, day=day)], ignore_conflicts=True)
    counter = OrderNumberCounter.objects.select_for_update().get(prefix=prefix, day=day)
    first = counter.last + 1
    OrderNumberCounter.objects.filter(pk=counter.pk).update(last=F("last") + count)
    return [f"{prefix}{day:%Y%m%d}{seq:06d}" for seq in range(first, first + count)]


# --- creation ----------------------------------------------------------------------------------------------


@dataclass
class LineInput:
    sku_code: str
    quantity: int
    unit_price: Decimal
    discount: Decimal = Decimal("0")
    is_gift: bool = False
    title: str = ""
    external_line_id: str = ""


@dataclass
class OrderInput:
    """An order in Order Hub's standard form, whatever channel it came from."""

    external_id: str
    lines: list[LineInput]
    status: str = Status.PENDING_PAYMENT
    buyer_id: str = ""
    buyer_nick: str = ""
    buyer_level: int = 0
    consignee_name: str = ""
    consignee_phone: str = ""
    country: str = "CN"
    province: str = ""
    city: str = ""
    district: str = ""
    address: str = ""
    postal_code: str = ""
    consignee_cipher: dict[str, Any] = field(default_factory=dict)
    buyer_remark: str = ""
    seller_memo: str = ""
    currency: str = "CNY"
    goods_amount: Decimal | None = None
    discount_platform: Decimal = Decimal("0")
    discount_merchant: Decimal = Decimal("0")
    shipping_fee: Decimal = Decimal("0")
    paid_amount: Decimal | None = None
    payment_method: str = ""
    placed_at: dt.datetime | None = None
    paid_at: dt.datetime | None = None
    promised_ship_at: dt.datetime | None = None
    tags: list[str] = field(default_factory=list)
    priority: int = 0
    queue: str = "normal"


INITIAL_STATUSES = frozenset({Status.PENDING_PAYMENT, Status.PAID})


def _money(value: Decimal | None, what: str) -> Decimal | None:
    if value is None:
        return None
    if not isinstance(value, Decimal):
        raise OrderInvalid(f"{what}: amounts must be Decimal, got {type(value).__name__}.", extra={"field": what})
    if value.quantize(CENT) != value:
        raise OrderInvalid(f"{what}: {value} has more than two decimal places.", extra={"field": what})
    if value < 0:
        raise OrderInvalid(f"{what}: {value} is negative.", extra={"field": what})
    return value


def order_validate(data: OrderInput) -> tuple[Decimal, Decimal]:
    """Check an order before anything is written; return its (goods_amount, paid_amount).

    Missing totals are computed from the lines; given totals must agree with them to the cent.
    """
    if not data.lines:
        raise OrderInvalid("An order needs at least one line.", extra={"field": "lines"})
    if data.status not in INITIAL_STATUSES:
        raise OrderInvalid(
            f"status: an order starts as pending_payment or paid, not {data.status!r}.",
            extra={"field": "status"},
        )
    if data.status == Status.PAID and data.paid_at is None:
        raise OrderInvalid("paid_at: a paid order needs its payment time.", extra={"field": "paid_at"})
    for when in ("placed_at", "paid_at", "promised_ship_at"):
        value = getattr(data, when)
        if value is not None and timezone.is_naive(value):
            raise OrderInvalid(f"{when}: {value} has no time zone.", extra={"field": when})
    lines_total = Decimal("0")
    line_discounts = Decimal("0")
    for index, line in enumerate(data.lines):
        where = f"lines[{index}]"
        if line.quantity is None or int(line.quantity) < 1:
            raise OrderInvalid(f"{where}.quantity: {line.quantity} must be at least 1.", extra={"field": where})
        _money(line.unit_price, f"{where}.unit_price")
        _money(line.discount, f"{where}.discount")
        gross = line.unit_price * line.quantity
        if line.discount > gross:
            raise OrderInvalid(
                f"{where}.discount: {line.discount} is more than the line's {gross}.", extra={"field": where}
            )
        lines_total += gross
        line_discounts += line.discount
    for name in ("discount_platform", "discount_merchant", "shipping_fee"):
        _money(getattr(data, name), name)
    goods = _money(data.goods_amount, "goods_amount")
    if goods is None:
        goods = lines_total
    elif goods != lines_total:
        raise OrderInvalid(
            f"goods_amount: {goods} does not equal the lines' price × quantity, {lines_total}.",
            extra={"field": "goods_amount", "expected": str(lines_total)},
        )
    discounts = data.discount_platform + data.discount_merchant
    if line_discounts and line_discounts != discounts:
        raise OrderInvalid(
            f"discount: the lines' allocated discounts add up to {line_discounts} but the order's platform + "
            f"merchant discounts are {discounts}.",
            extra={"field": "discount_platform", "expected": str(line_discounts)},
        )
    expected_paid = goods - discounts + data.shipping_fee
    paid = _money(data.paid_amount, "paid_amount")
    if paid is None:
        paid = expected_paid
    elif paid != expected_paid:
        raise OrderInvalid(
            f"paid_amount: {paid} is not goods {goods} − discounts {discounts} + shipping {data.shipping_fee} "
            f"= {expected_paid}.",
            extra={"field": "paid_amount", "expected": str(expected_paid)},
        )
    if paid < 0:
        raise OrderInvalid(
            f"paid_amount: discounts exceed goods and shipping ({paid}).", extra={"field": "paid_amount"}
        )
    return goods, paid


def order_create(
    *,
    shop: Shop,
    data: OrderInput,
    source: str = Source.MANUAL,
    actor=None,
    system: str = "",
    number_prefix: str = DEFAULT_PREFIX,
) -> Order:
    """Create an order with its lines and its first timeline event.

    Raises ``OrderInvalid`` (with the field that is wrong) and ``DuplicateOrder`` when the shop already has
    an order with this platform order id.
    """
    created = order_create_many(
        shop=shop, data=[data], source=source, actor=actor, system=system, number_prefix=number_prefix
    )
    if created.errors:
        raise created.errors[0]
    return created.orders[0]


@dataclass
class CreatedMany:
    """What ``order_create_many`` did, by position in its input: the orders created, and the error of each
    input it refused (nothing was written for those)."""

    orders: dict[int, Order]
    errors: dict[int, ApplicationError]


@transaction.atomic
def order_create_many(
    *,
    shop: Shop,
    data: Sequence[OrderInput],
    source: str = Source.MANUAL,
    actor=None,
    system: str = "",
    number_prefix: str = DEFAULT_PREFIX,
    numbers: Sequence[str] = (),
) -> CreatedMany:
    """Create several orders of one shop at once, each exactly as ``order_create`` would: number, lines,
    ``created`` event and history, then (paid ones) stock reserved — short → on hold — and the automatic
    review queued. Set-based: one statement per table for the whole batch.

    An invalid input does not stop the others: it is left out, with its error (``OrderInvalid``,
    ``DuplicateOrder``) under its position. ``numbers``: order numbers already allocated for this batch
    (``order_number_allocate`` in an earlier, short transaction, so this one does not hold the day's counter
    row); any still missing are allocated here, any left over stay unused.
    """
    errors: dict[int, ApplicationError] = {}
    checked: list[tuple[int, OrderInput, Decimal, Decimal]] = []
    for index, item in enumerate(data):
        try:
            goods, paid = order_validate(item)
        except OrderInvalid as exc:
            errors[index] = exc
            continue
        checked.append((index, item, goods, paid))
    codes = {line.sku_code for _index, item, _goods, _paid in checked for line in item.lines}
    skus = {sku.code: sku for sku in SKU.objects.filter(code__in=codes)} if codes else {}
    external_ids = {item.external_id for _index, item, _goods, _paid in checked if item.external_id}
    taken = dict(
        Order.objects.filter(shop=shop, external_id__in=external_ids).values_list("external_id", "number")
        if external_ids
        else ()
    )
    ready: list[tuple[int, OrderInput, Decimal, Decimal]] = []
    for index, item, goods, paid in checked:
        error = _sku_missing(item, skus) or _duplicate(shop, item, taken)
        if error is not None:
            errors[index] = error
            continue
        if item.external_id:
            taken[item.external_id] = ""  # a second copy in this batch is a duplicate too
        ready.append((index, item, goods, paid))
    if not ready:
        return CreatedMany(orders={}, errors=errors)

    numbers = list(numbers)[: len(ready)]
    if len(numbers) < len(ready):
        numbers += order_number_allocate(prefix=number_prefix, count=len(ready) - len(numbers))
    now = timezone.now()
    orders = [
        _order_build(shop=shop, data=item, goods=goods, paid=paid, number=number, source=source, now=now)
        for (_index, item, goods, paid), number in zip(ready, numbers, strict=True)
    ]
    orders = bulk_create_with_history_copy(orders, user=_user(actor))
    lines = bulk_create_with_history_copy(
        [
            order_line_build(order=order, line=line, sku=skus[line.sku_code])
            for order, (_index, item, _goods, _paid) in zip(orders, ready, strict=True)
            for line in item.lines
        ],
        user=_user(actor),
    )
    bulk_create_with_history_copy(
        [
            _event_build(
                order=order,
                kind=OrderEvent.Kind.CREATED,
                actor=actor,
                system=system,
                to_status=order.status,
                reason=f"source={source}",
            )
            for order in orders
        ],
        user=_user(actor),
    )
    demands: dict[int, list[LineDemand]] = {order.pk: [] for order in orders}
    for line in lines:
        demands[line.order_id].append(LineDemand(line_id=line.pk, sku_id=line.sku_id, quantity=line.quantity))
    # Inventory (issue 4): an order created paid reserves its stock now; short → on_hold out_of_stock.
    orders_stock_follow_created(orders=orders, lines=demands, actor=actor)
    _review_when_paid(*orders)
    return CreatedMany(
        orders={index: order for (index, *_rest), order in zip(ready, orders, strict=True)}, errors=errors
    )


def order_line_build(*, order: Order, line: LineInput, sku: SKU) -> OrderLine:
    """An unsaved order line from its standard form (the title defaults to the SKU's name)."""
    return OrderLine(
        order=order,
        sku=sku,
        title=line.title or sku.name,
        quantity=line.quantity,
        unit_price=line.unit_price,
        discount=line.discount,
        is_gift=line.is_gift,
        external_line_id=line.external_line_id,
    )


def _sku_missing(data: OrderInput, skus: dict[str, SKU]) -> OrderInvalid | None:
    for index, line in enumerate(data.lines):
        if line.sku_code not in skus:
            return OrderInvalid(
                f"lines[{index}].sku: no SKU with code {line.sku_code!r}.",
                code="unknown_sku",
                extra={"field": f"lines[{index}].sku", "sku": line.sku_code},
            )
    return None


def _duplicate(shop: Shop, data: OrderInput, taken: dict[str, str]) -> DuplicateOrder | None:
    if not data.external_id or data.external_id not in taken:
        return None
    number = taken[data.external_id]
    if not number:
        return DuplicateOrder(
            f"Platform order {data.external_id} is in this batch twice; the first copy was created.",
            extra={"external_id": data.external_id},
        )
    return DuplicateOrder(
        f"Shop {shop.code} already has order {number} for platform order {data.external_id}.",
        extra={"order_number": number, "external_id": data.external_id},
    )


def _order_build(
    *, shop: Shop, data: OrderInput, goods: Decimal, paid: Decimal, number: str, source: str, now: dt.datetime
) -> Order:
    promised = data.promised_ship_at
    if promised is None and data.paid_at is not None:
        promised = data.paid_at + dt.timedelta(hours=shop.ship_within_hours)
    return Order(
        number=number,
        shop=shop,
        external_id=data.external_id,
        source=source,
        status=data.status,
        buyer_id=data.buyer_id,
        buyer_nick=data.buyer_nick,
        buyer_level=data.buyer_level,
        consignee_name=data.consignee_name,
        consignee_phone=data.consignee_phone,
        country=data.country,
        province=data.province,
        city=data.city,
        district=data.district,
        address=data.address,
        postal_code=data.postal_code,
        consignee_cipher=data.consignee_cipher,
        buyer_remark=data.buyer_remark,
        seller_memo=data.seller_memo,
        currency=data.currency,
        goods_amount=goods,
        discount_platform=data.discount_platform,
        discount_merchant=data.discount_merchant,
        shipping_fee=data.shipping_fee,
        paid_amount=paid,
        payment_method=data.payment_method,
        placed_at=data.placed_at or now,
        paid_at=data.paid_at,
        promised_ship_at=promised,
        tags=list(data.tags),
        priority=data.priority,
        queue=data.queue,
        warehouse=shop.default_warehouse,
    )


def order_request_hash(payload: Any) -> str:
    """A stable fingerprint of a request body (key order and whitespace do not matter)."""
    canonical = json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()


def order_submit(
    *, user, shop: Shop, data: OrderInput, idempotency_key: str = "", request_hash: str = ""
) -> tuple[Order, bool]:
    """A partner system submits an order. Returns ``(order, created)``.

    With an ``Idempotency-Key`` the same key and body give back the same order (``created`` False) however
    often and however concurrently it is sent; the same key with another body raises
    ``IdempotencyConflict``. Without a key a repeated platform order id raises ``DuplicateOrder``.
    """
    if idempotency_key:
        replay = _idempotent_replay(user=user, key=idempotency_key, request_hash=request_hash)
        if replay is not None:
            return replay, False
    try:
        with transaction.atomic(durable=True):
            order = order_create(shop=shop, data=data, source=Source.API, actor=user)
            if idempotency_key:
                IdempotencyKey.objects.create(user=user, key=idempotency_key, request_hash=request_hash, order=order)
    except (IntegrityError, DuplicateOrder):
        # A concurrent request with the same key or the same platform order id committed first (seen by
        # order_create's duplicate check, or by the unique constraints if it committed after that check).
        if idempotency_key:
            replay = _idempotent_replay(user=user, key=idempotency_key, request_hash=request_hash)
            if replay is not None:
                return replay, False
        existing = Order.objects.filter(shop=shop, external_id=data.external_id).first()
        if existing is None:
            raise
        raise DuplicateOrder(
            f"Shop {shop.code} already has order {existing.number} for platform order {data.external_id}.",
            extra={"order_number": existing.number, "external_id": data.external_id},
        ) from None
    return order, True


def _idempotent_replay(*, user, key: str, request_hash: str) -> Order | None:
    record = IdempotencyKey.objects.select_related("order").filter(user=user, key=key).first()
    if record is None:
        return None
    if record.request_hash != request_hash:
        raise IdempotencyConflict(
            f"Idempotency-Key {key!r} was already used for a different request (order {record.order.number}).",
            extra={"order_number": record.order.number},
        )
    return record.order


# --- lifecycle ---------------------------------------------------------------------------------------------


def order_event_record(
    *,
    order: Order,
    kind: str,
    actor=None,
    system: str = "",
    from_status: str = "",
    to_status: str = "",
    reason: str = "",
    data: dict[str, Any] | None = None,
) -> OrderEvent:
    event = _event_build(
        order=order,
        kind=kind,
        actor=actor,
        system=system,
        from_status=from_status,
        to_status=to_status,
        reason=reason,
        data=data,
    )
    event.save(force_insert=True)
    return event


def order_events_record(
    *,
    orders: Sequence[Order],
    kind: str,
    actor=None,
    system: str = "",
    reason: str | Sequence[str] = "",
    data: Sequence[dict[str, Any] | None] = (),
) -> list[OrderEvent]:
    """``order_event_record`` for several orders at once: one event each (``reason``: one for all, or one per
    order; ``data``: one per order), written with their history by one INSERT each."""
    reasons, details = _per_order(orders, reason, data, what="order_events_record")
    return bulk_create_with_history_copy(
        [
            _event_build(order=order, kind=kind, actor=actor, system=system, reason=why, data=detail)
            for order, why, detail in zip(orders, reasons, details, strict=True)
        ]
    )


def _per_order(orders: Sequence[Order], reason: str | Sequence[str], values: Sequence[Any], *, what: str):
    """A reason for each order (one given for all, or one each) and a value for each (none given: None)."""
    reasons = [reason] * len(orders) if isinstance(reason, str) else list(reason)
    values = list(values) or [None] * len(orders)
    if not len(reasons) == len(values) == len(orders):
        raise ValueError(f"{what}: give one reason and one value per order (or none).")
    return reasons, values


def _user(actor):
    return actor if actor is not None and getattr(actor, "is_authenticated", False) else None


def _event_build(
    *,
    order: Order,
    kind: str,
    actor,
    system: str,
    from_status: str = "",
    to_status: str = "",
    reason: str = "",
    data: dict[str, Any] | None = None,
) -> OrderEvent:
    actor = _user(actor)
    return OrderEvent(
        order=order,
        kind=kind,
        actor=actor,
        system=system if actor is None else "",
        from_status=from_status,
        to_status=to_status,
        reason=reason[:255],
        data=data or {},
    )


@transaction.atomic
def order_transition(
    *,
    order: Order,
    to_status: str,
    actor=None,
    system: str = "",
    reason: str = "",
    hold_reason: str = "",
    at: dt.datetime | None = None,
) -> Order:
    """Move ``order`` to ``to_status`` if the lifecycle allows it, and record the move on its timeline.

    The order row is locked and re-read first, so two concurrent transitions are serialised and the second
    one is judged against the status the first one left. Raises ``InvalidTransition`` with both statuses.
    Moving to the status the order already has (with the same hold reason) is a no-op: repeating a step
    changes nothing.
    """
    locked = Order.objects.select_for_update().get(pk=order.pk)
    if not _transition_check(locked, to_status=to_status, hold_reason=hold_reason):
        _refresh(order, locked)
        return order
    from_status, update_fields = _transition_set(
        locked, to_status=to_status, hold_reason=hold_reason, reason=reason, at=at, now=timezone.now()
    )
    locked.save(update_fields=update_fields)
    _transition_event(
        locked,
        from_status=from_status,
        to_status=to_status,
        reason=reason,
        hold_reason=hold_reason,
        actor=actor,
        system=system,
    ).save(force_insert=True)
    # Inventory (issue 4): paid reserves (short → on_hold out_of_stock), cancelled/closed releases,
    # shipped consumes the reservations. See orders/stock.py and docs/inventory.md.
    order_stock_follow(order=locked, from_status=from_status, actor=actor)
    _review_when_paid(locked)
    _refresh(order, locked)
    return order


@transaction.atomic
def order_transition_many(
    *,
    orders: Sequence[Order],
    to_status: str,
    actor=None,
    system: str = "",
    reason: str | Sequence[str] = "",
    hold_reason: str = "",
    at: Sequence[dt.datetime | None] = (),
) -> list[Order]:
    """``order_transition`` for several orders going to the same status, set-based, with the same end result
    as calling it for each in turn: the rows are locked together (in pk order) and each is judged by the same
    rule against its locked status; then one UPDATE for the lot, their simple-history "changed" rows and
    their events (with history) each written by one statement, the stock step for the lot
    (``orders.stock.orders_stock_follow``) and one review task for those left paid.

    ``reason``: one for all, or one per order; ``at``: the payment time of each order (moves to paid).
    An order already there is left alone. If one cannot move, ``InvalidTransition`` is raised and nothing
    is written. The callers' instances are updated, as ``order_transition`` does.
    """
    if not orders:
        return []
    reasons, times = _per_order(orders, reason, at, what="order_transition_many")
    query = Order.objects.select_for_update(of=("self",)).filter(pk__in={order.pk for order in orders})
    if to_status == Status.PAID:
        query = query.select_related("shop")  # promised_ship_at follows the shop's ship_within_hours
    locked = {row.pk: row for row in query.order_by("pk")}
    now = timezone.now()
    moved: dict[int, tuple[Order, str, str]] = {}  # pk → (locked row, from status, reason)
    for order, why, when in sorted(zip(orders, reasons, times, strict=True), key=lambda item: item[0].pk):
        row = locked[order.pk]
        if order.pk in moved or not _transition_check(row, to_status=to_status, hold_reason=hold_reason):
            continue
        from_status, _fields = _transition_set(
            row, to_status=to_status, hold_reason=hold_reason, reason=why, at=when, now=now
        )
        row.updated_at = now
        moved[order.pk] = (row, from_status, why)
    if moved:
        fields = ["status", "hold_reason", "hold_note", "updated_at"]
        if to_status == Status.PAID:
            fields += ["paid_at", "promised_ship_at"]
        rows_update(Order, fields, [(pk, *(getattr(row, name) for name in fields)) for pk, (row, *_) in moved.items()])
        history_copy(Order, list(moved), history_type="~")
        bulk_create_with_history_copy(
            [
                _transition_event(
                    row,
                    from_status=from_status,
                    to_status=to_status,
                    reason=why,
                    hold_reason=hold_reason,
                    actor=actor,
                    system=system,
                )
                for row, from_status, why in moved.values()
            ]
        )
        orders_stock_follow(
            orders=[row for row, *_ in moved.values()],
            from_status={pk: from_status for pk, (_row, from_status, _why) in moved.items()},
            actor=actor,
        )
        _review_when_paid(*(row for row, *_ in moved.values()))
    for order in orders:
        _refresh(order, locked[order.pk])
    return list(orders)


def _transition_check(locked: Order, *, to_status: str, hold_reason: str) -> bool:
    """The lifecycle's word on moving the locked ``order`` to ``to_status``: raises ``InvalidTransition`` if it
    may not, returns False if it is already there (nothing to do), True if it moves."""
    if to_status not in Status.values:
        raise InvalidTransition(f"{to_status!r} is not an order status.", extra={"to": to_status})
    if to_status == Status.ON_HOLD:
        if hold_reason not in HoldReason.values:
            raise InvalidTransition(
                f"Putting order {locked.number} on hold needs a hold reason (one of {', '.join(HoldReason.values)}).",
                code="hold_reason_required",
                extra={"hold_reason": hold_reason},
            )
    elif hold_reason:
        raise InvalidTransition("A hold reason only goes with on_hold.", extra={"hold_reason": hold_reason})
    if locked.status == to_status and locked.hold_reason == hold_reason:
        return False
    if not can_transition(locked.status, to_status):
        raise InvalidTransition(
            f"Order {locked.number} cannot go from {Status(locked.status).label} ({locked.status}) to "
            f"{Status(to_status).label} ({to_status}).",
            extra={"order_number": locked.number, "from": locked.status, "to": to_status},
        )
    return True


def _transition_set(
    locked: Order, *, to_status: str, hold_reason: str, reason: str, at: dt.datetime | None, now: dt.datetime
) -> tuple[str, list[str]]:
    """Set the new status (and what goes with it) on the locked row, unsaved. Returns the status it left and
    the fields to save. Entering paid stamps ``paid_at`` (``at``, else now) and the promised ship time if the
    order has none yet."""
    from_status = locked.status
    locked.status = to_status
    locked.hold_reason = hold_reason
    locked.hold_note = reason[:200] if to_status == Status.ON_HOLD else ""
    update_fields = ["status", "hold_reason", "hold_note", "updated_at"]
    if to_status == Status.PAID and locked.paid_at is None:
        locked.paid_at = at or now
        update_fields.append("paid_at")
        if locked.promised_ship_at is None:
            locked.promised_ship_at = locked.paid_at + dt.timedelta(hours=locked.shop.ship_within_hours)
            update_fields.append("promised_ship_at")
    return from_status, update_fields


def _transition_event(
    order: Order, *, from_status: str, to_status: str, reason: str, hold_reason: str, actor, system: str
) -> OrderEvent:
    """The unsaved timeline event of a status move (the hold reason in its data)."""
    return _event_build(
        order=order,
        kind=OrderEvent.Kind.TRANSITION,
        actor=actor,
        system=system,
        from_status=from_status,
        to_status=to_status,
        reason=reason,
        data={"hold_reason": hold_reason} if hold_reason else None,
    )


def _review_when_paid(*orders: Order) -> None:
    """Paid orders whose stock is reserved go to the automatic review (orders.rules: tags, holds, approval)
    right after commit, in one task. The review is idempotent, so a repeated payment changes nothing."""
    paid = [order.pk for order in orders if order.status == Status.PAID]
    if paid:
        enqueue_on_commit(
            "orders.tasks.order_rules_apply",
            paid[0] if len(paid) == 1 else paid,
            cluster=getattr(settings, "ORDERS_REVIEW_CLUSTER", "") or None,
        )


def _refresh(order: Order, locked: Order) -> None:
    """Carry the locked row's values back into the caller's instance."""
    if order is locked:
        return
    for f in Order._meta.concrete_fields:
        setattr(order, f.attname, getattr(locked, f.attname))


def order_note_add(*, order: Order, text: str, actor=None, system: str = "") -> OrderEvent:
    return order_event_record(order=order, kind=OrderEvent.Kind.NOTE, actor=actor, system=system, reason=text)
