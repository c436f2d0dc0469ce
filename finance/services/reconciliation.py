"""Reconciliation: compare what the orders say should have happened with what the statements say did.

A run covers business dates ``date_from``…``date_to`` (Asia/Shanghai). It

1. re-matches the period's unmatched lines (orders may have arrived after their statement);
2. streams every order in scope — paid in the period, or touched by a line or a refund in the period —
   with all its lines (of any date) and refunds, ordered by order id, and compares them in Python, one
   order at a time (flat memory, one pass);
3. classifies the period's lines that match no order;
4. upserts the differences by their key, keeping human decisions (owner, status, comments), and closes
   the open ones in scope that are no longer found;
5. rebuilds the daily balances (per day, channel and shop) of the period.

The comparison rules, the difference types and their keys are documented in docs/finance.md.
"""

from __future__ import annotations

import datetime as dt
import logging
import time
from collections import defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db import connection
from django.db.models import CharField, Count, Sum
from django.db.models.expressions import RawSQL
from django.db.models.functions import Cast, TruncDate
from django.utils import timezone

from aftersales.models import Refund
from finance.exceptions import ReconciliationBusy
from finance.formats.base import SHANGHAI, Flow, LineKind
from finance.models import (
    DailyBalance,
    Difference,
    DifferenceComment,
    DifferenceStatus,
    DifferenceType,
    FeeRate,
    ReconciliationRun,
    ShopEntity,
    Statement,
    StatementLine,
    Tolerance,
)
from finance.models.reconciliation import HUMAN_STATUSES, UNRESOLVED_STATUSES
from finance.services.matching import lines_match, shops_seen
from orders.models import Order, Shop

logger = logging.getLogger(__name__)

ZERO = Decimal("0.00")
CENT = Decimal("0.01")
T = DifferenceType
STREAM_CHUNK = 5000
PROGRESS_EVERY = 5000  # orders compared between two progress calls
KEY_CHUNK = 2000
SYSTEM = "reconciliation"

DEFAULT_TOLERANCES: dict[str, Decimal] = {
    T.MISSING_IN_HUB: ZERO,
    T.MISSING_IN_STATEMENT: ZERO,
    T.AMOUNT_MISMATCH: ZERO,
    T.REFUND_NOT_RECORDED: ZERO,
    T.UNEXPECTED_FEE: CENT,
    T.COUPON_ALLOCATION: ZERO,
    T.DUPLICATE_CHARGE: ZERO,
    T.CROSS_PERIOD: ZERO,
}
# (source, kind, description contains, rate): used when no FeeRate row is more specific.
DEFAULT_FEE_RATES: tuple[tuple[str, str, str, Decimal], ...] = (
    ("alipay", "fee", "", Decimal("0.006")),
    ("wechat", "fee", "", Decimal("0.006")),
)
REFUND_KINDS = frozenset({LineKind.REFUND, LineKind.COMPENSATION})
PAID_REFUND = Refund.Status.REFUNDED
LIVE_REFUND = (Refund.Status.REQUESTED, Refund.Status.APPROVED, Refund.Status.REFUNDED)


@dataclass(slots=True)
class Line:
    order_id: int | None
    id: int
    statement_id: int
    kind: str
    source: str
    flow: str
    occurred: str  # the timestamp as the database prints it: compared and sorted, never parsed (speed)
    business_date: dt.date
    amount: Decimal
    fee: Decimal
    commission: Decimal
    platform_discount: Decimal
    has_discounts: bool
    postage: Decimal | None
    fee_rate: Decimal | None
    transaction_id: str
    refund_ref: str
    refund_id: int | None
    description: str


LINE_FIELDS = (
    "order_id",
    "id",
    "statement_id",
    "kind",
    "source",
    "flow",
    "occurred",
    "business_date",
    "amount",
    "fee",
    "commission",
    "platform_discount",
    "has_discounts",
    "postage",
    "fee_rate",
    "transaction_id",
    "refund_ref",
    "refund_id",
    "description",
)


@dataclass(slots=True)
class OrderRow:
    id: int
    number: str
    shop_id: int
    status: str
    paid_day: dt.date | None  # local (Shanghai) date of payment
    paid_amount: Decimal
    discount_platform: Decimal
    discount_merchant: Decimal
    shipping_fee: Decimal
    currency: str


