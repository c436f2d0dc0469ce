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
delivered, in transit, shipped, picking, approved, a few cancelled) — see ``_shape``. That UPDATE is not a
business path; it only gives the lists the spread of dates and statuses a real database has. A killed fill
resumes with ``--reuse``: the cluster first finishes the pages still waiting, dedup drops repeats.

Measure: ``gunicorn config.wsgi`` (``--server-workers`` × ``--threads``, gthread, ``DEBUG=0``, persistent
connections) on a free port; ``--clients`` threads send ``--requests`` requests per path, mixed, after a
warm-up: the partner API with a token (a partner who may see two shops and their warehouse) and the back
office with a session logged in through the login form (a manager granted every shop). Then pgbench runs a
primary-key read of ``orders_order`` with as many clients, for PostgreSQL's own ceiling on this machine at
that moment. The summary gives p50/p95 per path; the last line is JSON (``worst_p95_ms`` = the highest p95
of the paths with a target, ``load_average`` = the 1-minute load before and after measuring).
"""

from __future__ import annotations

import datetime as dt
import http.client
import json
import os
import queue
import random
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from dataclasses import dataclass, field
from typing import Any

import dj_database_url
import psycopg
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import connection as db_connection
from django.db import connections
from django.test.utils import override_settings
from django.utils import timezone

from config.progress import ProgressBar
from integrations.management.commands.bench_ingest import (
    _child_env,
    _free_port,
    _gunicorn,
    _stop,
    _vacuum,
    _wait_for_cluster,
    _wait_for_port,
)

# (code, platform, share of the orders, warehouse): the partner sees the two south shops and their warehouse.
SHOPS = [
    ("scale-tb-flagship", "taobao", 30, "scale-east"),
    ("scale-tb-outlet", "taobao", 15, "scale-east"),
    ("scale-jd-self", "jd", 15, "scale-east"),
    ("scale-pdd-main", "pdd", 10, "scale-east"),
    ("scale-dy-live", "douyin", 10, "scale-east"),
    ("scale-tb-kids", "taobao", 5, "scale-east"),
    ("scale-jd-south", "jd", 8, "scale-south"),
    ("scale-dy-south", "douyin", 7, "scale-south"),
]
WAREHOUSES = [("scale-east", "华东仓"), ("scale-south", "华南仓")]
PARTNER_SHOPS = ["scale-jd-south", "scale-dy-south"]
PARTNER_WAREHOUSE = "scale-south"
SKU_COUNT = 200
PAGE = 100
CHUNK = 20_000  # orders generated and stored at a time (memory), the cluster working on the previous chunk
PARTNER_USER = "scale-partner"
MANAGER_USER = "scale-manager"
PASSWORD = "scale-bench-password"  # a throw-away database's users; never the development database

# Targets per path (p95, ms): the partner API and stock ≤ 50, the back-office list ≤ 200.
API_P95_MS = 50
BACK_OFFICE_P95_MS = 200


@dataclass
class Path:
    name: str
    target_ms: int | None
    auth: str  # "token" | "session"
    urls: list[str]
    times: list[float] = field(default_factory=list)
    statuses: dict[int, int] = field(default_factory=dict)


class Command(BaseCommand):
    help = "Fill a separate database with N orders (real ingestion path), measure API/back-office p50/p95 over HTTP."

    def add_arguments(self, parser):
        parser.add_argument("--orders", type=int, default=20_000)
        parser.add_argument("--reuse", action="store_true", help="keep the orders already in the bench database")
        parser.add_argument("--database", default="", help="bench database name (default: <configured>_scale)")
        parser.add_argument("--fill-workers", type=int, default=2, help="qcluster worker processes for the fill")
        parser.add_argument("--server-workers", type=int, default=2, help="gunicorn worker processes")
        parser.add_argument("--threads", type=int, default=4, help="gunicorn threads per worker")
        parser.add_argument("--clients", type=int, default=4, help="concurrent HTTP clients")
        parser.add_argument("--requests", type=int, default=200, help="measured requests per path")
        parser.add_argument("--pgbench-seconds", type=int, default=10)
        parser.add_argument("--timeout", type=float, default=7200.0, help="seconds the fill may take")
        parser.add_argument("--seed", type=int, default=1)

    def handle(self, *args, **options):
        if db_connection.vendor != "postgresql":
            raise CommandError("bench_api needs PostgreSQL (DATABASE_URL=postgres://…): it runs pgbench and gunicorn.")
        if options["orders"] < 1:
            raise CommandError("--orders must be at least 1")
        name = options["database"] or f"{_configured_name()}_scale"
        if name == _configured_name():
            raise CommandError(f"--database {name!r} is the configured database: the benchmark needs its own.")
        # SIGTERM (or a background job's ignored Ctrl-C) still stops the cluster and the server this run started.
        signal.signal(signal.SIGTERM, _exit)
        # As in the children: with DEBUG on, every statement would also be rendered for the query log.
        with override_settings(DEBUG=False):
            self._run(name, options)

    def _run(self, name: str, options) -> None:
        random.seed(options["seed"])
        _database_prepare(name, keep=options["reuse"])
        _database_use(name)
        if name != _configured_name() and not name.startswith("test_"):
            call_command("migrate", verbosity=0, interactive=False)
        env = {
            **_child_env(options["fill_workers"]),
            "DATABASE_URL": _database_url(),
            "DB_REPLICA_URL": "",
            "LOG_LEVEL": "WARNING",
        }
        setup = _setup()
        fill_started = time.perf_counter()
        load_fill = os.getloadavg()[0]
        created = self._fill(setup, options["orders"], env, options)
        fill_seconds = time.perf_counter() - fill_started
        shaped = _shape()
        _vacuum()
        with db_connection.cursor() as cursor:
            cursor.execute("VACUUM (ANALYZE) orders_order")
            cursor.execute("SELECT count(*), max(id) FROM orders_order")
            total, max_id = cursor.fetchone()
        paths = _paths(setup)
        load_before = os.getloadavg()[0]
        http_result = self._measure(paths, env, options)
        load_after = os.getloadavg()[0]
        pgbench = _pgbench(max_id or 1, options["clients"], options["pgbench_seconds"])
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

    # --- fill ----------------------------------------------------------------------------------------------

    def _fill(self, setup: dict[str, Any], target: int, env: dict[str, str], options) -> int:
        """Orders through the inbox until the shops hold ``target`` between them; returns how many were new."""
        from integrations.models import InboxMessage, WorkStatus
        from orders.models import Order

        have = Order.objects.filter(shop__code__startswith="scale-").count()
        waiting = InboxMessage.objects.filter(status__in=[WorkStatus.PENDING, WorkStatus.PROCESSING]).exists()
        if have >= target and not waiting:
            self.stderr.write(f"{have} orders already in the database: no fill")
            return 0
        cluster = subprocess.Popen(
            [sys.executable, "manage.py", "qcluster"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        try:
            _wait_for_cluster(cluster, options["fill_workers"])
            _schedules_hold()
            deadline = time.monotonic() + options["timeout"]
            progress = ProgressBar(target, label="fill", stream=self.stderr)
            self._drain(deadline, progress, have)  # pages a killed run left
            have = Order.objects.filter(shop__code__startswith="scale-").count()
            before = have
            plan = _plan(setup, target)
            while any(plan.values()):
                natives = 0
                for connection, platform, seqs in _chunk(setup, plan, CHUNK):
                    natives += _store(connection, platform, seqs)
                self._drain(deadline, progress, have, natives)
                have = Order.objects.filter(shop__code__startswith="scale-").count()
            progress(have)
        finally:
            _stop(cluster)
            _schedules_release()
        return have - before

    def _drain(self, deadline: float, progress, have: int, stored: int = 0) -> None:
        """Until the cluster has settled every inbox message (or the time is up)."""
        from integrations.models import InboxMessage, WorkStatus

        while time.monotonic() < deadline:
            unsettled = InboxMessage.objects.filter(status__in=[WorkStatus.PENDING, WorkStatus.PROCESSING])
            left = unsettled.count()
            progress(min(have + max(stored - left, 0), progress.total))
            if not left:
                return
            time.sleep(0.5)
        raise CommandError("the fill did not finish in time (--timeout); run again with --reuse to go on")

    # --- measure -------------------------------------------------------------------------------------------

    def _measure(self, paths: list[Path], env: dict[str, str], options) -> dict[str, Any]:
        port = _free_port()
        server = _gunicorn(
            port, workers=options["server_workers"], threads=options["threads"], env={**env, "DB_CONN_MAX_AGE": "60"}
        )
        try:
            _wait_for_port(port, 60)
            cookies = _login(port)
            token = _token()
            headers = {"token": {"Authorization": f"Token {token}"}, "session": {"Cookie": cookies}}
            warm = [(path, url) for path in paths for url in path.urls[:10]]
            _drive(port, warm, headers, options["clients"], record=False)
            jobs = [(path, random.choice(path.urls)) for path in paths for _ in range(options["requests"])]
            random.shuffle(jobs)
            progress = ProgressBar(len(jobs), label="requests", stream=self.stderr)
            started = time.perf_counter()
            _drive(port, jobs, headers, options["clients"], record=True, progress=progress)
            seconds = time.perf_counter() - started
        finally:
            _stop(server)
        return {
            "requests": len(jobs),
            "requests_per_s": round(len(jobs) / seconds, 1),
            "clients": options["clients"],
            "server_workers": options["server_workers"],
            "threads": options["threads"],
        }

    def _report(self, *, paths: list[Path], options, summary: dict[str, Any]) -> None:
        per_path = {}
        for path in paths:
            times = sorted(path.times)
            per_path[path.name] = {
                "p50_ms": _percentile(times, 50),
                "p95_ms": _percentile(times, 95),
                "max_ms": round(times[-1], 1) if times else None,
                "requests": len(times),
                "statuses": {str(code): count for code, count in sorted(path.statuses.items())},
                "target_p95_ms": path.target_ms,
            }
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


# --- the bench database ------------------------------------------------------------------------------------


def _configured_name() -> str:
    return dj_database_url.parse(settings.DATABASE_URL)["NAME"]


def _admin_conninfo() -> str:
    params = db_connection.settings_dict
    return psycopg.conninfo.make_conninfo(
        dbname="postgres",
        user=params.get("USER") or None,
        password=params.get("PASSWORD") or None,
        host=params.get("HOST") or None,
        port=str(params.get("PORT") or "") or None,
    )


def _database_prepare(name: str, *, keep: bool) -> None:
    """The bench database exists (dropped first unless ``keep``)."""
    if name.startswith("test_"):
        return  # the test suite's own database (the smoke test): it exists and is migrated
    with psycopg.connect(_admin_conninfo(), autocommit=True) as admin:
        exists = admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if exists and not keep:
            admin.execute(f'DROP DATABASE "{name}" WITH (FORCE)')
            exists = None
        if not exists:
            admin.execute(f'CREATE DATABASE "{name}"')


def _database_use(name: str) -> None:
    """This process's default connection points at the bench database from now on."""
    connections["default"].close()
    connections["default"].settings_dict["NAME"] = name
    settings.DATABASES["default"]["NAME"] = name


