"""Tolerances and fee rates a run compares with: the configured ones (``Tolerance``, ``FeeRate``) over the
defaults below."""

from __future__ import annotations

from decimal import Decimal

from finance.models import DifferenceType, FeeRate, Tolerance
from finance.services.reconciliation.rows import CENT, ZERO

T = DifferenceType


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
DEFAULT_FEE_RATES: tuple[tuple[str, str, str, Decimal], ...] = (
    ("alipay", "fee", "", Decimal("0.006")),
    ("wechat", "fee", "", Decimal("0.006")),
)


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
