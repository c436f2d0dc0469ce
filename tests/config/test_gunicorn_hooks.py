"""deploy/gunicorn.conf.py: the web server's hooks for prometheus_client's multiprocess mode — the metrics
directory wiped before the server starts, a dead worker's live gauges dropped from the sum (its counters kept).

Each "worker" is a real child process writing its metric files, as a gunicorn worker does."""

from __future__ import annotations

import os
import runpy
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import pytest
from prometheus_client import CollectorRegistry, multiprocess

HOOKS = runpy.run_path(str(Path(__file__).resolve().parents[2] / "deploy" / "gunicorn.conf.py"))

WORKER = """
from prometheus_client import Counter, Gauge
Counter("answered", "requests answered").inc(3)
Gauge("in_flight", "requests in flight", multiprocess_mode="livesum").set(2)
"""


def _worker(directory: Path) -> int:
    """A process that writes metrics as a web worker would; returns its pid (it has exited)."""
    child = subprocess.run(
        [sys.executable, "-c", WORKER + "import os; print(os.getpid())"],
        env={**os.environ, "PROMETHEUS_MULTIPROC_DIR": str(directory)},
        capture_output=True,
        text=True,
        check=True,
    )
    return int(child.stdout)


def _summed(directory: Path) -> dict[str, float]:
    registry = CollectorRegistry()
    multiprocess.MultiProcessCollector(registry, path=str(directory))
    return {
        sample.name: sample.value
        for metric in registry.collect()
        for sample in metric.samples
        if sample.name in {"answered_total", "in_flight"}
    }


@pytest.fixture
def multiproc_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("PROMETHEUS_MULTIPROC_DIR", str(tmp_path))
    return tmp_path


def test_a_dead_workers_live_gauge_leaves_the_sum_and_its_counts_stay(multiproc_dir):
    dead = _worker(multiproc_dir)
    _worker(multiproc_dir)  # a worker still serving
    assert _summed(multiproc_dir) == {"answered_total": 6.0, "in_flight": 4.0}

    HOOKS["child_exit"](server=None, worker=SimpleNamespace(pid=dead))

    assert _summed(multiproc_dir) == {"answered_total": 6.0, "in_flight": 2.0}


def test_the_directory_is_wiped_before_the_server_starts(multiproc_dir):
    _worker(multiproc_dir)
    (multiproc_dir / "notes.txt").write_text("not a metric file")

    HOOKS["on_starting"](server=None)

    assert _summed(multiproc_dir) == {}
    assert [p.name for p in multiproc_dir.iterdir()] == ["notes.txt"]


def test_without_a_metrics_directory_the_hooks_do_nothing(tmp_path, monkeypatch):
    monkeypatch.delenv("PROMETHEUS_MULTIPROC_DIR", raising=False)
    _worker(tmp_path)

    HOOKS["on_starting"](server=None)
    HOOKS["child_exit"](server=None, worker=SimpleNamespace(pid=os.getpid()))

    assert _summed(tmp_path) == {"answered_total": 3.0, "in_flight": 2.0}
