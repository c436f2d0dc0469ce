"""Benchmark: how fast the API and the back office answer with many orders in the database.

    manage.py bench_api --orders 1000000            # fill a separate database, then measure over HTTP
    manage.py bench_api --orders 1000000 --reuse    # keep the orders already there (top up to N)

The database is a separate one (``--database``, default: the configured database's name + ``_scale``), created
if missing and migrated; it is never the configured (development) database. Without ``--reuse`` it is
dropped and filled again.

Fill: the orders come in through the real batch ingestion path, as ``bench_ingest --path batch`` measures it —
poll pages stored in the inbox exactly as ``shop_poll`` stores them, worked through by a real ``qcluster``
child (split, mapping, dedup, ``order_create_many`` with stock reserved) — for eight shops on four platforms
(Taobao, JD, Pinduoduo, Douyin: the big Taobao shops get the most orders) over 200 SKUs. Ingestion creates
every order "now" as paid, closed or on hold; a year of trading is then shaped by one UPDATE (each order
moved back by up to 365 days with all its times, and the status an order of that age has: completed,
delivered, in transit, shipped, picking, approved, a few cancelled) — see ``scale_shape``. That UPDATE is
not a business path; it only gives the lists the spread of dates and statuses a real database has. A killed
fill resumes with ``--reuse``: the cluster first finishes the pages still waiting, dedup drops repeats.

The pieces are in ``integrations/benchmarks/`` (the scale data set and its fill in ``scale``, the measured
requests in ``api_paths``, the HTTP clients in ``http_load``, the bench database in ``database``).

Measure: ``gunicorn config.wsgi`` (``--server-workers`` × ``--threads``, gthread, ``DEBUG=0``, persistent
connections) on a free port; ``--clients`` threads (default one per CPU: a request in flight per core; more
clients than cores measure the wait for a core as much as the request) send ``--requests`` requests per path,
mixed, after a warm-up: the partner API with a token (a partner who may see two shops and their warehouse) and the back
office with a session logged in through the login form (a manager granted every shop). Then pgbench runs a
primary-key read of ``orders_order`` with as many clients, for PostgreSQL's own ceiling on this machine at
that moment. The summary gives p50/p95 per path; the last line is JSON (``worst_p95_ms`` = the highest p95
of the paths with a target, ``load_average`` = the 1-minute load before and after measuring).
"""

from __future__ import annotations

import json
import os
import random
import signal
import time
from typing import Any

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import connection as db_connection
from django.test.utils import override_settings

from config.progress import ProgressBar
from integrations.benchmarks.api_paths import api_paths, partner_token
from integrations.benchmarks.database import (
    bench_database_prepare,
    bench_database_use,
    configured_name,
    database_url,
    vacuum,
)
from integrations.benchmarks.http_load import RequestPath, load_drive, session_login
from integrations.benchmarks.pgbench import pgbench_orders_read
from integrations.benchmarks.processes import child_env, child_stop, gunicorn_start, port_free, port_wait
from integrations.benchmarks.scale import MANAGER_USER, PASSWORD, scale_fill, scale_setup, scale_shape