ORDER_FIELDS = (
    "id",
    "number",
    "shop_id",
    "status",
    "paid_day",
    "paid_amount",
    "discount_platform",
    "discount_merchant",
    "shipping_fee",
    "currency",
)


@dataclass(slots=True)
class RefundRow:
    order_id: int
    id: int
    external_id: str
    kind: str
    status: str
    amount: Decimal
    refunded_day: dt.date | None


REFUND_FIELDS = ("order_id", "id", "external_id", "kind", "status", "amount", "refunded_day")


@dataclass(slots=True)
class Candidate:
    key: str
    type: str
    component: str
    business_date: dt.date
    expected: Decimal
    actual: Decimal
    difference: Decimal
    detail: str
    currency: str = "CNY"
    order_id: int | None = None
    refund_id: int | None = None
    line_id: int | None = None
    shop_id: int | None = None
    entity_id: int | None = None
    source: str = ""
    channel: str = ""


def _round(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def local_date(moment: dt.datetime | None) -> dt.date | None:
    return moment.astimezone(SHANGHAI).date() if moment is not None else None


def day_bounds(date_from: dt.date, date_to: dt.date) -> tuple[dt.datetime, dt.datetime]:
    start = dt.datetime.combine(date_from, dt.time(), tzinfo=SHANGHAI)
    end = dt.datetime.combine(date_to + dt.timedelta(days=1), dt.time(), tzinfo=SHANGHAI)
    return start, end


class Policy:
    """Tolerances and fee rates, read once per run."""

    def __init__(self) -> None:
        self.tolerance = dict(DEFAULT_TOLERANCES)
        for row in Tolerance.objects.all():
            self.tolerance[row.difference_type] = row.amount
        rows = [
            (r.source, r.kind, r.description_contains, r.shop_id, r.rate)
            for r in FeeRate.objects.filter(is_active=True)
        ]
        configured = {(s, k, c) for s, k, c, shop, _r in rows if shop is None}
        rows += [(s, k, c, None, r) for s, k, c, r in DEFAULT_FEE_RATES if (s, k, c) not in configured]
        # most specific first: a shop's own rate, then the longest description match
        self.rates = sorted(rows, key=lambda r: (r[3] is None, -len(r[2])))
        self._cache: dict[tuple, Decimal | None] = {}

    def rate(self, source: str, kind: str, description: str, shop_id: int | None) -> Decimal | None:
        key = (source, kind, description, shop_id)
        if key in self._cache:
            return self._cache[key]
        found = None
        for r_source, r_kind, contains, r_shop, rate in self.rates:
            if r_source == source and r_kind == kind and (r_shop is None or r_shop == shop_id):
                if not contains or contains in description:
                    found = rate
                    break
        if len(self._cache) < 10000:
            self._cache[key] = found
        return found


class Evaluator:
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
        events = _events(lines) if len(lines) > 1 else lines
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
                    detail=f"{e.description or e.kind}: a charge Order Hub does not expect",
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
            charge = _round(abs(e.amount) * rate)
            expected = -charge if e.amount > 0 else charge
            if abs(e.fee - expected) > tol[T.UNEXPECTED_FEE]:
                return False
        return True

    def _expected_on(self, order: OrderRow, day: dt.date | None) -> bool:
        return day is not None and (order.shop_id, day) in self.coverage

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
                detail=f"order {order.number} paid {paid_day} is in no payment statement",
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
                    detail=f"order {order.number} was paid {len(payments)} times "
                    f"({', '.join(sorted({p.source for p in payments}))})",
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
                detail=f"order {order.number} is {order.status} in Order Hub but the statement shows a payment",
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
                detail=f"order {order.number}: paid {paid} in Order Hub, {total} in the statement",
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
                detail=f"order {order.number} paid on {paid_day}, in the statement on {payment.business_date}",
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
                detail=f"order {order.number}: platform-funded discount {order.discount_platform} in Order Hub "
                f"(merchant-funded {order.discount_merchant}), {platform} in the statement",
            )

    def _refunds(self, order: OrderRow, events: list[Line], refunds: list[RefundRow]) -> tuple[Decimal, Decimal]:
        live = [r for r in refunds if r.status in LIVE_REFUND]
        refunded_hub = sum((r.amount for r in live if r.status == PAID_REFUND and r.kind != "compensation"), ZERO)
        refunded_statement = sum((-e.amount for e in events if e.kind == LineKind.REFUND), ZERO)
        by_external = {r.external_id: r for r in live if r.external_id}
        by_id = {r.id: r for r in live}
        used: set[int] = set()
        unlinked: list[Line] = []
        # 1. by refund id, 2. by the link a previous run made
        for e in events:
            refund = by_external.get(e.refund_ref) if e.refund_ref else None
            if refund is None and e.refund_id in by_id:
                refund = by_id[e.refund_id]
            if refund is not None and refund.id not in used:
                used.add(refund.id)
                self._refund_link(order, e, refund)
            else:
                unlinked.append(e)
        # 3. by amount (and kind: compensation with compensation)
        for e in unlinked:
            wanted = -e.amount
            compensation = e.kind == LineKind.COMPENSATION
            refund = next(
                (
                    r
                    for r in sorted(live, key=lambda r: r.status != PAID_REFUND)
                    if r.id not in used and r.amount == wanted and (r.kind == "compensation") == compensation
                ),
                None,
            )
            if refund is not None:
                used.add(refund.id)
                self._refund_link(order, e, refund)
                continue
            if e.refund_id is not None:
                self.refund_links[e.id] = None
            if -e.amount > self.tol[T.REFUND_NOT_RECORDED]:
                self.add_on_line(
                    order,
                    e,
                    key=f"refund_not_recorded:{e.kind}:l{e.id}",
                    type=T.REFUND_NOT_RECORDED,
                    component=e.kind,
                    expected=ZERO,
                    actual=e.amount,
                    detail=f"order {order.number}: {-e.amount} went back to the buyer on {e.business_date} "
                    f"({e.refund_ref or 'no refund id'}) but Order Hub has no such refund",
                )
        # hub refunds the statements never show
        for r in live:
            if r.id in used or r.status != PAID_REFUND:
                continue
            day = r.refunded_day
            if day is None or not (self.date_from <= day <= self.date_to) or not self._expected_on(order, day):
                continue
            if r.amount > self.tol[T.MISSING_IN_STATEMENT]:
                self.add(
                    order,
                    key=f"missing_in_statement:refund:r{r.id}",
                    type=T.MISSING_IN_STATEMENT,
                    component="refund",
                    business_date=day,
                    expected=-r.amount,
                    actual=ZERO,
                    difference=r.amount,
                    detail=f"order {order.number}: refund {r.external_id or r.id} of {r.amount} on {day} "
                    f"is in no statement",
                    refund_id=r.id,
                )
        return refunded_hub, refunded_statement

    def _refund_link(self, order: OrderRow, e: Line, refund: RefundRow) -> None:
        if e.refund_id != refund.id:
            self.refund_links[e.id] = refund.id
        if refund.status != PAID_REFUND:
            self.add_on_line(
                order,
                e,
                key=f"refund_not_recorded:status:r{refund.id}",
                type=T.REFUND_NOT_RECORDED,
                component="status",
                expected=-refund.amount,
                actual=e.amount,
                detail=f"order {order.number}: refund {refund.external_id or refund.id} is {refund.status} in "
                f"Order Hub but the money went back on {e.business_date}",
                refund_id=refund.id,
            )
            return
        diff = e.amount + refund.amount
        if abs(diff) > self.tol[T.AMOUNT_MISMATCH]:
            self.add_on_line(
                order,
                e,
                key=f"amount_mismatch:refund:r{refund.id}",
                type=T.AMOUNT_MISMATCH,
                component="refund",
                expected=-refund.amount,
                actual=e.amount,
                detail=f"order {order.number}: refund {refund.external_id or refund.id} is {refund.amount} in "
                f"Order Hub, {-e.amount} in the statement",
                refund_id=refund.id,
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
                    detail=f"order {order.number}: postage {order.shipping_fee} in Order Hub, {postage} settled",
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
                detail=f"order {order.number}: paid {order.paid_amount} less refunds {refunded_hub} should settle "
                f"{expected}; settled {goods}",
            )

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
            charge = _round(abs(e.amount) * rate)
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
                detail=f"order {order.number}: payment fees {actual}, expected {expected} at the agreed rate",
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
            expected = -_round(base * rate)
            if abs(actual - expected) > tolerance:
                self.add_on_line(
                    order,
                    items[0],
                    key=f"unexpected_fee:{kind}_item:o{order.id}",
                    type=T.UNEXPECTED_FEE,
                    component=kind,
                    expected=expected,
                    actual=actual,
                    detail=f"order {order.number}: {kind} {actual} on {base}, expected {expected} at {rate:%}",
                )

    # --- lines that match no order --------------------------------------------------------------------

    def unmatched(self, lines: list[tuple]) -> None:
        seen: set[tuple] = set()
        for (
            line_id,
            statement_id,
            kind,
            source,
            amount,
            fee,
            commission,
            day,
            occurred,
            ref,
            txn,
            _refund_ref,
            rule,
        ) in lines:
            net = amount + fee + commission
            entity_id = self.statement_entity.get(statement_id)
            if kind in LineKind.ORDER_KINDS or (kind == LineKind.OTHER and net > 0):
                event = (kind, amount, occurred, ref)
                if event in seen:
                    continue  # the same money in two statements (trade bill and ledger)
                seen.add(event)
                if abs(amount) <= self.tol[T.MISSING_IN_HUB]:
                    continue
                why = "several orders fit" if rule == "ambiguous" else "no order in Order Hub"
                self.add(
                    None,
                    key=f"missing_in_hub:{kind}:l{line_id}",
                    type=T.MISSING_IN_HUB,
                    component=kind,
                    business_date=day,
                    expected=ZERO,
                    actual=amount,
                    difference=amount,
                    detail=f"{kind} {amount} for {ref or txn or 'no reference'}: {why}",
                    line_id=line_id,
                    source=source,
                    channel=source,
                    entity_id=entity_id,
                )
            elif kind == LineKind.OTHER and net < 0 and -net > self.tol[T.UNEXPECTED_FEE]:
                self.add(
                    None,
                    key=f"unexpected_fee:other:l{line_id}",
                    type=T.UNEXPECTED_FEE,
                    component="other",
                    business_date=day,
                    expected=ZERO,
                    actual=net,
                    difference=net,
                    detail=f"{net} charged ({ref or txn or 'no reference'}) for nothing Order Hub knows",
                    line_id=line_id,
                    source=source,
                    channel=source,
                    entity_id=entity_id,
                )


