"""What a simulation is asked to do (the command's options; the back office stores them as parameters)."""

from __future__ import annotations

from dataclasses import dataclass, field

FAULTS = ("503-storm", "duplicates", "out-of-order", "kill-worker", "carrier-outage")


@dataclass
class Options:
    orders: int = 30_000
    peak_per_s: float = 1_000.0
    curve: str = "double11"
    min_peak_seconds: float = 15.0
    hot_share: float = 0.2
    hot_skus: int = 5
    thin_share: float = 0.2
    web: int = 2
    threads: int = 8
    workers: int = 2
    review_workers: int = 2
    clients: int = 16
    faults: list[str] = field(default_factory=list)
    settle_s: float = 300.0
    review_settle_s: float = 300.0
    wave_every_s: float = 5.0
    target_per_s: float = 0.0  # the recommendation's target (default: the run's peak)
    redis_url: str = ""
    pgbench_seconds: int = 10  # then PostgreSQL's own ceiling, measured by pgbench in the same run (0: not)
