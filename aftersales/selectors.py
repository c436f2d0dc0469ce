"""Reads on refunds."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from aftersales.models import Case


def refund_times_by_phone(*, phones: Iterable[str], until: dt.datetime) -> list[tuple[str, dt.datetime]]:
    """(consignee phone, when the refund was asked for) of the refunds — not cancelled — of orders to these
    phones, up to ``until``: the buyer-history facts of the order rules (``orders.rules.facts``)."""
    rows = (
        Case.objects.filter(order__consignee_phone__in=list(phones), created_at__lte=until)
        .exclude(status=Case.Status.WITHDRAWN)
        .values_list("order__consignee_phone", "requested_at", "created_at")
    )
    return [(phone, requested_at or created_at) for phone, requested_at, created_at in rows]
