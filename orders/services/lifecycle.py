"""``order_transition`` is the only function that changes an order's status (``order_transition_many`` is its
set-based form for a batch, judged by the same helpers); events and notes on the timeline."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from config.db import bulk_create_with_history_copy, history_copy, instance_new, rows_update
from config.messages import message, message_stored
from config.tasks import enqueue_on_commit
from orders.exceptions import InvalidTransition
from orders.models import Order, OrderEvent, ReviewTask
from orders.signals import order_events_recorded
from orders.states import HoldReason, Status, can_transition
from orders.stock import order_stock_follow, orders_stock_follow

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
    order_events_announce([event])
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
    return order_events_announce(
        bulk_create_with_history_copy(
            [
                _event_build(order=order, kind=kind, actor=actor, system=system, reason=why, data=detail)
                for order, why, detail in zip(orders, reasons, details, strict=True)
            ]
        )
    )


def order_events_announce(events: list[OrderEvent]) -> list[OrderEvent]:
    """Tell the other apps that these timeline events were written (``orders.signals``); every writer of
    events calls it."""
    if events:
        order_events_recorded.send(sender=OrderEvent, events=events)
    return events


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
    stored = message_stored(reason)
    if stored:  # shown in the reader's language (OrderEvent.reason_display)
        data = {**(data or {}), "reason_message": stored}
    return instance_new(
        OrderEvent,
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
    event = _transition_event(
        locked,
        from_status=from_status,
        to_status=to_status,
        reason=reason,
        hold_reason=hold_reason,
        actor=actor,
        system=system,
    )
    event.save(force_insert=True)
    order_events_announce([event])
    # Inventory: paid reserves (short → on_hold out_of_stock), cancelled/closed releases,
    # shipped consumes the reservations. See orders/stock.py and docs/inventory.md.
    order_stock_follow(order=locked, from_status=from_status, actor=actor)
    _review_when_paid(locked)
    _review_tasks_close_when_ended([(locked, from_status, reason)], actor=actor)
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
        fields = ["status", "hold_reason", "hold_note", "hold_note_message", "updated_at"]
        if to_status == Status.PAID:
            fields += ["paid_at", "promised_ship_at"]
        rows_update(Order, fields, [(pk, *(getattr(row, name) for name in fields)) for pk, (row, *_) in moved.items()])
        history_copy(Order, list(moved), history_type="~")
        events = bulk_create_with_history_copy(
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
        order_events_announce(events)
        orders_stock_follow(
            orders=[row for row, *_ in moved.values()],
            from_status={pk: from_status for pk, (_row, from_status, _why) in moved.items()},
            actor=actor,
        )
        _review_when_paid(*(row for row, *_ in moved.values()))
        _review_tasks_close_when_ended(list(moved.values()), actor=actor)
    for order in orders:
        _refresh(order, locked[order.pk])
    return list(orders)


@transaction.atomic
def order_hold_release(*, order: Order, hold_reason: str, actor=None, system: str = "", reason: str = "") -> bool:
    """Release the hold ``hold_reason`` from ``order``: it goes back to the status it was held from (the
    timeline's last move onto that hold) — paid (and through the automatic review again) or approved; an order
    held while picking goes back to approved (its picking starts again in a new wave). An order that is not on
    that hold is left alone (a repeated release changes nothing). Returns True when the order moved."""
    locked = Order.objects.select_for_update().get(pk=order.pk)
    if locked.status != Status.ON_HOLD or locked.hold_reason != hold_reason:
        _refresh(order, locked)
        return False
    held_from = (
        OrderEvent.objects.filter(order=locked, kind=OrderEvent.Kind.TRANSITION, to_status=Status.ON_HOLD)
        .order_by("-at", "-pk")
        .values_list("from_status", flat=True)
        .first()
    )
    back = held_from if held_from in (Status.PAID, Status.APPROVED) else Status.APPROVED
    if held_from is None:
        back = Status.PAID  # no record of where it came from: the review decides again
    order_transition(order=locked, to_status=back, actor=actor, system=system, reason=reason)
    _refresh(order, locked)
    return True


def _transition_check(locked: Order, *, to_status: str, hold_reason: str) -> bool:
    """The lifecycle's word on moving the locked ``order`` to ``to_status``: raises ``InvalidTransition`` if it
    may not, returns False if it is already there (nothing to do), True if it moves."""
    if to_status not in Status.values:
        raise InvalidTransition(
            _("%(to_status)r is not an order status.") % {"to_status": to_status}, extra={"to": to_status}
        )
    if to_status == Status.ON_HOLD:
        if hold_reason not in HoldReason.values:
            raise InvalidTransition(
                _("Putting order %(locked_number)s on hold needs a hold reason (one of %(value)s).")
                % {"locked_number": locked.number, "value": ", ".join(HoldReason.values)},
                code="hold_reason_required",
                extra={"hold_reason": hold_reason},
            )
    elif hold_reason:
        raise InvalidTransition(_("A hold reason only goes with on_hold."), extra={"hold_reason": hold_reason})
    if locked.status == to_status and locked.hold_reason == hold_reason:
        return False
    if not can_transition(locked.status, to_status):
        raise InvalidTransition(
            _("Order %(locked_number)s cannot go from %(label)s (%(locked_status)s) to %(label2)s (%(to_status)s).")
            % {
                "locked_number": locked.number,
                "label": Status(locked.status).label,
                "locked_status": locked.status,
                "label2": Status(to_status).label,
                "to_status": to_status,
            },
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
    held = to_status == Status.ON_HOLD
    locked.hold_note = reason[:200] if held else ""
    locked.hold_note_message = message_stored(reason) if held else None  # Order.hold_note_display
    update_fields = ["status", "hold_reason", "hold_note", "hold_note_message", "updated_at"]
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


REVIEW_TASK_ORDERS = 100  # orders per review task: a batch's review stays far within the task timeout


def _review_when_paid(*orders: Order) -> None:
    """Paid orders whose stock is reserved go to the automatic review (orders.rules: tags, holds, approval)
    right after commit, in one task per ``REVIEW_TASK_ORDERS``. The review is idempotent, so a repeated payment
    changes nothing."""
    paid = [order.pk for order in orders if order.status == Status.PAID]
    for start in range(0, len(paid), REVIEW_TASK_ORDERS):
        chunk = paid[start : start + REVIEW_TASK_ORDERS]
        enqueue_on_commit(
            "orders.tasks.order_rules_apply",
            chunk[0] if len(chunk) == 1 else chunk,
            cluster=settings.ORDERS_REVIEW_CLUSTER or None,
        )


ENDED = (Status.CANCELLED, Status.CLOSED)
# Why a review task closed with its order (ReviewTask.decision_note), without and with the order's reason.
ENDED_NOTES = {
    Status.CANCELLED: (gettext_noop("order cancelled"), gettext_noop("order cancelled: %(reason)s")),
    Status.CLOSED: (gettext_noop("order closed"), gettext_noop("order closed: %(reason)s")),
}


def _review_tasks_close_when_ended(moved: Sequence[tuple[Order, str, str]], *, actor) -> None:
    """An order cancelled or closed (by staff, a partner, the platform or a rejected review) needs no review:
    its open review tasks are closed as cancelled, noting why, locked in pk order and saved one by one so
    each closing has its history row. ``moved``: (order, the status it left, reason); an order that was never
    paid was never reviewed, so closing unpaid orders costs no query."""
    ended = {
        order.pk: (order.status, reason)
        for order, from_status, reason in moved
        if order.status in ENDED and from_status != Status.PENDING_PAYMENT
    }
    if not ended:
        return
    decided_by = actor if actor is not None and actor.is_authenticated else None
    now = timezone.now()
    tasks = ReviewTask.objects.select_for_update().filter(order_id__in=list(ended), status=ReviewTask.Status.OPEN)
    for task in tasks.order_by("pk"):
        status, reason = ended[task.order_id]
        task.status = ReviewTask.Status.CANCELLED
        task.decided_by, task.decided_at = decided_by, now
        alone, with_reason = ENDED_NOTES[status]
        note = message(with_reason, reason=reason) if reason else message(alone)
        task.decision_note, task.decision_note_message = note[:255], message_stored(note)
        task.save(update_fields=["status", "decided_by", "decided_at", "decision_note", "decision_note_message"])


def _refresh(order: Order, locked: Order) -> None:
    """Carry the locked row's values back into the caller's instance."""
    if order is locked:
        return
    for f in Order._meta.concrete_fields:
        setattr(order, f.attname, getattr(locked, f.attname))


def order_note_add(*, order: Order, text: str, actor=None, system: str = "") -> OrderEvent:
    return order_event_record(order=order, kind=OrderEvent.Kind.NOTE, actor=actor, system=system, reason=text)
