"""What a case may give back: never more than was paid for the order, counting the order's other live cases.

Callers hold the order row's lock (``aftersales.locks.order_lock``), so two requests on one order queue and
the second sees the first's case.
"""

from __future__ import annotations

from decimal import Decimal

from django.db.models import Sum
from django.utils.translation import gettext as _

from aftersales.exceptions import RefundExceedsPaid
from aftersales.models import DEAD_STATUSES, Case
from orders.models import Order

ZERO = Decimal("0.00")


def refunded_total(*, order: Order, exclude_case_id: int | None = None) -> Decimal:
    """What the order's live cases (not rejected or withdrawn) give back, all kinds together."""
    cases = Case.objects.filter(order_id=order.pk).exclude(status__in=DEAD_STATUSES)
    if exclude_case_id is not None:
        cases = cases.exclude(pk=exclude_case_id)
    return cases.aggregate(total=Sum("amount"))["total"] or ZERO


def refund_check(*, order: Order, amount: Decimal, exclude_case_id: int | None = None) -> None:
    """Raise ``RefundExceedsPaid`` (409) if ``amount`` on top of the order's other live cases exceeds what was
    paid for it."""
    already = refunded_total(order=order, exclude_case_id=exclude_case_id)
    if already + amount > order.paid_amount:
        raise RefundExceedsPaid(
            _(
                "amount: %(amount)s on top of %(already)s already given back exceeds the %(paid)s paid for "
                "order %(order)s."
            )
            % {"amount": amount, "already": already, "paid": order.paid_amount, "order": order.number},
            extra={
                "field": "amount",
                "paid": str(order.paid_amount),
                "already_refunded": str(already),
                "available": str(max(order.paid_amount - already, ZERO)),
            },
        )
