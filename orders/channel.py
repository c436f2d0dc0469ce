"""Orders from sales channels: create the order from the platform's first version we see, and apply
later versions to it (payment, address change, cancel before shipping), recording an ``OrderEvent`` for
each change. What the platform says about refunds is aftersales' (``aftersales.channel``): integrations
hands a version's refunds there apart from the order.

This module knows no platform format: integrations maps each platform's native order to a
``ChannelOrder`` (the standard ``OrderInput`` plus what the platform says about the order now) and decides
which version is newer; these functions only apply a version to one order (or, for new orders created
together, the first versions to all of them set-based). They run inside the caller's transaction, with the
order rows locked by ``order_transition`` / ``order_transition_many`` where a status changes.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils.translation import gettext_noop

from config.messages import message
from orders.masking import mask_phone
from orders.models import Order, OrderEvent, OrderLine, Shop, Source
from orders.models.orders import CONSIGNEE_FIELDS
from orders.services import (
    CreatedMany,
    OrderInput,
    order_create_many,
    order_event_record,
    order_events_record,
    order_line_build,
    order_transition,
    order_transition_many,
    order_validate,
)
from orders.shaping.presale import PresaleInput, presale_channel_progress, presale_channel_terms
from orders.states import NOT_SHIPPED, HoldReason, Status, can_transition

# What the platform may say an order is, in Order Hub's words. "shipped"/"delivered"/"completed" mean the
# goods left through the platform's own flow; Order Hub records that but does not invent a shipment.
CHANNEL_TARGETS = frozenset(
    {
        Status.PENDING_PAYMENT,
        Status.PAID,
        Status.CANCELLED,
        Status.CLOSED,
        Status.SHIPPED,
        Status.DELIVERED,
        Status.COMPLETED,
    }
)
REMARK_FIELDS = ("buyer_remark", "seller_memo")
AMOUNT_FIELDS = ("goods_amount", "discount_platform", "discount_merchant", "shipping_fee", "paid_amount")


@dataclass
class ChannelOrder:
    """One version of a platform order in standard form.

    ``data.status`` is the status the order starts in if it is new (pending_payment or paid);
    ``target_status`` is what the platform says it is now (one of ``CHANNEL_TARGETS``).
    """

    data: OrderInput
    target_status: str
    platform_status: str = ""
    modified_at: dt.datetime | None = None
    presale: PresaleInput | None = None  # 定金/尾款 as the platform states them; None for ordinary orders


def channel_order_create(*, shop: Shop, incoming: ChannelOrder, source: str = Source.POLL, system: str) -> Order:
    """Create the order from the first version seen, then bring it to what the platform says (a trade
    first seen already cancelled is created and cancelled, so it is on record and never shipped)."""
    created = channel_orders_create_many(shop=shop, incoming=[incoming], source=source, system=system)
    if created.errors:
        raise created.errors[0]
    return created.orders[0]


@transaction.atomic
def channel_orders_create_many(
    *,
    shop: Shop,
    incoming: Sequence[ChannelOrder],
    source: str = Source.POLL,
    system: str,
    numbers: Sequence[str] = (),
    skip_existing: bool = False,
) -> CreatedMany:
    """``channel_order_create`` for many platform orders of one shop at once (``order_create_many``: an
    invalid one is left out with its error, the others are created). The orders are then brought to what
    the platform says set-based: those making the same move go together (``order_transition_many``), with
    the end result of applying each version on its own (``_status_apply``).
    ``skip_existing``: as in ``order_create_many``."""
    created = order_create_many(
        shop=shop,
        data=[item.data for item in incoming],
        source=source,
        system=system,
        numbers=numbers,
        skip_existing=skip_existing,
    )
    fresh = [(order, incoming[index]) for index, order in created.orders.items()]
    _statuses_apply_created(fresh=fresh, system=system)
    for order, item in fresh:
        if item.presale is not None:  # rare: one at a time (created paid, so the terms hold it at once)
            presale_channel_terms(order=order, presale=item.presale, system=system)
            presale_channel_progress(order=order, presale=item.presale, system=system)
    return created


@transaction.atomic(savepoint=False)
def channel_order_update(*, order: Order, incoming: ChannelOrder, system: str) -> list[str]:
    """Apply a newer version to ``order``. Returns what changed (empty: nothing new)."""
    order = Order.objects.select_for_update().get(pk=order.pk)
    changes: list[str] = []
    data = incoming.data

    if order.status == Status.PENDING_PAYMENT:
        changes += _unpaid_amounts_apply(order=order, data=data, system=system)

    consignee = {name: getattr(data, name) for name in CONSIGNEE_FIELDS}
    changed = [name for name, value in consignee.items() if value != getattr(order, name)]
    if changed:
        if order.status in NOT_SHIPPED:
            for name in changed:
                setattr(order, name, consignee[name])
            order.save(update_fields=[*changed, "updated_at"])
            order_event_record(
                order=order,
                kind=OrderEvent.Kind.UPDATED,
                system=system,
                reason=message(gettext_noop("platform: consignee/address changed")),
                data={
                    "fields": changed,
                    "province": order.province,
                    "city": order.city,
                    "district": order.district,
                    "phone": mask_phone(order.consignee_phone),
                },
            )
            changes.append("address")
            if order.status in (Status.APPROVED, Status.PICKING):
                # The label may already be printed: stop and let staff check it.
                order_transition(
                    order=order,
                    to_status=Status.ON_HOLD,
                    hold_reason=HoldReason.ADDRESS,
                    system=system,
                    reason=message(gettext_noop("platform changed the address after approval")),
                )
        else:
            order_event_record(
                order=order,
                kind=OrderEvent.Kind.NOTE,
                system=system,
                reason=message(gettext_noop("platform reports an address change after shipping; not applied")),
                data={"fields": changed},
            )
            changes.append("address_after_shipping")

    remarks = {name: getattr(data, name) for name in REMARK_FIELDS if getattr(data, name) != getattr(order, name)}
    if remarks:
        for name, value in remarks.items():
            setattr(order, name, value)
        order.save(update_fields=[*remarks, "updated_at"])
        order_event_record(
            order=order,
            kind=OrderEvent.Kind.UPDATED,
            system=system,
            reason=message(gettext_noop("platform: remarks changed")),
            data={"fields": list(remarks)},
        )
        changes.append("remarks")

    # Presale terms go on record before the order is paid, so its reservation comes from the presale pool.
    changes += presale_channel_terms(order=order, presale=incoming.presale, system=system)
    changes += _status_apply(order=order, incoming=incoming, system=system)
    changes += presale_channel_progress(order=order, presale=incoming.presale, system=system)
    return changes


def _unpaid_amounts_apply(*, order: Order, data: OrderInput, system: str) -> list[str]:
    """Before payment the seller may still change prices (改价): take the platform's lines and amounts."""
    goods, paid = order_validate(data)
    new_amounts = {
        "goods_amount": goods,
        "discount_platform": data.discount_platform,
        "discount_merchant": data.discount_merchant,
        "shipping_fee": data.shipping_fee,
        "paid_amount": paid,
    }
    old_lines = list(order.lines.values_list("sku__code", "quantity", "unit_price", "discount"))
    new_lines = [(line.sku_code, int(line.quantity), line.unit_price, line.discount) for line in data.lines]
    amounts_changed = {k: v for k, v in new_amounts.items() if getattr(order, k) != v}
    if not amounts_changed and sorted(old_lines) == sorted(new_lines):
        return []
    from inventory.models import SKU

    skus = {sku.code: sku for sku in SKU.objects.filter(code__in={line.sku_code for line in data.lines})}
    missing = sorted({line.sku_code for line in data.lines} - set(skus))
    if missing:
        from orders.exceptions import OrderInvalid

        raise OrderInvalid(f"lines: no SKU with code {missing[0]!r}.", code="unknown_sku", extra={"sku": missing[0]})
    order.lines.all().delete()
    OrderLine.objects.bulk_create(
        [order_line_build(order=order, line=line, sku=skus[line.sku_code]) for line in data.lines]
    )
    for name, value in new_amounts.items():
        setattr(order, name, value)
    order.save(update_fields=[*AMOUNT_FIELDS, "updated_at"])
    order_event_record(
        order=order,
        kind=OrderEvent.Kind.UPDATED,
        system=system,
        reason=message(gettext_noop("platform: lines/amounts changed before payment")),
        data={k: str(v) for k, v in amounts_changed.items()},
    )
    return ["amounts"]


