"""The partner API against its own OpenAPI schema: schemathesis, on the demo data, as a superuser.

The app runs under gunicorn on a free port of 127.0.0.1, on this test's (committed) database loaded with
``seed_demo``; schemathesis reads /api/schema/ and runs its example, coverage, fuzzing and stateful phases
(links between operations, e.g. create an order then read it) with the checks ``not_a_server_error`` and
``response_schema_conformance``. Any failure fails the test with schemathesis' report. It is part of the
normal test run (PostgreSQL only), a few minutes long.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.db import connection
from rest_framework.authtoken.models import Token

from orders.models import Order

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
# Part of the normal test run (a few minutes): few examples per operation, a time budget for the whole run.
# A deeper run: SCHEMATHESIS_MAX_EXAMPLES=50 SCHEMATHESIS_MAX_TIME=1800.
MAX_EXAMPLES = os.environ.get("SCHEMATHESIS_MAX_EXAMPLES", "6")
MAX_SECONDS = os.environ.get("SCHEMATHESIS_MAX_TIME", "240")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _database_url() -> str:
    s = connection.settings_dict
    user, host, port = s["USER"] or "postgres", s["HOST"] or "127.0.0.1", s["PORT"] or "5432"
    password = f":{s['PASSWORD']}" if s["PASSWORD"] else ""
    return f"postgres://{user}{password}@{host}:{port}/{s['NAME']}"


def _wait_until_up(url: str, process: subprocess.Popen, log: Path, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"gunicorn stopped: {log.read_text(encoding='utf-8', errors='replace')}")
        try:
            with urllib.request.urlopen(url, timeout=2):  # noqa: S310 (our own loopback server)
                return
        except OSError:
            time.sleep(0.5)
    raise AssertionError(f"gunicorn did not answer {url} within {seconds} s")


@pytest.fixture
def server(transactional_db, tmp_path):
    call_command("seed_demo", "--orders", "40", stdout=open(os.devnull, "w"))
    admin = get_user_model().objects.create_superuser("schemathesis", "st@example.com", "not-used-0")
    token = Token.objects.create(user=admin).key
    # Path parameters named `number` get a real demo order, so the order operations reach their logic (their
    # actions then meet every state: 200, or 409 with a code) instead of answering 404 to made-up numbers.
    number = Order.objects.order_by("pk").values_list("number", flat=True).first()
    (tmp_path / "schemathesis.toml").write_text(f'[parameters]\n"path.number" = "{number}"\n', encoding="utf-8")
    port = _free_port()
    env = {
        **os.environ,
        "DATABASE_URL": _database_url(),
        "DEBUG": "0",
        # The key the demo's stored secrets were encrypted with (derived from SECRET_KEY unless keys are given).
        "SECRET_KEY": settings.SECRET_KEY,
        "FIELD_ENCRYPTION_KEYS": ",".join(settings.FIELD_ENCRYPTION_KEYS),
        "ALLOWED_HOSTS": "127.0.0.1",
        "MEDIA_ROOT": str(tmp_path / "media"),
        # Background work stays queued (no worker runs here): requests answer without calling platforms.
        "Q_SYNC": "0",
    }
    # The server's output goes to a file: a pipe nobody reads fills up (every 4xx is logged) and then blocks
    # the workers mid-request, which schemathesis would see as read timeouts.
    log = tmp_path / "gunicorn.log"
    log_file = open(log, "w", encoding="utf-8")  # noqa: SIM115 (closed after the server stops)
    process = subprocess.Popen(
        [
            *(str(BIN / "gunicorn"), "config.wsgi", "-b", f"127.0.0.1:{port}"),
            *("--workers", "2", "--worker-class", "gthread", "--threads", "4", "--timeout", "120"),
        ],
        cwd=ROOT,
        env=env,
        stdout=log_file,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        _wait_until_up(f"http://127.0.0.1:{port}/api/schema/", process, log)
        yield {"base": f"http://127.0.0.1:{port}", "token": token, "log": log}
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
        log_file.close()


@pytest.mark.postgres
@pytest.mark.skipif(shutil.which("schemathesis", path=str(BIN)) is None, reason="schemathesis is not installed")
def test_the_api_keeps_its_schema_and_never_fails_with_a_server_error(server, tmp_path):
    command = [
        str(BIN / "schemathesis"),
        "run",
        f"{server['base']}/api/schema/",
        "--url",
        server["base"],
        "--header",
        f"Authorization: Token {server['token']}",
        "--checks",
        "not_a_server_error,response_schema_conformance",
        "--phases",
        "examples,coverage,fuzzing,stateful",
        "--max-examples",
        MAX_EXAMPLES,
        "--max-time",
        MAX_SECONDS,
        "--seed",
        "20261111",
        "--workers",
        "1",
        "--request-timeout",
        "90",
        "--no-color",
    ]
    run = subprocess.run(command, cwd=tmp_path, capture_output=True, text=True, timeout=int(MAX_SECONDS) + 300)

    server_log = server["log"].read_text(encoding="utf-8", errors="replace")
    assert run.returncode == 0, (
        f"schemathesis found failures:\n{run.stdout[-20000:]}\n{run.stderr[-5000:]}\n"
        f"server log (end):\n{server_log[-5000:]}"
    )
