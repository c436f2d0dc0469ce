"""Benchmark: orders per second through the real ingestion path (inbox → mapping → dedup → order creation).

    manage.py bench_ingest --orders 2000 --path batch     # polled pages, processed by worker threads
    manage.py bench_ingest --orders 2000 --path webhook   # signed Shopify webhooks over HTTP

``batch``: the sandbox generates N orders in the platform's format (``--platform``, default taobao), they
are stored as poll pages of 100 exactly as ``shop_poll`` stores them, and ``--workers`` threads run the
same processing tasks the cluster runs (split each page into per-order messages, then map, dedup and
create), taking work from an in-process queue instead of the django-q broker.

``webhook``: starts ``runserver`` (threaded) and ``qcluster`` as child processes on this machine
(127.0.0.1, a free port), POSTs N signed Shopify ``orders/create`` webhooks from ``--clients`` threads,
and waits until the cluster has processed them all. Reports the HTTP acceptance rate and the end-to-end
rate. The child processes are stopped at the end.

Every run uses a fresh shop (``bench-…``) so nothing is deduplicated against an earlier run; the data
stays in the database. The last line of output is JSON.
"""

from __future__ import annotations

import http.client
import json
import os
import queue
import socket
import subprocess
import sys
import threading
import time
import uuid
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.db import connection as db_connection
from django.utils import timezone

from integrations.models import InboxMessage, ShopConnection, WorkStatus

SKU_COUNT = 20