def _events(lines: list[Line]) -> list[Line]:
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


# --- the run ------------------------------------------------------------------------------------------


SCOPE_TABLE = "finance_reconcile_scope"


def _scope_build(date_from: dt.date, date_to: dt.date) -> int:
    """Fill a temporary table with the ids of the orders in scope: paid in the period, or touched by a line
    or a refund in the period. (One ``IN (…)`` per source joined by ``OR`` would make PostgreSQL fall back
    to a per-row subplan once the id lists outgrow ``work_mem``; a keyed temp table is joined as a set.)"""
    start, end = day_bounds(date_from, date_to)
    lines = StatementLine._meta.db_table
    orders = Order._meta.db_table
    refunds = Refund._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE IF EXISTS {SCOPE_TABLE}")
        cursor.execute(f"CREATE TEMPORARY TABLE {SCOPE_TABLE} (order_id bigint PRIMARY KEY)")
        cursor.execute(
            f"""INSERT INTO {SCOPE_TABLE} (order_id)
                SELECT id FROM {orders} WHERE paid_at >= %s AND paid_at < %s
                UNION
                SELECT order_id FROM {lines}
                 WHERE business_date >= %s AND business_date <= %s AND order_id IS NOT NULL
                UNION
                SELECT order_id FROM {refunds}
                 WHERE (refunded_at >= %s AND refunded_at < %s) OR (requested_at >= %s AND requested_at < %s)""",
            [start, end, date_from, date_to, start, end, start, end],
        )
        count = cursor.rowcount
        if connection.vendor == "postgresql":
            cursor.execute(f"ANALYZE {SCOPE_TABLE}")
    return count


