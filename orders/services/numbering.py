"""Order numbers: prefix, day and a per-day counter, unique and increasing."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from orders.models import OrderNumberCounter

DEFAULT_PREFIX = settings.ORDER_NUMBER_PREFIX


# --- numbering ---------------------------------------------------------------------------------------------


@transaction.atomic(savepoint=False)
def order_number_allocate(*, prefix: str = DEFAULT_PREFIX, count: int = 1, day: dt.date | None = None) -> list[str]:
    """Hand out ``count`` order numbers ``<prefix><yyyymmdd><6-digit sequence>`` for ``day`` (Shanghai).

    The day's counter row is created if missing (INSERT … ON CONFLICT DO NOTHING, safe under races) and
    then locked; the lock is held until the caller's transaction ends, so two transactions never get the
    same sequence and a rolled-back one gives its numbers back.
    """
    if count < 1:
        raise ValueError("count must be at least 1")
    day = day or timezone.localdate()
    OrderNumberCounter.objects.bulk_create([OrderNumberCounter(prefix=prefix, day=day)], ignore_conflicts=True)
    counter = OrderNumberCounter.objects.select_for_update().get(prefix=prefix, day=day)
    first = counter.last + 1
    OrderNumberCounter.objects.filter(pk=counter.pk).update(last=F("last") + count)
    return [f"{prefix}{day:%Y%m%d}{seq:06d}" for seq in range(first, first + count)]
