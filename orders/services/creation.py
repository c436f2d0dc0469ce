"""Creating orders: one (``order_create``), a batch (``order_create_many``) and a partner's submission
(``order_submit``, idempotent by key)."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from config.db import (
    bulk_create_with_history_copy,
    conflicts_reported,
    history_copy,
    instance_new,
    rows_insert_new,
)
from config.errors import ApplicationError
from config.messages import Message, message
from inventory.models import SKU
from inventory.services import LineDemand
from orders.exceptions import DuplicateOrder, IdempotencyConflict, OrderInvalid
from orders.models import IdempotencyKey, Order, OrderEvent, OrderLine, Shop, Source
from orders.services.lifecycle import _event_build, _review_when_paid, _user, order_events_announce
from orders.services.numbering import DEFAULT_PREFIX, order_number_allocate
from orders.states import Status
from orders.stock import orders_stock_follow_created

CENT = Decimal("0.01")


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
    buyer_email: str = ""
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

# The timeline's reason for a new order, by where it came from (config.messages: shown in the reader's language).
CREATED_REASONS = {
    Source.API: gettext_noop("source=api"),
    Source.WEBHOOK: gettext_noop("source=webhook"),
    Source.POLL: gettext_noop("source=poll"),
    Source.IMPORT: gettext_noop("source=import"),
    Source.MANUAL: gettext_noop("source=manual"),
    Source.DEMO: gettext_noop("source=demo"),
}


def _money(value: Decimal | None, what: str) -> Decimal | None:
    if value is None:
        return None
    if not isinstance(value, Decimal):
        raise OrderInvalid(
            _("%(what)s: amounts must be Decimal, got %(name)s.") % {"what": what, "name": type(value).__name__},
            extra={"field": what},
        )
    if value.quantize(CENT) != value:
        raise OrderInvalid(
            _("%(what)s: %(value)s has more than two decimal places.") % {"what": what, "value": value},
            extra={"field": what},
        )
    if value < 0:
        raise OrderInvalid(
            _("%(what)s: %(value)s is negative.") % {"what": what, "value": value}, extra={"field": what}
        )
    return value


def order_validate(data: OrderInput) -> tuple[Decimal, Decimal]:
    """Check an order before anything is written; return its (goods_amount, paid_amount).

    Missing totals are computed from the lines; given totals must agree with them to the cent.
    """
    if not data.lines:
        raise OrderInvalid(_("An order needs at least one line."), extra={"field": "lines"})
    if data.status not in INITIAL_STATUSES:
        raise OrderInvalid(
            _("status: an order starts as pending_payment or paid, not %(data_status)r.")
            % {"data_status": data.status},
            extra={"field": "status"},
        )
    if data.status == Status.PAID and data.paid_at is None:
        raise OrderInvalid(_("paid_at: a paid order needs its payment time."), extra={"field": "paid_at"})
    for when in ("placed_at", "paid_at", "promised_ship_at"):
        value = getattr(data, when)
        if value is not None and timezone.is_naive(value):
            raise OrderInvalid(
                _("%(when)s: %(value)s has no time zone.") % {"when": when, "value": value}, extra={"field": when}
            )
    lines_total = Decimal("0")
    line_discounts = Decimal("0")
    for index, line in enumerate(data.lines):
        where = f"lines[{index}]"
        if line.quantity is None or int(line.quantity) < 1:
            raise OrderInvalid(
                _("%(where)s.quantity: %(line_quantity)s must be at least 1.")
                % {"where": where, "line_quantity": line.quantity},
                extra={"field": where},
            )
        _money(line.unit_price, f"{where}.unit_price")
        _money(line.discount, f"{where}.discount")
        gross = line.unit_price * line.quantity
        if line.discount > gross:
            raise OrderInvalid(
                _("%(where)s.discount: %(line_discount)s is more than the line's %(gross)s.")
                % {"where": where, "line_discount": line.discount, "gross": gross},
                extra={"field": where},
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
            _("goods_amount: %(goods)s does not equal the lines' price × quantity, %(lines_total)s.")
            % {"goods": goods, "lines_total": lines_total},
            extra={"field": "goods_amount", "expected": str(lines_total)},
        )
    discounts = data.discount_platform + data.discount_merchant
    if line_discounts and line_discounts != discounts:
        raise OrderInvalid(
            _(
                "discount: the lines' allocated discounts add up to %(line_discounts)s but the order's "
                "platform + merchant discounts are %(discounts)s."
            )
            % {"line_discounts": line_discounts, "discounts": discounts},
            extra={"field": "discount_platform", "expected": str(line_discounts)},
        )
    expected_paid = goods - discounts + data.shipping_fee
    paid = _money(data.paid_amount, "paid_amount")
    if paid is None:
        paid = expected_paid
    elif paid != expected_paid:
        raise OrderInvalid(
            _(
                "paid_amount: %(paid)s is not goods %(goods)s − discounts %(discounts)s + shipping "
                "%(data_shipping_fee)s = %(expected_paid)s."
            )
            % {
                "paid": paid,
                "goods": goods,
                "discounts": discounts,
                "data_shipping_fee": data.shipping_fee,
                "expected_paid": expected_paid,
            },
            extra={"field": "paid_amount", "expected": str(expected_paid)},
        )
    if paid < 0:
        raise OrderInvalid(
            _("paid_amount: discounts exceed goods and shipping (%(paid)s).") % {"paid": paid},
            extra={"field": "paid_amount"},
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
    skip_existing: bool = False,
) -> CreatedMany:
    """Create several orders of one shop at once, each exactly as ``order_create`` would: number, lines,
    ``created`` event and history, then (paid ones) stock reserved — short → on hold — and the automatic
    review queued. Set-based: one statement per table for the whole batch.

    An invalid input does not stop the others: it is left out, with its error (``OrderInvalid``,
    ``DuplicateOrder``) under its position. ``numbers``: order numbers already allocated for this batch
    (``order_number_allocate`` in an earlier, short transaction, so this one does not hold the day's counter
    row); any still missing are allocated here, any left over stay unused. ``skip_existing``: orders whose
    platform order id the shop already has are not looked for first; the INSERT leaves them out (``ON
    CONFLICT DO NOTHING``, PostgreSQL; elsewhere they are looked for as usual) and they come back as
    ``DuplicateOrder`` errors — for callers that expect none (integrations, which has just created their
    channel order states), where the lookup costs more than the rare conflict.
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
    skip = skip_existing and conflicts_reported()
    taken = dict(_numbers_of(shop, external_ids) if external_ids and not skip else ())
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
    if skip:
        ready, orders = _insert_leaving_out_existing(shop, ready, orders, errors)
        history_copy(Order, [order.pk for order in orders], user=_user(actor))
    else:
        orders = bulk_create_with_history_copy(orders, user=_user(actor))
    lines = bulk_create_with_history_copy(
        [
            order_line_build(order=order, line=line, sku=skus[line.sku_code])
            for order, (_index, item, _goods, _paid) in zip(orders, ready, strict=True)
            for line in item.lines
        ],
        user=_user(actor),
    )
    events = bulk_create_with_history_copy(
        [
            _event_build(
                order=order,
                kind=OrderEvent.Kind.CREATED,
                actor=actor,
                system=system,
                to_status=order.status,
                reason=_created_reason(source),
            )
            for order in orders
        ],
        user=_user(actor),
    )
    order_events_announce(events)
    demands: dict[int, list[LineDemand]] = {order.pk: [] for order in orders}
    for line in lines:
        demands[line.order_id].append(LineDemand(line_id=line.pk, sku_id=line.sku_id, quantity=line.quantity))
    # Inventory: an order created paid reserves its stock now; short → on_hold out_of_stock.
    orders_stock_follow_created(orders=orders, lines=demands, actor=actor)
    _review_when_paid(*orders)
    return CreatedMany(
        orders={index: order for (index, *_rest), order in zip(ready, orders, strict=True)}, errors=errors
    )


