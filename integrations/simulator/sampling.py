"""What a run watches once a second while it runs: PostgreSQL's own views (connections of the run's database,
sessions waiting for a lock, locks not granted), the queue backlog (the broker's queues and the unsettled inbox
messages), the progress along the path, and the CPU (the machine's, and the run's web and worker processes')."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from django.db import connection

from integrations.benchmarks.processes import cpu_seconds, descendants, machine_cpu

PG_SAMPLE = """
SELECT
    (SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()),
    (SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND state = 'active'),
    (SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'),
    (SELECT count(*) FROM pg_locks l JOIN pg_database d ON d.oid = l.database
      WHERE d.datname = current_database() AND NOT l.granted)
"""


@dataclass
class Sample:
    t: float  # seconds from the start
    connections: int
    active: int
    lock_waits: int  # sessions waiting for a lock
    locks_not_granted: int
    queue: int  # tasks waiting in the broker's queues
    inbox: int  # inbox messages pending, being processed or failed
    created: int
    reviewed: int
    cpu_machine: float  # % of all cores, since the previous sample
    cpu_web: float  # % of one core, since the previous sample
    cpu_workers: float
    cpu_review: float


@dataclass
class Sampler:
    """Samples every ``every`` seconds in a thread of its own (its own database connection) until ``stop()``."""

    t0: float
    queue_size: Callable[[], int]
    progress: Callable[[], tuple[int, int, int]]  # () → (inbox unsettled, orders created, orders reviewed)
    pids: dict[str, int]  # "web" / "workers" / "review" → the parent process of each group
    on_sample: Callable[[Sample], None] = lambda sample: None
    every: float = 1.0
    samples: list[Sample] = field(default_factory=list)
    _stop: threading.Event = field(default_factory=threading.Event)
    _thread: threading.Thread | None = None

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread:
            self._thread.join(timeout=30)

    def _group_cpu(self) -> dict[str, float]:
        return {name: cpu_seconds([pid, *descendants(pid)]) for name, pid in self.pids.items()}

    def _run(self) -> None:
        try:
            busy0, total0 = machine_cpu()
            groups0, at0 = self._group_cpu(), time.monotonic()
            while not self._stop.wait(self.every):
                busy, total = machine_cpu()
                groups, at = self._group_cpu(), time.monotonic()
                wall = max(at - at0, 1e-6)
                with connection.cursor() as cursor:
                    cursor.execute(PG_SAMPLE)
                    conns, active, waits, not_granted = cursor.fetchone()
                inbox, created, reviewed = self.progress()
                sample = Sample(
                    t=round(at - self.t0, 2),
                    connections=conns,
                    active=active,
                    lock_waits=waits,
                    locks_not_granted=not_granted,
                    queue=self.queue_size(),
                    inbox=inbox,
                    created=created,
                    reviewed=reviewed,
                    cpu_machine=round(100 * (busy - busy0) / (total - total0), 1) if total > total0 else 0.0,
                    cpu_web=round(100 * (groups.get("web", 0) - groups0.get("web", 0)) / wall, 1),
                    cpu_workers=round(100 * (groups.get("workers", 0) - groups0.get("workers", 0)) / wall, 1),
                    cpu_review=round(100 * (groups.get("review", 0) - groups0.get("review", 0)) / wall, 1),
                )
                self.samples.append(sample)
                self.on_sample(sample)
                busy0, total0, groups0, at0 = busy, total, groups, at
        finally:
            connection.close()