def _scope_drop() -> None:
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE IF EXISTS {SCOPE_TABLE}")


def _in_scope() -> RawSQL:
    return RawSQL(f"SELECT order_id FROM {SCOPE_TABLE}", [])  # noqa: S608 - a constant table name


def _stream(queryset, fields: tuple[str, ...], factory) -> Iterator:
    for row in queryset.values_list(*fields).iterator(chunk_size=STREAM_CHUNK):
        yield factory(*row)


def _coverage(date_from: dt.date, date_to: dt.date) -> set[tuple[int, dt.date]]:
    """(shop, day) pairs that a payment-flow statement covers: the statement's declared period (or the
    dates of its lines) × the shops its lines matched (or its own shop)."""
    covered: set[tuple[int, dt.date]] = set()
    statements = Statement.objects.filter(
        flow=Flow.PAYMENT,
        status=Statement.Status.IMPORTED,
        first_date__lte=date_to + dt.timedelta(days=1),
        last_date__gte=date_from - dt.timedelta(days=1),
    )
    for statement in statements:
        seen = shops_seen(statement_id=statement.pk)
        if seen != statement.shops_seen:
            Statement.objects.filter(pk=statement.pk).update(shops_seen=seen)
        shops = set(seen) | ({statement.shop_id} if statement.shop_id else set())
        if statement.period_start and statement.period_end:
            first = local_date(statement.period_start)
            last = local_date(statement.period_end - dt.timedelta(seconds=1))
        else:
            first, last = statement.first_date, statement.last_date
        day = first
        while day <= last:
            for shop_id in shops:
                covered.add((shop_id, day))
            day += dt.timedelta(days=1)
    return covered


