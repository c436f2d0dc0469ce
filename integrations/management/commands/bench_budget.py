"""Benchmark: CPU per order of each stage of a peak's path, in one process, independent of the machine's load.

    manage.py bench_budget --orders 2000

The simulator's traffic (``integrations.simulator.traffic``: signed Shopify ``orders/create`` webhooks, a fifth
of the orders on the hot SKUs) goes through the real code of each stage, one stage after the other:

- ``webhook``: each request through Django's whole handler (middleware, URL, ``webhook_receive``: signature
  check, store, queue) as gunicorn's worker calls it; gunicorn's own HTTP parsing is not included;
- ``ingestion``: the drain's loop (``inbox_claim_due`` → ``process_claimed``: parse, map, dedup, create, reserve,
  settle) in batches of ``BATCH`` as a busy drain takes them — the run's own shop's messages only: whatever else
  waits in the database's inbox (another run's, a shop's real traffic) stays where it is;
- ``review``: ``orders.tasks.order_rules_apply`` over the paid orders, ``REVIEW_TASK_ORDERS`` ids a task as
  ingestion queues them (``--one-by-one``: ``orders.rules.services.order_rules_apply`` for each instead, as
  the review ran before batches).

Per stage: this process's CPU (``time.process_time``), its PostgreSQL backend's CPU (``/proc/<pid>/stat`` of
``pg_backend_pid()``, when this machine runs the server) and the statements sent, each ÷ orders. Wall-clock time
is not reported on purpose: on a shared machine it measures the others. The tasks the stages queue go to the
configured broker (Redis with ``Q_REDIS_URL``) and are not run. Runs in the configured database, in the
simulator's world (``PEAK-WH``, a fresh Shopify shop per run). The last line of output is JSON.
"""

from __future__ import annotations

import json
import os
import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from django.test import Client

from config.heap import heap_freeze
from config.pgbench import pgbench_ceiling, pgbench_line
from integrations.benchmarks.database import vacuum
from integrations.benchmarks.processes import CLOCK_TICKS


class _Counter:
    def __init__(self) -> None:
        self.statements = 0

    def __call__(self, execute, sql, params, many, context):
        self.statements += 1
        return execute(sql, params, many, context)


def _backend_cpu() -> float | None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        pid = cursor.fetchone()[0]
    try:
        with open(f"/proc/{pid}/stat") as stat:
            fields = stat.read().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS


class Stage:
    """CPU of this process and of its database backend, and statements, while the block runs."""

    def __init__(self, name: str, orders_of: int = 0) -> None:
        self.name = name
        self.orders = orders_of
        self.counter = _Counter()

    def __enter__(self) -> Stage:
        connection.ensure_connection()
        self.db0 = _backend_cpu()
        self.wrapper = connection.execute_wrapper(self.counter)
        self.wrapper.__enter__()
        self.cpu0 = time.process_time()
        return self

    def __exit__(self, *exc) -> None:
        self.cpu = time.process_time() - self.cpu0
        self.wrapper.__exit__(*exc)
        db1 = _backend_cpu()
        self.db = None if self.db0 is None or db1 is None else db1 - self.db0

    def figures(self) -> dict[str, Any]:
        n = max(1, self.orders)
        return {
            "orders": self.orders,
            "cpu_ms_per_order": round(self.cpu * 1000 / n, 3),
            "db_cpu_ms_per_order": None if self.db is None else round(self.db * 1000 / n, 3),
            "statements_per_order": round(self.counter.statements / n, 2),
        }


def _post(client: Client, path: str, body: bytes, headers: dict[str, str]) -> None:
    headers = dict(headers)
    content_type = headers.pop("Content-Type", None) or headers.pop("content-type", "application/json")
    response = client.generic("POST", path, body, content_type=content_type, headers=headers)
    if response.status_code != 200:
        raise CommandError(f"{path}: {response.status_code} {response.content[:300]!r}")


