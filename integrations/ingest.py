"""Apply what a channel says to Order Hub's orders, exactly once and in the right order.

The lock point is the ``ChannelOrderState`` row of (shop, platform order id): it is created if missing
(INSERT … ON CONFLICT DO NOTHING, safe under races) and then locked, so two versions of the same order —
from a push and a poll at the same moment, or two deliveries of one webhook — are applied one after the
other. A version older than the one applied (by the platform's modified time) changes nothing; one with
the same content hash changes nothing either.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from aftersales.channel import RefundInput, refunds_apply, refunds_apply_created
from config.db import instance_new, rows_insert, rows_insert_new, rows_insert_or_lock, rows_update
from integrations.exceptions import OrderNotYetKnown
from integrations.models import ChannelOrderState, InboxMessage
from integrations.platforms.base import PlatformOrder, platform_order_hash
from orders.channel import channel_order_create, channel_order_update, channel_orders_create_many
from orders.exceptions import DuplicateOrder
from orders.models import Order, Shop

Result = InboxMessage.Result


@dataclass
class Applied:
    result: str
    order: Order | None
    changes: list[str] = field(default_factory=list)


def _state_lock(*, shop: Shop, external_id: str) -> ChannelOrderState:
    return _states_lock(shop=shop, external_ids=[external_id])[external_id]


def _states_lock(*, shop: Shop, external_ids: Sequence[str]) -> dict[str, ChannelOrderState]:
    """The state rows of these platform orders, created if missing and locked, in platform-id order (so two
    workers locking overlapping sets queue instead of deadlocking). On PostgreSQL one statement that finds
    the stored rows through the unique index (``rows_insert_or_lock``): a ``SELECT … FOR UPDATE`` by shop
    and platform ids is planned as a scan of the shop's rows while the statistics do not know the shop
    (a new shop catching up)."""
    wanted = sorted(set(external_ids))
    fresh = [instance_new(ChannelOrderState, shop=shop, external_id=external_id) for external_id in wanted]
    states = rows_insert_or_lock(fresh, unique=["shop", "external_id"])
    if states is None:
        rows_insert(fresh, ignore_conflicts=True)
        states = ChannelOrderState.objects.select_for_update().filter(shop=shop, external_id__in=wanted)
        states = states.order_by("external_id")
    return {state.external_id: state for state in states}


def states_create(*, shop: Shop, external_ids: Sequence[str]) -> int:
    """Create the missing state rows of these platform orders, unlocked (commit them in a short
    transaction), and return how many were missing: the platform orders seen for the first time, which
    will need order numbers (one already in Order Hub without a state, entered through the partner API,
    is counted too; one whose state exists but has no order yet — refused before — is not, and is numbered
    when it is created). PostgreSQL: one ``INSERT … ON CONFLICT DO NOTHING`` that says which went in;
    elsewhere the stored ones are looked for first."""
    wanted = sorted(set(external_ids))
    fresh = [instance_new(ChannelOrderState, shop=shop, external_id=external_id) for external_id in wanted]
    inserted = rows_insert_new(fresh, key=["external_id"])
    if inserted is not None:
        return len(inserted)
    stored = set(
        ChannelOrderState.objects.filter(shop=shop, external_id__in=wanted).values_list("external_id", flat=True)
    )
    rows_insert([state for state in fresh if state.external_id not in stored], ignore_conflicts=True)
    return len(wanted) - len(stored)


@transaction.atomic(savepoint=False)
def order_version_apply(
    *, shop: Shop, incoming: PlatformOrder, source: str, system: str, message: InboxMessage | None = None
) -> Applied:
    """Create the order or bring it up to this version (``orders.channel``), then record the version's refunds
    (``aftersales.channel``). Idempotent; older versions are ignored."""
    read, incoming = incoming, incoming.order
    external_id = incoming.data.external_id
    digest = platform_order_hash(read)
    state = _state_lock(shop=shop, external_id=external_id)
    order = None
    if state.order_id is not None:
        order = Order.objects.get(pk=state.order_id)
    else:
        # The order may already exist without state (entered through the partner API or by hand).
        order = Order.objects.filter(shop=shop, external_id=external_id).first()

    if order is None:
        order = channel_order_create(shop=shop, incoming=incoming, source=source, system=system)
        refunds_apply(order=order, refunds=read.refunds, pending=read.refund_pending, system=system)
        applied = Applied(Result.CREATED, order, ["created"])
    elif (
        incoming.modified_at is not None and state.modified_at is not None and incoming.modified_at < state.modified_at
    ):
        return Applied(Result.STALE, order)
    elif state.content_hash == digest:
        return Applied(Result.UNCHANGED, order)
    else:
        changes = channel_order_update(order=order, incoming=incoming, system=system)
        changes += refunds_apply(order=order, refunds=read.refunds, pending=read.refund_pending, system=system)
        applied = Applied(Result.UPDATED if changes else Result.UNCHANGED, order, changes)

    ChannelOrderState.objects.filter(pk=state.pk).update(
        order=order,
        platform_status=incoming.platform_status[:64],
        modified_at=incoming.modified_at or state.modified_at,
        content_hash=digest,
        last_message=message,
    )
    return applied


@dataclass
class NewVersion:
    """One platform order version in a batch (``order_versions_create_new``); ``key`` names it to the caller."""

    key: int
    incoming: PlatformOrder
    message: InboxMessage | None = None


@dataclass
class BatchApplied:
    applied: dict[int, Applied]  # by key: the orders created
    errors: dict[int, Exception]  # by key: refused (invalid, unknown SKU…); nothing written for them
    known: list[int]  # by key: the platform order is already in Order Hub — apply one by one


@transaction.atomic(savepoint=False)
def order_versions_create_new(
    *, shop: Shop, items: Sequence[NewVersion], source: str, system: str, numbers: Sequence[str] = ()
) -> BatchApplied:
    """The set-based ``order_version_apply`` for a batch of versions of *different* platform orders of one
    shop: the state rows are locked together, the orders not yet in Order Hub are created together
    (``channel_orders_create_many``) and their states written in one statement. Versions of orders Order
    Hub already has are handed back (``known``) for ``order_version_apply``."""
    if len({item.incoming.order.data.external_id for item in items}) != len(items):
        raise ValueError("order_versions_create_new: one version per platform order.")
    states = _states_lock(shop=shop, external_ids=[item.incoming.order.data.external_id for item in items])
    # An order may be in Order Hub without a channel state (entered through the partner API or by hand): the
    # INSERT leaves it out (``skip_existing``) and it is applied one by one like every known order.
    new = [item for item in items if states[item.incoming.order.data.external_id].order_id is None]
    created = channel_orders_create_many(
        shop=shop,
        incoming=[item.incoming.order for item in new],
        source=source,
        system=system,
        numbers=numbers,
        skip_existing=True,
    )
    refunds_apply_created(
        fresh=[
            (order, new[index].incoming.refunds, new[index].incoming.refund_pending)
            for index, order in created.orders.items()
        ],
        system=system,
    )
    there = {index for index, error in created.errors.items() if isinstance(error, DuplicateOrder)}
    known = [item.key for item in items if states[item.incoming.order.data.external_id].order_id is not None]
    known += [new[index].key for index in sorted(there)]
    now = timezone.now()
    written = []
    for index, order in created.orders.items():
        read = new[index].incoming
        incoming, state = read.order, states[read.order.data.external_id]
        written.append(
            (
                state.pk,
                order.pk,
                incoming.platform_status[:64],
                incoming.modified_at or state.modified_at,
                platform_order_hash(read),
                new[index].message.pk if new[index].message else None,
                now,
            )
        )
    rows_update(
        ChannelOrderState,
        ["order", "platform_status", "modified_at", "content_hash", "last_message", "updated_at"],
        written,
    )
    return BatchApplied(
        applied={
            new[index].key: Applied(Result.CREATED, order, ["created"]) for index, order in created.orders.items()
        },
        errors={new[index].key: error for index, error in created.errors.items() if index not in there},
        known=known,
    )


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
            _("Refund %(refund_external_id)s is for platform order %(external_id)s, which has not arrived yet.")
            % {"refund_external_id": refund.external_id, "external_id": external_id},
            extra={"external_id": external_id},
        )
    changes = refunds_apply(order=order, refunds=[refund], system=system)
    return Applied(Result.UPDATED if changes else Result.UNCHANGED, order, changes)
