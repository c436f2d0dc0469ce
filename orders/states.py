"""The order lifecycle: the one place that says which status may follow which.

``order_transition`` (orders.services), with its set-based form ``order_transition_many``, is the only code
that changes ``Order.status``; both consult ``TRANSITIONS`` and write an ``OrderEvent`` for every move.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Status(models.TextChoices):
    PENDING_PAYMENT = "pending_payment", _("Pending payment")
    PAID = "paid", _("Paid")
    ON_HOLD = "on_hold", _("On hold")
    APPROVED = "approved", _("Approved")
    PICKING = "picking", _("Picking")
    SHIPPED = "shipped", _("Shipped")
    IN_TRANSIT = "in_transit", _("In transit")
    DELIVERED = "delivered", _("Delivered")
    COMPLETED = "completed", _("Completed")
    CANCELLED = "cancelled", _("Cancelled")
    CLOSED = "closed", _("Closed")


class HoldReason(models.TextChoices):
    OUT_OF_STOCK = "out_of_stock", _("Out of stock")
    RISK = "risk", _("Risk review")
    MANUAL = "manual", _("Held by staff")
    ADDRESS = "address", _("Address needs checking")
    APPROVAL = "approval", _("Awaiting approval")
    PRESALE = "presale", _("Presale balance unpaid")
    REFUND = "refund", _("Refund requested")


S = Status

# from-status -> the statuses it may move to. Cancelled means stopped before it left the warehouse;
# closed means the platform closed the trade (unpaid timeout) or it was fully refunded after shipping.
TRANSITIONS: dict[str, frozenset[str]] = {
    S.PENDING_PAYMENT: frozenset({S.PAID, S.CANCELLED, S.CLOSED}),
    S.PAID: frozenset({S.ON_HOLD, S.APPROVED, S.CANCELLED, S.CLOSED}),
    S.ON_HOLD: frozenset({S.PAID, S.APPROVED, S.CANCELLED, S.CLOSED}),
    S.APPROVED: frozenset({S.PICKING, S.ON_HOLD, S.CANCELLED}),
    S.PICKING: frozenset({S.SHIPPED, S.ON_HOLD, S.APPROVED, S.CANCELLED}),
    S.SHIPPED: frozenset({S.IN_TRANSIT, S.DELIVERED, S.CLOSED}),
    S.IN_TRANSIT: frozenset({S.DELIVERED, S.CLOSED}),
    S.DELIVERED: frozenset({S.COMPLETED, S.CLOSED}),
    S.COMPLETED: frozenset(),
    S.CANCELLED: frozenset(),
    S.CLOSED: frozenset(),
}

TERMINAL = frozenset(status for status, targets in TRANSITIONS.items() if not targets)
# Statuses in which the goods have not left: the order can still be edited, merged or cancelled.
NOT_SHIPPED = frozenset({S.PENDING_PAYMENT, S.PAID, S.ON_HOLD, S.APPROVED, S.PICKING})
# Statuses that hold a stock reservation once inventory reserves on payment.
RESERVING = frozenset({S.PAID, S.APPROVED, S.PICKING})


def can_transition(from_status: str, to_status: str) -> bool:
    return to_status in TRANSITIONS.get(from_status, frozenset())
