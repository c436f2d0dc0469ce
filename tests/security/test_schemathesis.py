"""The partner API against its own OpenAPI schema: schemathesis, on the demo data, as a superuser.

The app runs under gunicorn on a free port of 127.0.0.1, on this test's (committed) database loaded with
``seed_demo``; schemathesis reads /api/schema/ and runs its example, coverage, fuzzing and stateful phases
(links between operations, e.g. create an order then read it) with the checks ``not_a_server_error`` and
``response_schema_conformance``. Any failure fails the test with schemathesis' report.
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
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.db import connection
from rest_framework.authtoken.models import Token

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
MAX_EXAMPLES = os.environ.get("SCHEMATHESIS_MAX_EXAMPLES", "15")
MAX_SECONDS = os.environ.get("SCHEMATHESIS_MAX_TIME", "600")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _database_url() -> str:
    s = connection.settings_dict
    user, host, port = s["USER"] or "postgres", s["HOST"] or "127.0.0.1", s["PORT"] or "5432"
    password = f":{s['PASSWORD']}" if s["PASSWORD"] else ""
    return f"postgres://{user}{password}@{host}:{port}/{s['NAME']}"


def _wait_until_up(url: str, process: subprocess.Popen, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"gunicorn stopped: {process.stdout.read()}")
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
    port = _free_port()
    env = {
        **os.environ,
        "DATABASE_URL": _database_url(),
        "DEBUG": "0",
        "SECRET_KEY": "schemathesis-only-secret-key-0123456789abcdef",
        "ALLOWED_HOSTS": "127.0.0.1",
        "MEDIA_ROOT": str(tmp_path / "media"),
        # Background work stays queued (no worker runs here): requests answer without calling platforms.
        "Q_SYNC": "0",
    }
    process = subprocess.Popen(
        [
            *(str(BIN / "gunicorn"), "config.wsgi", "-b", f"127.0.0.1:{port}"),
            *("--workers", "2", "--worker-class", "gthread", "--threads", "4", "--timeout", "120"),
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        _wait_until_up(f"http://127.0.0.1:{port}/api/schema/", process)
        yield {"base": f"http://127.0.0.1:{port}", "token": token}
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()


@pytest.mark.postgres
@pytest.mark.skipif(shutil.which("schemathesis", path=str(BIN)) is None, reason="schemathesis is not installed")
@pytest.mark.skipif(
    os.environ.get("SCHEMATHESIS") != "1",
    reason="set SCHEMATHESIS=1 (a 10-minute run; verify it on a quiet machine before CI sets it)",
)
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

    assert run.returncode == 0, f"schemathesis found failures:\n{run.stdout[-20000:]}\n{run.stderr[-5000:]}"
