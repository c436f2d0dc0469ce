"""Checks of one order's payments, coupons and settlements against its statement lines (a part of
``Evaluator``: the methods read its tolerances and coverage and add candidates through it)."""

from __future__ import annotations

from decimal import Decimal

from django.utils.translation import gettext_noop

from config.messages import message
from finance.models import DifferenceType
from finance.services.reconciliation.rows import ZERO, Line, OrderRow

T = DifferenceType


class PaymentChecks:
    """Payment missing from the statements, paid twice, a different amount or day, the platform's share of a
    discount, and settlements."""

    def _missing_payment(self, order: OrderRow) -> None:
        paid_day = order.paid_day
        if (
            paid_day is not None
            and self.date_from <= paid_day <= self.date_to
            and order.paid_amount > self.tol[T.MISSING_IN_STATEMENT]
            and self._expected_on(order, paid_day)
        ):
            self.add(
                order,
                key=f"missing_in_statement:payment:o{order.id}",
                type=T.MISSING_IN_STATEMENT,
                component="payment",
                business_date=paid_day,
                expected=order.paid_amount,
                actual=ZERO,
                difference=-order.paid_amount,
                detail=message(
                    gettext_noop("order %(number)s paid %(day)s is in no payment statement"),
                    number=order.number,
                    day=paid_day,
                ),
            )

    def _payments(self, order: OrderRow, payments: list[Line], settlements: list[Line], source: str) -> None:
        paid = order.paid_amount
        paid_day = order.paid_day
        if not payments:
            if not settlements:
                self._missing_payment(order)
            return
        total = sum((p.amount for p in payments), ZERO)
        if len(payments) > 1:
            second = sorted(payments, key=lambda p: (p.occurred, p.id))[1]
            diff = total - paid
            if abs(diff) > self.tol[T.DUPLICATE_CHARGE]:
                self.add_on_line(
                    order,
                    second,
                    key=f"duplicate_charge:payment:o{order.id}",
                    type=T.DUPLICATE_CHARGE,
                    component="payment",
                    expected=paid,
                    actual=total,
                    detail=message(
                        gettext_noop("order %(number)s was paid %(times)s times (%(sources)s)"),
                        number=order.number,
                        times=len(payments),
                        sources=", ".join(sorted({p.source for p in payments})),
                    ),
                )
            return
        payment = payments[0]
        if paid_day is None:
            self.add_on_line(
                order,
                payment,
                key=f"amount_mismatch:paid:o{order.id}",
                type=T.AMOUNT_MISMATCH,
                component="paid",
                expected=ZERO,
                actual=total,
                detail=message(
                    gettext_noop("order %(number)s is %(status)s in Order Hub but the statement shows a payment"),
                    number=order.number,
                    status=order.status,
                ),
            )
            return
        diff = total - paid
        if abs(diff) > self.tol[T.AMOUNT_MISMATCH]:
            self.add_on_line(
                order,
                payment,
                key=f"amount_mismatch:paid:o{order.id}",
                type=T.AMOUNT_MISMATCH,
                component="paid",
                expected=paid,
                actual=total,
                detail=message(
                    gettext_noop("order %(number)s: paid %(paid)s in Order Hub, %(total)s in the statement"),
                    number=order.number,
                    paid=paid,
                    total=total,
                ),
            )
        if payment.business_date != paid_day and payment.amount > self.tol[T.CROSS_PERIOD]:
            self.add_on_line(
                order,
                payment,
                key=f"cross_period:payment:o{order.id}",
                type=T.CROSS_PERIOD,
                component="payment",
                business_date=paid_day,
                expected=paid,
                actual=payment.amount,
                detail=message(
                    gettext_noop("order %(number)s paid on %(day)s, in the statement on %(statement_day)s"),
                    number=order.number,
                    day=paid_day,
                    statement_day=payment.business_date,
                ),
            )

    def _coupons(self, order: OrderRow, payments: list[Line], settlements: list[Line], source: str) -> None:
        reporting = [e for e in payments[:1] if e.has_discounts] + [e for e in settlements if e.has_discounts]
        if not reporting:
            return
        platform = sum((e.platform_discount for e in reporting), ZERO)
        diff = platform - order.discount_platform
        if abs(diff) > self.tol[T.COUPON_ALLOCATION]:
            first = reporting[0]
            self.add_on_line(
                order,
                first,
                key=f"coupon_allocation:platform_discount:o{order.id}",
                type=T.COUPON_ALLOCATION,
                component="platform_discount",
                expected=order.discount_platform,
                actual=platform,
                detail=message(
                    gettext_noop(
                        "order %(number)s: platform-funded discount %(platform_hub)s in Order Hub (merchant-funded "
                        "%(merchant_hub)s), %(platform)s in the statement"
                    ),
                    number=order.number,
                    platform_hub=order.discount_platform,
                    merchant_hub=order.discount_merchant,
                    platform=platform,
                ),
            )

    def _settlements(
        self, order: OrderRow, settlements: list[Line], refunded_hub: Decimal, refunded_statement: Decimal
    ) -> None:
        if not settlements:
            return
        goods = sum((e.amount - (e.platform_discount if e.has_discounts else ZERO) for e in settlements), ZERO)
        expected = order.paid_amount - refunded_hub
        diff = goods - expected
        first = settlements[0]
        postage_diff = ZERO
        postage_lines = [e for e in settlements if e.postage is not None]
        if postage_lines:
            postage = sum((e.postage for e in postage_lines), ZERO)  # type: ignore[misc]
            postage_diff = postage - order.shipping_fee
            if abs(postage_diff) > self.tol[T.AMOUNT_MISMATCH]:
                self.add_on_line(
                    order,
                    postage_lines[0],
                    key=f"amount_mismatch:postage:o{order.id}",
                    type=T.AMOUNT_MISMATCH,
                    component="postage",
                    expected=order.shipping_fee,
                    actual=postage,
                    detail=message(
                        gettext_noop("order %(number)s: postage %(hub)s in Order Hub, %(postage)s settled"),
                        number=order.number,
                        hub=order.shipping_fee,
                        postage=postage,
                    ),
                )
        explained = (
            goods == order.paid_amount - refunded_statement  # a refund Order Hub lacks: refund_not_recorded
            or (postage_diff and diff == postage_diff)  # the postage difference: reported above
        )
        if abs(diff) > self.tol[T.AMOUNT_MISMATCH] and not explained:
            self.add_on_line(
                order,
                first,
                key=f"amount_mismatch:settlement:o{order.id}",
                type=T.AMOUNT_MISMATCH,
                component="settlement",
                expected=expected,
                actual=goods,
                detail=message(
                    gettext_noop(
                        "order %(number)s: paid %(paid)s less refunds %(refunded)s should settle %(expected)s; "
                        "settled %(goods)s"
                    ),
                    number=order.number,
                    paid=order.paid_amount,
                    refunded=refunded_hub,
                    expected=expected,
                    goods=goods,
                ),
            )
