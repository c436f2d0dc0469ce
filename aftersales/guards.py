"""What after-sales says against splitting or merging an order (``orders.shaping.guards``, registered when the
apps are ready): a case's lines point at the order's lines, and its money at the order's payment.

Splitting (a split must not pull lines from under a case):

- While a case is open (requested, approved, waiting for or holding the returned goods) with lines on the
  order, the order is not split: the case's lines, amounts and the order's paid amount it is checked against
  would no longer match. Decide or settle the case first.
- A settled case keeps its lines as the record of what went back; a split may move some units of such a line
  but not the whole line (the line would leave the order the case is on).

Merging: while any case of one of the orders is open (requested, approved, waiting for or holding the returned
goods) — with lines or money only, on the order merged away or on the one kept — the orders are not merged. The
merge cancels every order but one under its cases and adds their payments together, so a case would be left on a
cancelled order, or given back against what was paid for another platform order; the platform's refund is about
its own order.

Nor are they merged once money of one of them went back through a case (refunded, ``refunded_at`` set, an amount
above zero) — on the order merged away or on the one kept. The merge adds each order's whole payment to the
target, so the target would claim money already given back, and the parcel would no longer match what the buyer
paid for; the case stays on a cancelled order (or is checked against another platform order's payment), and
finance reconciles the refund against its own platform order. Subtracting refunds from the target was not chosen:
the target's amounts would then match no platform order. Cases that gave nothing back (rejected, withdrawn, an
exchange or re-ship) do not stand in the way.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence

from django.db.models import Q
from django.utils.translation import gettext as _

from aftersales.exceptions import CaseLinesOnOrder, CaseOpenOnOrder, CaseRefundedOnOrder
from aftersales.models import OPEN_STATUSES, Case, CaseLine
from orders.models import Order


def case_lines_split_guard(*, order: Order, moved: Collection[int], whole: Collection[int]) -> None:
    """Refuse (409 ``case_lines_on_order``) to split ``order`` while an open case has lines on it, or when a
    line a settled case is about would move whole."""
    lines = CaseLine.objects.filter(case__order_id=order.pk).select_related("case", "sku").order_by("case_id", "pk")
    open_line = lines.filter(case__status__in=OPEN_STATUSES).first()
    if open_line is not None:
        case = open_line.case
        raise CaseLinesOnOrder(
            _(
                "Order %(order)s cannot be split while after-sales case %(case)s (%(status)s) is open with lines on "
                "it; decide the case first."
            )
            % {"order": order.number, "case": case.number, "status": case.get_status_display()},
            extra={"order_number": order.number, "case": case.number, "case_status": case.status},
        )
    settled_line = lines.filter(order_line_id__in=list(whole)).first()
    if settled_line is not None:
        case = settled_line.case
        raise CaseLinesOnOrder(
            _(
                "Order %(order)s: line %(line)s (%(sku)s) is on after-sales case %(case)s and stays on this order; "
                "split off fewer of its units."
            )
            % {
                "order": order.number,
                "line": settled_line.order_line_id,
                "sku": settled_line.sku.code,
                "case": case.number,
            },
            extra={"order_number": order.number, "case": case.number, "line": settled_line.order_line_id},
        )


def _first_case_of(orders: Sequence[Order], condition: Q) -> Case | None:
    """The oldest case meeting ``condition`` of the first of ``orders`` (by primary key) that has one."""
    return (
        Case.objects.filter(condition, order__in=[order.pk for order in orders])
        .select_related("order")
        .order_by("order_id", "pk")
        .first()
    )


# What stands against a merge (see the module): a case still open, or one that gave money back.
MERGE_OPEN = Q(status__in=OPEN_STATUSES)
MERGE_REFUNDED = Q(amount__gt=0) & (Q(status=Case.Status.REFUNDED) | Q(refunded_at__isnull=False))


def merge_blocked_order_ids(order_ids: Collection[int]) -> set[int]:
    """The orders among ``order_ids`` the two merge guards below would refuse (the suggested merges leave them
    out), in one query."""
    cases = Case.objects.filter(MERGE_OPEN | MERGE_REFUNDED, order_id__in=list(order_ids))
    return set(cases.values_list("order_id", flat=True))


def open_case_merge_guard(*, orders: Sequence[Order], target: Order) -> None:
    """Refuse (409 ``case_open_on_order``) to merge ``orders`` while a case of one of them is open, naming the
    order and the case (the oldest open case of the first such order)."""
    case = _first_case_of(orders, MERGE_OPEN)
    if case is None:
        return
    order = case.order
    raise CaseOpenOnOrder(
        _(
            "Order %(order)s cannot be merged while its after-sales case %(case)s (%(status)s) is open; decide or "
            "settle the case first."
        )
        % {"order": order.number, "case": case.number, "status": case.get_status_display()},
        extra={"order_number": order.number, "case": case.number, "case_status": case.status},
    )


def refunded_case_merge_guard(*, orders: Sequence[Order], target: Order) -> None:
    """Refuse (409 ``case_refunded_on_order``) to merge ``orders`` once a case gave money of one of them back,
    naming the order, the case and the amount (the oldest such case of the first such order)."""
    case = _first_case_of(orders, MERGE_REFUNDED)
    if case is None:
        return
    order = case.order
    raise CaseRefundedOnOrder(
        _(
            "Order %(order)s cannot be merged: after-sales case %(case)s refunded %(amount)s %(currency)s of it; "
            "the merged order would claim money already given back. Ship it on its own."
        )
        % {"order": order.number, "case": case.number, "amount": case.amount, "currency": case.currency},
        extra={"order_number": order.number, "case": case.number, "amount": str(case.amount)},
    )