class Progress:
    def __init__(self, total: int, label: str, stream):
        self.total, self.label, self.stream = max(total, 1), label, stream
        self.last = -1

    def show(self, done: int) -> None:
        percent = min(100, done * 100 // self.total)
        if percent != self.last:
            self.last = percent
            bar = "#" * (percent // 4) + "-" * (25 - percent // 4)
            self.stream.write(f"\r{self.label} [{bar}] {percent:3d}% ({done}/{self.total})")
            self.stream.flush()

    def end(self) -> None:
        self.stream.write("\n")
        self.stream.flush()


class Command(BaseCommand):
    help = "Measure ingestion throughput (orders/s) through the real inbox path; last line is JSON."

    def add_arguments(self, parser):
        parser.add_argument("--orders", type=int, default=1000)
        parser.add_argument("--path", choices=["batch", "webhook"], default="batch")
        parser.add_argument("--platform", choices=["taobao", "jd", "pdd", "douyin", "shopify"], default="taobao")
        parser.add_argument("--workers", type=int, default=2, help="batch: processing threads")
        parser.add_argument("--clients", type=int, default=8, help="webhook: concurrent HTTP clients")
        parser.add_argument("--timeout", type=float, default=600.0, help="webhook: seconds to wait for processing")

    def handle(self, *args, **options):
        count = options["orders"]
        if count < 1:
            raise CommandError("--orders must be at least 1")
        platform = "shopify" if options["path"] == "webhook" else options["platform"]
        connection, skus = self._setup(platform)
        natives = self._generate(platform, connection, skus, count)
        if options["path"] == "batch":
            result = self._batch(platform, connection, natives, options["workers"])
        else:
            result = self._webhook(connection, natives, options["clients"], options["timeout"])
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

    def _batch(self, platform, connection, natives, workers) -> dict[str, Any]:
        from integrations import inbox as inbox_module
        from integrations.platforms.client import Page
        from integrations.polling import _page_store

        work: queue.Queue = queue.Queue()
        original = inbox_module.enqueue_on_commit

        def enqueue(func, ids, **kwargs):  # the broker, in-process
            from django.db import transaction

            transaction.on_commit(lambda: work.put(list(ids)))

        inbox_module.enqueue_on_commit = enqueue
        progress = Progress(len(natives), "batch", self.stderr)
        started = time.perf_counter()
        try:
            now = timezone.now()
            for start in range(0, len(natives), 100):
                page = Page(orders=natives[start : start + 100], raw="", total=len(natives))
                _page_store(connection, platform, page, now, now, str(start // 100 + 1))
            stored = time.perf_counter()

            stop = threading.Event()

            def worker():
                try:
                    while not stop.is_set():
                        try:
                            ids = work.get(timeout=0.2)
                        except queue.Empty:
                            continue
                        inbox_module.inbox_process(ids)
                finally:
                    db_connection.close()

            threads = [threading.Thread(target=worker) for _ in range(max(1, workers))]
            for thread in threads:
                thread.start()
            done = 0
            while done < len(natives) and any(t.is_alive() for t in threads):
                done = self._done(connection)
                progress.show(done)
                time.sleep(0.1)
            elapsed = time.perf_counter() - started
            stop.set()
            for thread in threads:
                thread.join()
            progress.end()
        finally:
            inbox_module.enqueue_on_commit = original
        return {
            "seconds": round(elapsed, 2),
            "orders_per_s": round(len(natives) / elapsed, 1),
            "store_seconds": round(stored - started, 2),
            "workers": workers,
        }

    def _done(self, connection) -> int:
        return InboxMessage.objects.filter(
            shop=connection.shop,
            kind__in=[InboxMessage.Kind.POLL, InboxMessage.Kind.PUSH],
            status__in=[WorkStatus.DONE, WorkStatus.DEAD],
        ).count()

    # --- webhook -------------------------------------------------------------------------------------------

    def _webhook(self, connection, natives, clients, timeout) -> dict[str, Any]:
        from integrations.signing import shopify_hmac

        ShopConnection.objects.filter(pk=connection.pk).update(
            is_enabled=True, poll_interval_minutes=1440, next_poll_at=timezone.now().replace(year=2100)
        )
        port = _free_port()
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": os.environ.get("DJANGO_SETTINGS_MODULE", "config.settings"),
            # Persistent database connections, as a deployment would have (override by setting it).
            "DB_CONN_MAX_AGE": os.environ.get("DB_CONN_MAX_AGE", "60"),
            "DEBUG": "0",
            "SECRET_KEY": os.environ.get("SECRET_KEY", "bench-only-secret"),
        }
        manage = [sys.executable, "manage.py"]
        server = subprocess.Popen(
            [*manage, "runserver", "--noreload", f"127.0.0.1:{port}"],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        cluster = subprocess.Popen([*manage, "qcluster"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            _wait_for_port(port, 60)
            bodies = [json.dumps(native).encode() for native in natives]
            path = f"/webhooks/shopify/{connection.shop.code}/"
            secret = connection.webhook_secret
            jobs: queue.Queue = queue.Queue()
            for index, body in enumerate(bodies):
                jobs.put((index, body))
            errors: list[str] = []
            sent = [0]
            lock = threading.Lock()

            def client():
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
                while True:
                    try:
                        index, body = jobs.get_nowait()
                    except queue.Empty:
                        break
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
                                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
                            break
                        except (http.client.HTTPException, OSError):
                            conn.close()
                            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
                    with lock:
                        sent[0] += 1
                conn.close()

            progress = Progress(len(bodies), "webhooks", self.stderr)
            started = time.perf_counter()
            threads = [threading.Thread(target=client) for _ in range(max(1, clients))]
            for thread in threads:
                thread.start()
            while any(t.is_alive() for t in threads):
                progress.show(sent[0])
                time.sleep(0.2)
            progress.show(sent[0])
            progress.end()
            accepted = time.perf_counter() - started
            processing = Progress(len(bodies), "processed", self.stderr)
            deadline = time.monotonic() + timeout
            done = 0
            while time.monotonic() < deadline:
                done = self._done(connection)
                processing.show(done)
                if done >= len(bodies) - len(errors):
                    break
                time.sleep(0.2)
            processing.end()
            total = time.perf_counter() - started
        finally:
            for child in (server, cluster):
                child.terminate()
            for child in (server, cluster):
                try:
                    child.wait(timeout=20)
                except subprocess.TimeoutExpired:
                    child.kill()
            ShopConnection.objects.filter(pk=connection.pk).update(is_enabled=False)
        return {
            "seconds": round(total, 2),
            "orders_per_s": round(done / total, 1),
            "http_seconds": round(accepted, 2),
            "http_accept_per_s": round(len(bodies) / accepted, 1),
            "http_errors": len(errors),
            "processed": done,
            "clients": clients,
        }


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _wait_for_port(port: int, seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return
        except OSError:
            time.sleep(0.2)
    raise CommandError(f"the server did not start on port {port}")
