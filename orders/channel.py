"""Orders from sales channels: create the order from the platform's first version we see, and apply
later versions to it (payment, address change, cancel before shipping, refund request), recording an
``OrderEvent`` for each change.

This module knows no platform format: integrations maps each platform's native order to a
``ChannelOrder`` (the standard ``OrderInput`` plus what the platform says about the order now) and decides
which version is newer; these functions only apply a version to one order. They run inside the caller's
transaction, with the order row locked by ``order_transition`` where a status changes.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import transaction

from aftersales.models import Refund
from aftersales.services import refund_record
from orders.masking import mask_phone
from orders.models import Order, OrderEvent, OrderLine, Shop, Source
from orders.services import (
    CreatedMany,
    OrderInput,
    order_create_many,
    order_event_record,
    order_line_build,
    order_transition,
    order_validate,
)
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
CONSIGNEE_FIELDS = (
    "consignee_name",
    "consignee_phone",
    "country",
    "province",
    "city",
    "district",
    "address",
    "postal_code",
    "consignee_cipher",
)
REMARK_FIELDS = ("buyer_remark", "seller_memo")
REFUND_SETTLED = frozenset({Refund.Status.REFUNDED, Refund.Status.REJECTED, Refund.Status.CANCELLED})
AMOUNT_FIELDS = ("goods_amount", "discount_platform", "discount_merchant", "shipping_fee", "paid_amount")


@dataclass
class RefundInput:
    external_id: str
    amount: Decimal
    status: str = Refund.Status.REQUESTED
    kind: str = Refund.Kind.REFUND_ONLY
    reason: str = ""
    requested_at: dt.datetime | None = None
    refunded_at: dt.datetime | None = None


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
    refund_pending: bool = False
    refunds: list[RefundInput] = field(default_factory=list)


def channel_order_create(*, shop: Shop, incoming: ChannelOrder, source: str = Source.POLL, system: str) -> Order:
    """Create the order from the first version seen, then bring it to what the platform says (a trade
    first seen already cancelled is created and cancelled, so it is on record and never shipped)."""
    created = channel_orders_create_many(shop=shop, incoming=[incoming], source=source, system=system)
    if created.errors:
        raise created.errors[0]
    return created.orders[0]


@transaction.atomic
def channel_orders_create_many(
    *, shop: Shop, incoming: Sequence[ChannelOrder], source: str = Source.POLL, system: str, numbers: Sequence[str] = ()
) -> CreatedMany:
    """``channel_order_create`` for many platform orders of one shop at once (``order_create_many``: an
    invalid one is left out with its error, the others are created)."""
    created = order_create_many(
        shop=shop, data=[item.data for item in incoming], source=source, system=system, numbers=numbers
    )
    for index, order in created.orders.items():
        item = incoming[index]
        _status_apply(order=order, incoming=item, system=system)
        refunds_apply(order=order, refunds=item.refunds, pending=item.refund_pending, system=system)
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
                reason="platform: consignee/address changed",
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
                    reason="platform changed the address after approval",
                )
        else:
            order_event_record(
                order=order,
                kind=OrderEvent.Kind.NOTE,
                system=system,
                reason="platform reports an address change after shipping; not applied",
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
            reason="platform: remarks changed",
            data={"fields": list(remarks)},
        )
        changes.append("remarks")

    changes += _status_apply(order=order, incoming=incoming, system=system)
    changes += refunds_apply(order=order, refunds=incoming.refunds, pending=incoming.refund_pending, system=system)
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
        reason="platform: lines/amounts changed before payment",
        data={k: str(v) for k, v in amounts_changed.items()},
    )
    return ["amounts"]


def _status_apply(*, order: Order, incoming: ChannelOrder, system: str) -> list[str]:
    target = incoming.target_status
    reason = f"platform status {incoming.platform_status}" if incoming.platform_status else "platform"
    if target == Status.PENDING_PAYMENT or target == order.status:
        return []
    if target == Status.PAID:
        if order.status == Status.PENDING_PAYMENT:
            order_transition(order=order, to_status=Status.PAID, system=system, reason=reason, at=incoming.data.paid_at)
            return ["paid"]
        return []
    if target in (Status.CANCELLED, Status.CLOSED):
        if order.status in (Status.CANCELLED, Status.CLOSED):
            return []
        for candidate in (target, Status.CANCELLED, Status.CLOSED):
            if can_transition(order.status, candidate):
                order_transition(order=order, to_status=candidate, system=system, reason=reason)
                return [candidate]
        order_event_record(
            order=order,
            kind=OrderEvent.Kind.NOTE,
            system=system,
            reason=f"{reason}: the platform closed the order but it is already {order.status}; check the parcel",
        )
        return ["closed_after_shipping"]
    # shipped / delivered / completed on the platform
    changes = []
    if order.status == Status.PENDING_PAYMENT:
        order_transition(order=order, to_status=Status.PAID, system=system, reason=reason, at=incoming.data.paid_at)
        changes.append("paid")
    if order.status in NOT_SHIPPED:
        order_event_record(
            order=order,
            kind=OrderEvent.Kind.NOTE,
            system=system,
            reason=f"{reason}: the platform says the goods left outside Order Hub",
            data={"platform_status": incoming.platform_status},
        )
        changes.append("shipped_outside")
    return changes


@transaction.atomic(savepoint=False)
def refunds_apply(*, order: Order, refunds: list[RefundInput], pending: bool = False, system: str) -> list[str]:
    """Record refunds (idempotent by platform refund id) and stop an unshipped order while a refund is
    requested: it goes on hold with reason ``refund`` so it is not shipped by mistake."""
    if not refunds and not pending:
        return []
    changes = []
    known = dict(
        Refund.objects.filter(
            order=order, external_id__in=[r.external_id for r in refunds if r.external_id]
        ).values_list("external_id", "status")
    )
    for refund in refunds:
        if known.get(refund.external_id) in REFUND_SETTLED and refund.status not in REFUND_SETTLED:
            continue  # a late "requested" notice after the refund was settled changes nothing
        _record, created = refund_record(
            order=order,
            amount=refund.amount,
            external_id=refund.external_id,
            status=refund.status,
            kind=refund.kind,
            reason=refund.reason,
            requested_at=refund.requested_at,
            refunded_at=refund.refunded_at,
            system=system,
        )
        if created:
            changes.append(f"refund:{refund.external_id}")
        if refund.status in (Refund.Status.REQUESTED, Refund.Status.APPROVED):
            pending = True
    order.refresh_from_db(fields=["status", "hold_reason"])
    if pending and order.status in (Status.PAID, Status.APPROVED, Status.PICKING):
        order_transition(
            order=order,
            to_status=Status.ON_HOLD,
            hold_reason=HoldReason.REFUND,
            system=system,
            reason="platform: refund requested",
        )
        changes.append("held_for_refund")
    return changes
