"""PostgreSQL's own ceiling on this machine at the moment of a benchmark: pgbench reading one order by primary
key."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import tempfile

from django.db import connection as db_connection


def pgbench_orders_read(max_id: int, clients: int, seconds: int) -> dict[str, float]:
    """pgbench reading one order by primary key (select-only, prepared) with ``clients`` clients for
    ``seconds``; ``{"tps", "latency_ms"}``, empty without pgbench."""
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
