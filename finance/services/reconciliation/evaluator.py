"""The comparison of one order — its statement lines of any date and its refunds — with what Order Hub says
should have happened; the candidates it finds are collected on the evaluator. The checks themselves live in
``payments``, ``refunds``, ``fees`` and ``unmatched``."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.utils.translation import gettext_noop

from config.messages import message
from finance.formats.base import Flow, LineKind
from finance.models import DifferenceType
from finance.services.reconciliation.fees import FeeChecks
from finance.services.reconciliation.payments import PaymentChecks
from finance.services.reconciliation.policy import Policy
from finance.services.reconciliation.refunds import RefundChecks
from finance.services.reconciliation.rows import REFUND_KINDS, ZERO, Candidate, Line, OrderRow, RefundRow, round_cent
from finance.services.reconciliation.unmatched import UnmatchedChecks

T = DifferenceType


class Evaluator(PaymentChecks, RefundChecks, FeeChecks, UnmatchedChecks):
    """Compares one order with its statement lines and refunds; collects candidates."""

    def __init__(self, *, policy: Policy, date_from: dt.date, date_to: dt.date, coverage: set, shops: dict):
        self.policy = policy
        self.date_from = date_from
        self.date_to = date_to
        self.coverage = coverage  # {(shop_id, date)} covered by a payment-flow statement
        self.shops = shops  # {shop_id: (platform, entity_id)}
        self.tol = policy.tolerance
        self.candidates: dict[str, Candidate] = {}
        self.refund_links: dict[int, int | None] = {}  # line id → refund id (changed only)
        self.statement_entity: dict[int, int | None] = {}

    def add(self, order: OrderRow | None, **fields: Any) -> None:
        cand = Candidate(**fields)
        if order is not None:
            platform, entity_id = self.shops.get(order.shop_id, ("", None))
            cand.order_id = order.id
            cand.shop_id = order.shop_id
            cand.channel = platform
            cand.currency = order.currency
            cand.entity_id = entity_id
        self.candidates[cand.key] = cand

    def add_on_line(
        self,
        order: OrderRow,
        line: Line,
        *,
        key: str,
        type: str,
        component: str,
        expected: Decimal,
        actual: Decimal,
        detail: str,
        business_date: dt.date | None = None,
        refund_id: int | None = None,
    ) -> None:
        """A candidate that a statement line shows: the line's id, source and (unless given) business date;
        the difference is ``actual - expected``."""
        self.add(
            order,
            key=key,
            type=type,
            component=component,
            business_date=line.business_date if business_date is None else business_date,
            expected=expected,
            actual=actual,
            difference=actual - expected,
            detail=detail,
            refund_id=refund_id,
            line_id=line.id,
            source=line.source,
        )

    # --- one order -------------------------------------------------------------------------------------

    def order(self, order: OrderRow, lines: list[Line], refunds: list[RefundRow]) -> None:
        if not refunds:
            if not lines:
                self._missing_payment(order)
                return
            if len(lines) == 1 and self._balances(order, lines[0]):
                return
        events = money_events(lines) if len(lines) > 1 else lines
        payments: list[Line] = []
        settlements: list[Line] = []
        refund_events: list[Line] = []
        fee_items: list[Line] = []
        commission_items: list[Line] = []
        others: list[Line] = []
        for e in events:
            kind = e.kind
            if kind == LineKind.PAYMENT:
                payments.append(e)
            elif kind == LineKind.SETTLEMENT:
                settlements.append(e)
            elif kind in REFUND_KINDS:
                refund_events.append(e)
            elif kind == LineKind.FEE:
                fee_items.append(e)
            elif kind == LineKind.COMMISSION:
                commission_items.append(e)
            else:
                others.append(e)
        source = events[0].source if events else ""
        entity_fallback = self.statement_entity.get(events[0].statement_id) if events else None
        before = len(self.candidates)

        self._payments(order, payments, settlements, source)
        self._coupons(order, payments, settlements, source)
        refunded_hub, refunded_statement = self._refunds(order, refund_events, refunds)
        self._settlements(order, settlements, refunded_hub, refunded_statement)
        self._fees(order, payments, settlements, refund_events, fee_items, commission_items)
        for e in others:
            net = e.amount + e.fee + e.commission
            if net < 0 and -net > self.tol[T.UNEXPECTED_FEE]:
                self.add_on_line(
                    order,
                    e,
                    key=f"unexpected_fee:other:l{e.id}",
                    type=T.UNEXPECTED_FEE,
                    component="other",
                    expected=ZERO,
                    actual=net,
                    detail=message(
                        gettext_noop("%(item)s: a charge Order Hub does not expect"), item=e.description or e.kind
                    ),
                )
        if entity_fallback is not None and len(self.candidates) > before:
            for cand in list(self.candidates.values())[before:]:
                if cand.entity_id is None:
                    cand.entity_id = entity_fallback

    def _balances(self, order: OrderRow, e: Line) -> bool:
        """The common case, checked fast: one payment on the day of payment, for the paid amount, with the
        platform's share of the discount and the agreed fee. True means nothing to report (exactly what the
        full comparison below would conclude)."""
        if e.kind != LineKind.PAYMENT or e.flow != Flow.PAYMENT or e.refund_id is not None:
            return False
        tol = self.tol
        if order.paid_day is None or e.business_date != order.paid_day:
            return False
        if abs(e.amount - order.paid_amount) > tol[T.AMOUNT_MISMATCH]:
            return False
        if e.has_discounts and abs(e.platform_discount - order.discount_platform) > tol[T.COUPON_ALLOCATION]:
            return False
        rate = e.fee_rate if e.fee_rate is not None else self.policy.rate(e.source, "fee", "", order.shop_id)
        if rate is not None:
            charge = round_cent(abs(e.amount) * rate)
            expected = -charge if e.amount > 0 else charge
            if abs(e.fee - expected) > tol[T.UNEXPECTED_FEE]:
                return False
        return True

    def _expected_on(self, order: OrderRow, day: dt.date | None) -> bool:
        return day is not None and (order.shop_id, day) in self.coverage


def money_events(lines: list[Line]) -> list[Line]:
    """The order's money events: the same payment or refund listed by two statements (a trade bill and a
    ledger, or two overlapping exports) counts once; two charges with their own transaction ids count twice."""
    groups: dict[tuple, list[Line]] = {}
    for line in lines:
        value = line.amount if line.amount else line.fee + line.commission
        groups.setdefault((line.kind, value, line.occurred), []).append(line)
    events: list[Line] = []
    for group in groups.values():
        if len(group) == 1:
            events.append(group[0])
            continue
        by_statement: dict[int, list[Line]] = {}
        for line in group:
            by_statement.setdefault(line.statement_id, []).append(line)

        def weight(ls: list[Line]) -> tuple[int, bool]:
            return len({line.transaction_id or line.id for line in ls}), any(line.fee for line in ls)

        best = max(by_statement.values(), key=weight)
        seen: set = set()
        for line in best:
            marker = line.transaction_id or line.id
            if marker not in seen:
                seen.add(marker)
                events.append(line)
    return events
