"""Benchmark: orders per second through the real ingestion path (inbox → mapping → dedup → order creation).

    manage.py bench_ingest --orders 20000 --path batch     # polled pages, processed by the cluster
    manage.py bench_ingest --orders 5000 --path webhook    # signed Shopify webhooks over HTTP

Both paths start the real worker, ``qcluster`` (``--workers`` processes), as a child process on this
machine, on the configured database and broker (``Q_REDIS_URL`` set: Redis; else the ORM broker).

``batch``: the sandbox generates N orders in the platform's format (``--platform``, default taobao); they
are stored as poll pages of 100 exactly as ``shop_poll`` stores them, and the cluster runs the same tasks
as in production (split each page into per-order messages, then map, dedup and create, set-based).

The automatic review of the paid orders is queued for a separate cluster (``ORDERS_REVIEW_CLUSTER``,
default ``bench-review``) that is not started: ingestion is measured on its own.

``webhook``: also starts ``gunicorn`` (``--server-workers`` processes × 4 threads) on 127.0.0.1 and POSTs
N signed Shopify ``orders/create`` webhooks from ``--clients`` threads, then waits until the cluster has
processed them all. Reports the HTTP acceptance rate and the end-to-end rate.

The children run with ``DEBUG=0`` and persistent database connections, as a deployment would. On
PostgreSQL the database is vacuumed and analyzed first (see ``integrations.benchmarks.database.vacuum``). Every run
uses a fresh shop (``bench-…``) so nothing is deduplicated against an earlier run; the data stays in the
database. The last line of output is JSON.
"""

from __future__ import annotations

import http.client
import json
import os
import threading
import time
import uuid
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.db import connection as db_connection
from django.test.utils import override_settings
from django.utils import timezone

from config.pgbench import pgbench_ceiling, pgbench_line
from config.progress import ProgressBar
from integrations.benchmarks.database import vacuum
from integrations.benchmarks.http_load import clients_run, connection_open
from integrations.benchmarks.processes import (
    child_env,
    child_stop,
    cluster_start,
    cluster_wait,
    gunicorn_start,
    port_free,
    port_wait,
)
from integrations.models import InboxMessage, ShopConnection, WorkStatus

SKU_COUNT = 20


