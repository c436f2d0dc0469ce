"""One simulation, inside the simulator's own database (``simulate_peak --phase drive``).

1. The world (``world``): a warehouse, hot and other SKUs with ample stock, the shipped review rules, a Shopify
   and a Taobao sandbox shop for the run.
2. Its own processes: ``gunicorn`` (``web`` × ``threads``: the webhooks, and the Taobao sandbox the workers
   fetch from), a ``qcluster`` of ``workers`` processes (inbox → orders with stock reserved) and a second one
   of ``review_workers`` for the automatic review (``ORDERS_REVIEW_CLUSTER``), Redis as the broker when it
   answers, else the database (``broker``). Periodic tasks wait, except the inbox's retry sweep.
3. Senders offer the orders (``traffic``) on the curve's schedule (``curves``) over keep-alive connections and,
   like a platform, retry what got no 2xx answer; a wave releaser builds waves (``waves_build_auto``) every few
   seconds as a warehouse supervisor would; a sampler (``sampling``) watches PostgreSQL, the queues and the CPU;
   the faults asked for (``faults``) happen at set points of the run.
4. When the senders are done, it waits for ingestion to settle (``settle_s``), then for the reviews
   (``review_settle_s``, or until they stop coming); the processes stop and ``results`` computes the figures.
"""

from __future__ import annotations

import os
import signal
import threading
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field

from django.db import connection

from integrations.benchmarks import processes
from integrations.benchmarks.database import database_url, vacuum
from integrations.benchmarks.http_load import KeepAlive, post_encode
from integrations.benchmarks.scale import schedules_hold, schedules_release
from integrations.simulator.broker import (
    NOTIFY_CLUSTER,
    REVIEW_CLUSTER,
    queue_flush,
    queue_size_reader,
    redis_reachable,
)
from integrations.simulator.curves import curve_load, plan_fit
from integrations.simulator.faults import faults_run
from integrations.simulator.options import Options
from integrations.simulator.results import result_compute
from integrations.simulator.sampling import Sampler
from integrations.simulator.traffic import Delivery, deliveries_plan
from integrations.simulator.world import (
    World,
    world_leftovers_set_aside,
    world_progress,
    world_setup,
    world_unreviewed,
)