def _created_reason(source: str) -> Message:
    return (
        message(CREATED_REASONS[source])
        if source in CREATED_REASONS
        else message(gettext_noop("source=%(source)s"), source=source)
    )


def _numbers_of(shop: Shop, external_ids) -> list[tuple[str, str]]:
    """(platform order id, order number) of the shop's orders with these platform order ids."""
    return list(Order.objects.filter(shop=shop, external_id__in=external_ids).values_list("external_id", "number"))


def _insert_leaving_out_existing(
    shop: Shop, ready: list, orders: list[Order], errors: dict[int, ApplicationError]
) -> tuple[list, list[Order]]:
    """INSERT the orders but those whose platform order id the shop already has (each of those becomes a
    ``DuplicateOrder`` error). Returns what is left of ``ready`` and ``orders``."""
    inserted = {id(order) for order in rows_insert_new(orders, key=["external_id"])}
    left_out = [(entry, order) for entry, order in zip(ready, orders, strict=True) if id(order) not in inserted]
    if left_out:
        taken = dict(_numbers_of(shop, [order.external_id for _entry, order in left_out]))
        for (index, item, _goods, _paid), _order in left_out:
            errors[index] = _duplicate(shop, item, taken) or DuplicateOrder(
                _("Shop %(shop_code)s already has an order for platform order %(item_external_id)s.")
                % {"shop_code": shop.code, "item_external_id": item.external_id},
                extra={"external_id": item.external_id},
            )
    kept = [(entry, order) for entry, order in zip(ready, orders, strict=True) if id(order) in inserted]
    return [entry for entry, _order in kept], [order for _entry, order in kept]


