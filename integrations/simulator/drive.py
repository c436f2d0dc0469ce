"""One simulation, inside the simulator's own database (``simulate_peak --phase drive``).

1. The world: a warehouse with carriers and bins, ``hot_skus`` hot SKUs and 25 others with ample stock, the
   shipped review rules, and per run a Shopify and a Taobao sandbox shop (fresh platform order ids).
2. Its own processes: ``gunicorn`` (``web`` × ``threads``: the webhooks, and the Taobao sandbox the workers
   fetch from), a ``qcluster`` of ``workers`` processes (inbox → orders with stock reserved) and a second one
   of ``review_workers`` for the automatic review (``ORDERS_REVIEW_CLUSTER``), Redis as the broker when it
   answers, else the database. Periodic tasks wait, except the inbox's retry sweep.
3. Senders offer the orders on the curve's schedule over keep-alive connections and, like a platform, retry
   what got no 2xx answer; a wave releaser builds waves (``waves_build_auto``) every few seconds as a
   warehouse supervisor would; a sampler watches PostgreSQL, the queues and the CPU; the faults asked for
   happen at set points of the run.
4. When the senders are done and the path has settled (or ``settle_s`` ran out), the processes stop and the
   figures are computed from the rows: push → reserved → reviewed per order, what completed when, and the
   invariants (``integrations.rig.invariants``).
"""

from __future__ import annotations

import http.client
import os
import secrets
import signal
import threading
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import Any

from django.conf import settings
from django.db import connection

from integrations.benchmarks import processes
from integrations.benchmarks.database import database_url, vacuum
from integrations.benchmarks.invariants import invariants_count
from integrations.benchmarks.scale import schedules_hold, schedules_release
from integrations.simulator import measures
from integrations.simulator.curves import curve_load, plan_fit
from integrations.simulator.sampling import Sampler
from integrations.simulator.traffic import Delivery, deliveries_plan

FAULTS = ("503-storm", "duplicates", "out-of-order", "kill-worker", "carrier-outage")
WAREHOUSE = "PEAK-WH"
OTHER_SKUS = 25
REVIEW_CLUSTER = "peak-review"
KEEP_SCHEDULES = ("integrations.inbox_retry_due",)
WINDOW_S = 10.0
STALL_S = 20.0  # nothing queued and no order reviewed for this long: the reviews left are not coming


@dataclass
class Options:
    orders: int = 30_000
    peak_per_s: float = 1_000.0
    curve: str = "double11"
    min_peak_seconds: float = 15.0
    hot_share: float = 0.2
    hot_skus: int = 5
    thin_share: float = 0.2
    web: int = 2
    threads: int = 8
    workers: int = 2
    review_workers: int = 2
    clients: int = 16
    faults: list[str] = field(default_factory=list)
    settle_s: float = 300.0
    review_settle_s: float = 300.0
    wave_every_s: float = 5.0
    target_per_s: float = 0.0  # the recommendation's target (default: the run's peak)
    redis_url: str = ""


@dataclass
class World:
    warehouse: Any
    shopify: Any
    taobao: Any
    skus: list[tuple[str, str]]
    hot: list[tuple[str, str]]
    run: str
    fresh: bool
    runs_before: int


