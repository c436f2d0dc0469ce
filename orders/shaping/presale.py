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

Platform presale orders (Taobao step trades, PDD 定金订单, Douyin 定金预售, Shopify deferred payments) come
through ``orders.channel`` as a ``PresaleInput``: ``presale_channel_terms`` records the terms (before the order
is paid, so its reservation comes from the presale pool), ``presale_channel_progress`` follows what the
platform says was paid — the deposit holds the order ``presale``, the balance releases it. An order whose
balance is unpaid is never approved, so it never reaches the warehouse.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from config.messages import message
from config.tasks import enqueue_on_commit
from orders.models import Order, PresaleTerms
from orders.services import order_note_add, order_transition
from orders.shaping.exceptions import PresaleClosed, PresaleInvalid
from orders.signals import presale_balance_reminded
from orders.states import HoldReason, Status

SYSTEM = "presale"
PRESALE_TAG = "presale"
REMIND_BEFORE = dt.timedelta(hours=24)
AWAITING = PresaleTerms.State.AWAITING_BALANCE


@transaction.atomic
def presale_terms_set(
    *,
    order: Order,
    deposit: Decimal,
    balance: Decimal,
    balance_due_at: dt.datetime | None,
    actor=None,
    system: str = SYSTEM,
    platform_state: str = "",
) -> PresaleTerms:
    """Record the presale terms of a pending or paid order (a paid one means the deposit is paid).
    ``balance_due_at`` may be unknown (``None``) when the platform keeps the deadline to itself."""
    order = Order.objects.select_for_update().get(pk=order.pk)
    for name, value in (("deposit", deposit), ("balance", balance)):
        if not isinstance(value, Decimal) or value < 0 or value != value.quantize(Decimal("0.01")):
            raise PresaleInvalid(
                _("%(name)s: %(value)r must be a non-negative Decimal with two places.")
                % {"name": name, "value": value},
                extra={"field": name},
            )
    if deposit + balance != order.paid_amount:
        raise PresaleInvalid(
            _("deposit %(deposit)s + balance %(balance)s must equal the order total %(order_paid_amount)s.")
            % {"deposit": deposit, "balance": balance, "order_paid_amount": order.paid_amount},
            extra={"field": "balance", "expected": str(order.paid_amount - deposit)},
        )
    if balance_due_at is not None and timezone.is_naive(balance_due_at):
        raise PresaleInvalid(_("balance_due_at: the deadline needs a time zone."), extra={"field": "balance_due_at"})
    if order.status not in (Status.PENDING_PAYMENT, Status.PAID):
        raise PresaleInvalid(
            _("Order %(order_number)s is %(value)s; presale terms are set when it is placed.")
            % {"order_number": order.number, "value": order.get_status_display()},
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
            "platform_state": platform_state[:40],
        },
    )
    if PRESALE_TAG not in (order.tags or []):
        order.tags = [*(order.tags or []), PRESALE_TAG]
        order.save(update_fields=["tags", "updated_at"])
    if order.status == Status.PAID:
        _hold_for_balance(order, terms, actor=actor, system=system)
    return terms


def _local(at: dt.datetime | None) -> str:
    return timezone.localtime(at).strftime("%Y-%m-%d %H:%M") if at is not None else "?"


def _hold_reason(balance: Decimal, due: dt.datetime | None) -> str:
    if due is None:
        return message(
            gettext_noop("presale: balance %(balance)s unpaid (the platform sets the deadline)"), balance=balance
        )
    return message(gettext_noop("presale: balance %(balance)s due by %(due)s"), balance=balance, due=_local(due))


def _hold_for_balance(order: Order, terms: PresaleTerms, *, actor, system: str) -> None:
    """A paid presale order waits on hold for its balance (the reason says how much, and until when)."""
    order_transition(
        order=order,
        to_status=Status.ON_HOLD,
        hold_reason=HoldReason.PRESALE,
        actor=actor,
        system=system,
        reason=_hold_reason(terms.balance, terms.balance_due_at),
    )