KEEP_SCHEDULES = ("integrations.inbox_retry_due",)
STALL_S = 20.0  # nothing queued and no order reviewed for this long: the reviews left are not coming
WAVE_CAPACITY = 200


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
        self.stop_waves = threading.Event()
        self.env: dict[str, str] = {}
        self.cluster = None
        self.sampler: Sampler | None = None

    def _cluster_kill(self) -> str:
        """``kill -9`` of the ingestion cluster mid-batch (its main process, sentinel and workers), started again
        at once as a supervisor (systemd) would: the claims it held expire and are handed back."""
        old = self.cluster
        pids = [old.pid, *processes.descendants(old.pid)]
        for pid in pids:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        old.wait()
        processes.child_forget(old)
        self.cluster = processes.cluster_start(self.env)
        if self.sampler is not None:
            self.sampler.pids["workers"] = self.cluster.pid
        return f"kill -9 of the ingestion cluster mid-batch ({len(pids)} processes), started again at once"

    def _fault_record(self, fault: dict) -> None:
        self.fault_log.append(fault)
        self.emit({"event": "fault", **fault})

    # --- senders --------------------------------------------------------------------------------------------

    def _send(self, port: int, deliveries: list[Delivery], encoded: list[bytes | None], t0: float, deadline_s: float):
        """Offer ``deliveries`` on their schedule from ``clients`` threads, each on a keep-alive connection of its
        own. ``encoded``: each delivery's request as sent, when it is signed once (encoded before the clock
        started); the others are built and signed afresh at each attempt."""
        index_lock = threading.Lock()
        position = [0]
        sent = self.sent

        def client() -> None:
            conn = KeepAlive(port)
            while True:
                with index_lock:
                    if position[0] >= len(deliveries):
                        break
                    index = position[0]
                    position[0] += 1
                delivery = deliveries[index]
                wait = t0 + delivery.at - time.monotonic()
                if wait > 0:
                    time.sleep(wait)
                attempt = 0
                give_up = time.monotonic() + deadline_s
                while True:
                    status = conn.post(encoded[index] or post_encode(port, *delivery.build()))
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
                    built = waves_build_auto(warehouse=warehouse, capacity=WAVE_CAPACITY)
                except Exception as exc:  # noqa: BLE001 - reported, the run goes on (a supervisor would retry)
                    self.emit({"event": "wave_error", "error": str(exc)[:200]})
                    built = []
                self.waves += len(built)
                if self.stop_waves.wait(self.options.wave_every_s):
                    return
        finally:
            connection.close()

    # --- settle ---

    def _settle(self, world: World, queue_size: Callable[[], int], distinct: int) -> tuple[float, float]:
        """Seconds until ingestion has settled (inbox settled, every order created: ``settle_s`` at most), then
        until the reviews have (nothing queued, no paid order waiting for its review: ``review_settle_s`` at most,
        and no longer than ``STALL_S`` without one more order reviewed)."""
        started = time.monotonic()
        while time.monotonic() - started < self.options.settle_s:
            inbox, created, _reviewed = world_progress(world)
            if not inbox and created >= distinct:
                break
            time.sleep(1)
        ingested = time.monotonic()
        last_reviewed, moved = -1, time.monotonic()
        while time.monotonic() - ingested < self.options.review_settle_s:
            _inbox, _created, reviewed = world_progress(world)
            if reviewed != last_reviewed:
                last_reviewed, moved = reviewed, time.monotonic()
            if not queue_size() and (not world_unreviewed(world) or time.monotonic() - moved > STALL_S):
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
        set_aside = world_leftovers_set_aside(world)
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
                "set_aside": set_aside,
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
            "NOTIFY_CLUSTER": NOTIFY_CLUSTER,
            # A run lasts minutes, not hours: retries and handed-back claims come within seconds.
            "RETRY_BASE_SECONDS": "2",
            "RETRY_MAX_SECONDS": "10",
            "INTEGRATIONS_CLAIM_EXPIRY_SECONDS": "10",
            "LOG_LEVEL": "WARNING",
        }
        schedules_hold(keep=KEEP_SCHEDULES)
        web = processes.gunicorn_start(port, workers=options.web, threads=options.threads, env=env)
        self.env = env
        self.cluster = cluster = processes.cluster_start(env)
        review = processes.cluster_start(
            {**env, "Q_CLUSTER_NAME": REVIEW_CLUSTER, "Q_WORKERS": str(max(1, options.review_workers))}
        )
        # Buyer messages wait on their providers, not on the CPU: a cluster of their own, as many processes as
        # ingestion has, so that they never hold an ingestion worker.
        notify = processes.cluster_start(
            {**env, "Q_CLUSTER_NAME": NOTIFY_CLUSTER, "Q_WORKERS": str(max(1, options.workers))}
        )
        sampler = None
        try:
            processes.port_wait(port, 90)
            processes.cluster_wait(cluster, options.workers, 90)
            processes.cluster_wait(review, options.review_workers, 90)
            processes.cluster_wait(notify, options.workers, 90)
            # The senders' own CPU counts against the machine's: what can be built and signed once is, before
            # the clock starts (Taobao's notices sign their time, so they are signed as they are sent).
            encoded = [post_encode(port, *d.build()) if d.signed_once else None for d in deliveries]
            load_before = os.getloadavg()[0]
            t0 = time.monotonic()
            wall0 = time.time()
            self.sampler = sampler = Sampler(
                t0=t0,
                queue_size=queue_size_reader(redis_url),
                progress=lambda: world_progress(world),
                pids={"web": web.pid, "workers": cluster.pid, "review": review.pid, "notify": notify.pid},
                on_sample=lambda s: self.emit({"event": "sample", **asdict(s), "offered": plan.offered_at(s.t)}),
            )
            sampler.start()
            waves = threading.Thread(target=self._release_waves, args=(world.warehouse,), daemon=True)
            waves.start()
            faults = threading.Thread(
                target=faults_run,
                kwargs={
                    "faults": options.faults,
                    "world": world,
                    "cluster_kill": self._cluster_kill,
                    "port": port,
                    "t0": t0,
                    "seconds": plan.seconds,
                    "record": self._fault_record,
                },
                daemon=True,
            )
            faults.start()
            self._send(port, deliveries, encoded, t0, deadline_s=max(120.0, options.settle_s))
            sent_s = round(time.monotonic() - t0, 1)
            faults.join()
            settle_s, review_settle_s = self._settle(world, queue_size_reader(redis_url, notify=False), len(distinct))
            self.stop_waves.set()
            waves.join(timeout=120)
            self._release_waves_once(world.warehouse)
            sampler.stop()
            load_after = os.getloadavg()[0]
        finally:
            if sampler:
                sampler.stop()
            for child in (web, self.cluster, review, notify):
                processes.child_stop(child)
            schedules_release()
        result = result_compute(
            options=options,
            world=world,
            plan=plan,
            distinct=distinct,
            deliveries=deliveries,
            sent=self.sent,
            waves=self.waves,
            fault_log=self.fault_log,
            wall0=wall0,
            sent_s=sent_s,
            settle_s=settle_s,
            review_settle_s=review_settle_s,
            samples=sampler.samples,
            broker="redis" if redis_url else "orm",
            load=[round(load_before, 2), round(load_after, 2)],
        )
        result["set_aside_from_earlier_runs"] = set_aside
        return result

    def _release_waves_once(self, warehouse) -> None:
        from fulfilment.services.waves import waves_build_auto

        self.waves += len(waves_build_auto(warehouse=warehouse, capacity=WAVE_CAPACITY))
