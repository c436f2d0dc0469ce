"""A case and its order: stop an unshipped order at once (held with reason ``refund``: out of picking and
packing, so no label is printed), ask the carrier to intercept a parcel already handed over, put the order
back where it was when the case ends without money, take a partial refund's units off it and let the rest ship,
let it ship as it is after a partial refund of money only, cancel it when a refund covers all of it."""

from __future__ import annotations

from django.db import transaction
from django.db.models import F, Q
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from aftersales.exceptions import CaseStateError
from aftersales.locks import case_lock
from aftersales.models import OPEN_STATUSES, Case, CaseEvent
from aftersales.services.cases import case_event_record
from aftersales.signals import case_interception_wanted
from config.messages import Message, message
from orders.models import Order, OrderLine
from orders.services import order_hold_release, order_lines_cancel, order_transition
from orders.services.lines import UNITS_CANCELLABLE  # the statuses order_lines_cancel accepts
from orders.states import HoldReason, Status

# Orders a case can still stop before the goods leave.
STOPPABLE = frozenset({Status.PAID, Status.APPROVED, Status.PICKING})
# Orders whose parcel is with the carrier: a carrier interception is asked.
WITH_CARRIER = frozenset({Status.SHIPPED, Status.IN_TRANSIT})
# The kinds that stop an order (the buyer wants money back, not goods).
STOPPING_KINDS = frozenset({Case.Kind.REFUND_ONLY, Case.Kind.RETURN_REFUND})
# Why a settled partial refund lets the order ship: (the case's timeline, the order's), as messages.
MONEY_ONLY = (message(gettext_noop("money only")), message(gettext_noop("money only, the goods ship as ordered")))
UNITS_OFF = (
    message(gettext_noop("units taken off")),
    message(gettext_noop("its units taken off, the rest ships")),
)


@transaction.atomic(savepoint=False)
def case_order_stop(*, case: Case, actor=None, system: str = "") -> str:
    """Stop the case's order: held (reason ``refund``) if not shipped yet, a carrier interception asked if it
    is with the carrier. Returns what happened: ``held``, ``interception_requested`` or ``""``."""
    if case.kind not in STOPPING_KINDS:
        return ""
    order = Order.objects.get(pk=case.order_id)
    if order.status == Status.ON_HOLD and order.hold_reason == HoldReason.REFUND:
        case.held_order = True  # another case holds it already: the hold ends when the last of them does
        case.save(update_fields=["held_order", "updated_at"])
        return "held"
    if order.status in STOPPABLE:
        order_transition(
            order=order,
            to_status=Status.ON_HOLD,
            hold_reason=HoldReason.REFUND,
            actor=actor,
            system=system,
            reason=message(gettext_noop("after-sales %(number)s"), number=case.number),
        )
        case.held_order = True
        case.save(update_fields=["held_order", "updated_at"])
        case_event_record(
            case=case, kind=CaseEvent.Kind.ORDER, actor=actor, system=system, note=message(gettext_noop("held"))
        )
        return "held"
    if order.status in WITH_CARRIER:
        case_event_record(
            case=case,
            kind=CaseEvent.Kind.INTERCEPTION,
            actor=actor,
            system=system,
            note=message(gettext_noop("interception requested")),
        )
        case_interception_wanted.send(sender=Case, case_id=case.pk, order_id=order.pk)
        return "interception_requested"
    return ""


@transaction.atomic(savepoint=False)
def case_order_release(*, case: Case, actor=None, system: str = "") -> bool:
    """The case ended without money (rejected, withdrawn): its order goes back where it was, unless another
    open case of the order still holds it."""
    if not case.held_order:
        return False
    return _hold_end(case=case, actor=actor, system=system)


def _hold_end(*, case: Case, actor, system: str) -> bool:
    """The case no longer holds its order: the order's hold ends (back to where it was) unless another open
    case of the order still holds it. Returns whether the order moved."""
    others = Case.objects.filter(order_id=case.order_id, held_order=True, status__in=OPEN_STATUSES).exclude(pk=case.pk)
    case.held_order = False
    case.save(update_fields=["held_order", "updated_at"])
    if others.exists():
        return False
    order = Order.objects.get(pk=case.order_id)
    moved = order_hold_release(
        order=order,
        hold_reason=HoldReason.REFUND,
        actor=actor,
        system=system,
        reason=message(gettext_noop("after-sales %(number)s"), number=case.number),
    )
    if moved:
        case_event_record(
            case=case, kind=CaseEvent.Kind.ORDER, actor=actor, system=system, note=message(gettext_noop("released"))
        )
    return moved