def reconcile(
    *,
    date_from: dt.date,
    date_to: dt.date | None = None,
    user=None,
    progress: Callable[[int, int], None] | None = None,
) -> ReconciliationRun:
    """Reconcile the business dates ``date_from``…``date_to``. Idempotent; keeps human decisions.
    ``progress(compared, in_scope)`` is told how many of the orders in scope have been compared."""
    date_to = date_to or date_from
    if date_to < date_from:
        date_from, date_to = date_to, date_from
    busy = ReconciliationRun.objects.filter(
        status=ReconciliationRun.Status.RUNNING, started_at__gte=timezone.now() - dt.timedelta(hours=2)
    ).first()
    if busy is not None:
        raise ReconciliationBusy(
            f"Reconciliation run #{busy.pk} ({busy.date_from}…{busy.date_to}) is still running; try again when it "
            f"has finished.",
            extra={"run_id": busy.pk},
        )
    run = ReconciliationRun.objects.create(
        date_from=date_from, date_to=date_to, triggered_by=user if user is not None and user.is_authenticated else None
    )
    started = time.monotonic()
    try:
        stats = _reconcile(run, date_from, date_to, progress)
    except Exception as exc:
        ReconciliationRun.objects.filter(pk=run.pk).update(
            status=ReconciliationRun.Status.FAILED, finished_at=timezone.now(), message=str(exc)[:2000]
        )
        raise
    stats["seconds"] = round(time.monotonic() - started, 3)
    ReconciliationRun.objects.filter(pk=run.pk).update(
        status=ReconciliationRun.Status.DONE, finished_at=timezone.now(), stats=stats
    )
    run.refresh_from_db()
    return run


