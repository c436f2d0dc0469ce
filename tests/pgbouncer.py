"""A PgBouncer in transaction mode in front of the test database, for tests of what runs through one in
production (DB_TRANSACTION_POOLER=1, docs/deployment.md)."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from django.db import connection

PGBOUNCER = shutil.which("pgbouncer") or "/usr/sbin/pgbouncer"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def pgbouncer_running(*, pool_size: int = 1, round_robin: bool = False) -> Iterator[str]:
    """Start PgBouncer (pool_mode = transaction) and yield its database URL.

    ``pool_size`` server connections at most; with ``round_robin`` PgBouncer hands them out in turn instead of
    reusing the last one (``server_round_robin``), and the pool is filled first — so two transactions of one
    client in a row run on different server sessions (https://www.pgbouncer.org/config.html).
    """
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
default_pool_size = {pool_size}
server_round_robin = {int(round_robin)}
max_client_conn = 100
ignore_startup_parameters = extra_float_digits,options
logfile = {tmp_path / "pgbouncer.log"}
pidfile = {tmp_path / "pgbouncer.pid"}
"""
    )
    process = subprocess.Popen([PGBOUNCER, *as_user, str(tmp_path / "pgbouncer.ini")], start_new_session=True)
    try:
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                time.sleep(0.1)
        url = f"postgres://{s['USER']}@127.0.0.1:{port}/{s['NAME']}"
        if round_robin:
            _fill_pool(url, pool_size)
        yield url
    finally:
        process.terminate()
        process.wait(timeout=10)
        shutil.rmtree(tmp_path, ignore_errors=True)


def _fill_pool(url: str, size: int) -> None:
    """Open ``size`` server connections: as many clients each inside a transaction at the same time."""
    import psycopg

    clients = [psycopg.connect(url, prepare_threshold=None) for _ in range(size)]
    try:
        for client in clients:
            client.execute("SELECT 1")  # psycopg opens a transaction: the server stays with this client
        for client in clients:
            client.commit()
    finally:
        for client in clients:
            client.close()
