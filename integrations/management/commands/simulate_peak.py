"""The peak simulator (仿真压力舱): rehearse a sale's peak end to end in a database of its own.

    manage.py simulate_peak                                  # Double 11's midnight, peak 1,000 orders/s, 30,000 orders
    manage.py simulate_peak --curve 618 --orders-per-day 230000 --peak-factor 15 --orders 5000
    manage.py simulate_peak --curve my_curve.csv --peak-per-s 300 --fault duplicates,kill-worker
    manage.py simulate_peak --orders 300 --peak-per-s 50 --fresh     # small, on a new database

Sandbox platforms push signed webhooks to the run's own gunicorn; its own worker clusters store, create and
reserve the orders and review them with the shipped rules; a wave releaser puts the approved orders into waves.
Prints progress, a summary and one JSON line (offered, created, lost, duplicated, oversold,
achieved_peak_per_s, p95_latency_s, report, …); writes 《大促容量基线报告》 (``SIMULATOR_REPORT_DIR``). Exit status 1
when anything was lost, duplicated or oversold. ``integrations/simulator`` explains the parts;
docs/command-center.md the figures.
"""

from __future__ import annotations

import json
import sys

from django.core.management.base import BaseCommand, CommandError
from django.test.utils import override_settings

from config.errors import ApplicationError
from config.pgbench import pgbench_line
from integrations.simulator.curves import peak_per_s_from_day
from integrations.simulator.options import FAULTS, Options
from integrations.simulator.results import CPU_GROUPS