class Command(BaseCommand):
    help = "Fill a separate database with N orders (real ingestion path), measure API/back-office p50/p95 over HTTP."

    def add_arguments(self, parser):
        parser.add_argument("--orders", type=int, default=20_000)
        parser.add_argument("--reuse", action="store_true", help="keep the orders already in the bench database")
        parser.add_argument("--database", default="", help="bench database name (default: <configured>_scale)")
        parser.add_argument("--fill-workers", type=int, default=2, help="qcluster worker processes for the fill")
        parser.add_argument("--server-workers", type=int, default=2, help="gunicorn worker processes")
        parser.add_argument("--threads", type=int, default=4, help="gunicorn threads per worker")
        parser.add_argument(
            "--clients", type=int, default=os.cpu_count() or 2, help="concurrent HTTP clients (default: one per CPU)"
        )
        parser.add_argument("--requests", type=int, default=200, help="measured requests per path")
        parser.add_argument("--pgbench-seconds", type=int, default=10)
        parser.add_argument("--timeout", type=float, default=7200.0, help="seconds the fill may take")
        parser.add_argument("--seed", type=int, default=1)

    def handle(self, *args, **options):
        if db_connection.vendor != "postgresql":
            raise CommandError("bench_api needs PostgreSQL (DATABASE_URL=postgres://…): it runs pgbench and gunicorn.")
        if options["orders"] < 1:
            raise CommandError("--orders must be at least 1")
        name = options["database"] or f"{configured_name()}_scale"
        if name == configured_name():
            raise CommandError(f"--database {name!r} is the configured database: the benchmark needs its own.")
        # SIGTERM (or a background job's ignored Ctrl-C) still stops the cluster and the server this run started.
        signal.signal(signal.SIGTERM, _exit)
        # As in the children: with DEBUG on, every statement would also be rendered for the query log.
        with override_settings(DEBUG=False):
            self._run(name, options)

    def _run(self, name: str, options) -> None:
        random.seed(options["seed"])
        bench_database_prepare(name, keep=options["reuse"])
        bench_database_use(name)
        if name != configured_name() and not name.startswith("test_"):
            call_command("migrate", verbosity=0, interactive=False)
        env = {
            **child_env(options["fill_workers"]),
            "DATABASE_URL": database_url(),
            "DB_REPLICA_URL": "",
            "LOG_LEVEL": "WARNING",
        }
        setup = scale_setup()
        fill_started = time.perf_counter()
        load_fill = os.getloadavg()[0]
        created = scale_fill(
            setup,
            options["orders"],
            env,
            workers=options["fill_workers"],
            timeout=options["timeout"],
            stream=self.stderr,
        )
        fill_seconds = time.perf_counter() - fill_started
        shaped = scale_shape()
        vacuum()
        with db_connection.cursor() as cursor:
            cursor.execute("VACUUM (ANALYZE) orders_order")
            cursor.execute("SELECT count(*), max(id) FROM orders_order")
            total, max_id = cursor.fetchone()
        paths = api_paths(setup)
        load_before = os.getloadavg()[0]
        http_result = self._measure(paths, env, options)
        load_after = os.getloadavg()[0]
        pgbench = pgbench_orders_read(max_id or 1, options["clients"], options["pgbench_seconds"])
        self._report(
            paths=paths,
            options=options,
            summary={
                "orders": total,
                "created_now": created,
                "shaped_now": shaped,
                "fill_seconds": round(fill_seconds, 1),
                "fill_orders_per_s": round(created / fill_seconds, 1) if created else None,
                "load_average_fill_start": round(load_fill, 2),
                "database": name,
                **http_result,
                "pgbench_tps": pgbench.get("tps"),
                "pgbench_latency_ms": pgbench.get("latency_ms"),
                "load_average": [round(load_before, 2), round(load_after, 2)],
                "cpus": os.cpu_count(),
            },
        )

    # --- measure -------------------------------------------------------------------------------------------

    def _measure(self, paths: list[RequestPath], env: dict[str, str], options) -> dict[str, Any]:
        port = port_free()
        server = gunicorn_start(
            port, workers=options["server_workers"], threads=options["threads"], env={**env, "DB_CONN_MAX_AGE": "60"}
        )
        try:
            port_wait(port, 60)
            cookies = session_login(port, username=MANAGER_USER, password=PASSWORD)
            token = partner_token()
            headers = {"token": {"Authorization": f"Token {token}"}, "session": {"Cookie": cookies}}
            warm = [(path, url) for path in paths for url in path.urls[:10]]
            load_drive(port, warm, headers, options["clients"], record=False)
            jobs = [(path, random.choice(path.urls)) for path in paths for _ in range(options["requests"])]
            random.shuffle(jobs)
            progress = ProgressBar(len(jobs), label="requests", stream=self.stderr)
            started = time.perf_counter()
            load_drive(port, jobs, headers, options["clients"], record=True, progress=progress)
            seconds = time.perf_counter() - started
        finally:
            child_stop(server)
        return {
            "requests": len(jobs),
            "requests_per_s": round(len(jobs) / seconds, 1),
            "clients": options["clients"],
            "server_workers": options["server_workers"],
            "threads": options["threads"],
        }

    def _report(self, *, paths: list[RequestPath], options, summary: dict[str, Any]) -> None:
        per_path = {path.name: path.summary() for path in paths}
        judged = [row["p95_ms"] for row in per_path.values() if row["target_p95_ms"] and row["p95_ms"]]
        failing = [
            name for name, row in per_path.items() if row["target_p95_ms"] and row["p95_ms"] > row["target_p95_ms"]
        ]
        not_ok = [name for name, row in per_path.items() if set(row["statuses"]) != {"200"}]
        out = self.stdout.write
        out(
            f"{summary['orders']:,} orders in {summary['database']} "
            f"({summary['created_now']:,} filled now in {summary['fill_seconds']} s"
            + (f", {summary['fill_orders_per_s']:,} orders/s" if summary["fill_orders_per_s"] else "")
            + ")"
        )
        out(
            f"gunicorn {summary['server_workers']} workers × {summary['threads']} threads, "
            f"{summary['clients']} clients, "
            f"{summary['requests']:,} requests at {summary['requests_per_s']} req/s; load average "
            f"{summary['load_average'][0]} → {summary['load_average'][1]} on {summary['cpus']} CPUs"
        )
        out(f"{'path':<28} {'p50 ms':>8} {'p95 ms':>8} {'max ms':>8} {'target':>7}  statuses")
        for name, row in per_path.items():
            target = f"≤{row['target_p95_ms']}" if row["target_p95_ms"] else "-"
            out(f"{name:<28} {row['p50_ms']:>8} {row['p95_ms']:>8} {row['max_ms']:>8} {target:>7}  {row['statuses']}")
        out(
            f"pgbench (primary-key read of orders_order, {options['clients']} clients): "
            f"{summary['pgbench_tps']} tps, {summary['pgbench_latency_ms']} ms average"
        )
        out("every target met" if not failing and not not_ok else f"over target: {failing}; not all 200: {not_ok}")
        self.stdout.write(
            json.dumps(
                {
                    **summary,
                    "worst_p95_ms": max(judged) if judged else None,
                    "over_target": failing,
                    "paths": per_path,
                },
                ensure_ascii=False,
            )
        )


def _exit(signum, frame):
    raise SystemExit(f"stopped by signal {signum}")
