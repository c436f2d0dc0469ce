"""PgBouncer in transaction mode in front of PostgreSQL (Debian's 1.18: no prepared statements across
transactions). The reservation path runs through it from four processes sharing one server connection:
with server-side binding on and off it works once prepared statements are switched off
(DB_TRANSACTION_POOLER=1); with them on, two clients prepare the same statement name on the one server
connection, and reservations fail — which is why the setting exists."""

import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest
from django.db import connection

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

BASE_DIR = Path(__file__).resolve().parents[2]
PGBOUNCER = shutil.which("pgbouncer") or "/usr/sbin/pgbouncer"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def pgbouncer():
    if not os.path.exists(PGBOUNCER):
        pytest.skip("pgbouncer is not installed (apt-get install pgbouncer; .ci/run installs it)")
    tmp_path = Path(tempfile.mkdtemp(prefix="orderhub-pgbouncer-"))
    as_user = []
    if os.geteuid() == 0:  # PgBouncer refuses to run as root: it takes the postgres user's identity
        shutil.chown(tmp_path, "postgres")
        as_user = ["-u", "postgres"]
    s = connection.settings_dict
    port = _free_port()
    (tmp_path / "users.txt").write_text(f'"{s["USER"]}" ""\n')
    (tmp_path / "pgbouncer.ini").write_text(
        f"""[databases]
{s["NAME"]} = host={s["HOST"] or "127.0.0.1"} port={s["PORT"] or 5432} dbname={s["NAME"]}

[pgbouncer]
listen_addr = 127.0.0.1
listen_port = {port}
unix_socket_dir =
auth_type = trust
auth_file = {tmp_path / "users.txt"}
pool_mode = transaction
default_pool_size = 1
max_client_conn = 100
ignore_startup_parameters = extra_float_digits,options
logfile = {tmp_path / "pgbouncer.log"}
pidfile = {tmp_path / "pgbouncer.pid"}
"""
    )
    process = subprocess.Popen([PGBOUNCER, *as_user, str(tmp_path / "pgbouncer.ini")], start_new_session=True)
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            break
        except OSError:
            time.sleep(0.1)
    yield f"postgres://{s['USER']}@127.0.0.1:{port}/{s['NAME']}"
    process.terminate()
    process.wait(timeout=10)
    shutil.rmtree(tmp_path, ignore_errors=True)


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
