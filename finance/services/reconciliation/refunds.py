"""Checks of one order's refunds against the statement's refund lines, and which refund each line paid
(a part of ``Evaluator``)."""

from __future__ import annotations

from decimal import Decimal

from django.utils.translation import gettext_noop

from config.messages import message
from finance.formats.base import LineKind
from finance.models import DifferenceType
from finance.services.reconciliation.rows import LIVE_REFUND, PAID_REFUND, ZERO, Line, OrderRow, RefundRow

T = DifferenceType


class RefundChecks:
    """Refunds the statement shows that Order Hub has not recorded (and the other way), linked line by line."""

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
                    detail=message(
                        gettext_noop(
                            "order %(number)s: %(amount)s went back to the buyer on %(day)s (%(refund)s) but Order Hub "
                            "has no such refund"
                        ),
                        number=order.number,
                        amount=-e.amount,
                        day=e.business_date,
                        refund=e.refund_ref or message(gettext_noop("no refund id")),
                    ),
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
                    detail=message(
                        gettext_noop("order %(number)s: refund %(refund)s of %(amount)s on %(day)s is in no statement"),
                        number=order.number,
                        refund=r.external_id or r.id,
                        amount=r.amount,
                        day=day,
                    ),
                    refund_id=r.id,
                )
        return refunded_hub, refunded_statement

    def _refund_link(self, order: OrderRow, e: Line, refund: RefundRow) -> None:
        if e.refund_id != refund.id:
            self.refund_links[e.id] = refund.id
        which = {"number": order.number, "refund": refund.external_id or refund.id}
        if refund.status != PAID_REFUND:
            self.add_on_line(
                order,
                e,
                key=f"refund_not_recorded:status:r{refund.id}",
                type=T.REFUND_NOT_RECORDED,
                component="status",
                expected=-refund.amount,
                actual=e.amount,
                detail=message(
                    gettext_noop(
                        "order %(number)s: refund %(refund)s is %(status)s in Order Hub "
                        "but the money went back on %(day)s"
                    ),
                    **which,
                    status=refund.status,
                    day=e.business_date,
                ),
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
                detail=message(
                    gettext_noop(
                        "order %(number)s: refund %(refund)s is %(amount)s in Order Hub, %(statement)s in the statement"
                    ),
                    **which,
                    amount=refund.amount,
                    statement=-e.amount,
                ),
                refund_id=refund.id,
            )