@transaction.atomic
def presale_deposit_pay(
    *, order_id: int, paid_at: dt.datetime | None = None, actor=None, system: str = SYSTEM
) -> Order:
    """The deposit arrived: paid (presale pool reserved), then held until the balance arrives."""
    terms = PresaleTerms.objects.select_for_update().select_related("order").get(order_id=order_id)
    order = terms.order
    if terms.state != AWAITING or terms.deposit_paid_at is not None:
        return order  # a repeat
    at = paid_at or timezone.now()
    order_transition(
        order=order,
        to_status=Status.PAID,
        actor=actor,
        system=system,
        reason=message(gettext_noop("presale deposit paid")),
        at=at,
    )
    terms.deposit_paid_at = at
    terms.save(update_fields=["deposit_paid_at"])
    order.refresh_from_db()
    if order.status == Status.PAID:  # reserved (else inventory already held it out_of_stock)
        _hold_for_balance(order, terms, actor=actor, system=system)
    return order


@transaction.atomic
def presale_balance_pay(
    *, order_id: int, paid_at: dt.datetime | None = None, actor=None, system: str = SYSTEM
) -> Order:
    """The balance arrived: the hold is lifted and the order continues as a normal paid order."""
    terms = PresaleTerms.objects.select_for_update().select_related("order").get(order_id=order_id)
    order = terms.order
    if terms.state == PresaleTerms.State.BALANCE_PAID:
        return order
    if terms.state != AWAITING:
        raise PresaleClosed(
            _("Order %(order_number)s's presale expired at %(value)s.")
            % {"order_number": order.number, "value": _local(terms.balance_due_at)},
            extra={"order_number": order.number},
        )
    terms.state = PresaleTerms.State.BALANCE_PAID
    terms.balance_paid_at = paid_at or timezone.now()
    terms.save(update_fields=["state", "balance_paid_at"])
    order.refresh_from_db()
    if order.status == Status.ON_HOLD and order.hold_reason == HoldReason.PRESALE:
        order_transition(
            order=order,
            to_status=Status.PAID,
            actor=actor,
            system=system,
            reason=message(gettext_noop("presale balance paid")),
        )
        order.refresh_from_db()
    if order.status == Status.PAID:  # released, or paid all along and kept back by the review: review it now
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
            presale_balance_reminded.send(sender=PresaleTerms, terms_id=terms.pk, order_id=terms.order_id)
            sent += 1
    return sent


def presale_deadlines_enforce(*, now: dt.datetime | None = None) -> int:
    """Cancel presale orders whose balance is overdue (their reservations are released). Returns how many.

    Terms that came from a platform (``platform_state`` set) are left to the platform: it closes the trade
    when the balance is late, and that close arrives as a new version — cancelling here could race a balance
    paid at the last second and lose a paid order."""
    now = now or timezone.now()
    overdue = PresaleTerms.objects.filter(state=AWAITING, balance_due_at__lte=now, platform_state="").values_list(
        "pk", flat=True
    )
    cancelled = 0
    for pk in list(overdue):
        with transaction.atomic():
            claimed = PresaleTerms.objects.filter(
                pk=pk, state=AWAITING, balance_due_at__lte=now, platform_state=""
            ).update(state=PresaleTerms.State.EXPIRED)
            if claimed != 1:
                continue
            order = Order.objects.get(presale__pk=pk)
            if order.can_transition_to(Status.CANCELLED):
                order_transition(
                    order=order,
                    to_status=Status.CANCELLED,
                    system=SYSTEM,
                    reason=message(gettext_noop("presale balance not paid by the deadline")),
                )
                cancelled += 1
    return cancelled


