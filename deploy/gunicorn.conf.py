"""gunicorn settings hooks for the web nodes: ``gunicorn -c deploy/gunicorn.conf.py config.wsgi …`` (the other
settings stay on the command line, docs/deployment.md "Web nodes").

With several workers, /metrics sums every worker's request metrics through prometheus_client's multiprocess
mode: ``PROMETHEUS_MULTIPROC_DIR`` names a directory every worker of this server writes its metric files to,
one directory per gunicorn master (config/metrics.py). prometheus_client asks for two things of the server
(https://prometheus.github.io/client_python/multiprocess/, "Gunicorn deployment"):

- the directory is wiped before the server starts (``on_starting``, in the master before the first fork): files
  left by an earlier run would otherwise be summed again;
- ``child_exit`` calls ``multiprocess.mark_process_dead(worker.pid)`` for every worker that exits (recycled,
  killed, timed out), so the live gauges of a dead worker leave the sum (its counters stay: what it answered
  was answered).

Without ``PROMETHEUS_MULTIPROC_DIR`` both hooks do nothing: each worker answers for itself.
"""

from __future__ import annotations

import os
from pathlib import Path


def _multiproc_dir() -> Path | None:
    value = os.environ.get("PROMETHEUS_MULTIPROC_DIR", "")
    return Path(value) if value else None


def on_starting(server) -> None:
    directory = _multiproc_dir()
    if directory is None:
        return
    directory.mkdir(parents=True, exist_ok=True)
    for leftover in directory.glob("*.db"):
        leftover.unlink()


def child_exit(server, worker) -> None:
    if _multiproc_dir() is None:
        return
    from prometheus_client import multiprocess

    multiprocess.mark_process_dead(worker.pid)
