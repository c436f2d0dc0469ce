"""The worker cluster's lifecycle: django-q2's cluster, stopped gracefully.

django-q2 stops its cluster from inside the SIGTERM handler of the main process and leaves SIGTERM at its
default in the sentinel and the processes it forks. A SIGTERM to the whole process group (what a terminal,
``kill -- -PGID``, systemd or a container runtime sends) therefore kills the sentinel, the pusher and the
workers at once, mid-task, while the main process waits forever for the sentinel it is already joining
(the stop runs inside the signal handler, which interrupted that same join).

Here a signal only raises a flag: the sentinel and its helpers ignore SIGTERM, a worker notes it
(``stop_requested``: a long task such as an inbox drain ends its loop and hands the rest back to the queue),
and the main process stops the cluster from its own loop — the pusher stops taking tasks, the workers finish
the task in hand and the few already taken, the monitor saves their results. If that takes longer than
``Q_STOP_GRACE_SECONDS`` (25 s) the remaining processes are killed; what they held was claimed in the
database, so it is found again by the sweeper (``integrations.tasks.inbox_retry_due``) once the claim
expires, and done once.
"""

from __future__ import annotations

import logging
import os
import signal
import time
import uuid
from multiprocessing import Event

from django.conf import settings
from django_q.cluster import Cluster, Sentinel, get_mp_context
from django_q.signals import post_spawn

log = logging.getLogger("orderhub.workers")

_stop_requested = False


def stop_requested() -> bool:
    """True in a worker process once its cluster is stopping: long tasks end their loop and hand back."""
    return _stop_requested


def _note_stop(signum, frame) -> None:
    global _stop_requested
    _stop_requested = True


def _worker_spawned(sender, proc_name: str, **kwargs) -> None:
    """django-q2 ``post_spawn``, in each new worker process: SIGTERM is noted, not fatal."""
    global _stop_requested
    _stop_requested = False
    signal.signal(signal.SIGTERM, _note_stop)


class GracefulSentinel(Sentinel):
    def start(self) -> None:
        # Inherited by the pusher, the monitor and the workers it forks; the main process leads the stop.
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        super().start()


class GracefulCluster(Cluster):
    def __init__(self) -> None:
        super().__init__()
        self.stop_signal: int | None = None
        signal.signal(signal.SIGTERM, self._signalled)
        signal.signal(signal.SIGINT, self._signalled)

    def _signalled(self, signum, frame) -> None:
        self.stop_signal = signum

    def start(self) -> int:
        post_spawn.connect(_worker_spawned, dispatch_uid="config.workers.worker_spawned")
        self.stop_event = Event()
        self.start_event = Event()
        self.sentinel = get_mp_context().Process(
            target=GracefulSentinel,
            name=f"Process-{uuid.uuid4().hex}",
            args=(self.stop_event, self.start_event, self.cluster_id, self.broker, self.timeout),
        )
        self.sentinel.start()
        while not self.start_event.is_set():
            if not self.sentinel.is_alive():
                raise RuntimeError(f"worker cluster {self.name} failed to start (exit code {self.sentinel.exitcode})")
            if self.stop_signal is not None:
                break
            time.sleep(0.1)
        return self.pid

    def run_until_signalled(self) -> int:
        """Wait for SIGTERM/SIGINT, then stop gracefully. Returns the exit status (1 if the sentinel died)."""
        while self.stop_signal is None:
            if not self.sentinel.is_alive():
                log.error("worker cluster %s: sentinel died (exit code %s)", self.name, self.sentinel.exitcode)
                return 1
            time.sleep(0.2)
        self.stop_within(settings.Q_STOP_GRACE_SECONDS)
        return 0

    def stop_within(self, grace: float) -> bool:
        """Stop the cluster; kill what is still running after ``grace`` seconds. Returns whether it stopped on
        its own."""
        started = time.monotonic()
        log.info("worker cluster %s stopping (finishing the tasks in hand, at most %s s)", self.name, grace)
        self.stop_event.set()
        self.sentinel.join(grace)
        graceful = not self.sentinel.is_alive()
        if not graceful:
            left = descendants(os.getpid())
            log.warning(
                "worker cluster %s: %d processes still busy after %s s, killed; their claimed work is handed "
                "back by the sweeper",
                self.name,
                len(left),
                grace,
            )
            for pid in left:
                try:
                    os.kill(pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
            self.sentinel.join(5)
        for pid in descendants(os.getpid()):  # forked helpers the sentinel did not wait for
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        log.info("worker cluster %s stopped in %.1f s", self.name, time.monotonic() - started)
        return graceful


def descendants(pid: int) -> list[int]:
    """Every living process below ``pid`` (children first), read from /proc (Linux)."""
    children: dict[int, list[int]] = {}
    try:
        entries = os.listdir("/proc")
    except OSError:
        return []
    for entry in entries:
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", "rb") as stat:
                fields = stat.read().rsplit(b")", 1)[1].split()
        except OSError:
            continue
        if fields[0] == b"Z":
            continue
        children.setdefault(int(fields[1]), []).append(int(entry))
    found: list[int] = []
    queue = list(children.get(pid, []))
    while queue:
        child = queue.pop(0)
        found.append(child)
        queue.extend(children.get(child, []))
    return found