def _database_url() -> str:
    params = db_connection.settings_dict
    user = urllib.parse.quote(params.get("USER") or "")
    password = params.get("PASSWORD") or ""
    auth = f"{user}:{urllib.parse.quote(password)}@" if password else (f"{user}@" if user else "")
    host = params.get("HOST") or "127.0.0.1"
    port = params.get("PORT") or 5432
    return f"postgres://{auth}{host}:{port}/{params['NAME']}"


# --- data ----------------------------------------------------------------------------------------------------


def _setup() -> dict[str, Any]:
    """Warehouses, SKUs with stock, shops with their (disabled) connections, the partner and the manager."""
    from django.contrib.auth.models import Group, User
    from rest_framework.authtoken.models import Token

    from integrations.models import ShopConnection
    from inventory.models import SKU, Warehouse
    from inventory.services import stock_receive
    from orders.access import shop_access_grant, warehouse_access_grant
    from orders.models import Shop
    from orders.roles import MANAGER, SALES_CS

    warehouses = {}
    for code, label in WAREHOUSES:
        warehouses[code], _ = Warehouse.objects.get_or_create(code=code, defaults={"name": label})
    skus = []
    for index in range(1, SKU_COUNT + 1):
        sku, made = SKU.objects.get_or_create(code=f"SCALE-{index:04d}", defaults={"name": f"规模测试商品 {index}"})
        skus.append(sku)
    if not any(w.stocks.exists() for w in warehouses.values()):
        for warehouse in warehouses.values():
            stock_receive(warehouse=warehouse, lines=[(sku, 100_000_000) for sku in skus], reason="bench_api stock")
    connections_by_shop = {}
    for code, platform, _share, warehouse in SHOPS:
        shop, _ = Shop.objects.get_or_create(
            code=code, defaults={"name": code, "platform": platform, "default_warehouse": warehouses[warehouse]}
        )
        connection, _ = ShopConnection.objects.get_or_create(
            shop=shop,
            defaults={
                "app_key": code,
                "app_secret": "bench",
                "access_token": "bench",
                "webhook_secret": "bench",
                "is_enabled": False,  # never polled: orders come from this command's pages only
            },
        )
        connections_by_shop[code] = connection
    partner, made = User.objects.get_or_create(username=PARTNER_USER)
    if made:
        partner.groups.add(Group.objects.get(name=SALES_CS))
        shop_access_grant(who=partner, shops=list(Shop.objects.filter(code__in=PARTNER_SHOPS)))
        warehouse_access_grant(who=partner, warehouses=[warehouses[PARTNER_WAREHOUSE]])
    Token.objects.get_or_create(user=partner)
    manager, made = User.objects.get_or_create(username=MANAGER_USER)
    if made:
        manager.groups.add(Group.objects.get(name=MANAGER))
        shop_access_grant(who=manager, shops=list(Shop.objects.filter(code__startswith="scale-")))
        warehouse_access_grant(who=manager, warehouses=list(warehouses.values()))
    manager.set_password(PASSWORD)
    manager.save(update_fields=["password"])
    return {"connections": connections_by_shop, "skus": [(sku.code, sku.name) for sku in skus]}


