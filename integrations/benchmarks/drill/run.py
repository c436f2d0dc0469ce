"""The fault drill's run: orders streamed through HAProxy (every 7th sent again, stock adjustments with
Idempotency-Keys), a web node, a worker node, Redis and PostgreSQL broken one after another, and how long
orders took to flow again after each."""

from __future__ import annotations

import json
import os
import random
import signal
import threading
import time
from dataclasses import dataclass, field

from integrations.benchmarks.drill.compare import drill_compare
from integrations.benchmarks.drill.reads import reads_fresh, reads_lagging
from integrations.benchmarks.drill.world import SKUS, World
from integrations.benchmarks.http_load import http_post

FAULTS = ("web", "worker", "redis", "postgres")


@dataclass
class Delivery:
    platform: str
    external_id: str
    build: object  # () → (path with query, body, headers): signed afresh on every attempt, as platforms do
    probe: bool = False


@dataclass
class Drill:
    """The stream of deliveries through HAProxy, the faults one after another, the probes that time each
    recovery; ``run`` returns the report."""

    topology: object
    world: World
    cluster: object
    out: object
    http_retries: int = 0
    http_errors: int = 0
    adjustments_ok: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)
    t0: float = 0.0

    # --- deliveries -----------------------------------------------------------------------------------------

    def _orders(self, count: int) -> list[Delivery]:
        """Half Shopify full orders, half Taobao thin notices, each a distinct platform order."""
        from django.utils import timezone

        from integrations.sandbox import data, formats

        skus = [(code, code) for code in self.world.sku_codes]
        deliveries = []
        far = timezone.now().replace(year=timezone.now().year + 50)
        last = data.seq_at(timezone.now())
        shopify, taobao = self.world.shopify, self.world.taobao
        for n in range(count):
            if n % 2 == 0:
                native = formats.NATIVE["shopify"](data.generate(shopify.app_key, 100_000 + n, now=far, skus=skus))
                deliveries.append(Delivery("shopify", str(native["id"]), self._shopify_builder(native)))
            else:
                order = data.generate(taobao.app_key, last - n)
                deliveries.append(Delivery("taobao", formats.order_id("taobao", order), self._taobao_builder(order)))
        return deliveries

    def _shopify_builder(self, native):
        from integrations.signing import shopify_hmac

        connection = self.world.shopify
        body = json.dumps(native, ensure_ascii=False).encode()
        delivery_id = f"drill-{native['id']}"

        def build():
            return (
                f"/webhooks/shopify/{connection.shop.code}/",
                body,
                {
                    "Content-Type": "application/json",
                    "X-Shopify-Topic": "orders/create",
                    "X-Shopify-Hmac-Sha256": shopify_hmac(body, connection.webhook_secret),
                    "X-Shopify-Webhook-Id": delivery_id,
                    "X-Shopify-Shop-Domain": f"{connection.shop.code}.myshopify.com",
                },
            )

        return build

    def _taobao_builder(self, order):
        from urllib.parse import urlencode

        from integrations.sandbox import formats
        from integrations.sandbox.push import signed_push

        connection = self.world.taobao
        messages = formats.push_messages("taobao", order)

        def build():
            query, body, headers = signed_push("taobao", connection, messages)
            return f"/webhooks/taobao/{connection.shop.code}/?{urlencode(query)}", body, headers

        return build

    def _deliver(self, delivery: Delivery, *, deadline_s: float = 180) -> bool:
        """POST until a 2xx answer (a platform retries a webhook that got none)."""
        give_up = time.monotonic() + deadline_s
        attempt = 0
        while time.monotonic() < give_up:
            path, body, headers = delivery.build()
            status = http_post(self.topology.haproxy, path, body, headers)
            if 200 <= status < 300:
                return True
            attempt += 1
            with self.lock:
                self.http_retries += 1
            time.sleep(min(0.3 * attempt, 3))
        with self.lock:
            self.http_errors += 1
        return False

    def _adjust(self, key: str, sku: str) -> None:
        body = json.dumps(
            {
                "sku": sku,
                "warehouse": self.world.warehouse.code,
                "quantity": 5,
                "reason": "drill: goods found",
                "reference": key,
            }
        ).encode()
        headers = {
            "Content-Type": "application/json",
            "Authorization": f"Token {self.world.token}",
            "Idempotency-Key": key,
        }
        delivery = Delivery("api", key, lambda: ("/api/v1/stock/adjustments/", body, headers))
        if self._deliver(delivery):
            with self.lock:
                self.adjustments_ok.append(key)

    # --- the run --------------------------------------------------------------------------------------------

    def run(self, *, orders: int, gap: float) -> dict:
        deliveries = self._orders(orders)
        queue = list(deliveries)
        duplicates = [d for i, d in enumerate(deliveries) if i % 7 == 3]
        random.Random(7).shuffle(duplicates)
        queue += duplicates  # sent again later: a platform's repeated delivery
        self.t0 = time.monotonic()
        per_second = max(orders / (len(FAULTS) * gap + gap), 4)
        stop = threading.Event()
        work = threading.Semaphore(0)
        items = iter(queue)
        items_lock = threading.Lock()

        def sender(index: int):
            adjust = 0
            while not stop.is_set():
                work.acquire()
                with items_lock:
                    delivery = next(items, None)
                if delivery is None:
                    return
                self._deliver(delivery)
                adjust += 1
                if adjust % 25 == 0:
                    self._adjust(f"drill-adj-{self.world.run}-{index}-{adjust}", self.world.sku_codes[adjust % SKUS])

        threads = [threading.Thread(target=sender, args=(i,), daemon=True) for i in range(6)]
        for thread in threads:
            thread.start()

        def pace():
            for _ in queue:
                work.release()
                time.sleep(1 / per_second)
            for _ in threads:
                work.release()

        pacer = threading.Thread(target=pace, daemon=True)
        pacer.start()
        reads = reads_fresh(self.cluster, self.topology, self.world)
        fault_log = []
        for fault in FAULTS:
            time.sleep(gap)
            fault_log.append(self._fault(fault))
        reads.update(reads_lagging(self.cluster, self.topology, self.world))
        pacer.join()
        for thread in threads:
            thread.join(timeout=600)
        settled = self._settle(timeout=600)
        report = drill_compare(self.world, deliveries, len(queue), self.adjustments_ok)
        report.update(
            seconds=round(time.monotonic() - self.t0, 1),
            faults=[f["fault"] for f in fault_log],
            recovery_s=max(f["recovery_s"] for f in fault_log),
            held_work_resumed_s=next(f["recovery_s"] for f in fault_log if f["fault"] == "worker"),
            settled_after_senders=settled,
            fault_log=fault_log,
            reads=reads,
            http_retries=self.http_retries,
            http_errors=self.http_errors,
            load_average=round(os.getloadavg()[0], 2),
        )
        return report

    def _fault(self, fault: str) -> dict:
        cluster, topology = self.cluster, self.topology
        at = time.monotonic() - self.t0
        if fault == "web":
            cluster.node_kill(topology, "web1", signal.SIGKILL)
            what = "kill -9 web1 (HAProxy takes it out; restarted 10 s later)"
            threading.Timer(10, cluster.node_start, args=(topology, "web1")).start()
        elif fault == "worker":
            cluster.node_kill(topology, "worker1", signal.SIGKILL)
            what = "kill -9 worker1 mid-batch (its claims are handed back; restarted 15 s later)"
            threading.Timer(15, cluster.node_start, args=(topology, "worker1")).start()
        elif fault == "redis":
            cluster.node_kill(topology, "redis", signal.SIGKILL)
            cluster.node_start(topology, "redis")
            what = "Redis killed and started empty (queued tasks lost)"
        else:
            cluster.node_kill(topology, "postgres", signal.SIGKILL)
            cluster.node_start(topology, "postgres")
            what = "PostgreSQL primary killed -9 and started (crash recovery)"
        recovery = self._probe()
        self.out.write(f"  [{at:5.0f} s] {fault}: {what}; orders flowed again after {recovery:.1f} s")
        return {"fault": fault, "at_s": round(at, 1), "what": what, "recovery_s": round(recovery, 1)}

    def _probe(self) -> float:
        """Send one new order right after a fault; seconds until it is stored as an order."""
        from django.db import connection
        from django.utils import timezone

        from integrations.sandbox import data, formats
        from orders.models import Order

        started = time.monotonic()
        seq = 900_000 + int(started * 1000) % 99_999
        far = timezone.now().replace(year=timezone.now().year + 50)
        skus = [(code, code) for code in self.world.sku_codes]
        native = formats.NATIVE["shopify"](data.generate(self.world.shopify.app_key, seq, now=far, skus=skus))
        probe = Delivery("shopify", str(native["id"]), self._shopify_builder(native), probe=True)
        threading.Thread(target=self._deliver, args=(probe,), daemon=True).start()
        while time.monotonic() - started < 600:
            try:
                if Order.objects.filter(shop=self.world.shopify.shop, external_id=probe.external_id).exists():
                    return time.monotonic() - started
            except Exception:  # noqa: BLE001 - the database may be the thing restarting
                connection.close()
            time.sleep(0.25)
        return time.monotonic() - started

    def _settle(self, *, timeout: float) -> str:
        """Wait until no inbox message of the drill's shops is pending, being processed or failed."""
        from integrations.models import InboxMessage, WorkStatus

        started = time.monotonic()
        shops = [self.world.shopify.shop, self.world.taobao.shop]
        while time.monotonic() - started < timeout:
            left = InboxMessage.objects.filter(
                shop__in=shops, status__in=[WorkStatus.PENDING, WorkStatus.PROCESSING, WorkStatus.FAILED]
            ).count()
            if not left:
                return f"{time.monotonic() - started:.0f} s after the senders finished"
            time.sleep(1)
        return f"NOT within {timeout:.0f} s"
