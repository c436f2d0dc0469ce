"""Statement lines that match no order: money Order Hub does not know about, or a charge for nothing it
knows (a part of ``Evaluator``)."""

from __future__ import annotations

from django.utils.translation import gettext_noop

from config.messages import message
from finance.formats.base import LineKind
from finance.models import DifferenceType
from finance.services.reconciliation.rows import ZERO

T = DifferenceType


class UnmatchedChecks:
    """Classifies the period's statement lines that no order matched."""

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
                why = message(
                    gettext_noop("several orders fit") if rule == "ambiguous" else gettext_noop("no order in Order Hub")
                )
                self.add(
                    None,
                    key=f"missing_in_hub:{kind}:l{line_id}",
                    type=T.MISSING_IN_HUB,
                    component=kind,
                    business_date=day,
                    expected=ZERO,
                    actual=amount,
                    difference=amount,
                    detail=message(
                        gettext_noop("%(kind)s %(amount)s for %(reference)s: %(why)s"),
                        kind=kind,
                        amount=amount,
                        reference=ref or txn or message(gettext_noop("no reference")),
                        why=why,
                    ),
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
                    detail=message(
                        gettext_noop("%(amount)s charged (%(reference)s) for nothing Order Hub knows"),
                        amount=net,
                        reference=ref or txn or message(gettext_noop("no reference")),
                    ),
                    line_id=line_id,
                    source=source,
                    channel=source,
                    entity_id=entity_id,
                )