def _reconcile(run: ReconciliationRun, date_from: dt.date, date_to: dt.date, progress) -> dict[str, Any]:
    timings: dict[str, float] = {}
    clock = time.monotonic()

    def tick(name: str) -> None:
        nonlocal clock
        now = time.monotonic()
        timings[name] = round(now - clock, 3)
        clock = now

    matched = lines_match(date_from=date_from, date_to=date_to)
    tick("match")
    shops = {shop_id: (platform, None) for shop_id, platform in Shop.objects.values_list("id", "platform")}
    for shop_id, entity_id in ShopEntity.objects.values_list("shop_id", "entity_id"):
        shops[shop_id] = (shops.get(shop_id, ("", None))[0], entity_id)
    evaluator = Evaluator(
        policy=Policy(),
        date_from=date_from,
        date_to=date_to,
        coverage=_coverage(date_from, date_to),
        shops=shops,
    )
    evaluator.statement_entity = dict(Statement.objects.values_list("id", "entity_id"))
    tick("prepare")

    scoped = _scope_build(date_from, date_to)
    tick("scope")
    scope_ids = _in_scope()
    orders = _stream(
        Order.objects.filter(pk__in=scope_ids).annotate(paid_day=TruncDate("paid_at", tzinfo=SHANGHAI)).order_by("pk"),
        ORDER_FIELDS,
        OrderRow,
    )
    lines = _stream(
        StatementLine.objects.filter(order_id__in=scope_ids)
        .annotate(occurred=Cast("occurred_at", CharField()))
        .order_by("order_id", "id"),
        LINE_FIELDS,
        Line,
    )
    refunds = _stream(
        Refund.objects.filter(order_id__in=scope_ids)
        .annotate(refunded_day=TruncDate("refunded_at", tzinfo=SHANGHAI))
        .order_by("order_id", "id"),
        REFUND_FIELDS,
        RefundRow,
    )
    next_line = next(lines, None)
    next_refund = next(refunds, None)
    evaluated = 0
    evaluate = evaluator.order
    for order in orders:
        oid = order.id
        order_lines: list[Line] = []
        while next_line is not None and next_line.order_id <= oid:
            if next_line.order_id == oid:
                order_lines.append(next_line)
            next_line = next(lines, None)
        order_refunds: list[RefundRow] = []
        while next_refund is not None and next_refund.order_id <= oid:
            if next_refund.order_id == oid:
                order_refunds.append(next_refund)
            next_refund = next(refunds, None)
        evaluate(order, order_lines, order_refunds)
        evaluated += 1
        if progress and evaluated % PROGRESS_EVERY == 0:
            progress(evaluated, scoped)
    if progress:
        progress(evaluated, scoped)
    tick("orders")

    unmatched = list(
        StatementLine.objects.filter(business_date__gte=date_from, business_date__lte=date_to, order__isnull=True)
        .exclude(match_rule=StatementLine.MatchRule.KNOWN_ITEM)
        .order_by("id")
        .values_list(
            "id",
            "statement_id",
            "kind",
            "source",
            "amount",
            "fee",
            "commission",
            "business_date",
            "occurred_at",
            "order_ref",
            "transaction_id",
            "refund_ref",
            "match_rule",
        )
    )
    evaluator.unmatched(unmatched)
    tick("unmatched")

    _refund_links_save(evaluator.refund_links)
    upserted = _differences_upsert(run, evaluator.candidates, scope_ids, date_from, date_to)
    tick("differences")
    _scope_drop()
    balances = _daily_balances_rebuild(run, date_from, date_to, evaluator.coverage, shops)
    tick("balances")
    by_type: dict[str, int] = defaultdict(int)
    for cand in evaluator.candidates.values():
        by_type[cand.type] += 1
    return {
        "orders": evaluated,
        "scope": scoped,
        "unmatched_lines": len(unmatched),
        "matched_now": matched,
        "differences": len(evaluator.candidates),
        "by_type": dict(sorted(by_type.items())),
        "daily_balances": balances,
        "timings": timings,
        **upserted,
    }


def _refund_links_save(links: dict[int, int | None]) -> None:
    """Remember which refund each refund line paid: one UPDATE per chunk of pairs."""
    table = StatementLine._meta.db_table
    pairs = [(line_id, refund_id) for line_id, refund_id in links.items() if refund_id is not None]
    unlinked = [line_id for line_id, refund_id in links.items() if refund_id is None]
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # two text parameters unnested by the server: no per-value placeholders to send and parse
            for i in range(0, len(pairs), 100_000):
                chunk = pairs[i : i + 100_000]
                cursor.execute(
                    f"UPDATE {table} SET refund_id = v.refund_id FROM ("
                    f"SELECT unnest(string_to_array(%s, ','))::bigint AS line_id, "
                    f"unnest(string_to_array(%s, ','))::bigint AS refund_id) v WHERE {table}.id = v.line_id",
                    [",".join(str(line) for line, _r in chunk), ",".join(str(refund) for _l, refund in chunk)],
                )
        else:
            for i in range(0, len(pairs), KEY_CHUNK):
                chunk = pairs[i : i + KEY_CHUNK]
                values = ", ".join(["(%s, %s)"] * len(chunk))
                cursor.execute(
                    f"WITH v(line_id, refund_id) AS (VALUES {values}) "
                    f"UPDATE {table} SET refund_id = v.refund_id FROM v WHERE {table}.id = v.line_id",
                    [value for pair in chunk for value in pair],
                )
    for i in range(0, len(unlinked), KEY_CHUNK):
        StatementLine.objects.filter(pk__in=unlinked[i : i + KEY_CHUNK]).update(refund_id=None)


