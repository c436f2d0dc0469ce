"""A case entered by staff or a partner (the platforms' cases come through ``refund_record``): its lines
checked against the order, the amount allocated over them (and postage), never past what was paid; the order
stopped; approved at once when an automatic tier covers it."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from aftersales.exceptions import CaseInvalid
from aftersales.locks import order_lock
from aftersales.models import DEAD_STATUSES, Case, CaseEvent, CaseLine
from aftersales.services.cases import case_event_record, case_number_allocate
from aftersales.services.interception import WITH_CARRIER, case_order_stop
from aftersales.services.money import ZERO, refund_check
from orders.models import Order, OrderLine
from orders.states import Status

CENT = Decimal("0.01")
# Kinds that send goods, not money: their amount is 0.
GOODS_KINDS = frozenset({Case.Kind.EXCHANGE, Case.Kind.RESHIP})
SHIPPED = frozenset({*WITH_CARRIER, Status.DELIVERED, Status.COMPLETED})


@dataclass(frozen=True, slots=True)
class LineRequest:
    sku_code: str
    quantity: int


@transaction.atomic(durable=True)
def case_create(
    *,
    order: Order,
    kind: str,
    amount: Decimal | None = None,
    lines: list[LineRequest] | None = None,
    reason: str = "",
    reason_code: str = "",
    buyer_words: str = "",
    deadline_at: dt.datetime | None = None,
    source: str = Case.Source.STAFF,
    actor=None,
    system: str = "",
) -> Case:
    """Open a case on ``order``. ``amount`` defaults to what the lines are worth (0 for an exchange or re-ship);
    a compensation may have no lines. Raises ``CaseInvalid`` (which field, which line, why) or
    ``RefundExceedsPaid`` (409)."""
    lines = lines or []
    if kind not in Case.Kind.values:
        raise CaseInvalid(_("kind: %(kind)s is not a case kind.") % {"kind": kind}, extra={"field": "kind"})
    if reason_code and reason_code not in Case.ReasonCode.values:
        raise CaseInvalid(
            _("reason_code: %(code)s is not a reason code.") % {"code": reason_code}, extra={"field": "reason_code"}
        )
    if amount is not None and (not isinstance(amount, Decimal) or amount < 0 or amount != amount.quantize(CENT)):
        raise CaseInvalid(
            _("amount: %(amount)s must be a non-negative amount with at most two decimals.") % {"amount": amount},
            extra={"field": "amount"},
        )
    if kind != Case.Kind.COMPENSATION and not lines:
        raise CaseInvalid(_("lines: say which SKUs the case is about."), extra={"field": "lines"})
    locked = order_lock(order_id=order.pk)
    if locked.paid_at is None:
        raise CaseInvalid(
            _("order: %(order)s is not paid; there is nothing to give back.") % {"order": locked.number},
            extra={"field": "order"},
        )
    picked = _lines_pick(order=locked, lines=lines, kind=kind)
    worth = sum((value for _line, _quantity, value in picked), ZERO)
    if kind in GOODS_KINDS:
        if amount:
            raise CaseInvalid(
                _("amount: an exchange or a re-ship sends goods, not money; leave the amount out or 0."),
                extra={"field": "amount"},
            )
        amount = ZERO
    elif amount is None:
        amount = worth
    if kind not in GOODS_KINDS:
        _postage_check(order=locked, amount=amount, worth=worth, picked=picked, kind=kind)
        refund_check(order=locked, amount=amount)
    now = timezone.now()
    case = Case.objects.create(
        number=case_number_allocate(),
        order=locked,
        kind=kind,
        source=source,
        amount=amount,
        currency=locked.currency,
        reason=reason,
        reason_code=reason_code,
        buyer_words=buyer_words,
        requested_at=now,
        deadline_at=deadline_at,
        created_by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    shares = refund_allocate(amount=amount if kind not in GOODS_KINDS else ZERO, values=[v for _l, _q, v in picked])
    CaseLine.objects.bulk_create(
        [
            CaseLine(case=case, order_line=line, sku_id=line.sku_id, quantity=quantity, amount=share)
            for (line, quantity, _value), share in zip(picked, shares, strict=True)
        ]
    )
    case_event_record(case=case, kind=CaseEvent.Kind.CREATED, actor=actor, system=system, to_status=case.status)
    case_order_stop(case=case, actor=actor, system=system)
    from aftersales.services.decisions import case_auto_approve

    case_auto_approve(case=case, system=system)
    return case


def _lines_pick(*, order: Order, lines: list[LineRequest], kind: str) -> list[tuple[OrderLine, int, Decimal]]:
    """Each requested line matched with the order's line of that SKU: (order line, quantity, what the buyer
    paid for that quantity). The quantity may not exceed what was ordered less what the order's other live
    cases already cover."""
    order_lines = {line.sku.code: line for line in order.lines.select_related("sku")}
    covered: dict[int, int] = {}
    for line_id, quantity in (
        CaseLine.objects.filter(case__order=order, order_line__isnull=False)
        .exclude(case__status__in=DEAD_STATUSES)
        .values_list("order_line_id", "quantity")
    ):
        covered[line_id] = covered.get(line_id, 0) + quantity
    picked = []
    seen = set()
    for index, request in enumerate(lines):
        line = order_lines.get(request.sku_code)
        if line is None:
            raise CaseInvalid(
                _("lines[%(i)s].sku: %(sku)s is not on order %(order)s.")
                % {"i": index, "sku": request.sku_code, "order": order.number},
                extra={"field": f"lines[{index}].sku"},
            )
        if request.sku_code in seen:
            raise CaseInvalid(
                _("lines[%(i)s].sku: %(sku)s is listed twice.") % {"i": index, "sku": request.sku_code},
                extra={"field": f"lines[{index}].sku"},
            )
        seen.add(request.sku_code)
        room = line.quantity - covered.get(line.pk, 0)
        if not isinstance(request.quantity, int) or request.quantity < 1 or request.quantity > room:
            raise CaseInvalid(
                _("lines[%(i)s].quantity: %(q)s; between 1 and %(room)s of %(sku)s are left on this order.")
                % {"i": index, "q": request.quantity, "room": room, "sku": request.sku_code},
                extra={"field": f"lines[{index}].quantity", "available": room},
            )
        value = (line.line_total * request.quantity / line.quantity).quantize(CENT)
        picked.append((line, request.quantity, value))
    return picked


def _postage_check(
    *, order: Order, amount: Decimal, worth: Decimal, picked: list[tuple[OrderLine, int, Decimal]], kind: str
) -> None:
    """More than the lines are worth is postage: refunded only while the goods have not left (the carrier was
    not paid yet) or when every line of the order is given back in full. A compensation is bounded by what was
    paid only."""
    if kind == Case.Kind.COMPENSATION or amount <= worth:
        return
    whole = sum(q for _l, q, _v in picked) == sum(order.lines.values_list("quantity", flat=True))
    postage = amount - worth
    if postage > order.shipping_fee or (order.status in SHIPPED and not whole):
        raise CaseInvalid(
            _("amount: %(amount)s is more than the lines are worth (%(worth)s) and the postage cannot be refunded.")
            % {"amount": amount, "worth": worth},
            extra={"field": "amount", "lines_worth": str(worth), "shipping_fee": str(order.shipping_fee)},
        )


def refund_allocate(*, amount: Decimal, values: list[Decimal]) -> list[Decimal]:
    """Spread ``amount`` over lines worth ``values``: in proportion to their worth, each at most its worth,
    the cents rounded so the shares add up (whatever exceeds the lines' worth is postage and stays off them)."""
    total = sum(values, ZERO)
    if not values or total <= 0:
        return [ZERO for _v in values]
    goods = min(amount, total)
    shares = [(goods * value / total).quantize(CENT) for value in values]
    shares[-1] += goods - sum(shares, ZERO)
    return shares