@dataclass
class PresaleInput:
    """What a platform says about a presale order now. ``deposit`` is ``None`` when the platform does not
    say it (a Taobao step trade before the deposit is paid); ``balance_due_at`` when it keeps the deadline
    to itself."""

    deposit: Decimal | None
    balance: Decimal | None
    deposit_paid: bool
    balance_paid: bool
    balance_due_at: dt.datetime | None = None
    deposit_paid_at: dt.datetime | None = None
    balance_paid_at: dt.datetime | None = None
    platform_state: str = ""


def presale_channel_terms(*, order: Order, presale: PresaleInput | None, system: str) -> list[str]:
    """Record the terms of a platform presale order the first time the platform states them (deposit and
    balance known), or refresh the deadline and platform status. A presale first seen fully paid is
    recorded as settled (for the record; nothing is held). Returns what changed."""
    if presale is None or presale.deposit is None or presale.balance is None:
        return []
    terms = PresaleTerms.objects.filter(order=order).first()
    if terms is not None:
        changed = {
            name: value
            for name, value in (("balance_due_at", presale.balance_due_at), ("platform_state", presale.platform_state))
            if value not in (None, "") and getattr(terms, name) != value
        }
        if not changed:
            return []
        PresaleTerms.objects.filter(pk=terms.pk).update(**changed)
        return ["presale_terms"]
    order.refresh_from_db(fields=["status", "paid_amount", "paid_at", "currency", "tags"])
    if presale.balance_paid:
        PresaleTerms.objects.create(
            order=order,
            currency=order.currency,
            deposit=presale.deposit,
            balance=presale.balance,
            balance_due_at=presale.balance_due_at,
            deposit_paid_at=presale.deposit_paid_at or order.paid_at,
            balance_paid_at=presale.balance_paid_at or order.paid_at,
            state=PresaleTerms.State.BALANCE_PAID,
            platform_state=presale.platform_state[:40],
        )
        return ["presale_terms"]
    if order.status == Status.ON_HOLD:
        # Held already (out_of_stock: the presale pool was short): record the terms without moving it, so the
        # automatic review keeps it from the warehouse until the balance is paid, even once stock arrives.
        PresaleTerms.objects.create(
            order=order,
            currency=order.currency,
            deposit=presale.deposit,
            balance=presale.balance,
            balance_due_at=presale.balance_due_at,
            deposit_paid_at=order.paid_at if presale.deposit_paid else None,
            platform_state=presale.platform_state[:40],
        )
        return ["presale_terms"]
    if order.status not in (Status.PENDING_PAYMENT, Status.PAID):
        return []  # already moving on: too late for terms
    presale_terms_set(
        order=order,
        deposit=presale.deposit,
        balance=presale.balance,
        balance_due_at=presale.balance_due_at,
        system=system,
        platform_state=presale.platform_state,
    )
    return ["presale_terms"]


def presale_channel_progress(*, order: Order, presale: PresaleInput | None, system: str) -> list[str]:
    """Follow the platform's payments of a presale order whose terms are on record: the deposit paid holds
    the order (``presale_deposit_pay``), the balance paid releases it (``presale_balance_pay``)."""
    if presale is None:
        return []
    terms = PresaleTerms.objects.filter(order=order).first()
    if terms is None or terms.state != AWAITING:
        return []
    order.refresh_from_db(fields=["status"])
    if order.status in (Status.CANCELLED, Status.CLOSED):
        # The platform closed the trade (balance not paid in time, or the buyer cancelled).
        PresaleTerms.objects.filter(pk=terms.pk, state=AWAITING).update(state=PresaleTerms.State.EXPIRED)
        return ["presale_expired"]
    changes = []
    if presale.deposit_paid and terms.deposit_paid_at is None:
        order.refresh_from_db(fields=["status"])
        if order.status in (Status.PENDING_PAYMENT, Status.PAID):
            presale_deposit_pay(order_id=order.pk, paid_at=presale.deposit_paid_at, system=system)
            changes.append("presale_deposit")
    if presale.balance_paid:
        presale_balance_pay(order_id=order.pk, paid_at=presale.balance_paid_at, system=system)
        changes.append("presale_balance")
    order.refresh_from_db()
    return changes