def order_line_build(*, order: Order, line: LineInput, sku: SKU) -> OrderLine:
    """An unsaved order line from its standard form (the title defaults to the SKU's name)."""
    return instance_new(
        OrderLine,
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
                _("lines[%(index)s].sku: no SKU with code %(line_sku_code)r.")
                % {"index": index, "line_sku_code": line.sku_code},
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
            _("Platform order %(data_external_id)s is in this batch twice; the first copy was created.")
            % {"data_external_id": data.external_id},
            extra={"external_id": data.external_id},
        )
    return DuplicateOrder(
        _("Shop %(shop_code)s already has order %(number)s for platform order %(data_external_id)s.")
        % {"shop_code": shop.code, "number": number, "data_external_id": data.external_id},
        extra={"order_number": number, "external_id": data.external_id},
    )


def _order_build(
    *, shop: Shop, data: OrderInput, goods: Decimal, paid: Decimal, number: str, source: str, now: dt.datetime
) -> Order:
    promised = data.promised_ship_at
    if promised is None and data.paid_at is not None:
        promised = data.paid_at + dt.timedelta(hours=shop.ship_within_hours)
    return instance_new(
        Order,
        number=number,
        shop=shop,
        external_id=data.external_id,
        source=source,
        status=data.status,
        buyer_id=data.buyer_id,
        buyer_nick=data.buyer_nick,
        buyer_level=data.buyer_level,
        buyer_email=data.buyer_email,
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
            _("Shop %(shop_code)s already has order %(existing_number)s for platform order %(data_external_id)s.")
            % {"shop_code": shop.code, "existing_number": existing.number, "data_external_id": data.external_id},
            extra={"order_number": existing.number, "external_id": data.external_id},
        ) from None
    return order, True


def _idempotent_replay(*, user, key: str, request_hash: str) -> Order | None:
    record = IdempotencyKey.objects.select_related("order").filter(user=user, key=key).first()
    if record is None:
        return None
    if record.request_hash != request_hash:
        raise IdempotencyConflict(
            _("Idempotency-Key %(key)r was already used for a different request (order %(record_order_number)s).")
            % {"key": key, "record_order_number": record.order.number},
            extra={"order_number": record.order.number},
        )
    return record.order
