"""The fault drill (``make cluster-check``): nothing lost, nothing done twice, nothing oversold while the cluster
loses a web node, a worker node, Redis and PostgreSQL.

    manage.py cluster_check [--short] [--orders N] [--dir /tmp/orderhub-cluster] [--reuse] [--keep]

1. Brings up the cluster (deploy/cluster.py: HAProxy, two web nodes, two worker clusters, PgBouncer, a
   PostgreSQL primary and streaming replica, Redis), unless ``--reuse`` finds one running.
2. Runs the drill in a child process connected to the cluster's database (``--phase drill``): a Shopify shop
   (signed ``orders/create`` webhooks with the full order) and a Taobao shop (signed TMC thin notices; the
   workers fetch each trade from the platform sandbox the web nodes serve), 20 SKUs with less stock than the
   orders want, and a partner token. Sender threads stream the orders through HAProxy, every 7th sent again
   (a platform's duplicate delivery), plus stock adjustments over the partner API with Idempotency-Keys. Like a
   platform, a sender retries whatever got no 2xx answer.
3. During the stream, one after another: ``kill -9`` web1, ``kill -9`` worker1 (mid-batch), a Redis restart
   (its queue is lost), a PostgreSQL restart (``kill -9`` of the primary, then a start). After each, a probe
   order is sent; ``recovery_s`` is the longest time from a fault until its probe was stored as an order.
4. Reads: the back-office order list through the partner API, counted on PgBouncer per database (replica vs
   primary); then the replica's replay is paused until it lags beyond ``DB_REPLICA_MAX_LAG_SECONDS`` and the
   same reads go to the primary, then resumed.
5. When the senders are done and the inbox has settled, compares what was sent with what is stored and prints a
   summary and one JSON line: ``sent``, ``stored``, ``lost``, ``duplicated``, ``oversold``, ``faults``,
   ``recovery_s``, reads by database, … Exit status 1 if anything was lost, duplicated or oversold.
"""

from __future__ import annotations

import http.client
import json
import os
import random
import signal
import subprocess
import sys
import threading
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

BASE_DIR = Path(settings.BASE_DIR)
SKUS = 20
FAULTS = ("web", "worker", "redis", "postgres")


def _cluster_module():
    sys.path.insert(0, str(BASE_DIR / "deploy"))
    import cluster  # deploy/cluster.py: standard library only

    return cluster


