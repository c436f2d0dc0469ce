"""Checks of the fees and commissions charged on one order against the agreed rates (a part of
``Evaluator``)."""

from __future__ import annotations

from django.utils.translation import gettext_noop

from config.messages import message
from finance.formats.base import Flow
from finance.models import DifferenceType
from finance.services.reconciliation.rows import ZERO, Line, OrderRow, round_cent

T = DifferenceType


class FeeChecks:
    """Fees and commissions that differ from the agreed rate, or that Order Hub does not expect."""

    def _fees(
        self,
        order: OrderRow,
        payments: list[Line],
        settlements: list[Line],
        refund_events: list[Line],
        fee_items: list[Line],
        commission_items: list[Line],
    ) -> None:
        rate_of = self.policy.rate
        tolerance = self.tol[T.UNEXPECTED_FEE]
        # fees charged on the payment and refund rows of payment bills (Alipay 服务费, WeChat 手续费, UnionPay)
        actual = expected = ZERO
        checked = None
        for e in payments + refund_events:
            if e.flow != Flow.PAYMENT:
                continue
            rate = e.fee_rate if e.fee_rate is not None else rate_of(e.source, "fee", "", order.shop_id)
            if rate is None:
                continue
            checked = checked or e
            charge = round_cent(abs(e.amount) * rate)
            expected += -charge if e.amount > 0 else charge
            actual += e.fee
        if checked is not None and abs(actual - expected) > tolerance:
            self.add_on_line(
                order,
                checked,
                key=f"unexpected_fee:fee:o{order.id}",
                type=T.UNEXPECTED_FEE,
                component="fee",
                expected=expected,
                actual=actual,
                detail=message(
                    gettext_noop("order %(number)s: payment fees %(actual)s, expected %(expected)s at the agreed rate"),
                    number=order.number,
                    actual=actual,
                    expected=expected,
                ),
            )
        # fee and commission items on their own rows (花呗手续费, 技术服务费) and commission columns (Douyin)
        base_lines = settlements or payments
        base = sum((abs(e.amount) for e in base_lines), ZERO)
        for kind, items, column in (
            ("fee", fee_items, "fee"),
            ("commission", commission_items + [e for e in settlements if e.commission], "commission"),
        ):
            if not items or not base:
                continue
            actual = sum((getattr(e, column) for e in items), ZERO)
            rate = rate_of(items[0].source, kind, items[0].description, order.shop_id)
            if rate is None:
                continue
            expected = -round_cent(base * rate)
            if abs(actual - expected) > tolerance:
                self.add_on_line(
                    order,
                    items[0],
                    key=f"unexpected_fee:{kind}_item:o{order.id}",
                    type=T.UNEXPECTED_FEE,
                    component=kind,
                    expected=expected,
                    actual=actual,
                    detail=message(
                        gettext_noop(
                            "order %(number)s: %(kind)s %(actual)s on %(base)s, expected %(expected)s at %(rate)s"
                        ),
                        number=order.number,
                        kind=kind,
                        actual=actual,
                        base=base,
                        expected=expected,
                        rate=f"{rate:%}",
                    ),
                )