def _schedules_hold() -> None:
    """The periodic tasks (SLA watch, sweepers, syncs) wait while the cluster fills: they are not ingestion, and
    on a half-filled database they would only compete with it (the cluster upserts them when it starts)."""
    from django_q.models import Schedule

    Schedule.objects.update(next_run=timezone.now() + dt.timedelta(days=3650))


def _schedules_release() -> None:
    from django_q.models import Schedule

    Schedule.objects.update(next_run=timezone.now())


def _plan(setup: dict[str, Any], target: int) -> dict[str, list[int]]:
    """Per shop, the platform sequence numbers still to come so the shops hold ``target`` in their shares."""
    from django.db.models import Count

    from orders.models import Order

    have = dict(Order.objects.filter(shop__code__startswith="scale-").values_list("shop__code").annotate(n=Count("id")))
    weights = sum(share for _code, _platform, share, _w in SHOPS)
    plan = {}
    for code, _platform, share, _warehouse in SHOPS:
        wanted = target * share // weights
        start = have.get(code, 0)
        plan[code] = list(range(start, max(start, wanted)))
    # Shops filled unevenly by an earlier (killed) run: never go past ``target`` in total.
    room, planned = max(0, target - sum(have.values())), sum(len(seqs) for seqs in plan.values())
    if planned > room:
        plan = {code: seqs[: len(seqs) * room // planned] for code, seqs in plan.items()}
    short = target - sum(have.get(code, 0) + len(seqs) for code, seqs in plan.items())
    if short > 0:
        first = SHOPS[0][0]
        end = plan[first][-1] + 1 if plan[first] else have.get(first, 0)
        plan[first] += list(range(end, end + short))
    return plan


def _chunk(setup: dict[str, Any], plan: dict[str, list[int]], size: int):
    """Take up to ``size`` sequence numbers off the plan, round robin over the shops, as (connection, platform,
    seqs) in pages."""
    platform_of = {code: platform for code, platform, _s, _w in SHOPS}
    taken = 0
    while taken < size and any(plan.values()):
        for code, seqs in plan.items():
            if not seqs:
                continue
            page, plan[code] = seqs[:PAGE], seqs[PAGE:]
            taken += len(page)
            yield setup["connections"][code], platform_of[code], (page, setup["skus"])


def _store(connection, platform: str, seqs_and_skus) -> int:
    """One poll page of these orders in the platform's format, stored as ``shop_poll`` stores it."""
    from integrations.platforms.client import Page
    from integrations.polling import _page_store
    from integrations.sandbox import data, formats

    seqs, skus = seqs_and_skus
    far = timezone.now().replace(year=timezone.now().year + 50)
    natives = []
    for seq in seqs:
        order = data.generate(connection.app_key, seq, now=far, skus=skus)
        if order is not None:
            natives.append(formats.NATIVE[platform](order))
    now = timezone.now()
    _page_store(connection, platform, Page(orders=natives, raw="", total=len(natives)), now, now, f"{seqs[0]}")
    return len(natives)


def _shape(upto: int | None = None) -> int:
    """Give the orders the fill created a year's spread: each is moved back by up to 365 days with all its
    times (a hash of its id decides how far), and an order paid that long ago gets the status it would have by
    then. Closed orders stay closed, on-hold ones (refund requests) closed once old; 2 % of the old paid ones
    were cancelled. Orders shaped by an earlier run are left alone (``bench_api_shaped`` remembers the highest
    id shaped, in the bench database only). Returns how many orders were shaped. Reservations are left as they
    are: the benchmark reads orders and stock levels, it does not ship. ``upto``: shape only up to this id
    (default: all); below the newest ids while a fill still runs, whose batches may not have committed yet."""
    with db_connection.cursor() as cursor:
        cursor.execute("CREATE TABLE IF NOT EXISTS bench_api_shaped (max_id bigint NOT NULL)")
        cursor.execute("SELECT coalesce(max(max_id), 0) FROM bench_api_shaped")
        after = cursor.fetchone()[0]
        if upto is None:
            cursor.execute("SELECT coalesce(max(id), 0) FROM orders_order")
            upto = cursor.fetchone()[0]
        cursor.execute(
            """
            UPDATE orders_order AS o SET
                created_at = o.created_at - m.back,
                updated_at = o.updated_at - m.back,
                placed_at = o.placed_at - m.back,
                paid_at = o.paid_at - m.back,
                promised_ship_at = o.promised_ship_at - m.back,
                hold_reason = CASE WHEN m.back > interval '20 days' THEN '' ELSE o.hold_reason END,
                status = CASE
                    WHEN o.status = 'on_hold' AND m.back > interval '20 days' THEN 'closed'
                    WHEN o.status NOT IN ('paid', 'approved') THEN o.status
                    WHEN m.back > interval '20 days' AND o.id %% 50 = 0 THEN 'cancelled'
                    WHEN m.back > interval '20 days' THEN 'completed'
                    WHEN m.back > interval '10 days' THEN 'delivered'
                    WHEN m.back > interval '5 days' THEN 'in_transit'
                    WHEN m.back > interval '3 days' THEN 'shipped'
                    WHEN m.back > interval '2 days' THEN 'picking'
                    WHEN m.back > interval '1 day' THEN 'approved'
                    ELSE 'paid'
                END
            FROM (
                SELECT id, make_interval(secs => ((id * 2654435761) %% 31536000)::float8) AS back
                FROM orders_order WHERE id > %s AND id <= %s
            ) AS m
            WHERE o.id = m.id
            """,
            [after, upto],
        )
        shaped = cursor.rowcount
        cursor.execute("INSERT INTO bench_api_shaped VALUES (%s)", [max(after, upto)])
        return shaped


def _paths(setup: dict[str, Any]) -> list[Path]:
    """The measured requests: each path with a few hundred URLs drawn from the data."""
    from orders.models import Order, Shop

    partner_shops = list(Shop.objects.filter(code__in=PARTNER_SHOPS).values_list("pk", "code"))
    all_shops = list(Shop.objects.filter(code__startswith="scale-").values_list("code", flat=True))
    sample = _sample_orders(300)
    partner_sample = _sample_orders(300, shop_ids=[pk for pk, _code in partner_shops])
    statuses = ["paid", "approved", "shipped", "completed", "on_hold"]
    skus = [code for code, _name in setup["skus"]]
    q = urllib.parse.urlencode
    external = [q({"shop": shop, "external_id": ext}) for _number, shop, ext, _name, _phone in partner_sample]
    searches = (
        [number for number, *_rest in sample[:100]]
        + [ext for _n, _s, ext, _name, _p in sample[:100]]
        + [phone for *_rest, phone in sample[:100] if phone and "*" not in phone]
        + [name for *_r, name, _p in sample[:100] if name and "*" not in name]
    )
    assert Order.objects.exists()
    return [
        Path("api_orders_first_page", API_P95_MS, "token", ["/api/v1/orders/"]),
        Path(
            "api_orders_shop_status",
            API_P95_MS,
            "token",
            [f"/api/v1/orders/?{q({'shop': code, 'status': s})}" for _pk, code in partner_shops for s in statuses],
        ),
        Path("api_orders_external_id", API_P95_MS, "token", [f"/api/v1/orders/?{e}" for e in external]),
        Path(
            "api_orders_cursor",
            API_P95_MS,
            "token",
            ["/api/v1/orders/?cursor="]
            + [f"/api/v1/orders/?{q({'cursor': '', 'shop': code})}" for _pk, code in partner_shops]
            + [f"/api/v1/orders/?{q({'updated_after': f'2026-{m:02d}-01T00:00:00+08:00'})}" for m in range(1, 13)],
        ),
        Path("api_order_detail", API_P95_MS, "token", [f"/api/v1/orders/{n}/" for n, *_r in partner_sample]),
        Path("api_stock_sku", API_P95_MS, "token", [f"/api/v1/stock/?{q({'sku': code})}" for code in skus]),
        Path("bo_orders_first_page", BACK_OFFICE_P95_MS, "session", ["/orders/"]),
        Path(
            "bo_orders_filtered",
            BACK_OFFICE_P95_MS,
            "session",
            [f"/orders/?{q({'shop': code, 'status': s})}" for code in all_shops for s in statuses]
            + [f"/orders/?{q({'status': s, 'created_from': '2026-01-01'})}" for s in statuses],
        ),
        Path("bo_orders_search", BACK_OFFICE_P95_MS, "session", [f"/orders/?{q({'q': term})}" for term in searches]),
    ]


def _sample_orders(count: int, shop_ids: list[int] | None = None) -> list[tuple]:
    """About ``count`` orders picked at random (TABLESAMPLE: no scan of the table)."""
    where = "WHERE o.shop_id = ANY(%s)" if shop_ids else ""
    params = [shop_ids] if shop_ids else []
    with db_connection.cursor() as cursor:
        cursor.execute("SELECT reltuples FROM pg_class WHERE relname = 'orders_order'")
        rows = max(cursor.fetchone()[0], 1)
        percent = min(100.0, 100.0 * count * 20 / rows)
        cursor.execute(
            "SELECT o.number, s.code, o.external_id, o.consignee_name, o.consignee_phone "
            f"FROM orders_order o TABLESAMPLE SYSTEM ({percent}) JOIN orders_shop s ON s.id = o.shop_id {where} "
            "LIMIT %s",
            [*params, count],
        )
        return cursor.fetchall()


# --- HTTP ----------------------------------------------------------------------------------------------------


def _login(port: int) -> str:
    """Log the manager in through the login form; returns the Cookie header of the session."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    conn.request("GET", "/accounts/login/")
    response = conn.getresponse()
    page = response.read().decode()
    jar = _cookies(response)
    match = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)
    if not match:
        raise CommandError("the login page has no CSRF token")
    body = urllib.parse.urlencode(
        {"username": MANAGER_USER, "password": PASSWORD, "csrfmiddlewaretoken": match.group(1), "next": "/orders/"}
    )
    conn.request(
        "POST",
        "/accounts/login/",
        body=body,
        headers={
            "Content-Type": "application/x-www-form-urlencoded",
            "Cookie": "; ".join(f"{k}={v}" for k, v in jar.items()),
            "Referer": f"http://127.0.0.1:{port}/accounts/login/",
        },
    )
    response = conn.getresponse()
    response.read()
    jar.update(_cookies(response))
    conn.close()
    if response.status != 302 or "sessionid" not in jar:
        raise CommandError(f"logging in the back-office user failed (HTTP {response.status})")
    return "; ".join(f"{k}={v}" for k, v in jar.items())


def _cookies(response) -> dict[str, str]:
    jar = {}
    for header, value in response.getheaders():
        if header.lower() == "set-cookie":
            name, _, rest = value.partition("=")
            jar[name.strip()] = rest.split(";", 1)[0]
    return jar


def _token() -> str:
    from rest_framework.authtoken.models import Token

    return Token.objects.get(user__username=PARTNER_USER).key


def _drive(port: int, jobs: list[tuple[Path, str]], headers, clients: int, *, record: bool, progress=None) -> None:
    """Send ``jobs`` from ``clients`` threads (keep-alive connections); record each answer's time and status."""
    work: queue.Queue = queue.Queue()
    for job in jobs:
        work.put(job)
    lock = threading.Lock()
    done = [0]

    def client():
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        while True:
            try:
                path, url = work.get_nowait()
            except queue.Empty:
                break
            started = time.perf_counter()
            try:
                conn.request("GET", url, headers=headers[path.auth])
                response = conn.getresponse()
                response.read()
                status = response.status
            except (http.client.HTTPException, OSError):
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
                status = 0
            elapsed = (time.perf_counter() - started) * 1000
            with lock:
                if record:
                    path.times.append(elapsed)
                    path.statuses[status] = path.statuses.get(status, 0) + 1
                done[0] += 1
        conn.close()

    threads = [threading.Thread(target=client) for _ in range(max(1, clients))]
    for thread in threads:
        thread.start()
    while any(thread.is_alive() for thread in threads):
        if progress:
            progress(done[0])
        time.sleep(0.2)
    if progress:
        progress(done[0])


def _percentile(times: list[float], pct: int) -> float | None:
    if not times:
        return None
    index = min(len(times) - 1, max(0, round(pct / 100 * len(times)) - 1))
    return round(times[index], 1)


# --- pgbench ---------------------------------------------------------------------------------------------------


def _pgbench(max_id: int, clients: int, seconds: int) -> dict[str, float]:
    """PostgreSQL's own ceiling right now: pgbench reading one order by primary key (select-only, prepared),
    with as many clients as the HTTP run."""
    if not shutil.which("pgbench") or seconds <= 0:
        return {}
    params = db_connection.settings_dict
    script = "\\set id random(1, :maxid)\nSELECT number, status, paid_amount FROM orders_order WHERE id = :id;\n"
    with tempfile.NamedTemporaryFile("w", suffix=".sql", delete=False) as handle:
        handle.write(script)
    try:
        env = {**os.environ, "PGPASSWORD": params.get("PASSWORD") or ""}
        command = [
            "pgbench",
            "-n",
            "-M",
            "prepared",
            "-c",
            str(max(1, clients)),
            "-j",
            str(min(max(1, clients), os.cpu_count() or 1)),
            "-T",
            str(seconds),
            "-D",
            f"maxid={max_id}",
            "-f",
            handle.name,
            "-h",
            params.get("HOST") or "127.0.0.1",
            "-p",
            str(params.get("PORT") or 5432),
            "-U",
            params.get("USER") or "postgres",
            params["NAME"],
        ]
        output = subprocess.run(command, env=env, capture_output=True, text=True, timeout=seconds + 60).stdout
    finally:
        os.unlink(handle.name)
    result = {}
    if match := re.search(r"tps = ([\d.]+)", output):
        result["tps"] = round(float(match.group(1)), 1)
    if match := re.search(r"latency average = ([\d.]+) ms", output):
        result["latency_ms"] = round(float(match.group(1)), 3)
    return result