class Command(BaseCommand):
    help = "Measure ingestion throughput (orders/s) through the real inbox path; last line is JSON."

    def add_arguments(self, parser):
        parser.add_argument("--orders", type=int, default=1000)
        parser.add_argument("--path", choices=["batch", "webhook"], default="batch")
        parser.add_argument("--platform", choices=["taobao", "jd", "pdd", "douyin", "shopify"], default="taobao")
        parser.add_argument("--workers", type=int, default=2, help="qcluster worker processes")
        parser.add_argument("--server-workers", type=int, default=2, help="webhook: gunicorn worker processes")
        parser.add_argument("--clients", type=int, default=8, help="webhook: concurrent HTTP clients")
        parser.add_argument("--timeout", type=float, default=900.0, help="seconds to wait for processing")
        parser.add_argument("--pgbench-seconds", type=int, default=10, help="pgbench after the run (0: none)")

    def handle(self, *args, **options):
        # As in the children: with DEBUG on, every statement would also be rendered for the query log (for
        # a page of a hundred orders that costs more than storing it).
        with override_settings(DEBUG=False):
            self._run(options)

    def _run(self, options):
        count = options["orders"]
        if count < 1:
            raise CommandError("--orders must be at least 1")
        platform = "shopify" if options["path"] == "webhook" else options["platform"]
        waiting = InboxMessage.objects.filter(status__in=[WorkStatus.PENDING, WorkStatus.PROCESSING]).count()
        if waiting:
            raise CommandError(
                f"{waiting} inbox messages are still waiting to be processed: the cluster would work through them "
                "first and the figures would be wrong. Let a running qcluster finish them, or use another database."
            )
        connection, skus = self._setup(platform)
        natives = self._generate(platform, connection, skus, count)
        vacuum()
        env = child_env(options["workers"])
        cluster = cluster_start(env)
        try:
            cluster_wait(cluster, options["workers"])
            if options["path"] == "batch":
                result = self._batch(platform, connection, natives, options["timeout"])
            else:
                result = self._webhook(connection, natives, env, options)
        finally:
            child_stop(cluster)
        created = InboxMessage.objects.filter(shop=connection.shop, result="created").count()
        failed = InboxMessage.objects.filter(
            shop=connection.shop, status__in=[WorkStatus.FAILED, WorkStatus.DEAD]
        ).count()
        summary = {
            "path": options["path"],
            "platform": platform,
            "orders": count,
            "created": created,
            "failed": failed,
            "database": db_connection.vendor,
            "broker": "redis" if os.environ.get("Q_REDIS_URL") else "orm",
            "workers": options["workers"],
            **result,
        }
        self.stdout.write(
            f"{options['path']} ingestion of {count} {platform} orders on {db_connection.vendor}: "
            f"{summary['orders_per_s']:.0f} orders/s end to end ({created} created, {failed} failed)"
        )
        if "http_accept_per_s" in summary:
            self.stdout.write(
                f"HTTP: {summary['http_accept_per_s']:.0f} webhooks/s accepted ({summary['http_errors']} errors)"
            )
        clients = options["clients"] if options["path"] == "webhook" else options["workers"]
        ceiling = pgbench_ceiling("push_store", clients=clients, seconds=options["pgbench_seconds"])
        summary["pgbench_tps"] = ceiling.get("tps")
        summary["pgbench"] = ceiling
        self.stdout.write(pgbench_line(ceiling))
        self.stdout.write(json.dumps(summary))

    # --- setup ---------------------------------------------------------------------------------------------

    def _setup(self, platform: str):
        from inventory.models import SKU, Warehouse
        from inventory.services import stock_receive
        from orders.models import Shop

        run = uuid.uuid4().hex[:8]
        warehouse, _ = Warehouse.objects.get_or_create(code="bench-wh", defaults={"name": "Bench warehouse"})
        skus = []
        for index in range(1, SKU_COUNT + 1):
            sku, _ = SKU.objects.get_or_create(code=f"BENCH-SKU-{index:02d}", defaults={"name": f"压测商品 {index}"})
            skus.append(sku)
        stock_receive(warehouse=warehouse, lines=[(sku, 1_000_000) for sku in skus], reason="bench_ingest stock")
        shop = Shop.objects.create(
            code=f"bench-{run}", name=f"Bench {run}", platform=platform, default_warehouse=warehouse
        )
        connection = ShopConnection.objects.create(
            shop=shop,
            app_key=f"bench-{run}",
            app_secret=uuid.uuid4().hex,
            access_token=uuid.uuid4().hex,
            webhook_secret=uuid.uuid4().hex,
            is_enabled=False,  # never polled by a running cluster
        )
        return connection, [(sku.code, sku.name) for sku in skus]

    def _generate(self, platform, connection, skus, count) -> list[dict[str, Any]]:
        from integrations.sandbox import data, formats

        far = timezone.now().replace(year=timezone.now().year + 50)
        natives = []
        for seq in range(count):
            order = data.generate(connection.app_key, seq, now=far, skus=skus)
            natives.append(formats.NATIVE[platform](order))
        return natives

    # --- batch ---------------------------------------------------------------------------------------------

    def _batch(self, platform, connection, natives, timeout) -> dict[str, Any]:
        from integrations.platforms.client import Page
        from integrations.polling import _page_store

        started = time.perf_counter()
        now = timezone.now()
        sizes = []
        for start in range(0, len(natives), 100):
            page = Page(orders=natives[start : start + 100], raw="", total=len(natives))
            _page_store(connection, platform, page, now, now, str(start // 100 + 1))
            sizes.append(len(page.orders))
        stored = time.perf_counter()
        pages = InboxMessage.objects.filter(shop=connection.shop, kind=InboxMessage.Kind.POLL_PAGE).order_by("pk")
        sizes_by_page = dict(zip(pages.values_list("pk", flat=True), sizes, strict=True))
        done = self._wait(connection, len(natives), timeout, "batch", sizes_by_page)
        elapsed = time.perf_counter() - started
        return {
            "seconds": round(elapsed, 2),
            "orders_per_s": round(done / elapsed, 1),
            "store_seconds": round(stored - started, 2),
            "processed": done,
        }

    def _wait(self, connection, total: int, timeout: float, label: str, pages: dict[int, int] | None = None) -> int:
        """Until the cluster has settled ``total`` messages of the shop (or ``timeout``); returns how many.
        ``pages``: the stored poll pages (pk → number of orders), whose orders are not messages until split."""
        progress = ProgressBar(total, label=label, stream=self.stderr)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            left = self._left(connection, pages or {})
            progress(total - left)
            if not left:
                break
            time.sleep(0.2)
        return self._done(connection)

    def _left(self, connection, pages: dict[int, int]) -> int:
        """Orders not settled yet: messages waiting or being processed, and the orders of pages not yet split.
        Counts the few unsettled rows (an index range), not the many settled ones: the bench polls this five
        times a second while it is measured."""
        unsettled = InboxMessage.objects.filter(
            shop=connection.shop, status__in=[WorkStatus.PENDING, WorkStatus.PROCESSING, WorkStatus.FAILED]
        ).values_list("pk", "kind")
        return sum(pages.get(pk, 0) if kind == InboxMessage.Kind.POLL_PAGE else 1 for pk, kind in unsettled)

    def _done(self, connection) -> int:
        return InboxMessage.objects.filter(
            shop=connection.shop,
            kind__in=[InboxMessage.Kind.POLL, InboxMessage.Kind.PUSH],
            status__in=[WorkStatus.DONE, WorkStatus.DEAD],
        ).count()

    # --- webhook -------------------------------------------------------------------------------------------

    def _webhook(self, connection, natives, env, options) -> dict[str, Any]:
        from integrations.signing import shopify_hmac

        ShopConnection.objects.filter(pk=connection.pk).update(
            is_enabled=True, poll_interval_minutes=1440, next_poll_at=timezone.now().replace(year=2100)
        )
        port = port_free()
        server = gunicorn_start(port, workers=options["server_workers"], threads=4, env=env)
        try:
            port_wait(port, 60)
            bodies = [json.dumps(native).encode() for native in natives]
            path = f"/webhooks/shopify/{connection.shop.code}/"
            secret = connection.webhook_secret
            errors: list[str] = []
            lock = threading.Lock()

            def send(conn, job):
                index, body = job
                headers = {
                    "Content-Type": "application/json",
                    "X-Shopify-Topic": "orders/create",
                    "X-Shopify-Hmac-Sha256": shopify_hmac(body, secret),
                    "X-Shopify-Webhook-Id": f"bench-{connection.shop.code}-{index}",
                    "X-Shopify-Shop-Domain": "bench.myshopify.com",
                }
                for _attempt in range(3):
                    try:
                        conn.request("POST", path, body=body, headers=headers)
                        response = conn.getresponse()
                        response.read()
                        if response.status != 200:
                            with lock:
                                errors.append(f"HTTP {response.status}")
                        if response.getheader("connection", "").lower() == "close" or response.version == 10:
                            conn.close()
                            conn = connection_open(port, 30)
                        break
                    except (http.client.HTTPException, OSError):
                        conn.close()
                        conn = connection_open(port, 30)
                return conn

            progress = ProgressBar(len(bodies), label="webhooks", stream=self.stderr)
            started = time.perf_counter()
            clients_run(port, list(enumerate(bodies)), options["clients"], send, progress=progress, timeout=30)
            accepted = time.perf_counter() - started
            done = self._wait(connection, len(bodies) - len(errors), options["timeout"], "processed")
            total = time.perf_counter() - started
        finally:
            child_stop(server)
            ShopConnection.objects.filter(pk=connection.pk).update(is_enabled=False)
        return {
            "seconds": round(total, 2),
            "orders_per_s": round(done / total, 1),
            "http_seconds": round(accepted, 2),
            "http_accept_per_s": round(len(bodies) / accepted, 1),
            "http_errors": len(errors),
            "processed": done,
            "clients": options["clients"],
            "server_workers": options["server_workers"],
        }
