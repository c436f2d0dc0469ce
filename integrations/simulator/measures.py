"""The figures of a run, from what it recorded (pure functions: no database, no clock).

- ``percentile``: nearest rank (the smallest value with at least p % of the values at or below it).
- ``best_window``: the most events inside any ``width``-second window (``achieved_peak_per_s`` = the best
  10-second window of orders that completed the path, ÷ 10).
- ``per_second``: events counted per whole second from the start (the "achieved over time" series).
- ``recommend``: processes needed for a target peak from the measured throughput per process, with headroom.
"""

from __future__ import annotations

import bisect
import math
from collections.abc import Sequence
from dataclasses import dataclass

HEADROOM = 1.3  # plan for 30 % more than the target: a peak is never as smooth as its curve


def percentile(values: Sequence[float], p: float) -> float | None:
    """The nearest-rank ``p``-th percentile of ``values`` (None when there are none)."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(1, math.ceil(p / 100 * len(ordered)))
    return ordered[min(rank, len(ordered)) - 1]


def best_window(times: Sequence[float], width: float = 10.0) -> int:
    """The most of ``times`` (seconds) inside any half-open window [t, t + ``width``)."""
    ordered = sorted(times)
    best = 0
    for index, start in enumerate(ordered):
        best = max(best, bisect.bisect_left(ordered, start + width, lo=index) - index)
    return best


def per_second(times: Sequence[float], seconds: int) -> list[int]:
    """How many of ``times`` fall in each whole second 0 … ``seconds`` − 1 (later ones in the last)."""
    counts = [0] * max(seconds, 1)
    for moment in times:
        counts[min(max(int(moment), 0), len(counts) - 1)] += 1
    return counts


KEPT_UP = 0.9  # a stage whose best rate reached 90 % of what came in was not the bottleneck


@dataclass(frozen=True)
class Stage:
    """A kind of process on the path: how many ran, the best rate they sustained together and the best rate
    of what came in to them (per second)."""

    name: str
    processes: int
    rate_per_s: float
    input_per_s: float


def recommend(stages: Sequence[Stage], *, target_per_s: float, headroom: float = HEADROOM) -> dict[str, dict]:
    """Per stage: measured throughput per process (rate ÷ processes) and the processes needed for
    ``target_per_s`` with ``headroom`` (rounded up; None when the stage completed nothing). A stage that kept up
    with what came in (``kept_up``) was not pushed to its limit: its per-process figure is a floor and the
    processes needed a ceiling. It assumes a stage scales with its processes while the machine has CPU to
    spare — the report says how busy the CPU was."""
    out = {}
    for stage in stages:
        per_process = stage.rate_per_s / stage.processes if stage.processes else 0.0
        needed = math.ceil(target_per_s * headroom / per_process) if per_process > 0 else None
        out[stage.name] = {
            "processes": stage.processes,
            "measured_per_s": round(stage.rate_per_s, 1),
            "per_process_per_s": round(per_process, 1),
            "needed": needed,
            "kept_up": stage.input_per_s > 0 and stage.rate_per_s >= KEPT_UP * stage.input_per_s,
        }
    return out
