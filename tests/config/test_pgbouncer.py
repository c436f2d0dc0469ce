"""PgBouncer in transaction mode in front of PostgreSQL (Debian's 1.18: no prepared statements across
transactions). The reservation path runs through it from four processes sharing one server connection:
with server-side binding on and off it works once prepared statements are switched off
(DB_TRANSACTION_POOLER=1); with them on, two clients prepare the same statement name on the one server
connection, and reservations fail — which is why the setting exists."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.pgbouncer import pgbouncer_running

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

BASE_DIR = Path(__file__).resolve().parents[2]


@pytest.fixture
def pgbouncer():
    with pgbouncer_running() as url:
        yield url


def _bench_reserve(database_url: str, **env: str) -> tuple[int, dict | None, str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("DB_")}
    result = subprocess.run(
        [
            sys.executable,
            "manage.py",
            "bench_reserve",
            "--workers",
            "4",
            "--orders",
            "400",
            "--mode",
            "spread",
            "--skus",
            "50",
        ],
        cwd=BASE_DIR,
        env={**clean, "DATABASE_URL": database_url, "DB_CONN_MAX_AGE": "60", **env},
        capture_output=True,
        text=True,
        timeout=300,
    )
    last = result.stdout.strip().splitlines()[-1] if result.stdout.strip() else ""
    summary = json.loads(last) if last.startswith("{") else None
    return result.returncode, summary, result.stdout + result.stderr


@pytest.mark.parametrize("binding", ["1", "0"], ids=["server-side-binding", "client-side-binding"])
def test_reservations_through_pgbouncer_in_transaction_mode(pgbouncer, binding):
    code, summary, output = _bench_reserve(pgbouncer, DB_TRANSACTION_POOLER="1", DB_SERVER_SIDE_BINDING=binding)

    assert code == 0, output
    assert summary["errors"] == 0 and summary["oversold"] == 0 and summary["deadlocks"] == 0, summary
    assert summary["ledger_mismatches"] == 0
    assert summary["orders_reserved"] + summary["short"] == 400 and summary["orders_reserved"] > 0


def test_prepared_statements_left_on_behind_pgbouncer_fail(pgbouncer):
    code, summary, output = _bench_reserve(pgbouncer, DB_PREPARED_STATEMENTS="1", DB_SERVER_SIDE_BINDING="1")

    assert code != 0 or summary["errors"] > 0, output
    assert "prepared statement" in output
