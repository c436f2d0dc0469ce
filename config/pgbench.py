"""PostgreSQL's own ceiling at the moment of a benchmark, measured by pgbench in the same run.

A benchmark's rate means little alone: the same code runs twice as fast on a quiet machine as on a busy one.
So every benchmark command also runs pgbench, on the same machine and database, right after its measured part,
with the statement that bounds what it measures, one statement a transaction:

- ``push_store``: one INSERT of a stored push (a row of an inbox's shape: a ~2 KB JSON body, its shop, its
  platform id unique per shop, a time index) — the least a webhook or an ingestion has to write per order;
- ``stock_hot`` / ``stock_spread``: one conditional ``UPDATE … SET reserved = reserved + 1`` of a stock row, on a
  single row (every sale of one SKU) or on one of 1,000 rows — the least a reservation has to write.

pgbench works on a scratch table of its own (``pgbench_ceiling_*``), created for the measurement and dropped
after it; the project's tables are not touched. Without pgbench on the machine, or with ``seconds`` 0, nothing
is measured and the result is empty.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import tempfile
from typing import Any

import psycopg
from django.db import connection as db_connection
from django.utils.translation import gettext_noop
from psycopg import sql

_BODY = json.dumps(
    {
        "id": 0,
        "note": None,
        "line_items": [
            {"sku": f"SKU-{n:04d}", "title": "商品 " * 8, "price": "129.00", "quantity": 1, "properties": []}
            for n in range(8)
        ],
        "shipping_address": {"name": "张三", "phone": "13800000000", "address1": "文三路 " * 10},
    },
    ensure_ascii=False,
)

CEILINGS: dict[str, dict[str, Any]] = {
    "push_store": {
        "what": gettext_noop("one INSERT of a stored push (~2 KB JSON, unique per shop, time index) per transaction"),
        "setup": [
            "DROP TABLE IF EXISTS pgbench_ceiling_push",
            "CREATE TABLE pgbench_ceiling_push (id bigserial PRIMARY KEY, shop_id int NOT NULL, "
            "external_id text NOT NULL, topic text NOT NULL DEFAULT 'orders/create', "
            "body jsonb NOT NULL DEFAULT {body}::jsonb, received_at timestamptz NOT NULL DEFAULT now(), "
            "UNIQUE (shop_id, external_id))",
            "CREATE INDEX ON pgbench_ceiling_push (received_at)",
        ],
        "script": "\\set n random(1, 1000000000000)\n"
        "INSERT INTO pgbench_ceiling_push (shop_id, external_id) "
        "VALUES (1, :client_id::text || '-' || :n::text) ON CONFLICT DO NOTHING;\n",
        "teardown": ["DROP TABLE IF EXISTS pgbench_ceiling_push"],
    },
    "stock_hot": {
        "what": gettext_noop("one conditional UPDATE of a single stock row per transaction"),
        "rows": 1,
    },
    "stock_spread": {
        "what": gettext_noop("one conditional UPDATE of one of 1,000 stock rows per transaction"),
        "rows": 1000,
    },
}
for _kind in ("stock_hot", "stock_spread"):
    CEILINGS[_kind] |= {
        "setup": [
            "DROP TABLE IF EXISTS pgbench_ceiling_stock",
            "CREATE TABLE pgbench_ceiling_stock "
            "(id int PRIMARY KEY, on_hand bigint NOT NULL, reserved bigint NOT NULL)",
            "INSERT INTO pgbench_ceiling_stock SELECT g, 1000000000, 0 "
            f"FROM generate_series(1, {CEILINGS[_kind]['rows']}) g",
        ],
        "script": f"\\set id random(1, {CEILINGS[_kind]['rows']})\n"
        "UPDATE pgbench_ceiling_stock SET reserved = reserved + 1 WHERE id = :id AND on_hand - reserved >= 1;\n",
        "teardown": ["DROP TABLE IF EXISTS pgbench_ceiling_stock"],
    }


def _params(database: str | None) -> dict[str, Any]:
    settings = db_connection.settings_dict
    return {
        "dbname": database or settings["NAME"],
        "user": settings.get("USER") or "postgres",
        "password": settings.get("PASSWORD") or "",
        "host": settings.get("HOST") or "127.0.0.1",
        "port": str(settings.get("PORT") or 5432),
    }


def pgbench_run(script: str, *, clients: int, seconds: int, database: str | None = None) -> dict[str, float]:
    """pgbench running ``script`` (prepared statements) with ``clients`` clients for ``seconds`` on ``database``
    (the configured one by default): ``{"tps", "latency_ms"}``, empty without pgbench or with ``seconds`` 0."""
    if not shutil.which("pgbench") or seconds <= 0:
        return {}
    params = _params(database)
    clients = max(1, clients)
    with tempfile.NamedTemporaryFile("w", suffix=".sql", delete=False) as handle:
        handle.write(script)
    try:
        command = ["pgbench", "-n", "-M", "prepared", "-c", str(clients), "-j", str(min(clients, os.cpu_count() or 1))]
        command += ["-T", str(seconds), "-f", handle.name, "-h", params["host"], "-p", params["port"]]
        command += ["-U", params["user"], params["dbname"]]
        env = {**os.environ, "PGPASSWORD": params["password"]}
        output = subprocess.run(command, env=env, capture_output=True, text=True, timeout=seconds + 60).stdout
    finally:
        os.unlink(handle.name)
    result = {}
    if match := re.search(r"tps = ([\d.]+)", output):
        result["tps"] = round(float(match.group(1)), 1)
    if match := re.search(r"latency average = ([\d.]+) ms", output):
        result["latency_ms"] = round(float(match.group(1)), 3)
    return result


def pgbench_ceiling(kind: str, *, clients: int, seconds: int, database: str | None = None) -> dict[str, Any]:
    """PostgreSQL's ceiling for one of ``CEILINGS`` on a scratch table of its own: ``{"kind", "what", "clients",
    "seconds", "tps", "latency_ms"}``; empty where ``pgbench_run`` measures nothing (or not on PostgreSQL)."""
    ceiling = CEILINGS[kind]
    if db_connection.vendor != "postgresql" or not shutil.which("pgbench") or seconds <= 0:
        return {}
    params = _params(database)
    with psycopg.connect(**params, autocommit=True) as scratch:
        for statement in ceiling["setup"]:
            scratch.execute(sql.SQL(statement).format(body=sql.Literal(_BODY)))
        try:
            measured = pgbench_run(ceiling["script"], clients=clients, seconds=seconds, database=params["dbname"])
        finally:
            for statement in ceiling["teardown"]:
                scratch.execute(sql.SQL(statement))
    if not measured:
        return {}
    return {"kind": kind, "what": ceiling["what"], "clients": max(1, clients), "seconds": seconds, **measured}


def pgbench_line(ceiling: dict[str, Any]) -> str:
    """The summary's line for a ceiling (or says there was none)."""
    if not ceiling:
        return "pgbench: not measured (no pgbench on this machine, not PostgreSQL, or --pgbench-seconds 0)"
    return (
        f"pgbench, PostgreSQL's ceiling in the same run ({ceiling['what']}, {ceiling['clients']} clients, "
        f"{ceiling['seconds']} s): {ceiling['tps']} tps, {ceiling.get('latency_ms')} ms average"
    )
