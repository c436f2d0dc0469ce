"""The faults a run is asked for, at set points of the offered time (``duplicates`` and ``out-of-order`` are
deliveries: ``traffic``).

- ``503-storm`` at 30 %: the Taobao sandbox answers every API call with 503 for a fifth of the offered time (at
  least 5 s): the trades the workers fetch fail and are retried.
- ``kill-worker`` at 50 %: ``kill -9`` of the ingestion worker cluster mid-batch (every process of it), started
  again at once as a supervisor would; its claims expire and are handed back. (Killing one process inside a
  django-q2 cluster is no fault a deployment recovers from: a worker killed while it holds the cluster's
  internal task queue leaves the others waiting on it for good — seen in a run: 212 tasks queued, none taken.)
- ``carrier-outage`` at 60 %: the warehouse's default carrier switched off for 10 s; waves go to the next one.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

from django.db import connection

PLAN = (("503-storm", 0.3), ("kill-worker", 0.5), ("carrier-outage", 0.6))
CARRIER_OUT_S = 10.0


def faults_run(
    *,
    faults: list[str],
    world,
    cluster_kill: Callable[[], str],
    port: int,
    t0: float,
    seconds: float,
    record: Callable[[dict], None],
) -> None:
    """Cause each fault of ``faults`` at its point of the ``seconds`` offered from ``t0``; ``record`` is told of
    each (fault, at_s, what). ``cluster_kill()`` kills the ingestion cluster and starts it again."""
    from integrations.models import ShopConnection

    try:
        for fault, share in PLAN:
            if fault not in faults:
                continue
            wait = t0 + share * seconds - time.monotonic()
            if wait > 0:
                time.sleep(wait)
            at = round(time.monotonic() - t0, 1)
            if fault == "503-storm":
                length = max(5.0, 0.2 * seconds)
                base = f"http://127.0.0.1:{port}/sandbox/taobao"
                ShopConnection.objects.filter(pk=world.taobao.pk).update(base_url=f"{base}/fault/503")
                record(
                    {"fault": fault, "at_s": at, "what": f"Taobao answers every API call with 503 for {length:.0f} s"}
                )
                time.sleep(length)
                ShopConnection.objects.filter(pk=world.taobao.pk).update(base_url=base)
            elif fault == "kill-worker":
                record({"fault": fault, "at_s": at, "what": cluster_kill()})
            elif fault == "carrier-outage":
                record({"fault": fault, "at_s": at, "what": carrier_outage(world)})
    finally:
        connection.close()


def carrier_outage(world) -> str:
    """The warehouse's default carrier is down (its e-waybill API answers 503): operations switch it off for the
    warehouse, waves go to the next carrier, and it is switched on again ``CARRIER_OUT_S`` later."""
    from fulfilment.models import WarehouseCarrier

    first = (
        WarehouseCarrier.objects.filter(warehouse=world.warehouse, is_active=True, for_same_city=False)
        .select_related("carrier")
        .order_by("priority")
        .first()
    )
    if first is None:
        return "no carrier to take down"
    WarehouseCarrier.objects.filter(pk=first.pk).update(is_active=False)

    def back() -> None:
        try:
            WarehouseCarrier.objects.filter(pk=first.pk).update(is_active=True)
        finally:
            connection.close()

    threading.Timer(CARRIER_OUT_S, back).start()
    return f"carrier {first.carrier.code} out for {CARRIER_OUT_S:.0f} s: waves go to the next carrier"