UPDATABLE = (
    "type",
    "component",
    "business_date",
    "source",
    "channel",
    "shop_id",
    "entity_id",
    "order_id",
    "refund_id",
    "line_id",
    "currency",
    "expected",
    "actual",
    "difference",
    "detail",
)


def _differences_upsert(
    run: ReconciliationRun, candidates: dict[str, Candidate], scope_ids, date_from: dt.date, date_to: dt.date
) -> dict[str, int]:
    now = timezone.now()
    keys = list(candidates)
    existing: dict[str, Difference] = {}
    for i in range(0, len(keys), KEY_CHUNK):
        for diff in Difference.objects.filter(key__in=keys[i : i + KEY_CHUNK]):
            existing[diff.key] = diff
    new: list[Difference] = []
    changed: list[Difference] = []
    seen: list[int] = []
    comments: list[DifferenceComment] = []
    for key, cand in candidates.items():
        diff = existing.get(key)
        values = {name: getattr(cand, name) for name in UPDATABLE}
        if diff is None:
            new.append(Difference(key=key, first_run=run, last_run=run, detected_at=now, last_seen_at=now, **values))
            continue
        amounts_before = (diff.expected, diff.actual, diff.difference)
        updates = {name: value for name, value in values.items() if getattr(diff, name) != value}
        reopen = None
        if diff.status == DifferenceStatus.AUTO_CLOSED:
            reopen = f"Found again by run #{run.pk}."
        elif (
            diff.status in HUMAN_STATUSES and "difference" in updates and diff.status != DifferenceStatus.INVESTIGATING
        ):
            reopen = (
                f"Reopened by run #{run.pk}: the difference changed from {amounts_before[2]} to {cand.difference} "
                f"after it was marked {diff.status}."
            )
        if not updates and reopen is None:
            seen.append(diff.pk)
            continue
        for name, value in updates.items():
            setattr(diff, name, value)
        if reopen is not None:
            diff.status = DifferenceStatus.OPEN
            diff.resolved_at = None
            comments.append(DifferenceComment(difference=diff, system=SYSTEM, body=reopen))
        diff.last_run = run
        diff.last_seen_at = now
        changed.append(diff)
    Difference.objects.bulk_create(new, batch_size=1000)
    if changed:
        Difference.objects.bulk_update(
            changed, [*UPDATABLE, "status", "resolved_at", "last_run", "last_seen_at"], batch_size=500
        )
    for i in range(0, len(seen), KEY_CHUNK):
        Difference.objects.filter(pk__in=seen[i : i + KEY_CHUNK]).update(last_run=run, last_seen_at=now)
    # open differences in scope that this run did not find: closed, with a note
    # (two queries, not one with OR: see _scope_build)
    still_open = Difference.objects.filter(status=DifferenceStatus.OPEN).exclude(last_run=run)
    gone = list(still_open.filter(order_id__in=scope_ids).values_list("pk", flat=True))
    gone += still_open.filter(order__isnull=True, business_date__gte=date_from, business_date__lte=date_to).values_list(
        "pk", flat=True
    )
    for i in range(0, len(gone), KEY_CHUNK):
        batch = gone[i : i + KEY_CHUNK]
        Difference.objects.filter(pk__in=batch).update(status=DifferenceStatus.AUTO_CLOSED, resolved_at=now)
        comments.extend(
            DifferenceComment(difference_id=pk, system=SYSTEM, body=f"No longer found by run #{run.pk}.")
            for pk in batch
        )
    DifferenceComment.objects.bulk_create(comments, batch_size=1000)
    return {"created": len(new), "updated": len(changed), "unchanged": len(seen), "closed": len(gone)}


