"""What a person or a partner system does to one order: cancel, hold, release, approve, pay, change the
address. Each checks the order's state under its row lock, then goes through the lifecycle
(``orders.services.order_transition``) or the review queue (``orders.review.services``), so the API and the
back office move orders the same way.

A refusal is ``InvalidTransition`` (``invalid_transition``) or ``OrderActionRefused`` with the rule's code,
both HTTP 409. Repeating an action that is already done (cancelling a cancelled order, paying a paid one)
changes nothing, so a partner may retry safely.
"""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils.translation import gettext as _

from orders.exceptions import InvalidTransition, OrderActionRefused
from orders.models import Approval, Order, Platform, ReviewTask, Source
from orders.review.services import REVIEW_HOLD_REASONS, order_address_update, review_hold_manual, review_hold_release
from orders.services import order_transition
from orders.states import NOT_SHIPPED, HoldReason, Status

# Orders a partner system may report paid: those it submitted itself for a channel Order Hub takes payments
# for (own website, WeChat mini-program, POS). Platform orders are paid on the platform and arrive paid.
PAYABLE_PLATFORMS = frozenset({Platform.WEBSITE, Platform.WECHAT, Platform.POS})
HOLDABLE = frozenset({Status.PAID, Status.APPROVED, Status.PICKING})
ENDED_UNSHIPPED = (Status.CANCELLED, Status.CLOSED)


def _locked(order: Order) -> Order:
    return Order.objects.select_for_update().select_related("shop").get(pk=order.pk)


def _refused(order: Order, code: str, message: str) -> OrderActionRefused:
    return OrderActionRefused(message, code=code, extra={"order_number": order.number, "status": order.status})


@transaction.atomic
def order_cancel(*, order: Order, actor, reason: str = "") -> Order:
    """Cancel an order whose goods have not left; its stock reservation is released by the lifecycle."""
    return order_transition(order=_locked(order), to_status=Status.CANCELLED, actor=actor, reason=reason)


@transaction.atomic
def order_hold(*, order: Order, actor, reason: str) -> Order:
    """Hold a paid, approved or picking order for a person (hold reason ``manual``), with a task in the review
    queue. Holding an order already on manual hold changes nothing."""
    locked = _locked(order)
    if locked.status == Status.ON_HOLD:
        if locked.hold_reason == HoldReason.MANUAL:
            return locked
        raise _refused(
            locked,
            "order_on_hold",
            _("Order %(number)s is already on hold (%(reason)s).")
            % {"number": locked.number, "reason": HoldReason(locked.hold_reason).label},
        )
    if locked.status not in HOLDABLE:
        raise _refused(
            locked,
            "invalid_transition",
            _("Order %(number)s is %(status)s: only paid, approved or picking orders can be held.")
            % {"number": locked.number, "status": Status(locked.status).label},
        )
    review_hold_manual(order_id=locked.pk, actor=actor, reason=reason)
    locked.refresh_from_db()
    return locked


@transaction.atomic
def order_release(*, order: Order, actor, reason: str = "") -> Order:
    """Lift a hold a person may lift (manual, risk, address, approval): the order goes back to where it was
    held from, its open review tasks are closed as released. Out-of-stock, presale and refund holds are
    lifted by their own flows."""
    locked = _locked(order)
    if locked.status != Status.ON_HOLD:
        raise _refused(
            locked,
            "order_not_on_hold",
            _("Order %(number)s is not on hold (it is %(status)s).")
            % {"number": locked.number, "status": Status(locked.status).label},
        )
    if locked.hold_reason not in REVIEW_HOLD_REASONS:
        raise _refused(
            locked,
            "hold_not_releasable",
            _("Order %(number)s is held for %(reason)s: that hold is lifted by its own flow, not by hand.")
            % {"number": locked.number, "reason": HoldReason(locked.hold_reason).label},
        )
    tiers_pending = Approval.objects.filter(
        task__order=locked, task__status=ReviewTask.Status.OPEN, status=Approval.Status.PENDING
    ).exists()
    if tiers_pending:
        raise _refused(
            locked,
            "approval_pending",
            _("Order %(number)s waits for approval tiers: approve or reject it in the review queue.")
            % {"number": locked.number},
        )
    return review_hold_release(order_id=locked.pk, actor=actor, note=reason)


@transaction.atomic
def order_approve(*, order: Order, actor, reason: str = "") -> Order:
    """Approve a paid order for the warehouse. A held order is released (or decided in the review queue)
    first; approving an approved order changes nothing."""
    locked = _locked(order)
    if locked.status == Status.ON_HOLD:
        raise _refused(
            locked,
            "order_on_hold",
            _("Order %(number)s is on hold (%(reason)s): release it before approving it.")
            % {"number": locked.number, "reason": HoldReason(locked.hold_reason).label},
        )
    if locked.status not in (Status.PAID, Status.APPROVED):
        raise _invalid(locked, Status.APPROVED)
    return order_transition(order=locked, to_status=Status.APPROVED, actor=actor, reason=reason)


@transaction.atomic
def order_pay(*, order: Order, actor, paid_at: dt.datetime | None = None, payment_method: str = "") -> Order:
    """Record the payment of an order a partner submitted unpaid for its own website, mini-program or POS. The
    lifecycle reserves its stock (short: on hold, out of stock) and queues the automatic review. Paying a paid
    order changes nothing."""
    locked = _locked(order)
    if locked.source != Source.API or locked.shop.platform not in PAYABLE_PLATFORMS:
        raise _refused(
            locked,
            "payment_not_here",
            _(
                "Order %(number)s is paid on its platform (%(platform)s); only orders submitted through the API for "
                "the own website, mini-program or POS are paid here."
            )
            % {"number": locked.number, "platform": Platform(locked.shop.platform).label},
        )
    if locked.paid_at is not None and locked.status not in (Status.PENDING_PAYMENT, *ENDED_UNSHIPPED):
        return locked  # paid already (and perhaps reviewed, held or shipped since)
    if locked.status != Status.PENDING_PAYMENT:
        raise _invalid(locked, Status.PAID)
    if payment_method and payment_method != locked.payment_method:
        locked.payment_method = payment_method
        locked.save(update_fields=["payment_method", "updated_at"])
    return order_transition(order=locked, to_status=Status.PAID, actor=actor, at=paid_at)


@transaction.atomic
def order_address_change(*, order: Order, actor, **fields: str) -> Order:
    """Correct the consignee of an order that has not shipped (``orders.review.services.order_address_update``:
    recorded on the timeline without personal data)."""
    locked = _locked(order)
    if locked.status not in NOT_SHIPPED:
        raise _refused(
            locked,
            "address_locked",
            _("Order %(number)s is %(status)s: its address can no longer change.")
            % {"number": locked.number, "status": Status(locked.status).label},
        )
    return order_address_update(order_id=locked.pk, actor=actor, **fields)


def _invalid(order: Order, to_status: str) -> InvalidTransition:
    return InvalidTransition(
        _("Order %(number)s cannot go from %(from)s to %(to)s.")
        % {"number": order.number, "from": Status(order.status).label, "to": Status(to_status).label},
        extra={"order_number": order.number, "from": order.status, "to": to_status},
    )