@transaction.atomic(savepoint=False)
def case_order_settle(*, case: Case, actor=None, system: str = "") -> bool:
    """An approved refund on an order not shipped yet. If it (with the order's other live cases) gives back all
    that was paid, or its lines leave nothing to ship, the order is cancelled (its reservations released).
    Otherwise the case's lines are taken off the order — their units no longer ship and exactly those units'
    reservations go back to stock (``orders.services.order_lines_cancel``) — and the hold ends so the rest ships
    (unless another open case still holds it). A partial refund without lines (money only: a platform's refund
    of an amount, a price difference) changes nothing of what ships: the refund hold ends and the order ships
    as it is, unless another open refund still holds it. Returns whether the order was cancelled."""
    from aftersales.services.money import refunded_total

    order = Order.objects.get(pk=case.order_id)
    if order.status not in (*STOPPABLE, Status.ON_HOLD) or case.kind not in STOPPING_KINDS:
        return False
    if refunded_total(order=order) < order.paid_amount:
        units = _units_of(case)
        if not units:
            _refund_hold_end(case=case, order=order, actor=actor, system=system, why=MONEY_ONLY)
            return False
        if order.status not in UNITS_CANCELLABLE:
            return False
        order_lines_cancel(
            order=order,
            units=units,
            actor=actor,
            system=system,
            reason=message(gettext_noop("after-sales %(number)s"), number=case.number),
        )
        case_event_record(
            case=case,
            kind=CaseEvent.Kind.ORDER,
            actor=actor,
            system=system,
            note=message(gettext_noop("units taken off")),
            data={"lines": {str(line_id): quantity for line_id, quantity in units.items()}},
        )
        if OrderLine.objects.filter(order_id=order.pk, quantity__gt=F("cancelled_quantity")).exists():
            if case.held_order:
                _hold_end(case=case, actor=actor, system=system)
            else:  # held by the platform's refund (``aftersales.channel``), not by this case
                _refund_hold_end(case=case, order=order, actor=actor, system=system, why=UNITS_OFF)
            return False
    order_transition(
        order=order,
        to_status=Status.CANCELLED,
        actor=actor,
        system=system,
        reason=message(gettext_noop("after-sales %(number)s"), number=case.number),
    )
    case_event_record(
        case=case, kind=CaseEvent.Kind.ORDER, actor=actor, system=system, note=message(gettext_noop("cancelled"))
    )
    return True


def _refund_hold_end(*, case: Case, order: Order, actor, system: str, why: tuple[Message, Message]) -> bool:
    """A partial refund settled on an order not shipped yet (money only, or its units taken off): the case no
    longer holds the order, and the refund hold ends — the order goes back where it was and ships what is left
    — unless another open refund or return of the order still holds it (a platform's refund holds the order
    without marking its case). ``why``: (the case's note, the order's reason). Returns whether the order
    moved."""
    if case.held_order:
        case.held_order = False
        case.save(update_fields=["held_order", "updated_at"])
    if order.status != Status.ON_HOLD or order.hold_reason != HoldReason.REFUND:
        return False
    holding = Q(held_order=True) | Q(kind__in=STOPPING_KINDS)
    others = Case.objects.filter(holding, order_id=order.pk, status__in=OPEN_STATUSES).exclude(pk=case.pk)
    if others.exists():
        return False
    moved = order_hold_release(
        order=order,
        hold_reason=HoldReason.REFUND,
        actor=actor,
        system=system,
        reason=message(gettext_noop("after-sales %(number)s: %(why)s"), number=case.number, why=why[1]),
    )
    if moved:
        case_event_record(
            case=case,
            kind=CaseEvent.Kind.ORDER,
            actor=actor,
            system=system,
            note=message(gettext_noop("released: %(why)s"), why=why[0]),
        )
    return moved


def _units_of(case: Case) -> dict[int, int]:
    """{order line id: units} the case's lines are about."""
    units: dict[int, int] = {}
    for line_id, quantity in case.lines.filter(order_line__isnull=False).values_list("order_line_id", "quantity"):
        units[line_id] = units.get(line_id, 0) + quantity
    return units


@transaction.atomic
def case_interception_record(*, case_id: int, outcome: str, answer: str = "", system: str = "") -> CaseEvent:
    """The carrier's answer to the interception the case asked for (``accepted``, ``refused``, ``unsupported``,
    ``failed``, or ``no_parcel``), on the case's timeline; an ``answer`` made with ``config.messages.message`` reads
    in each reader's language there."""
    case = Case.objects.get(pk=case_id)
    return case_event_record(
        case=case,
        kind=CaseEvent.Kind.INTERCEPTION,
        system=system,
        note=message(gettext_noop("%(outcome)s: %(answer)s"), outcome=outcome, answer=answer) if answer else outcome,
        data={"outcome": outcome},
    )


@transaction.atomic(durable=True)
def case_interception_request(*, case: Case, actor=None, system: str = "") -> str:
    """CS asks again to stop the case's order: held if it has not left yet, a carrier interception asked if it is
    with the carrier (the carrier's answer comes onto the timeline). Only for an open refund or return case;
    an order already delivered cannot be stopped (``case_state``). Returns ``held`` or
    ``interception_requested``."""
    case = case_lock(case_id=case.pk)
    if case.status not in OPEN_STATUSES or case.kind not in STOPPING_KINDS:
        raise CaseStateError(
            _("Case %(number)s is %(kind)s, %(status)s: only an open refund or return stops its order.")
            % {"number": case.number, "kind": case.get_kind_display(), "status": case.get_status_display()},
            extra={"status": case.status, "kind": case.kind},
        )
    outcome = case_order_stop(case=case, actor=actor, system=system)
    if not outcome:
        order = Order.objects.get(pk=case.order_id)
        raise CaseStateError(
            _("Order %(order)s is %(status)s: it can no longer be stopped or intercepted.")
            % {"order": order.number, "status": order.get_status_display()},
            extra={"order_status": order.status},
        )
    return outcome
