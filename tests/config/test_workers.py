"""The worker cluster as a real process group: schedules registered at start, a graceful stop on SIGTERM to
the whole group (finishing the task in hand), and a bounded one when a task outlives the grace period."""

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.db import connection
from django_q.brokers.orm import ORM
from django_q.models import Schedule, Success
from django_q.tasks import async_task

from config.requestid import request_id_var
from config.tasks import schedules_declared
from deploy.cluster import group_members

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

BASE_DIR = Path(__file__).resolve().parents[2]
TASK = "tests.config.worker_tasks.sleep_then_mark"


def _database_url() -> str:
    s = connection.settings_dict
    return f"postgres://{s['USER']}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{s['NAME']}"


def _cluster(tmp_path: Path, **env: str) -> subprocess.Popen:
    """``manage.py qcluster`` as the leader of its own process group, on the test database, ORM broker."""
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("Q_", "CACHE_REDIS", "LOG_"))}
    return subprocess.Popen(
        [sys.executable, "manage.py", "qcluster"],
        cwd=BASE_DIR,
        env={**clean, "DATABASE_URL": _database_url(), "Q_WORKERS": "2", "LOG_FORMAT": "json", **env},
        stdout=open(tmp_path / "cluster.log", "w"),  # noqa: SIM115 - closed with the process
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )


def _wait_for(path: Path, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if path.exists():
            return True
        time.sleep(0.2)
    return False


def _group_gone_after(process: subprocess.Popen, seconds: float) -> float | None:
    """Seconds until no process of the group is left (None: still some after ``seconds``)."""
    started = time.monotonic()
    while time.monotonic() - started < seconds:
        process.poll()  # reap the leader once it exits
        if not group_members(process.pid):
            return time.monotonic() - started
        time.sleep(0.1)
    return None


def _queue(seconds: float, marker: Path, request_id: str) -> None:
    token = request_id_var.set(request_id)
    try:
        async_task(TASK, seconds, str(marker), broker=ORM(), sync=False)
    finally:
        request_id_var.reset(token)


@pytest.fixture
def cluster_cleanup():
    started: list[subprocess.Popen] = []
    yield started
    for process in started:
        try:
            os.killpg(process.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        process.wait(timeout=10)


def test_sigterm_to_the_group_finishes_the_task_in_hand_and_ends_within_30_seconds(tmp_path, cluster_cleanup):
    Schedule.objects.all().delete()
    marker = tmp_path / "task"
    _queue(4, marker, request_id="req-graceful-1")
    cluster = _cluster(tmp_path)
    cluster_cleanup.append(cluster)
    assert _wait_for(Path(f"{marker}.started"), 90), (tmp_path / "cluster.log").read_text()

    os.killpg(cluster.pid, signal.SIGTERM)  # what a terminal, systemd or `kill -- -PGID` sends
    gone = _group_gone_after(cluster, 30)

    assert gone is not None, "processes of the cluster still running 30 s after SIGTERM"
    assert cluster.wait(timeout=5) == 0
    assert Path(f"{marker}.done").exists()  # finished, not cut off
    assert Success.objects.filter(func=TASK).count() == 1  # and its result saved before the monitor stopped
    log_lines = [
        json.loads(line) for line in (tmp_path / "cluster.log").read_text().splitlines() if line.startswith("{")
    ]
    assert any("stopped in" in line["message"] for line in log_lines)
    # The task ran under the request id of the request that queued it, and logged with it.
    assert Path(f"{marker}.started").read_text() == "req-graceful-1"
    assert {"message": "test task started", "request_id": "req-graceful-1"}.items() <= next(
        line for line in log_lines if line["message"] == "test task started"
    ).items()
    # Starting the cluster registered every declared schedule.
    assert set(Schedule.objects.values_list("name", flat=True)) == {s["name"] for s in schedules_declared()}


def test_a_task_longer_than_the_grace_period_is_cut_off_and_the_group_still_ends(tmp_path, cluster_cleanup):
    marker = tmp_path / "task"
    _queue(120, marker, request_id="req-slow")
    cluster = _cluster(tmp_path, Q_STOP_GRACE_SECONDS="3")
    cluster_cleanup.append(cluster)
    assert _wait_for(Path(f"{marker}.started"), 90), (tmp_path / "cluster.log").read_text()

    os.killpg(cluster.pid, signal.SIGTERM)
    gone = _group_gone_after(cluster, 30)

    assert gone is not None and gone < 15
    assert not Path(f"{marker}.done").exists()
    assert "still busy after 3 s, killed" in (tmp_path / "cluster.log").read_text()