class Command(BaseCommand):
    help = "Rehearse a sale's peak on the real path in a database of its own; last line JSON."

    def add_arguments(self, parser):
        parser.add_argument("--curve", default="double11", help="double11, 618, or a CSV file (minute, orders)")
        parser.add_argument("--orders", type=int, default=30_000, help="distinct platform orders to offer")
        parser.add_argument("--peak-per-s", type=float, default=0, help="the curve's peak in orders/s (default 1000)")
        parser.add_argument("--orders-per-day", type=int, default=0, help="with --peak-factor: the peak from a day")
        parser.add_argument("--peak-factor", type=float, default=15.0, help="the peak ÷ the day's mean rate")
        parser.add_argument("--min-peak-seconds", type=float, default=15.0)
        parser.add_argument("--hot-share", type=float, default=0.2, help="share of orders on the hot SKUs")
        parser.add_argument("--hot-skus", type=int, default=5)
        parser.add_argument("--thin-share", type=float, default=0.2, help="share of Taobao thin notices (fetched)")
        parser.add_argument("--web", type=int, default=2, help="gunicorn worker processes")
        parser.add_argument("--threads", type=int, default=8, help="threads per gunicorn worker")
        parser.add_argument("--workers", type=int, default=2, help="ingestion worker processes")
        parser.add_argument("--review-workers", type=int, default=2, help="review worker processes")
        parser.add_argument("--clients", type=int, default=16, help="sender threads (the platforms' connections)")
        parser.add_argument("--fault", default="", help=f"comma-separated: {', '.join(FAULTS)}")
        parser.add_argument("--settle", type=float, default=300.0, help="seconds to wait for ingestion to settle")
        parser.add_argument("--review-settle", type=float, default=300.0, help="then for the reviews to settle")
        parser.add_argument("--target-per-s", type=float, default=0, help="the recommendation's target peak")
        parser.add_argument("--pgbench-seconds", type=int, default=10, help="pgbench after the run (0: none)")
        parser.add_argument("--database", default="", help="simulation database (default <configured>_peaksim)")
        parser.add_argument("--fresh", action="store_true", help="drop and create the simulation database first")
        parser.add_argument("--run-id", type=int, default=0, help=False)
        parser.add_argument("--phase", choices=["all", "drive"], default="all", help=False)
        parser.add_argument("--options-json", default="", help=False)

    def handle(self, *args, **options):
        # As in the children: with DEBUG on, every statement would also be rendered for the query log.
        with override_settings(DEBUG=False):
            if options["phase"] == "drive":
                return self._drive(options)
            return self._all(options)

    def _drive(self, options):
        from integrations.simulator.drive import Simulation
        from integrations.simulator.runner import EVENT

        def emit(event):
            self.stdout.write(EVENT + json.dumps(event, ensure_ascii=False, default=str))
            self.stdout.flush()

        result = Simulation(Options(**json.loads(options["options_json"])), emit).run()
        emit({"event": "result", "result": result})

    def _all(self, options):
        from django.conf import settings

        from integrations.simulator.runner import simulation_database, simulation_run

        peak = options["peak_per_s"] or (
            peak_per_s_from_day(orders_per_day=options["orders_per_day"], peak_factor=options["peak_factor"])
            if options["orders_per_day"]
            else 1_000.0
        )
        sim = Options(
            orders=options["orders"],
            peak_per_s=round(peak, 3),
            curve=options["curve"],
            min_peak_seconds=options["min_peak_seconds"],
            hot_share=options["hot_share"],
            hot_skus=options["hot_skus"],
            thin_share=options["thin_share"],
            web=options["web"],
            threads=options["threads"],
            workers=options["workers"],
            review_workers=options["review_workers"],
            clients=options["clients"],
            faults=[f.strip() for f in options["fault"].split(",") if f.strip()],
            settle_s=options["settle"],
            review_settle_s=options["review_settle"],
            target_per_s=options["target_per_s"],
            redis_url=settings.SIMULATOR_REDIS_URL,
            pgbench_seconds=options["pgbench_seconds"],
        )
        try:
            result = simulation_run(
                options=sim,
                database=options["database"] or simulation_database(),
                fresh=options["fresh"],
                run_id=options["run_id"] or None,
                out=self.stdout.write,
            )
        except ApplicationError as exc:
            raise CommandError(str(exc)) from exc
        self._summary(result)
        if result["lost"] or result["duplicated"] or result["oversold"]:
            sys.exit(1)

    def _summary(self, r):
        w = self.stdout.write
        label = "first run on a fresh database" if r["first_run_on_fresh_database"] else "a later run"
        w("")
        w(f"Peak simulation {r['run']} ({label}; {r['curve']} curve, peak {r['peak_per_s']} orders/s, {r['broker']})")
        w(
            f"  offered {r['offered']} orders ({r['deliveries']} deliveries) · created {r['created']} · reserved "
            f"{r['reserved']} · reviewed {r['reviewed']} · in waves {r['waved']} ({r['waves']} waves)"
        )
        w(
            f"  lost {r['lost']} · duplicated {r['duplicated']} · oversold {r['oversold']} · stored but not yet "
            f"processed when the run ended {r['unprocessed']}"
        )
        w(f"  by status {r['orders_by_status']} · paid but not reviewed {r['unreviewed_paid']}")
        latency = r["latency_s"]
        w(
            f"  achieved peak {r['achieved_peak_per_s']} orders/s (best 10 s reviewed; accepted "
            f"{r['accepted_peak_per_s']}/s, reserved {r['reserved_peak_per_s']}/s)"
        )
        w(
            f"  latency push→reserved p50/p95/p99 {_ps(latency['push_to_reserved'])} s · push→reviewed "
            f"{_ps(latency['push_to_reviewed'])} s"
        )
        w(
            f"  peaks: queue {r['queue_backlog_peak']} · inbox {r['inbox_backlog_peak']} · lock waits "
            f"{r['lock_waits_peak']} · connections {r['connections_peak']} · CPU mean {r['cpu_machine_mean']} % "
            f"(load {r['load_average'][0]} → {r['load_average'][1]} on {r['cpus']} CPUs)"
        )
        if cpu := r.get("cpu_ms_per_order"):
            w(
                "  CPU per order (ms): "
                + " · ".join(f"{name} {cpu[name]}" for name in (*CPU_GROUPS, "other"))
                + f" = machine {cpu['machine']} ({r['cpus']} CPUs)"
            )
        for name, row in r["recommendation"].items():
            bound = "at most " if row["kept_up"] else ""
            w(
                f"  for {r['target_per_s']} orders/s: {name} {bound}{row['needed']} (measured "
                f"{row['per_process_per_s']}/s per process, {row['processes']} ran"
                + (", kept up with what came in" if row["kept_up"] else "")
                + ")"
            )
        for fault in r["faults"]:
            w(f"  fault at {fault['at_s']} s: {fault['what']}")
        w(f"  {pgbench_line(r.get('pgbench') or {})}")
        w(f"  report: {r['report']}")
        w(json.dumps({k: v for k, v in r.items() if k != "series"}, ensure_ascii=False))


def _ps(values: dict) -> str:
    return "/".join("—" if values[k] is None else f"{values[k]:.2f}" for k in ("p50", "p95", "p99"))