@dataclass(frozen=True)
class _StatusStep:
    """One thing to do to bring an order to the platform's status: a transition to ``to_status``, or (no
    ``to_status``) a note on its timeline. ``change`` is what ``_status_apply`` reports for it."""

    change: str
    reason: str
    to_status: str = ""
    at: dt.datetime | None = None
    data: dict[str, Any] | None = None


def _status_plan(*, status: str, incoming: ChannelOrder) -> list[_StatusStep]:
    """What bringing an order now in ``status`` to ``incoming.target_status`` takes, in order."""
    target = incoming.target_status
    reason = (
        message(gettext_noop("platform status %(status)s"), status=incoming.platform_status)
        if incoming.platform_status
        else message(gettext_noop("platform"))
    )
    if target == Status.PENDING_PAYMENT or target == status:
        return []
    paid = _StatusStep("paid", reason, to_status=Status.PAID, at=incoming.data.paid_at)
    if target == Status.PAID:
        return [paid] if status == Status.PENDING_PAYMENT else []
    if target in (Status.CANCELLED, Status.CLOSED):
        if status in (Status.CANCELLED, Status.CLOSED):
            return []
        for candidate in (target, Status.CANCELLED, Status.CLOSED):
            if can_transition(status, candidate):
                return [_StatusStep(candidate, reason, to_status=candidate)]
        return [
            _StatusStep(
                "closed_after_shipping",
                message(
                    gettext_noop(
                        "%(reason)s: the platform closed the order but it is already %(status)s; check the parcel"
                    ),
                    reason=reason,
                    status=status,
                ),
            )
        ]
    # shipped / delivered / completed on the platform
    steps = []
    if status == Status.PENDING_PAYMENT:
        steps.append(paid)
        status = Status.PAID  # or on_hold out_of_stock: not shipped either way
    if status in NOT_SHIPPED:
        steps.append(
            _StatusStep(
                "shipped_outside",
                message(gettext_noop("%(reason)s: the platform says the goods left outside Order Hub"), reason=reason),
                data={"platform_status": incoming.platform_status},
            )
        )
    return steps