def world_setup(options: Options, *, base_url: str) -> World:
    from fulfilment.models import WarehouseCarrier
    from fulfilment.services.setup import fulfilment_setup
    from integrations.benchmarks.shops import sandbox_shop_create
    from inventory.models import SKU, Stock, Warehouse
    from inventory.services import stock_receive
    from orders.models import Shop
    from orders.rules.demo import demo_rules_seed

    runs_before = Shop.objects.filter(code__startswith="peak-", platform="shopify").count()
    run = secrets.token_hex(3)
    warehouse, _created = Warehouse.objects.get_or_create(code=WAREHOUSE, defaults={"name": "大促仿真仓"})
    hot = [
        SKU.objects.get_or_create(code=f"PEAK-H{i}", defaults={"name": f"爆款 {i}"})[0]
        for i in range(1, options.hot_skus + 1)
    ]
    other = [
        SKU.objects.get_or_create(code=f"PEAK-N{i:02d}", defaults={"name": f"仿真商品 {i}"})[0]
        for i in range(1, OTHER_SKUS + 1)
    ]
    # Ample stock: the run measures the path, not a sell-out (each order asks for up to 3 lines × 3 units).
    wanted = options.orders * 9 + 1_000
    have = dict(Stock.objects.filter(warehouse=warehouse).values_list("sku_id", "on_hand"))
    top_up = [(sku, wanted - have.get(sku.pk, 0)) for sku in hot + other if have.get(sku.pk, 0) < wanted]
    if top_up:
        stock_receive(warehouse=warehouse, lines=top_up, reason="peak simulator stock", system="simulator")
    if not WarehouseCarrier.objects.filter(warehouse=warehouse).exists():
        fulfilment_setup(warehouse=warehouse, aisles=3, bays=10)
    demo_rules_seed()
    shops = {
        platform: sandbox_shop_create(
            platform=platform,
            code=f"peak-{run}-{platform}",
            name=f"仿真 {platform} {run}",
            warehouse=warehouse,
            base_url=base_url,
            app_key=f"sandbox-peak-{platform}-{run}",
        )
        for platform in ("shopify", "taobao")
    }
    return World(
        warehouse=warehouse,
        shopify=shops["shopify"],
        taobao=shops["taobao"],
        skus=[(sku.code, sku.name) for sku in hot + other],
        hot=[(sku.code, sku.name) for sku in hot],
        run=run,
        fresh=runs_before == 0,
        runs_before=runs_before,
    )


# --- the broker ---------------------------------------------------------------------------------------------


def redis_reachable(url: str) -> bool:
    if not url:
        return False
    try:
        import redis

        redis.Redis.from_url(url, socket_connect_timeout=1).ping()
        return True
    except Exception:  # noqa: BLE001 - any failure means: use the database as the broker
        return False


def queue_keys() -> list[str]:
    return [f"django_q:{settings.Q_CLUSTER['name']}:q", f"django_q:{REVIEW_CLUSTER}:q"]


def queue_flush(redis_url: str) -> None:
    """Tasks a killed earlier run left in the simulator's broker would be worked first: gone."""
    if redis_url:
        import redis

        redis.Redis.from_url(redis_url).delete(*queue_keys())
    else:
        from django_q.models import OrmQ

        OrmQ.objects.filter(key__in=[settings.Q_CLUSTER["name"], REVIEW_CLUSTER]).delete()


def queue_size_reader(redis_url: str) -> Callable[[], int]:
    if redis_url:
        import redis

        client = redis.Redis.from_url(redis_url)
        return lambda: sum(client.llen(key) for key in queue_keys())

    def orm_size() -> int:
        from django_q.models import OrmQ

        return OrmQ.objects.filter(key__in=[settings.Q_CLUSTER["name"], REVIEW_CLUSTER]).count()

    return orm_size


# --- the run ------------------------------------------------------------------------------------------------


@dataclass
class Sent:
    lock: threading.Lock = field(default_factory=threading.Lock)
    accepted_at: dict[tuple[str, str], float] = field(default_factory=dict)  # first 2xx of each order (wall)
    answers: list[float] = field(default_factory=list)  # seconds from the start of every 2xx
    retries: int = 0
    errors: int = 0  # deliveries that never got a 2xx
    statuses: dict[int, int] = field(default_factory=dict)


