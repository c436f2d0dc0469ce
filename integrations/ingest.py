"""Apply what a channel says to Order Hub's orders, exactly once and in the right order.

The lock point is the ``ChannelOrderState`` row of (shop, platform order id): it is created if missing
(INSERT … ON CONFLICT DO NOTHING, safe under races) and then locked, so two versions of the same order —
from a push and a poll at the same moment, or two deliveries of one webhook — are applied one after the
other. A version older than the one applied (by the platform's modified time) changes nothing; one with
the same content hash changes nothing either.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db import transaction

from integrations.exceptions import OrderNotYetKnown
from integrations.models import ChannelOrderState, InboxMessage
from integrations.platforms.base import channel_order_hash
from orders.channel import ChannelOrder, RefundInput, channel_order_create, channel_order_update, refunds_apply
from orders.models import Order, Shop

Result = InboxMessage.Result


@dataclass
class Applied:
    result: str
    order: Order | None
    changes: list[str] = field(default_factory=list)


def _state_lock(*, shop: Shop, external_id: str) -> ChannelOrderState:
    ChannelOrderState.objects.bulk_create(
        [ChannelOrderState(shop=shop, external_id=external_id)], ignore_conflicts=True
    )
    return ChannelOrderState.objects.select_for_update().get(shop=shop, external_id=external_id)


@transaction.atomic(savepoint=False)
def order_version_apply(
    *, shop: Shop, incoming: ChannelOrder, source: str, system: str, message: InboxMessage | None = None
) -> Applied:
    """Create the order or bring it up to this version. Idempotent; older versions are ignored."""
    external_id = incoming.data.external_id
    digest = channel_order_hash(incoming)
    state = _state_lock(shop=shop, external_id=external_id)
    order = None
    if state.order_id is not None:
        order = Order.objects.get(pk=state.order_id)
    else:
        # The order may already exist without state (entered through the partner API or by hand).
        order = Order.objects.filter(shop=shop, external_id=external_id).first()

    if order is None:
        order = channel_order_create(shop=shop, incoming=incoming, source=source, system=system)
        applied = Applied(Result.CREATED, order, ["created"])
    elif (
        incoming.modified_at is not None and state.modified_at is not None and incoming.modified_at < state.modified_at
    ):
        return Applied(Result.STALE, order)
    elif state.content_hash == digest:
        return Applied(Result.UNCHANGED, order)
    else:
        changes = channel_order_update(order=order, incoming=incoming, system=system)
        applied = Applied(Result.UPDATED if changes else Result.UNCHANGED, order, changes)

    ChannelOrderState.objects.filter(pk=state.pk).update(
        order=order,
        platform_status=incoming.platform_status[:64],
        modified_at=incoming.modified_at or state.modified_at,
        content_hash=digest,
        last_message=message,
    )
    return applied


@transaction.atomic(savepoint=False)
def refund_event_apply(*, shop: Shop, external_id: str, refund: RefundInput, system: str) -> Applied:
    """A refund notice for a platform order: recorded (idempotent by refund id), the order held if unshipped.

    Raises ``OrderNotYetKnown`` when the order has not arrived yet; the message is retried later."""
    state = _state_lock(shop=shop, external_id=external_id)
    order = Order.objects.filter(pk=state.order_id).first() if state.order_id else None
    if order is None:
        order = Order.objects.filter(shop=shop, external_id=external_id).first()
    if order is None:
        raise OrderNotYetKnown(
            f"Refund {refund.external_id} is for platform order {external_id}, which has not arrived yet.",
            extra={"external_id": external_id},
        )
    changes = refunds_apply(order=order, refunds=[refund], system=system)
    return Applied(Result.UPDATED if changes else Result.UNCHANGED, order, changes)
