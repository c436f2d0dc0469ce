"""Presale (预售): 定金 (deposit) now, 尾款 (balance) by a deadline.

- ``presale_terms_set``: an order's deposit, balance and balance deadline (deposit + balance = the order's
  total). The order is tagged ``presale`` so that inventory reserves all its lines from the presale pool.
- ``presale_deposit_pay``: the deposit is paid → the order becomes paid (inventory reserves from the
  presale pool) and is held ``presale`` until the balance arrives. Terms set on an order that is already
  paid hold it at once.
- ``presale_reminders_send`` (schedule): once, ``REMIND_BEFORE`` ahead of the deadline, a reminder goes to
  the notification channels (CS contacts the buyer; the platform sends its own buyer reminder) and a note
  is written on the order.
- ``presale_balance_pay``: the balance is paid → the hold is lifted → the normal flow (automatic review).
- ``presale_deadlines_enforce`` (schedule): balance unpaid after the deadline → the order is cancelled,
  which releases its reservations.
Each step claims its work by compare-and-set on ``PresaleTerms.state`` / ``reminded_at``, so schedules that
overlap or repeat do nothing twice.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from config.tasks import enqueue_on_commit
from orders.models import Order, PresaleTerms
from orders.services import order_note_add, order_transition
from orders.shaping.exceptions import PresaleClosed, PresaleInvalid
from orders.states import HoldReason, Status

SYSTEM = "presale"
PRESALE_TAG = "presale"
REMIND_BEFORE = dt.timedelta(hours=24)
AWAITING = PresaleTerms.State.AWAITING_BALANCE


@transaction.atomic
def presale_terms_set(
    *, order: Order, deposit: Decimal, balance: Decimal, balance_due_at: dt.datetime, actor=None
) -> PresaleTerms:
    """Record the presale terms of a pending or paid order (a paid one means the deposit is paid)."""
    order = Order.objects.select_for_update().get(pk=order.pk)
    for name, value in (("deposit", deposit), ("balance", balance)):
        if not isinstance(value, Decimal) or value < 0 or value != value.quantize(Decimal("0.01")):
            raise PresaleInvalid(
                f"{name}: {value!r} must be a non-negative Decimal with two places.", extra={"field": name}
            )
    if deposit + balance != order.paid_amount:
        raise PresaleInvalid(
            f"deposit {deposit} + balance {balance} must equal the order total {order.paid_amount}.",
            extra={"field": "balance", "expected": str(order.paid_amount - deposit)},
        )
    if timezone.is_naive(balance_due_at):
        raise PresaleInvalid("balance_due_at: the deadline needs a time zone.", extra={"field": "balance_due_at"})
    if order.status not in (Status.PENDING_PAYMENT, Status.PAID):
        raise PresaleInvalid(
            f"Order {order.number} is {order.get_status_display()}; presale terms are set when it is placed.",
            extra={"order_number": order.number, "status": order.status},
        )
    terms, _created = PresaleTerms.objects.update_or_create(
        order=order,
        defaults={
            "currency": order.currency,
            "deposit": deposit,
            "balance": balance,
            "balance_due_at": balance_due_at,
            "deposit_paid_at": order.paid_at if order.status == Status.PAID else None,
        },
    )
    if PRESALE_TAG not in (order.tags or []):
        order.tags = [*(order.tags or []), PRESALE_TAG]
        order.save(update_fields=["tags", "updated_at"])
    if order.status == Status.PAID:
        order_transition(
            order=order,
            to_status=Status.ON_HOLD,
            hold_reason=HoldReason.PRESALE,
            actor=actor,
            system=SYSTEM,
            reason=f"presale: balance {balance} due by {_local(balance_due_at)}",
        )
    return terms


def _local(at: dt.datetime) -> str:
    return timezone.localtime(at).strftime("%Y-%m-%d %H:%M")


@transaction.atomic
def presale_deposit_pay(*, order_id: int, paid_at: dt.datetime | None = None, actor=None) -> Order:
    """The deposit arrived: paid (presale pool reserved), then held until the balance arrives."""
    terms = PresaleTerms.objects.select_for_update().select_related("order").get(order_id=order_id)
    order = terms.order
    if terms.state != AWAITING or terms.deposit_paid_at is not None:
        return order  # a repeat
    at = paid_at or timezone.now()
    order_transition(
        order=order, to_status=Status.PAID, actor=actor, system=SYSTEM, reason="presale deposit paid", at=at
    )
    terms.deposit_paid_at = at
    terms.save(update_fields=["deposit_paid_at"])
    order.refresh_from_db()
    if order.status == Status.PAID:  # reserved (else inventory already held it out_of_stock)
        order_transition(
            order=order,
            to_status=Status.ON_HOLD,
            hold_reason=HoldReason.PRESALE,
            actor=actor,
            system=SYSTEM,
            reason=f"presale: balance {terms.balance} due by {_local(terms.balance_due_at)}",
        )
    return order


@transaction.atomic
def presale_balance_pay(*, order_id: int, paid_at: dt.datetime | None = None, actor=None) -> Order:
    """The balance arrived: the hold is lifted and the order continues as a normal paid order."""
    terms = PresaleTerms.objects.select_for_update().select_related("order").get(order_id=order_id)
    order = terms.order
    if terms.state == PresaleTerms.State.BALANCE_PAID:
        return order
    if terms.state != AWAITING:
        raise PresaleClosed(
            f"Order {order.number}'s presale expired at {_local(terms.balance_due_at)}.",
            extra={"order_number": order.number},
        )
    terms.state = PresaleTerms.State.BALANCE_PAID
    terms.balance_paid_at = paid_at or timezone.now()
    terms.save(update_fields=["state", "balance_paid_at"])
    order.refresh_from_db()
    if order.status == Status.ON_HOLD and order.hold_reason == HoldReason.PRESALE:
        order_transition(order=order, to_status=Status.PAID, actor=actor, system=SYSTEM, reason="presale balance paid")
        from orders.rules.services import order_rules_apply

        order_rules_apply(order_id=order.pk)
        order.refresh_from_db()
    return order


def presale_reminders_send(*, now: dt.datetime | None = None) -> int:
    """Remind once about every balance due within ``REMIND_BEFORE``. Returns how many were sent now."""
    now = now or timezone.now()
    due = PresaleTerms.objects.filter(
        state=AWAITING, reminded_at__isnull=True, balance_due_at__gt=now, balance_due_at__lte=now + REMIND_BEFORE
    ).values_list("pk", flat=True)
    sent = 0
    for pk in list(due):
        with transaction.atomic():
            claimed = PresaleTerms.objects.filter(pk=pk, state=AWAITING, reminded_at__isnull=True).update(
                reminded_at=now
            )
            if claimed != 1:
                continue  # another worker took it
            terms = PresaleTerms.objects.select_related("order").get(pk=pk)
            order_note_add(
                order=terms.order,
                system=SYSTEM,
                text=f"尾款提醒：{terms.balance} {terms.currency} 须在 {_local(terms.balance_due_at)} 前支付",
            )
            enqueue_on_commit("orders.tasks.presale_reminder_notify", terms.pk)
            sent += 1
    return sent


def presale_deadlines_enforce(*, now: dt.datetime | None = None) -> int:
    """Cancel presale orders whose balance is overdue (their reservations are released). Returns how many."""
    now = now or timezone.now()
    overdue = PresaleTerms.objects.filter(state=AWAITING, balance_due_at__lte=now).values_list("pk", flat=True)
    cancelled = 0
    for pk in list(overdue):
        with transaction.atomic():
            claimed = PresaleTerms.objects.filter(pk=pk, state=AWAITING, balance_due_at__lte=now).update(
                state=PresaleTerms.State.EXPIRED
            )
            if claimed != 1:
                continue
            order = Order.objects.get(presale__pk=pk)
            if order.can_transition_to(Status.CANCELLED):
                order_transition(
                    order=order,
                    to_status=Status.CANCELLED,
                    system=SYSTEM,
                    reason="presale balance not paid by the deadline",
                )
                cancelled += 1
    return cancelled
