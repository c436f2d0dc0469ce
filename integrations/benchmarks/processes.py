"""Child processes of a benchmark on this machine: a worker cluster and a web server started as a deployment
would start them, waited for, and stopped. Every child starts through ``child_popen``: in a process group of its
own, watched by the lifeline (``integrations/benchmarks/lifeline.py``), so it and everything it started die with
this process even when this process is killed with ``kill -9``."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

from django.conf import settings
from django.core.management.base import CommandError


def child_env(workers: int) -> dict[str, str]:
    """The environment of a benchmark's children: ``DEBUG=0``, persistent connections, ``workers`` workers."""
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": os.environ.get("DJANGO_SETTINGS_MODULE", "config.settings"),
        # Persistent database connections, as a deployment would have (override by setting it).
        "DB_CONN_MAX_AGE": os.environ.get("DB_CONN_MAX_AGE", "60"),
        "DEBUG": "0",
        # The same key as this process: django-q signs the tasks this process queues.
        "SECRET_KEY": settings.SECRET_KEY,
        "Q_WORKERS": str(max(1, workers)),
        # The automatic review of the new orders goes to a cluster of its own that the benchmarks do not
        # start: they measure ingestion, not the review (see bench_rules and docs/performance.md).
        "ORDERS_REVIEW_CLUSTER": os.environ.get("ORDERS_REVIEW_CLUSTER") or "bench-review",
    }


LIFELINE = Path(__file__).with_name("lifeline.py")
_lifeline: subprocess.Popen | None = None
_lifeline_lock = threading.Lock()


def _lifeline_tell(line: str) -> None:
    """Send one line to this process's lifeline, started on first use (its stdin is a pipe only this process
    writes: when this process ends, however it ends, the lifeline reads end of file and stops the groups)."""
    global _lifeline
    with _lifeline_lock:
        if _lifeline is None or _lifeline.poll() is not None:
            _lifeline = subprocess.Popen(
                [sys.executable, str(LIFELINE)],
                stdin=subprocess.PIPE,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
                start_new_session=True,  # not in the terminal's group: Ctrl-C leaves it to clean up
                text=True,
            )
        assert _lifeline.stdin is not None
        _lifeline.stdin.write(line + "\n")
        _lifeline.stdin.flush()


def child_popen(args: list[str], **kwargs) -> subprocess.Popen:
    """``subprocess.Popen(args, **kwargs)`` in a session (so a process group) of its own, named to the lifeline:
    when this process ends without stopping the child — killed with ``kill -9``, say — the lifeline sends the
    child's whole group SIGTERM, then SIGKILL after a grace period. Safe from any thread."""
    child = subprocess.Popen(args, start_new_session=True, **kwargs)
    _lifeline_tell(f"+{child.pid}")
    return child


def child_forget(child: subprocess.Popen) -> None:
    """The child ended and left nothing behind in its group: the lifeline no longer watches the group (its id
    may be reused). A group that still has processes stays watched."""
    if child.returncode is None:
        return
    try:
        os.killpg(child.pid, 0)
    except ProcessLookupError:
        _lifeline_tell(f"-{child.pid}")
    except PermissionError:
        pass


def cluster_start(env: dict[str, str]) -> subprocess.Popen:
    """``manage.py qcluster`` as a quiet child process."""
    return child_popen(
        [sys.executable, "manage.py", "qcluster"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )


def child_stop(child: subprocess.Popen) -> None:
    """SIGTERM (a graceful stop), SIGKILL of its whole group after 20 s."""
    child.terminate()
    try:
        child.wait(timeout=20)
    except subprocess.TimeoutExpired:
        try:
            os.killpg(child.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        child.wait()
    child_forget(child)


def cluster_wait(cluster: subprocess.Popen, workers: int, seconds: float = 60) -> None:
    """Until the cluster has spawned its sentinel, workers, monitor and pusher: a deployment's cluster is up
    before the orders come, so its start is not measured. (Linux: reads the process tree from /proc;
    elsewhere the start is measured too.)"""
    if not os.path.exists(f"/proc/{cluster.pid}/task/{cluster.pid}/children"):
        return
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline and cluster.poll() is None:
        if len(descendants(cluster.pid)) >= workers + 3:
            time.sleep(0.5)  # the workers open their connections
            return
        time.sleep(0.1)
    raise CommandError("the cluster did not start")


def descendants(pid: int) -> list[int]:
    """Every process below ``pid`` (Linux /proc; empty elsewhere)."""
    found = []
    try:
        for task in os.listdir(f"/proc/{pid}/task"):
            with open(f"/proc/{pid}/task/{task}/children") as listing:
                found += [int(child) for child in listing.read().split()]
    except OSError:
        return found
    return found + [grandchild for child in list(found) for grandchild in descendants(child)]


def gunicorn_start(port: int, *, workers: int, threads: int, env: dict[str, str]) -> subprocess.Popen:
    """The web server under measure: gunicorn with threaded workers on ``port``, quiet."""
    return child_popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "config.wsgi",
            f"--bind=127.0.0.1:{port}",
            f"--workers={workers}",
            "--worker-class=gthread",
            f"--threads={threads}",
            "--keep-alive=30",
        ],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def port_free() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def port_wait(port: int, seconds: float) -> None:
    """Until something accepts connections on ``port`` (a server has started), at most ``seconds``."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return
        except OSError:
            time.sleep(0.2)
    raise CommandError(f"the server did not start on port {port}")


# --- CPU ------------------------------------------------------------------------------------------------------

CLOCK_TICKS = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


def processes_named(names: tuple[str, ...]) -> dict[str, list[int]]:
    """``{name: [pid, …]}`` of every process on this machine whose command name (``/proc/<pid>/comm``) is one of
    ``names`` — PostgreSQL's server and backends, Redis —, whoever started them (Linux /proc; empty elsewhere)."""
    found: dict[str, list[int]] = {name: [] for name in names}
    try:
        entries = os.listdir("/proc")
    except OSError:
        return found
    for entry in entries:
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/comm") as comm:
                name = comm.read().strip()
        except OSError:
            continue
        if name in found:
            found[name].append(int(entry))
    return found


def cpu_by_pid(pids: list[int]) -> dict[int, float]:
    """User + system CPU seconds each of ``pids`` has used so far (a process gone is left out)."""
    used = {}
    for pid in pids:
        try:
            with open(f"/proc/{pid}/stat") as stat:
                fields = stat.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        used[pid] = (int(fields[11]) + int(fields[12])) / CLOCK_TICKS  # utime, stime (fields 14 and 15 of stat)
    return used


def cpu_seconds(pids: list[int]) -> float:
    """User + system CPU seconds the processes ``pids`` have used so far (``/proc/<pid>/stat``; a process gone
    counts 0)."""
    return sum(cpu_by_pid(pids).values())


def machine_cpu() -> tuple[float, float]:
    """(busy, total) CPU seconds of the whole machine since boot, from the first line of ``/proc/stat``."""
    try:
        with open("/proc/stat") as stat:
            values = [int(v) for v in stat.readline().split()[1:]]
    except OSError:
        return 0.0, 0.0
    idle = values[3] + (values[4] if len(values) > 4 else 0)  # idle + iowait
    return (sum(values) - idle) / CLOCK_TICKS, sum(values) / CLOCK_TICKS