class Command(BaseCommand):
    help = "Fault drill on the production topology; last line JSON (sent, stored, lost, duplicated, oversold, …)."

    def add_arguments(self, parser):
        parser.add_argument("--dir", default=os.environ.get("CLUSTER_DIR", "/tmp/orderhub-cluster"))
        parser.add_argument("--port-base", type=int, default=7100)
        parser.add_argument("--short", action="store_true", help="CI: fewer orders, faults 15 s apart")
        parser.add_argument("--orders", type=int, default=0, help="orders to send (default 1200, short 300)")
        parser.add_argument("--reuse", action="store_true", help="use the cluster already running in --dir")
        parser.add_argument("--keep", action="store_true", help="leave the cluster running afterwards")
        parser.add_argument("--phase", choices=["all", "drill"], default="all", help=False)

    def handle(self, *args, **options):
        if options["phase"] == "drill":
            return self._drill(options)
        cluster = _cluster_module()
        started = time.monotonic()
        state = Path(options["dir"], "cluster.json")
        if options["reuse"] and state.exists():
            topology = cluster.load(options["dir"])
        else:
            topology = cluster.up(options["dir"], options["port_base"])
        up_seconds = time.monotonic() - started
        try:
            child = subprocess.run(
                [sys.executable, "manage.py", "cluster_check", "--phase", "drill", "--dir", options["dir"]]
                + (["--short"] if options["short"] else [])
                + (["--orders", str(options["orders"])] if options["orders"] else []),
                cwd=BASE_DIR,
                env={
                    **os.environ,
                    **topology.app_env(direct=True),
                    "LOG_FORMAT": "plain",
                    "PYTHONUNBUFFERED": "1",
                    "LOG_LEVEL": "WARNING",
                    "CLUSTER_UP_SECONDS": f"{up_seconds:.1f}",
                },
            )
        finally:
            if not options["keep"]:
                cluster.down(options["dir"])
        if child.returncode:
            raise CommandError(
                f"the drill found a problem (exit status {child.returncode}); logs in {options['dir']}/logs"
            )

    # --- the drill, inside the cluster's database --------------------------------------------------------------

    def _drill(self, options):
        cluster = _cluster_module()
        topology = cluster.load(options["dir"])
        short = options["short"]
        orders = options["orders"] or (300 if short else 1200)
        gap = 15.0 if short else 45.0
        world = _world(topology)
        drill = Drill(topology=topology, world=world, cluster=cluster, out=self.stdout)
        report = drill.run(orders=orders, gap=gap)
        report["cluster_up_s"] = float(os.environ.get("CLUSTER_UP_SECONDS", "0"))
        self._print(report)
        if report["lost"] or report["duplicated"] or report["oversold"]:
            sys.exit(1)

    def _print(self, r):
        w = self.stdout.write
        w("")
        w(
            f"Fault drill: {r['sent']} orders sent ({r['sent_with_duplicates']} deliveries with duplicates), "
            f"{r['adjustments_sent']} stock adjustments, in {r['seconds']:.0f} s"
        )
        w(f"  stored {r['stored']} · lost {r['lost']} · duplicated {r['duplicated']} · oversold {r['oversold']}")
        for fault in r["fault_log"]:
            w(
                f"  fault {fault['fault']:<8} at {fault['at_s']:>5.0f} s: {fault['what']}; orders flowed again after "
                f"{fault['recovery_s']:.1f} s"
            )
        w(
            f"  recovery_s (longest) {r['recovery_s']:.1f} · work held by the killed worker resumed after "
            f"{r['held_work_resumed_s']:.1f} s · inbox settled {r['settled_after_senders']}"
        )
        reads = r["reads"]
        w(
            f"  reads through PgBouncer: replica {reads['replica_queries']} queries, "
            f"primary {reads['primary_queries']} for 20 order-list reads while the replica was fresh (less background)"
        )
        w(
            f"  replica lag fallback: paused replay → lag {reads['lag_when_paused_s']} s > limit "
            f"{reads['max_lag_s']} s → /readyz says reads from {reads['readyz_reads_when_lagging']}; the same reads: "
            f"replica +{reads['replica_queries_when_lagging']}, primary +{reads['primary_queries_when_lagging']}"
        )
        w(f"  HTTP: {r['http_retries']} retries by the senders ({r['http_errors']} never answered 2xx)")
        w(json.dumps({k: v for k, v in r.items() if k != "fault_log"}, ensure_ascii=False))


# --- what the drill works with --------------------------------------------------------------------------------


@dataclass
class World:
    shopify: object
    taobao: object
    warehouse: object
    sku_codes: list[str]
    token: str
    stock_at_start: int
    run: str


def _world(topology) -> World:
    import datetime as dt
    import secrets

    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group
    from django.utils import timezone
    from rest_framework.authtoken.models import Token

    from integrations.models import ShopConnection
    from inventory.models import SKU, Warehouse
    from inventory.services import stock_receive
    from orders import roles
    from orders.access import shop_access_grant, warehouse_access_grant
    from orders.models import Shop

    run = uuid.uuid4().hex[:6]
    warehouse = Warehouse.objects.create(code=f"drill-{run}", name=f"演练仓 {run}")
    skus = [SKU.objects.create(code=f"DRILL-{run}-{i:02d}", name=f"演练商品 {i}") for i in range(1, SKUS + 1)]
    stock_receive(warehouse=warehouse, lines=[(sku, 60) for sku in skus], reason="drill opening stock")
    shops = {}
    for platform in ("shopify", "taobao"):
        shop = Shop.objects.create(
            code=f"drill-{platform}-{run}", name=f"演练 {platform}", platform=platform, default_warehouse=warehouse
        )
        shops[platform] = ShopConnection.objects.create(
            shop=shop,
            base_url=f"{topology.url}/sandbox/{platform}",
            app_key=f"sandbox-drill-{platform}-{run}",
            app_secret=secrets.token_hex(16),
            access_token=secrets.token_hex(16),
            webhook_secret=secrets.token_hex(16),
            token_expires_at=timezone.now() + dt.timedelta(days=60),
            is_enabled=True,
            poll_interval_minutes=1440,  # pushes only: no polling during the drill
            next_poll_at=timezone.now() + dt.timedelta(days=365),
        )
    user = get_user_model().objects.create(username=f"drill-partner-{run}", is_staff=True)
    user.groups.set(Group.objects.filter(name__in=[roles.MANAGER]))
    shop_access_grant(who=user, shops=[c.shop for c in shops.values()])
    warehouse_access_grant(who=user, warehouses=[warehouse])
    token = Token.objects.create(user=user).key
    return World(
        shopify=shops["shopify"],
        taobao=shops["taobao"],
        warehouse=warehouse,
        sku_codes=[sku.code for sku in skus],
        token=token,
        stock_at_start=60 * SKUS,
        run=run,
    )