def _daily_balances_rebuild(
    run: ReconciliationRun, date_from: dt.date, date_to: dt.date, coverage: set, shops: dict
) -> int:
    start, end = day_bounds(date_from, date_to)
    rows: dict[tuple, dict[str, Any]] = {}

    def row(day: dt.date, shop_id: int | None, channel: str) -> dict[str, Any]:
        key = (day, channel, shop_id)
        if key not in rows:
            rows[key] = {
                "sales": ZERO,
                "refunds": ZERO,
                "received": ZERO,
                "settled": ZERO,
                "fees": ZERO,
                "open_differences": 0,
                "entity_id": shops.get(shop_id, ("", None))[1] if shop_id else None,
            }
        return rows[key]

    def channel_of(shop_id: int | None) -> str:
        return shops.get(shop_id, ("", None))[0] if shop_id else ""

    sales = (
        Order.objects.filter(paid_at__gte=start, paid_at__lt=end)
        .annotate(day=TruncDate("paid_at", tzinfo=SHANGHAI))
        .values("day", "shop_id")
        .annotate(total=Sum("paid_amount"))
        .order_by()
    )
    for item in sales:
        row(item["day"], item["shop_id"], channel_of(item["shop_id"]))["sales"] += _money(item["total"])
    refunds = (
        Refund.objects.filter(status=PAID_REFUND, refunded_at__gte=start, refunded_at__lt=end)
        .exclude(kind=Refund.Kind.COMPENSATION)
        .annotate(day=TruncDate("refunded_at", tzinfo=SHANGHAI))
        .values("day", "order__shop_id")
        .annotate(total=Sum("amount"))
        .order_by()
    )
    for item in refunds:
        shop_id = item["order__shop_id"]
        row(item["day"], shop_id, channel_of(shop_id))["refunds"] += _money(item["total"])
    lines = (
        StatementLine.objects.filter(business_date__gte=date_from, business_date__lte=date_to)
        .values("business_date", "order__shop_id", "source", "flow", "kind")
        .annotate(amount=Sum("amount"), fee=Sum("fee"), commission=Sum("commission"))
        .order_by()
    )
    for item in lines:
        shop_id = item["order__shop_id"]
        kind = item["kind"]
        target = row(item["business_date"], shop_id, channel_of(shop_id) if shop_id else f"{item['source']}")
        amount = _money(item["amount"])
        if kind in LineKind.ORDER_KINDS or (shop_id is None and kind == LineKind.OTHER):
            if item["flow"] == Flow.PAYMENT:
                target["received"] += amount
            elif item["flow"] == Flow.SETTLEMENT:
                target["settled"] += amount
        target["fees"] += _money(item["fee"]) + _money(item["commission"])
    open_counts = (
        Difference.objects.filter(
            business_date__gte=date_from, business_date__lte=date_to, status__in=UNRESOLVED_STATUSES
        )
        .values("business_date", "shop_id", "channel")
        .annotate(n=Count("id"))
        .order_by()
    )
    for item in open_counts:
        shop_id = item["shop_id"]
        row(item["business_date"], shop_id, channel_of(shop_id) if shop_id else item["channel"])[
            "open_differences"
        ] += item["n"]
    objects = []
    for (day, channel, shop_id), values in rows.items():
        expected = values["sales"] - values["refunds"]
        covered = shop_id is None or (shop_id, day) in coverage
        objects.append(
            DailyBalance(
                date=day,
                channel=channel,
                shop_id=shop_id,
                expected=expected,
                difference=(values["received"] - expected) if covered else ZERO,
                covered=covered,
                run=run,
                **values,
            )
        )
    with connection.cursor() as cursor:  # derived rows: one DELETE, no per-row history
        cursor.execute(f"DELETE FROM {DailyBalance._meta.db_table} WHERE date BETWEEN %s AND %s", [date_from, date_to])
    DailyBalance.objects.bulk_create(objects, batch_size=1000)
    return len(objects)


def _money(value: Any) -> Decimal:
    if value is None:
        return ZERO
    if not isinstance(value, Decimal):
        value = Decimal(str(value))
    return value.quantize(CENT)


__all__ = ["DEFAULT_TOLERANCES", "Evaluator", "Policy", "reconcile"]
