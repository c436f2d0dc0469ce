"""The simulator's and benchmarks' children (gunicorn, qcluster, the simulator's drive phase) die with the process
that started them, even when it is killed with ``kill -9``, and so do the processes they started (gunicorn's
workers, the cluster's sentinel and workers). Real processes: a parent starts a child through
``integrations.benchmarks.processes.child_popen`` — from a thread that has ended by then, as the simulator starts
the ingestion cluster again from its fault thread — the child starts a grandchild, and the parent is killed."""

import os
import signal
import subprocess
import sys
import time

import pytest
from django.conf import settings

pytestmark = pytest.mark.skipif(not os.path.isdir("/proc/self"), reason="reads process states from Linux /proc")

GRANDCHILD = "import time; time.sleep(600)"
CHILD = (
    "import subprocess, sys, time\n"
    f"grandchild = subprocess.Popen([sys.executable, '-c', {GRANDCHILD!r}])\n"
    "print('grandchild', grandchild.pid, flush=True)\n"
    "time.sleep(600)\n"
)
PARENT = (
    "import sys, threading, time\n"
    "from integrations.benchmarks.processes import child_popen\n"
    "started = []\n"
    f"thread = threading.Thread(target=lambda: started.append(child_popen([sys.executable, '-c', {CHILD!r}])))\n"
    "thread.start()\n"
    "thread.join()\n"
    "print('child', started[0].pid, flush=True)\n"
    "time.sleep(600)\n"
)


def _running(pid: int) -> bool:
    """The process exists and is not a zombie (dead, waiting to be reaped)."""
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().rsplit(")", 1)[1].split()[0] != "Z"
    except FileNotFoundError:
        return False


def _gone_within(pids: list[int], seconds: float) -> list[int]:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline and any(_running(pid) for pid in pids):
        time.sleep(0.2)
    return [pid for pid in pids if _running(pid)]


def test_a_child_and_what_it_started_die_when_the_parent_is_killed_with_kill_9():
    parent = subprocess.Popen([sys.executable, "-c", PARENT], cwd=settings.BASE_DIR, stdout=subprocess.PIPE, text=True)
    pids = {}
    try:
        assert parent.stdout is not None
        while len(pids) < 2:
            line = parent.stdout.readline()
            assert line, f"the parent ended early (exit status {parent.poll()})"
            name, pid = line.split()
            pids[name] = int(pid)
        child, grandchild = pids["child"], pids["grandchild"]
        assert _running(child) and _running(grandchild)  # the thread that started the child has ended
        assert os.getpgid(grandchild) == child  # the child leads a group of its own, with what it starts

        os.kill(parent.pid, signal.SIGKILL)
        parent.wait()

        # SIGTERM at once; within the lifeline's grace period at the latest, SIGKILL.
        assert _gone_within([child, grandchild], seconds=60) == []
    finally:
        for pid in (parent.pid, *pids.values()):
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