class Simulation:
    def __init__(self, options: Options, emit: Callable[[dict], None]):
        self.options = options
        self.emit = emit
        self.sent = Sent()
        self.fault_log: list[dict] = []
        self.waves = 0
        self.wave_orders = 0
        self.stop_waves = threading.Event()

    # --- senders --------------------------------------------------------------------------------------------

    def _send(self, port: int, deliveries: list[Delivery], t0: float, deadline_s: float) -> None:
        index_lock = threading.Lock()
        position = [0]
        sent = self.sent

        def client() -> None:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            while True:
                with index_lock:
                    if position[0] >= len(deliveries):
                        break
                    delivery = deliveries[position[0]]
                    position[0] += 1
                wait = t0 + delivery.at - time.monotonic()
                if wait > 0:
                    time.sleep(wait)
                attempt = 0
                give_up = time.monotonic() + deadline_s
                while True:
                    path, body, headers = delivery.build()
                    status = 0
                    try:
                        conn.request("POST", path, body=body, headers=headers)
                        response = conn.getresponse()
                        response.read()
                        status = response.status
                        if response.getheader("connection", "").lower() == "close":
                            conn.close()
                    except (http.client.HTTPException, OSError):
                        conn.close()
                        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
                    with sent.lock:
                        sent.statuses[status] = sent.statuses.get(status, 0) + 1
                        if 200 <= status < 300:
                            sent.answers.append(time.monotonic() - t0)
                            sent.accepted_at.setdefault((delivery.platform, delivery.external_id), time.time())
                        else:
                            sent.retries += 1
                    if 200 <= status < 300:
                        break
                    attempt += 1
                    if time.monotonic() > give_up:
                        with sent.lock:
                            sent.errors += 1
                        break
                    time.sleep(min(0.2 * attempt, 2.0))  # a platform backs off before it sends again
            conn.close()

        threads = [threading.Thread(target=client, daemon=True) for _ in range(max(1, self.options.clients))]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()

    # --- the wave releaser ----------------------------------------------------------------------------------

    def _release_waves(self, warehouse) -> None:
        from fulfilment.services.waves import waves_build_auto

        try:
            while True:
                try:
                    built = waves_build_auto(warehouse=warehouse, capacity=200)
                except Exception as exc:  # noqa: BLE001 - reported, the run goes on (a supervisor would retry)
                    self.emit({"event": "wave_error", "error": str(exc)[:200]})
                    built = []
                self.waves += len(built)
                if self.stop_waves.wait(self.options.wave_every_s):
                    return
        finally:
            connection.close()

    # --- faults ---------------------------------------------------------------------------------------------

    def _faults(self, world: World, cluster, port: int, t0: float, seconds: float) -> None:
        from integrations.models import ShopConnection

        plan = []
        if "503-storm" in self.options.faults:
            plan.append((0.3, "503-storm"))
        if "kill-worker" in self.options.faults:
            plan.append((0.5, "kill-worker"))
        if "carrier-outage" in self.options.faults:
            plan.append((0.6, "carrier-outage"))
        try:
            for share, fault in plan:
                wait = t0 + share * seconds - time.monotonic()
                if wait > 0:
                    time.sleep(wait)
                at = round(time.monotonic() - t0, 1)
                if fault == "503-storm":
                    length = max(5.0, 0.2 * seconds)
                    base = f"http://127.0.0.1:{port}/sandbox/taobao"
                    ShopConnection.objects.filter(pk=world.taobao.pk).update(base_url=f"{base}/fault/503")
                    what = f"Taobao answers every API call with 503 for {length:.0f} s (the trades the workers fetch)"
                    self.fault_log.append({"fault": fault, "at_s": at, "what": what})
                    self.emit({"event": "fault", **self.fault_log[-1]})
                    time.sleep(length)
                    ShopConnection.objects.filter(pk=world.taobao.pk).update(base_url=base)
                elif fault == "kill-worker":
                    victim = processes.busiest(processes.descendants(cluster.pid))
                    if victim:
                        os.kill(victim, signal.SIGKILL)
                    what = f"kill -9 of the busiest ingestion worker (pid {victim}) mid-batch"
                    self.fault_log.append({"fault": fault, "at_s": at, "what": what})
                    self.emit({"event": "fault", **self.fault_log[-1]})
                elif fault == "carrier-outage":
                    self.fault_log.append(self._carrier_outage(world, at))
                    self.emit({"event": "fault", **self.fault_log[-1]})
        finally:
            connection.close()

    def _carrier_outage(self, world: World, at: float) -> dict:
        """The warehouse's default carrier is down (its e-waybill API answers 503): operations switch it off for
        the warehouse, waves go to the next carrier, and it is switched on again 10 s later."""
        from fulfilment.models import WarehouseCarrier

        first = (
            WarehouseCarrier.objects.filter(warehouse=world.warehouse, is_active=True, for_same_city=False)
            .order_by("priority")
            .first()
        )
        if first is None:
            return {"fault": "carrier-outage", "at_s": at, "what": "no carrier to take down"}
        WarehouseCarrier.objects.filter(pk=first.pk).update(is_active=False)
        threading.Timer(10, lambda: WarehouseCarrier.objects.filter(pk=first.pk).update(is_active=True)).start()
        return {
            "fault": "carrier-outage",
            "at_s": at,
            "what": f"carrier {first.carrier.code} out for 10 s: waves went to the next carrier",
        }

    # --- settle ---------------------------------------------------------------------------------------------

    def _progress(self, world: World) -> tuple[int, int, int]:
        from integrations.models import InboxMessage, WorkStatus
        from orders.models import Order, OrderRuleResult

        shops = [world.shopify.shop_id, world.taobao.shop_id]
        inbox = InboxMessage.objects.filter(
            shop_id__in=shops, status__in=[WorkStatus.PENDING, WorkStatus.PROCESSING, WorkStatus.FAILED]
        ).count()
        created = Order.objects.filter(shop_id__in=shops).count()
        reviewed = OrderRuleResult.objects.filter(order__shop_id__in=shops, evaluated_at__isnull=False).count()
        return inbox, created, reviewed

    def _reviewable(self, world: World) -> int:
        from orders.models import Order
        from orders.states import Status

        return Order.objects.filter(
            shop_id__in=[world.shopify.shop_id, world.taobao.shop_id], status=Status.PAID, rule_result__isnull=True
        ).count()

    def _settle(self, world: World, queue_size: Callable[[], int], distinct: int) -> tuple[float, float]:
        """Seconds until ingestion has settled (inbox settled, every order created: ``settle_s`` at most), then
        until the reviews have (nothing queued, no paid order waiting for its review: ``review_settle_s`` at most,
        and no longer than ``STALL_S`` without one more order reviewed)."""
        started = time.monotonic()
        while time.monotonic() - started < self.options.settle_s:
            inbox, created, _reviewed = self._progress(world)
            if not inbox and created >= distinct:
                break
            time.sleep(1)
        ingested = time.monotonic()
        last_reviewed, moved = -1, time.monotonic()
        while time.monotonic() - ingested < self.options.review_settle_s:
            _inbox, _created, reviewed = self._progress(world)
            if reviewed != last_reviewed:
                last_reviewed, moved = reviewed, time.monotonic()
            if not queue_size() and (not self._reviewable(world) or time.monotonic() - moved > STALL_S):
                break
            time.sleep(1)
        return round(ingested - started, 1), round(time.monotonic() - ingested, 1)

    # --- run ------------------------------------------------------------------------------------------------

    def run(self) -> dict:
        options = self.options
        curve = curve_load(options.curve)
        plan = plan_fit(
            curve, orders=options.orders, peak_per_s=options.peak_per_s, min_peak_seconds=options.min_peak_seconds
        )
        port = processes.port_free()
        world = world_setup(options, base_url=f"http://127.0.0.1:{port}")
        deliveries, distinct = deliveries_plan(
            times=plan.send_times(),
            shopify=world.shopify,
            taobao=world.taobao if options.thin_share > 0 else None,
            skus=world.skus,
            hot=world.hot,
            hot_share=options.hot_share,
            thin_share=options.thin_share,
            faults=set(options.faults),
        )
        self.emit(
            {
                "event": "plan",
                "orders": options.orders,
                "deliveries": len(deliveries),
                "seconds": round(plan.seconds, 1),
                "peak_per_s": plan.peak_per_s,
                "run": world.run,
                "fresh": world.fresh,
            }
        )
        vacuum()
        redis_url = options.redis_url if redis_reachable(options.redis_url) else ""
        queue_flush(redis_url)
        env = {
            **processes.child_env(options.workers),
            "DATABASE_URL": database_url(),
            "DB_REPLICA_URL": "",
            "SANDBOX_ENABLED": "1",
            "Q_REDIS_URL": redis_url,
            "CACHE_REDIS_URL": redis_url,
            "ORDERS_REVIEW_CLUSTER": REVIEW_CLUSTER,
            # A run lasts minutes, not hours: retries and handed-back claims come within seconds.
            "RETRY_BASE_SECONDS": "2",
            "RETRY_MAX_SECONDS": "10",
            "INTEGRATIONS_CLAIM_EXPIRY_SECONDS": "10",
            "LOG_LEVEL": "WARNING",
        }
        schedules_hold(keep=KEEP_SCHEDULES)
        web = processes.gunicorn_start(port, workers=options.web, threads=options.threads, env=env)
        cluster = processes.cluster_start(env)
        review = processes.cluster_start(
            {**env, "Q_CLUSTER_NAME": REVIEW_CLUSTER, "Q_WORKERS": str(max(1, options.review_workers))}
        )
        sampler = None
        try:
            processes.port_wait(port, 90)
            processes.cluster_wait(cluster, options.workers, 90)
            processes.cluster_wait(review, options.review_workers, 90)
            load_before = os.getloadavg()[0]
            t0 = time.monotonic()
            wall0 = time.time()
            sampler = Sampler(
                t0=t0,
                queue_size=queue_size_reader(redis_url),
                progress=lambda: self._progress(world),
                pids={"web": web.pid, "workers": cluster.pid, "review": review.pid},
                on_sample=lambda s: self.emit({"event": "sample", **asdict(s), "offered": plan.offered_at(s.t)}),
            )
            sampler.start()
            waves = threading.Thread(target=self._release_waves, args=(world.warehouse,), daemon=True)
            waves.start()
            faults = threading.Thread(target=self._faults, args=(world, cluster, port, t0, plan.seconds), daemon=True)
            faults.start()
            self._send(port, deliveries, t0, deadline_s=max(120.0, options.settle_s))
            sent_s = round(time.monotonic() - t0, 1)
            faults.join()
            settle_s, review_settle_s = self._settle(world, queue_size_reader(redis_url), len(distinct))
            self.stop_waves.set()
            waves.join(timeout=120)
            self._release_waves_once(world.warehouse)
            sampler.stop()
            load_after = os.getloadavg()[0]
        finally:
            if sampler:
                sampler.stop()
            for child in (web, cluster, review):
                processes.child_stop(child)
            schedules_release()
        return self._result(
            world=world,
            plan=plan,
            distinct=distinct,
            deliveries=deliveries,
            t0=t0,
            wall0=wall0,
            sent_s=sent_s,
            settle_s=settle_s,
            review_settle_s=review_settle_s,
            samples=sampler.samples,
            broker="redis" if redis_url else "orm",
            load=[round(load_before, 2), round(load_after, 2)],
        )

    def _release_waves_once(self, warehouse) -> None:
        from fulfilment.services.waves import waves_build_auto

        self.waves += len(waves_build_auto(warehouse=warehouse, capacity=200))

    # --- figures --------------------------------------------------------------------------------------------

    def _result(
        self, *, world, plan, distinct, deliveries, t0, wall0, sent_s, settle_s, review_settle_s, samples, broker, load
    ):
        from django.db.models import Count, Min

        from fulfilment.models import WaveOrder
        from inventory.models import Reservation
        from orders.models import Order, OrderRuleResult

        options = self.options
        shops = [world.shopify.shop, world.taobao.shop]
        counted = invariants_count(sent=distinct, shops=shops, warehouses=[world.warehouse])
        rows = list(
            Order.objects.filter(shop__in=shops).values_list("pk", "shop__platform", "external_id", "created_at")
        )
        ids = [pk for pk, *_ in rows]
        reserved = dict(
            Reservation.objects.filter(order_id__in=ids).values_list("order_id").annotate(first=Min("created_at"))
        )
        reviewed = dict(
            OrderRuleResult.objects.filter(order_id__in=ids, evaluated_at__isnull=False).values_list(
                "order_id", "evaluated_at"
            )
        )
        waved = dict(
            WaveOrder.objects.filter(order_id__in=ids).values_list("order_id").annotate(first=Min("wave__created_at"))
        )
        accepted = self.sent.accepted_at
        to_reserved, to_reviewed, to_waved = [], [], []
        created_t, reserved_t, reviewed_t = [], [], []
        for pk, platform, external, created_at in rows:
            created_t.append(created_at.timestamp() - wall0)
            pushed = accepted.get((platform, external))
            if pk in reserved:
                reserved_t.append(reserved[pk].timestamp() - wall0)
            if pk in reviewed:
                reviewed_t.append(reviewed[pk].timestamp() - wall0)
            if pushed is None:
                continue
            if pk in reserved:
                to_reserved.append(reserved[pk].timestamp() - pushed)
            if pk in reviewed:
                to_reviewed.append(reviewed[pk].timestamp() - pushed)
            if pk in waved:
                to_waved.append(waved[pk].timestamp() - pushed)
        length = int(max([sent_s + settle_s + review_settle_s, *reviewed_t, 1]) + 1)
        by_status = dict(
            Order.objects.filter(shop__in=shops).values_list("status").annotate(n=Count("id")).order_by("status")
        )
        best_reviewed = measures.best_window(reviewed_t, WINDOW_S) / WINDOW_S
        best_reserved = measures.best_window(reserved_t, WINDOW_S) / WINDOW_S
        best_accepted = measures.best_window(self.sent.answers, WINDOW_S) / WINDOW_S
        target = options.target_per_s or plan.peak_per_s
        best_offered = measures.best_window(plan.send_times(), WINDOW_S) / WINDOW_S
        recommendation = measures.recommend(
            [
                measures.Stage("web", options.web, best_accepted, best_offered),
                measures.Stage("workers", options.workers, best_reserved, best_accepted),
                measures.Stage("review_workers", options.review_workers, best_reviewed, best_reserved),
            ],
            target_per_s=target,
        )

        def pct(values):
            return {f"p{p}": _round(measures.percentile(values, p)) for p in (50, 95, 99)}

        return {
            "run": world.run,
            "first_run_on_fresh_database": world.fresh,
            "runs_before_on_database": world.runs_before,
            "curve": plan.curve,
            "window_first_minute": plan.first_minute,
            "minute_seconds": round(plan.minute_seconds, 2),
            "offered": counted.sent,
            "deliveries": len(deliveries),
            "created": counted.stored,
            "reserved": len(reserved),
            "reviewed": len(reviewed),
            "waved": len(waved),
            "waves": self.waves,
            **{k: v for k, v in counted.as_json().items() if k not in ("sent", "stored")},
            "peak_per_s": plan.peak_per_s,
            "achieved_peak_per_s": round(best_reviewed, 1),
            "reserved_peak_per_s": round(best_reserved, 1),
            "accepted_peak_per_s": round(best_accepted, 1),
            "p95_latency_s": _round(measures.percentile(to_reviewed, 95)),
            "latency_s": {"push_to_reserved": pct(to_reserved), "push_to_reviewed": pct(to_reviewed)},
            "push_to_waved_p50_s": _round(measures.percentile(to_waved, 50)),
            "queue_backlog_peak": max((s.queue for s in samples), default=0),
            "inbox_backlog_peak": max((s.inbox for s in samples), default=0),
            "lock_waits_peak": max((s.lock_waits for s in samples), default=0),
            "connections_peak": max((s.connections for s in samples), default=0),
            "cpu_machine_mean": _round(_mean([s.cpu_machine for s in samples])),
            "http": {
                "retries": self.sent.retries,
                "errors": self.sent.errors,
                "statuses": {str(k): v for k, v in sorted(self.sent.statuses.items())},
            },
            "faults": self.fault_log,
            "sent_s": sent_s,
            "settle_s": settle_s,
            "review_settle_s": review_settle_s,
            "settled": settle_s < options.settle_s,
            "unreviewed_paid": self._reviewable(world),
            "orders_by_status": by_status,
            "broker": broker,
            "processes": {"web": options.web, "workers": options.workers, "review_workers": options.review_workers},
            "hot_share": options.hot_share,
            "hot_skus": options.hot_skus,
            "target_per_s": target,
            "recommendation": recommendation,
            "load_average": load,
            "cpus": os.cpu_count(),
            "series": {
                "seconds": length,
                "offered": [round(plan.offered_at(s + 0.5), 1) for s in range(length)],
                "accepted": measures.per_second(self.sent.answers, length),
                "created": measures.per_second(created_t, length),
                "reviewed": measures.per_second(reviewed_t, length),
                "samples": [asdict(s) for s in samples],
            },
        }


def _round(value: float | None, digits: int = 3) -> float | None:
    return None if value is None else round(value, digits)


def _mean(values: list[float]) -> float | None:
    return sum(values) / len(values) if values else None
