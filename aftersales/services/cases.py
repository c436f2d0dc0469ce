"""Cases: numbers, the timeline, status changes, and the platform's word on a refund (``refund_record``),
matched with a case staff entered for the same refund."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from aftersales.exceptions import CaseInvalid
from aftersales.locks import order_lock
from aftersales.models import DEAD_STATUSES, FINAL_STATUSES, Case, CaseEvent, CaseLine
from aftersales.services.money import refund_check
from aftersales.services.risk import case_risk_assess
from config.messages import message, message_stored
from orders.models import Order, OrderEvent, OrderLine
from orders.services import order_event_record, order_number_allocate

CASE_NUMBER_PREFIX = "AS"
# A staff case and a platform case for the same refund: same order, same amount, asked for within this time.
MATCH_WINDOW = dt.timedelta(days=1)


def case_number_allocate() -> str:
    """The next case number, ``AS`` + Shanghai date + daily sequence (the one numbering counter)."""
    return order_number_allocate(prefix=CASE_NUMBER_PREFIX)[0]


def case_event_record(
    *,
    case: Case,
    kind: str,
    actor=None,
    system: str = "",
    from_status: str = "",
    to_status: str = "",
    note: str = "",
    data: dict[str, Any] | None = None,
) -> CaseEvent:
    """One line of the case's timeline (a ``config.messages`` note is shown in the reader's language)."""
    stored = message_stored(note)
    if stored:
        data = {**(data or {}), "note_message": stored}
    return CaseEvent.objects.create(
        case=case,
        kind=kind,
        actor=actor if getattr(actor, "is_authenticated", False) else None,
        system=system[:64],
        from_status=from_status,
        to_status=to_status,
        note=note[:500],
        data=data or {},
    )


@transaction.atomic(savepoint=False)
def case_status_set(*, case: Case, to_status: str, actor=None, system: str = "", note: str = "", **stamps) -> bool:
    """Move the (locked) case to ``to_status`` with its timeline event; ``stamps`` are other fields set with it
    (``decided_at``, ``refunded_at``…). Moving to the status it has changes nothing. Returns whether it moved."""
    if case.status == to_status and not stamps:
        return False
    from_status = case.status
    case.status = to_status
    if to_status in FINAL_STATUSES and case.closed_at is None:
        case.closed_at = timezone.now()
    for field, value in stamps.items():
        setattr(case, field, value)
    case.save()
    if from_status != to_status:
        case_event_record(
            case=case,
            kind=CaseEvent.Kind.TRANSITION,
            actor=actor,
            system=system,
            from_status=from_status,
            to_status=to_status,
            note=note,
        )
    return from_status != to_status


def _order_note(*, case: Case, actor, system: str) -> None:
    order_event_record(
        order=case.order,
        kind=OrderEvent.Kind.UPDATED,
        actor=actor,
        system=system,
        reason=f"refund {case.external_id or case.number}: {case.status} {case.amount} {case.currency}",
        data={"refund_id": case.pk, "case": case.number, "status": case.status, "amount": str(case.amount)},
    )


def _platform_lines_attach(
    *,
    case: Case,
    line_ids: Sequence[str],
    line_quantities: Mapping[str, int] | None = None,
    line_amounts: Mapping[str, Decimal] | None = None,
    shipping: Decimal = Decimal("0.00"),
) -> dict[str, str]:
    """The order lines a platform's refund names (by the platform's line id) become the case's lines: each with
    the units the platform names (``line_quantities``) or else every unit it still ships — never more than it
    still ships. Their amounts: what the platform says it refunded for each (``line_amounts``, Shopify's
    ``subtotal_set``) when it says so for every line, for the units it named, and that fits in the refund less its
    shipping; else the refund less its shipping spread over them by what those units are worth, each at most that.

    Returns how the case's amount (the platform's refund total) divides: ``goods`` (on the lines), ``shipping``
    (what the platform says was postage, at most the amount) and ``other`` (the rest — more than the lines are
    worth that the platform gave no reason for: it stays on the case, off its lines)."""
    from aftersales.services.creation import CENT, refund_allocate

    zero = Decimal("0.00")
    shipping = min(max(shipping, zero), case.amount)
    named = line_quantities or {}
    units = {
        line: min(line.to_ship, named.get(line.external_line_id, line.to_ship))
        for line in OrderLine.objects.filter(order_id=case.order_id, external_line_id__in=list(line_ids)).order_by("pk")
    }
    lines = [line for line, count in units.items() if count > 0]
    goods = case.amount - shipping
    said = [(line_amounts or {}).get(line.external_line_id) for line in lines]
    # The platform's amounts hold for the units it named: not when fewer are left to ship on a line.
    capped = any(named.get(line.external_line_id, units[line]) != units[line] for line in lines)
    if lines and None not in said and not capped and sum(said, zero) <= goods:
        shares = [amount.quantize(CENT) for amount in said]
    else:
        values = [(line.line_total * units[line] / line.quantity).quantize(CENT) for line in lines]
        shares = refund_allocate(amount=goods, values=values)
    for line, share in zip(lines, shares, strict=True):
        CaseLine.objects.create(case=case, order_line=line, sku_id=line.sku_id, quantity=units[line], amount=share)
    on_lines = sum(shares, zero)
    return {"goods": str(on_lines), "shipping": str(shipping), "other": str(case.amount - on_lines - shipping)}


def case_match(*, order: Order, amount: Decimal, at: dt.datetime) -> Case | None:
    """The staff case a platform's refund is the same as: on the same order, with no platform id yet, the same
    amount, asked for within a day of it, still live. (The order row is locked by the caller.)"""
    return (
        Case.objects.select_for_update()
        .filter(
            order=order,
            external_id="",
            amount=amount,
            created_at__gte=at - MATCH_WINDOW,
            created_at__lte=at + MATCH_WINDOW,
        )
        .exclude(status__in=DEAD_STATUSES)
        .order_by("pk")
        .first()
    )


@transaction.atomic
def refund_record(
    *,
    order: Order,
    amount: Decimal,
    external_id: str = "",
    status: str = Case.Status.REQUESTED,
    kind: str = Case.Kind.REFUND_ONLY,
    reason: str = "",
    requested_at: dt.datetime | None = None,
    refunded_at: dt.datetime | None = None,
    line_ids: Sequence[str] = (),
    line_quantities: Mapping[str, int] | None = None,
    line_amounts: Mapping[str, Decimal] | None = None,
    shipping: Decimal = Decimal("0.00"),
    actor=None,
    system: str = "",
) -> tuple[Case, bool]:
    """Record what a platform says about a refund (or its newer state, matched by platform refund id, else
    with the staff case for the same refund: same order and amount within a day). Returns ``(case,
    created)``.

    Idempotent: the same refund id with the same values changes nothing. A live case never takes the order
    past what the buyer paid, counting its other live cases (``refund_exceeds_paid``). A new case gets the
    order lines the platform names (``line_ids``, the platform's line ids; ``line_quantities`` their units where
    the platform names them; ``line_amounts`` what it refunded for each, where it says) as its lines; ``shipping``
    is the part of ``amount`` the platform says was postage. The case's amount is ``amount``, the platform's
    total, whatever its lines are worth; when it is more than its lines, the timeline's first event says how it
    divides (goods, shipping, other).
    """
    if not isinstance(amount, Decimal) or amount < 0:
        raise CaseInvalid(
            _("amount: %(amount)s must be a non-negative decimal.") % {"amount": amount}, extra={"field": "amount"}
        )
    if status not in Case.Status.values:
        raise CaseInvalid(_("status: %(status)s is not a case status.") % {"status": status}, extra={"field": "status"})
    if kind not in Case.Kind.values:
        raise CaseInvalid(_("kind: %(kind)s is not a case kind.") % {"kind": kind}, extra={"field": "kind"})
    locked = order_lock(order_id=order.pk)
    now = timezone.now()
    case = None
    matched = False
    if external_id:
        case = Case.objects.select_for_update().filter(order=locked, external_id=external_id).first()
        if case is None:
            case = case_match(order=locked, amount=amount, at=requested_at or now)
            matched = case is not None
    if status not in DEAD_STATUSES:
        refund_check(order=locked, amount=amount, exclude_case_id=case.pk if case else None)
    if status == Case.Status.REFUNDED and refunded_at is None:
        refunded_at = (case.refunded_at if case else None) or now
    if case is None:
        case = Case.objects.create(
            number=case_number_allocate(),
            order=locked,
            external_id=external_id,
            source=Case.Source.PLATFORM if external_id else Case.Source.STAFF,
            amount=amount,
            status=status,
            kind=kind,
            reason=reason,
            requested_at=requested_at or now,
            refunded_at=refunded_at,
            closed_at=now if status in FINAL_STATUSES else None,
            currency=locked.currency,
        )
        parts = _platform_lines_attach(
            case=case,
            line_ids=line_ids,
            line_quantities=line_quantities,
            line_amounts=line_amounts,
            shipping=shipping,
        )
        # A refund of lines (or postage) for more than the lines: the timeline says how its total divides.
        divided = (Decimal(parts["goods"]) > 0 or Decimal(parts["shipping"]) > 0) and Decimal(parts["goods"]) < amount
        case_event_record(
            case=case,
            kind=CaseEvent.Kind.CREATED,
            actor=actor,
            system=system,
            to_status=status,
            note=message(
                gettext_noop(
                    "Of %(amount)s given back: %(goods)s for the lines, %(shipping)s postage, %(other)s more."
                ),
                amount=amount,
                **parts,
            )
            if divided
            else "",
            data={"refund_parts": parts} if divided else None,
        )
        _order_note(case=case, actor=actor, system=system)
        case_risk_assess(case=case)
        return case, True
    if matched:
        case.external_id = external_id
        case.save(update_fields=["external_id", "updated_at"])
        case_event_record(
            case=case, kind=CaseEvent.Kind.MATCHED, actor=actor, system=system, data={"external_id": external_id}
        )
    changed = {
        key: value
        for key, value in {"amount": amount, "refunded_at": refunded_at}.items()
        if value is not None and getattr(case, key) != value
    }
    if reason and not case.reason:
        changed["reason"] = reason
    if case.status == status and not changed:
        return case, False
    case_status_set(
        case=case, to_status=status, actor=actor, system=system, note=message(gettext_noop("platform")), **changed
    )
    if status == Case.Status.REFUNDED:
        from aftersales.services.execution import platform_payout_settle

        platform_payout_settle(case=case, system=system)
    _order_note(case=case, actor=actor, system=system)
    return case, False