def _status_apply(*, order: Order, incoming: ChannelOrder, system: str) -> list[str]:
    changes = []
    for step in _status_plan(status=order.status, incoming=incoming):
        if step.to_status:
            order_transition(order=order, to_status=step.to_status, system=system, reason=step.reason, at=step.at)
        else:
            order_event_record(
                order=order, kind=OrderEvent.Kind.NOTE, system=system, reason=step.reason, data=step.data
            )
        changes.append(step.change)
    return changes


def _statuses_apply_created(*, fresh: Sequence[tuple[Order, ChannelOrder]], system: str) -> None:
    """``_status_apply`` for orders just created together, set-based: the k-th steps of all the orders are
    taken together, each group of the same transition by one ``order_transition_many`` and the notes by one
    ``order_events_record`` — so each order goes through the same steps in the same order as on its own."""
    plans = [(order, _status_plan(status=order.status, incoming=item)) for order, item in fresh]
    rounds = max((len(steps) for _order, steps in plans), default=0)
    for round_ in range(rounds):
        moves: dict[str, list[tuple[Order, _StatusStep]]] = defaultdict(list)
        notes: list[tuple[Order, _StatusStep]] = []
        for order, steps in plans:
            if round_ < len(steps):
                step = steps[round_]
                (moves[step.to_status] if step.to_status else notes).append((order, step))
        if Status.PAID in moves and len(moves) > 1:
            # Entering paid reserves stock that a cancel or close in the same round may give back: keep the
            # one-by-one order so each reservation sees what it would have seen.
            for order, step in sorted((move for group in moves.values() for move in group), key=lambda m: m[0].pk):
                order_transition(order=order, to_status=step.to_status, system=system, reason=step.reason, at=step.at)
            moves.clear()
        for to_status, group in moves.items():
            order_transition_many(
                orders=[order for order, _step in group],
                to_status=to_status,
                system=system,
                reason=[step.reason for _order, step in group],
                at=[step.at for _order, step in group],
            )
        if notes:
            order_events_record(
                orders=[order for order, _step in notes],
                kind=OrderEvent.Kind.NOTE,
                system=system,
                reason=[step.reason for _order, step in notes],
                data=[step.data for _order, step in notes],
            )