class Command(BaseCommand):
    help = "CPU per order of the webhook, ingestion and review stages (load-independent); last line is JSON."

    def add_arguments(self, parser):
        parser.add_argument("--orders", type=int, default=2000)
        parser.add_argument("--hot-share", type=float, default=0.2)
        parser.add_argument(
            "--one-by-one", action="store_true", help="review each order on its own (the path before batches)"
        )
        parser.add_argument("--pgbench-seconds", type=int, default=10, help="pgbench after the run (0: none)")

    def handle(self, *args, orders: int, hot_share: float, one_by_one: bool, pgbench_seconds: int, **options):
        from integrations.inbox.claiming import inbox_claim_due
        from integrations.inbox.processing import process_claimed
        from integrations.inbox.queueing import BATCH
        from integrations.simulator.options import Options
        from integrations.simulator.traffic import deliveries_plan
        from integrations.simulator.world import world_setup
        from orders.models import Order
        from orders.rules.services import order_rules_apply as review_one
        from orders.services.lifecycle import REVIEW_TASK_ORDERS
        from orders.states import Status
        from orders.tasks import order_rules_apply

        world = world_setup(Options(orders=orders, thin_share=0), base_url="http://127.0.0.1:9")
        deliveries, distinct = deliveries_plan(
            times=[0.0] * orders,
            shopify=world.shopify,
            taobao=None,
            skus=world.skus,
            hot=world.hot,
            hot_share=hot_share,
            thin_share=0,
            faults=set(),
        )
        requests = [delivery.build() for delivery in deliveries]
        vacuum()
        heap_freeze()  # as the web server and the worker cluster do once loaded (config/heap.py)
        client = Client()
        _post(client, *requests[0])  # the first request imports and caches what every later one uses
        stages: dict[str, dict[str, Any]] = {}

        with Stage("webhook", len(requests) - 1) as stage:
            for path, body, headers in requests[1:]:
                _post(client, path, body, headers)
        stages["webhook"] = stage.figures()

        with Stage("ingestion", len(distinct)) as stage:
            while True:
                claimed = inbox_claim_due(limit=BATCH, shop_id=world.shopify.shop_id)
                if not claimed:
                    break
                process_claimed(claimed)
        stages["ingestion"] = stage.figures()

        paid = list(
            Order.objects.filter(shop_id=world.shopify.shop_id, status=Status.PAID)
            .order_by("pk")
            .values_list("pk", flat=True)
        )
        with Stage("review", len(paid)) as stage:
            for start in range(0, len(paid), REVIEW_TASK_ORDERS):
                if one_by_one:
                    for order_id in paid[start : start + REVIEW_TASK_ORDERS]:
                        review_one(order_id=order_id)
                else:
                    order_rules_apply(paid[start : start + REVIEW_TASK_ORDERS])
        stages["review"] = stage.figures()

        reviewed = Order.objects.filter(shop_id=world.shopify.shop_id, rule_result__evaluated_at__isnull=False).count()
        total_cpu = sum(s["cpu_ms_per_order"] + (s["db_cpu_ms_per_order"] or 0) for s in stages.values())
        for name, figures in stages.items():
            self.stdout.write(
                f"{name:10} {figures['orders']:6} orders  {figures['cpu_ms_per_order']:8.3f} ms CPU/order  "
                f"PostgreSQL {figures['db_cpu_ms_per_order']} ms/order  "
                f"{figures['statements_per_order']} statements/order"
            )
        cpus = os.cpu_count() or 1
        capacity = 1000 * cpus / total_cpu if total_cpu else 0
        self.stdout.write(
            f"whole path: {total_cpu:.2f} ms of CPU per order ⇒ {capacity:.0f} orders/s on {cpus} cores at most"
        )
        ceiling = pgbench_ceiling("push_store", clients=cpus, seconds=pgbench_seconds)
        self.stdout.write(pgbench_line(ceiling))
        result = {
            "orders": orders,
            "review": "one by one" if one_by_one else "batches",
            "created": Order.objects.filter(shop_id=world.shopify.shop_id).count(),
            "reviewed": reviewed,
            "stages": stages,
            "cpu_ms_per_order": round(total_cpu, 3),
            "orders_per_s_at_most": round(capacity, 1),
            "cpus": cpus,
            "pgbench_tps": ceiling.get("tps"),
            "pgbench": ceiling,
            "load_average": round(os.getloadavg()[0], 2),
        }
        self.stdout.write(json.dumps(result))
