"""Writes on refunds."""

import datetime as dt
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from aftersales.models import Refund
from config.errors import ApplicationError
from orders.models import Order, OrderEvent
from orders.services import order_event_record


class RefundInvalid(ApplicationError):
    code = "refund_invalid"


@transaction.atomic
def refund_record(
    *,
    order: Order,
    amount: Decimal,
    external_id: str = "",
    status: str = Refund.Status.REQUESTED,
    kind: str = Refund.Kind.REFUND_ONLY,
    reason: str = "",
    requested_at: dt.datetime | None = None,
    refunded_at: dt.datetime | None = None,
    actor=None,
    system: str = "",
) -> tuple[Refund, bool]:
    """Record a refund (or its newer state, matched by platform refund id). Returns ``(refund, created)``.

    Idempotent: the same refund id with the same values changes nothing. A refund never exceeds what
    the buyer paid for the order, counting the other refunds that are not rejected or cancelled.
    """
    if not isinstance(amount, Decimal) or amount < 0:
        raise RefundInvalid(f"amount: {amount!r} must be a non-negative Decimal.", extra={"field": "amount"})
    if status not in Refund.Status.values:
        raise RefundInvalid(f"status: {status!r} is not a refund status.", extra={"field": "status"})
    refund = None
    if external_id:
        refund = Refund.objects.select_for_update().filter(order=order, external_id=external_id).first()
    others = (
        Refund.objects.filter(order=order)
        .exclude(status__in=[Refund.Status.REJECTED, Refund.Status.CANCELLED])
        .exclude(pk=refund.pk if refund else None)
    )
    already = sum((r.amount for r in others), Decimal("0"))
    if status not in (Refund.Status.REJECTED, Refund.Status.CANCELLED) and already + amount > order.paid_amount:
        raise RefundInvalid(
            f"amount: refunding {amount} on top of {already} already refunded exceeds the {order.paid_amount} paid "
            f"for order {order.number}.",
            extra={"field": "amount", "paid": str(order.paid_amount), "already_refunded": str(already)},
        )
    if status == Refund.Status.REFUNDED and refunded_at is None:
        refunded_at = timezone.now()
    values = {
        "amount": amount,
        "status": status,
        "kind": kind,
        "reason": reason[:255],
        "requested_at": requested_at or (refund.requested_at if refund else None) or timezone.now(),
        "refunded_at": refunded_at,
        "currency": order.currency,
    }
    if refund is None:
        refund = Refund.objects.create(order=order, external_id=external_id, **values)
        created = True
    else:
        changed = {k: v for k, v in values.items() if getattr(refund, k) != v}
        if not changed:
            return refund, False
        for k, v in changed.items():
            setattr(refund, k, v)
        refund.save()
        created = False
    order_event_record(
        order=order,
        kind=OrderEvent.Kind.UPDATED,
        actor=actor,
        system=system,
        reason=f"refund {refund.external_id or refund.pk}: {refund.status} {refund.amount} {refund.currency}",
        data={"refund_id": refund.pk, "status": refund.status, "amount": str(refund.amount)},
    )
    return refund, created
