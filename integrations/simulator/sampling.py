"""What a run watches once a second while it runs: PostgreSQL's own views (connections of the run's database,
sessions waiting for a lock, locks not granted), the queue backlog (the broker's queues and the unsettled inbox
messages), the progress along the path, and the CPU: the machine's, and each group's (the run's web server, its
ingestion, review and buyer-message clusters, PostgreSQL and Redis with every process of theirs on the machine, and
this simulator's own process: its senders, this sampler, the wave releaser)."""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from django.db import connection

from integrations.benchmarks.processes import cpu_by_pid, descendants, machine_cpu, processes_named

SERVICES = {"postgres": "postgres", "redis": "redis-server"}  # group → command name

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
    cpu_notify: float = 0.0
    cpu_postgres: float = 0.0
    cpu_redis: float = 0.0
    cpu_simulator: float = 0.0


@dataclass
class Sampler:
    """Samples every ``every`` seconds in a thread of its own (its own database connection) until ``stop()``."""

    t0: float
    queue_size: Callable[[], int]
    progress: Callable[[], tuple[int, int, int]]  # () → (inbox unsettled, orders created, orders reviewed)
    pids: dict[str, int]  # "web" / "workers" / "review" / "notify" → the parent process of each group
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

    def _group_cpu(self) -> dict[str, dict[int, float]]:
        """Each group's processes now, with the CPU seconds each has used so far."""
        groups = {name: [pid, *descendants(pid)] for name, pid in self.pids.items()}
        named = processes_named(tuple(SERVICES.values()))
        groups |= {group: named[command] for group, command in SERVICES.items()}
        groups["simulator"] = [os.getpid()]
        return {name: cpu_by_pid(pids) for name, pids in groups.items()}

    def _run(self) -> None:
        try:
            busy0, total0 = machine_cpu()
            groups0, at0 = self._group_cpu(), time.monotonic()
            while not self._stop.wait(self.every):
                busy, total = machine_cpu()
                groups, at = self._group_cpu(), time.monotonic()
                wall = max(at - at0, 1e-6)

                def share(name: str, groups=groups, groups0=groups0, wall=wall) -> float:
                    return round(100 * cpu_used(groups.get(name, {}), groups0.get(name, {})) / wall, 1)

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
                    cpu_web=share("web"),
                    cpu_workers=share("workers"),
                    cpu_review=share("review"),
                    cpu_notify=share("notify"),
                    cpu_postgres=share("postgres"),
                    cpu_redis=share("redis"),
                    cpu_simulator=share("simulator"),
                )
                self.samples.append(sample)
                self.on_sample(sample)
                busy0, total0, groups0, at0 = busy, total, groups, at
        finally:
            connection.close()


def cpu_used(now: dict[int, float], before: dict[int, float]) -> float:
    """CPU seconds a group's processes used between two readings (``{pid: seconds so far}``), process by process:
    one that ended (a worker recycled, a backend closed) does not take its past CPU with it, one that started counts
    from 0."""
    return sum(max(0.0, used - before.get(pid, 0.0)) for pid, used in now.items())