@dataclass
class Delivery:
    platform: str
    external_id: str
    build: object  # () → (path with query, body, headers): signed afresh on every attempt, as platforms do
    probe: bool = False


@dataclass
class Drill:
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
            status = _post(self.topology.haproxy, path, body, headers)
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
        reads = self._reads_fresh()
        fault_log = []
        for fault in FAULTS:
            time.sleep(gap)
            fault_log.append(self._fault(fault))
        reads.update(self._reads_lagging())
        pacer.join()
        for thread in threads:
            thread.join(timeout=600)
        settled = self._settle(timeout=600)
        report = self._compare(deliveries, len(queue))
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

    # --- reads ------------------------------------------------------------------------------------------------

    def _pgbouncer_queries(self) -> dict[str, int]:
        rows = self.cluster.psql(self.topology.pgbouncer, "SHOW STATS", database="pgbouncer")
        counts = {}
        for line in rows.splitlines():
            cells = line.split("|")
            if len(cells) > 4:
                counts[cells[0]] = int(cells[2])  # database | total_xact_count | total_query_count | …
        return counts

    def _list_reads(self, count: int) -> None:
        for _ in range(count):
            _get(self.topology.haproxy, "/api/v1/orders/", {"Authorization": f"Token {self.world.token}"})

    def _measured(self, read) -> dict[str, int]:
        """Queries PgBouncer passed to the replica and the primary while ``read()`` ran, less what passed in the
        same time just before without it (health checks, lag probes, the drill's other traffic)."""
        first = self._pgbouncer_queries()
        started = time.monotonic()
        read()
        took = time.monotonic() - started
        second = self._pgbouncer_queries()
        time.sleep(took)
        third = self._pgbouncer_queries()
        out = {}
        for name, database in (("replica", "orderhub_replica"), ("primary", "orderhub")):
            during = second.get(database, 0) - first.get(database, 0)
            background = third.get(database, 0) - second.get(database, 0)
            out[name] = max(during - background, 0)
        return out

    def _reads_fresh(self) -> dict:
        time.sleep(2)  # the token's user has not written yet: not pinned
        counted = self._measured(lambda: self._list_reads(20))
        return {"replica_queries": counted["replica"], "primary_queries": counted["primary"]}

    def _reads_lagging(self) -> dict:
        """Pause the replica's replay until it lags beyond the limit; the same reads then go to the primary."""
        cluster, topology = self.cluster, self.topology
        reader = _reader_token(self.world)
        cluster.psql(topology.replica, "SELECT pg_wal_replay_pause()")
        try:
            limit = int(topology.app_env()["DB_REPLICA_MAX_LAG_SECONDS"])
            deadline = time.monotonic() + 60
            lag = 0.0
            while time.monotonic() < deadline:
                lag = float(
                    cluster.psql(
                        topology.replica,
                        "SELECT COALESCE(EXTRACT(EPOCH FROM now() - pg_last_xact_replay_timestamp()), 0)",
                    )
                )
                if lag > limit + 1:
                    break
                time.sleep(0.5)
            time.sleep(1.5)  # each web process measures the lag at most once a second
            readyz = json.loads(_get(topology.haproxy, "/readyz", {})[1] or "{}")

            def reads():
                for _ in range(20):
                    _get(topology.haproxy, "/api/v1/orders/", {"Authorization": f"Token {reader}"})

            counted = self._measured(reads)
        finally:
            cluster.psql(topology.replica, "SELECT pg_wal_replay_resume()")
        return {
            "max_lag_s": limit,
            "lag_when_paused_s": round(lag, 1),
            "readyz_reads_when_lagging": readyz.get("checks", {}).get("replica", {}).get("reads", "?"),
            "replica_queries_when_lagging": counted["replica"],
            "primary_queries_when_lagging": counted["primary"],
        }

    # --- what was sent, what is stored ------------------------------------------------------------------------

    def _compare(self, deliveries: list[Delivery], with_duplicates: int) -> dict:
        from django.db.models import Count, F, Sum

        from inventory.models import Reservation, Stock, StockMovement
        from inventory.selectors import stock_ledger_mismatches
        from orders.models import Order, OrderLine

        sent = {(d.platform, d.external_id) for d in deliveries}
        shops = {"shopify": self.world.shopify.shop, "taobao": self.world.taobao.shop}
        stored_rows = list(Order.objects.filter(shop__in=shops.values()).values_list("shop__platform", "external_id"))
        stored = {(platform, external) for platform, external in stored_rows}
        duplicate_orders = len(stored_rows) - len(stored)
        lost = len(sent - stored)
        adjust_keys = list(
            StockMovement.objects.filter(reference__startswith=f"drill-adj-{self.world.run}-").values_list(
                "reference", flat=True
            )
        )
        duplicate_adjustments = len(adjust_keys) - len(set(adjust_keys))
        lost_adjustments = len(set(self.adjustments_ok) - set(adjust_keys))
        lines = dict(OrderLine.objects.filter(order__shop__in=shops.values()).values_list("pk", "quantity"))
        held = (
            Reservation.objects.filter(order_line_id__in=list(lines), state=Reservation.State.ACTIVE)
            .values_list("order_line_id")
            .annotate(units=Sum("quantity"))
        )
        over_reserved_lines = sum(units > lines[line_id] for line_id, units in held)
        oversold_rows = Stock.objects.filter(warehouse=self.world.warehouse, reserved__gt=F("on_hand")).count()
        negative = Stock.objects.filter(warehouse=self.world.warehouse, on_hand__lt=0).count()
        mismatches = stock_ledger_mismatches()
        by_status = dict(Order.objects.filter(shop__in=shops.values()).values_list("status").annotate(n=Count("id")))
        return {
            "sent": len(sent),
            "sent_with_duplicates": with_duplicates,
            "stored": len(stored & sent),
            "lost": lost + lost_adjustments,
            "duplicated": duplicate_orders + duplicate_adjustments + over_reserved_lines,
            "oversold": oversold_rows + negative,
            "ledger_mismatches": len(mismatches),
            "adjustments_sent": len(self.adjustments_ok),
            "adjustments_applied": len(set(adjust_keys)),
            "orders_by_status": by_status,
        }


def _reader_token(world: World) -> str:
    """A second partner token that has never written (not pinned to the primary)."""
    from django.contrib.auth import get_user_model
    from rest_framework.authtoken.models import Token

    from orders.access import shop_access_grant

    user = get_user_model().objects.create(username=f"drill-reader-{uuid.uuid4().hex[:6]}", is_staff=True)
    user.groups.set(get_user_model().objects.get(auth_token__key=world.token).groups.all())
    shop_access_grant(who=user, shops=[world.shopify.shop, world.taobao.shop])
    return Token.objects.create(user=user).key


def _post(port: int, path: str, body: bytes, headers: dict) -> int:
    try:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        conn.request("POST", path, body=body, headers=headers)
        response = conn.getresponse()
        response.read()
        conn.close()
        return response.status
    except (OSError, http.client.HTTPException):
        return 0


def _get(port: int, path: str, headers: dict) -> tuple[int, str]:
    try:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        conn.request("GET", path, headers=headers)
        response = conn.getresponse()
        text = response.read().decode(errors="replace")
        conn.close()
        return response.status, text
    except (OSError, http.client.HTTPException):
        return 0, ""
