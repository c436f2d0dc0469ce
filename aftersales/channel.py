"""Refunds from sales channels: record what the platform says about each refund (``refund_record``,
idempotent by platform refund id) and what it means for the order — an unshipped order is held (reason
``refund``) while a refund is requested, and goes back where it was (``orders.services.order_hold_release``)
when the refund is rejected or withdrawn and no other refund of the order is open. A refund the platform paid
settles the order as an approved refund does (``case_order_settle``): all that was paid given back cancels it;
the lines it names (Taobao's sub-order) come off the order and the rest ships; a partial refund of money only
(no lines named) lets it ship as it is.

A platform's word on a refund reaches aftersales as a ``RefundInput``, apart from the order it is about:
integrations' adapters read each platform order version into the order (``orders.channel.ChannelOrder``) and
its refunds, and integrations calls these after ``orders.channel`` has created or updated the order from the
same platform version (``integrations.ingest``), in the same transaction. Orders knows nothing of refunds but
the hold reason ``refund``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import transaction
from django.utils.translation import gettext_noop

from aftersales.models import DEAD_STATUSES, OPEN_STATUSES, Case
from aftersales.services import refund_record
from aftersales.services.interception import case_order_settle
from config.messages import message
from orders.models import Order
from orders.services import order_hold_release, order_transition, order_transition_many
from orders.states import HoldReason, Status

REFUND_SETTLED = frozenset({Case.Status.REFUNDED, *DEAD_STATUSES})
REFUND_OPEN = frozenset(OPEN_STATUSES)
# A requested refund stops an unshipped order: it is held so it is not shipped by mistake.
REFUND_HOLDS = frozenset({Status.PAID, Status.APPROVED, Status.PICKING})
REFUND_HOLD_NOTE = message(gettext_noop("platform: refund requested"))
REFUND_RELEASE_NOTE = message(gettext_noop("platform: refund rejected or withdrawn"))


@dataclass
class RefundInput:
    """A platform's word on one refund, in standard form (what an adapter reads from an order or a refund
    notice). ``status`` and ``kind`` are ``Case`` statuses and kinds. ``line_ids``: the platform's ids of the
    order lines the refund is about (Taobao's sub-order ``oid``, Shopify's ``refund_line_items[].line_item_id``),
    when it names them; none for a refund of an amount (money only). ``line_quantities``: the units of a named line
    the refund is about, where the platform says (Shopify's ``quantity``); a line without one is refunded whole
    (every unit it still ships). ``line_amounts``: what the platform says it refunded for a named line (Shopify's
    ``refund_line_items[].subtotal_set``). ``shipping``: the part of ``amount`` the platform says was postage
    (Shopify's ``refund_shipping_lines`` or ``order_adjustments`` of kind ``shipping_refund``). ``amount`` is always
    the platform's total: what it gave back."""

    external_id: str
    amount: Decimal
    status: str = "requested"
    kind: str = "refund_only"
    reason: str = ""
    requested_at: dt.datetime | None = None
    refunded_at: dt.datetime | None = None
    line_ids: tuple[str, ...] = ()
    line_quantities: dict[str, int] = field(default_factory=dict)
    line_amounts: dict[str, Decimal] = field(default_factory=dict)
    shipping: Decimal = Decimal("0.00")


@transaction.atomic(savepoint=False)
def refunds_apply(*, order: Order, refunds: list[RefundInput], pending: bool = False, system: str) -> list[str]:
    """Record refunds (idempotent by platform refund id) and stop an unshipped order while a refund is
    requested: it goes on hold with reason ``refund`` so it is not shipped by mistake."""
    if not refunds and not pending:
        return []
    known = dict(
        Case.objects.filter(order=order, external_id__in=[r.external_id for r in refunds if r.external_id]).values_list(
            "external_id", "status"
        )
    )
    changes, pending, paid = _refunds_record(order=order, refunds=refunds, pending=pending, known=known, system=system)
    order.refresh_from_db(fields=["status", "hold_reason"])
    if pending and order.status in REFUND_HOLDS:
        order_transition(
            order=order, to_status=Status.ON_HOLD, hold_reason=HoldReason.REFUND, system=system, reason=REFUND_HOLD_NOTE
        )
        changes.append("held_for_refund")
    elif _refund_hold_ends(order=order, refunds=refunds, pending=pending):
        order_hold_release(order=order, hold_reason=HoldReason.REFUND, system=system, reason=REFUND_RELEASE_NOTE)
        changes.append("refund_hold_released")
    changes += _refunds_settle(order=order, cases=paid, system=system)
    return changes


def _refunds_settle(*, order: Order, cases: list[Case], system: str) -> list[str]:
    """The refunds the platform paid in this notice settle the order as an approved refund does
    (``case_order_settle``): cancelled when all that was paid went back, else — money only — its refund hold
    ends unless another refund is open. Returns what changed."""
    if not cases:
        return []
    before = order.status
    for case in cases:
        case_order_settle(case=case, system=system)
    order.refresh_from_db(fields=["status", "hold_reason"])
    if order.status == before:
        return []
    return ["cancelled_for_refund" if order.status == Status.CANCELLED else "refund_hold_released"]


def _refund_hold_ends(*, order: Order, refunds: list[RefundInput], pending: bool) -> bool:
    """Whether the refund hold on ``order`` ends with these notices: a refund was rejected or withdrawn, none
    was paid (a paid one settles the order: ``_refunds_settle``) and no refund of the order is still open."""
    if pending or order.status != Status.ON_HOLD or order.hold_reason != HoldReason.REFUND:
        return False
    statuses = {refund.status for refund in refunds}
    if Case.Status.REFUNDED in statuses or not statuses & {Case.Status.REJECTED, Case.Status.WITHDRAWN}:
        return False
    return not Case.objects.filter(order=order, status__in=REFUND_OPEN).exists()


def _refunds_record(
    *, order: Order, refunds: list[RefundInput], pending: bool, known: dict[str, str], system: str
) -> tuple[list[str], bool, list[Case]]:
    """Record each refund (``known``: the statuses of the order's refunds already on record, by platform id).
    Returns what changed, whether a refund is now pending, and the cases the platform paid with this notice."""
    changes = []
    paid = []
    for refund in refunds:
        if known.get(refund.external_id) in REFUND_SETTLED and refund.status not in REFUND_SETTLED:
            continue  # a late "requested" notice after the refund was settled changes nothing
        record, created = refund_record(
            order=order,
            amount=refund.amount,
            external_id=refund.external_id,
            status=refund.status,
            kind=refund.kind,
            reason=refund.reason,
            requested_at=refund.requested_at,
            refunded_at=refund.refunded_at,
            line_ids=refund.line_ids,
            line_quantities=refund.line_quantities,
            line_amounts=refund.line_amounts,
            shipping=refund.shipping,
            system=system,
        )
        if created:
            changes.append(f"refund:{refund.external_id}")
        if refund.status in REFUND_OPEN:
            pending = True
        if refund.status == Case.Status.REFUNDED and known.get(refund.external_id) != Case.Status.REFUNDED:
            paid.append(record)
    return changes, pending, paid


def refunds_apply_created(*, fresh: Sequence[tuple[Order, list[RefundInput], bool]], system: str) -> None:
    """``refunds_apply`` for orders just created together (``orders.channel.channel_orders_create_many``), each
    with its version's refunds and whether a refund is pending: each one's refunds recorded (``refund_record``,
    one order at a time; a new order has none on record yet), then the holds for the lot by one
    ``order_transition_many``. The orders' instances are current (every change to them went through
    ``order_transition``/``order_transition_many``, which refresh them)."""
    held = []
    settled = []
    for order, refunds, pending in fresh:
        if not refunds and not pending:
            continue
        _changes, pending, paid = _refunds_record(
            order=order, refunds=refunds, pending=pending, known={}, system=system
        )
        if pending and order.status in REFUND_HOLDS:
            held.append(order)
        if paid:
            settled.append((order, paid))
    order_transition_many(
        orders=held, to_status=Status.ON_HOLD, hold_reason=HoldReason.REFUND, system=system, reason=REFUND_HOLD_NOTE
    )
    for order, paid in settled:  # rare: a new order whose refunds the platform already paid
        _refunds_settle(order=order, cases=paid, system=system)
