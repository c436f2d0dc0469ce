"""Which (shop, day) pairs the imported payment statements cover: a payment missing from a covered day is a
difference, one from a day no statement covers is not (yet)."""

from __future__ import annotations

import datetime as dt

from finance.formats.base import Flow
from finance.models import Statement
from finance.services.matching import shops_seen
from finance.services.reconciliation.rows import local_date


def coverage_of(date_from: dt.date, date_to: dt.date) -> set[tuple[int, dt.date]]:
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
