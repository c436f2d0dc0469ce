"""Real concurrency for tests on PostgreSQL: callables run in threads, each with its own connection.

    results, errors = run_together([lambda: stock_reserve(...), lambda: stock_reserve(...)])

    with running([hold_the_lock]) as background:   # the test acts while the threads run
        ...
    assert background.errors == []

Each callable runs in its own thread (so its own database connection and transaction); ``run_together`` holds
them at a barrier until all have started, so they really race; ``running`` lets the test act while they run
and waits for them when the block ends. Each thread closes its connection when done, so the test database can
be dropped afterwards. Use it in tests marked ``postgres`` and ``django_db(transaction=True)``: the threads see
only committed rows.
"""

import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from django.db import close_old_connections, connection


@dataclass
class Background:
    threads: list[threading.Thread]
    results: list[Any]
    errors: list[BaseException] = field(default_factory=list)

    def alive(self) -> bool:
        return any(thread.is_alive() for thread in self.threads)


@contextmanager
def running(jobs: Sequence[Callable[[], Any]], *, together: bool = True, timeout: float = 120) -> Iterator[Background]:
    """Start ``jobs``, one thread each (released together by a barrier unless ``together`` is false), and
    yield while they run; on leaving the block wait for all of them. ``results`` holds each job's return value
    in the jobs' order (``None`` for one that raised), ``errors`` the exceptions raised, in the order they
    happened. A thread still running after ``timeout`` seconds fails the test."""
    barrier = threading.Barrier(len(jobs)) if together else None
    lock = threading.Lock()
    background = Background(threads=[], results=[None] * len(jobs))

    def work(index: int, job: Callable[[], Any]) -> None:
        try:
            if barrier is not None:
                barrier.wait(timeout=timeout)
            background.results[index] = job()
        except BaseException as exc:  # noqa: BLE001 - handed to the test, which asserts on it
            with lock:
                background.errors.append(exc)
        finally:
            connection.close()

    background.threads = [threading.Thread(target=work, args=(index, job)) for index, job in enumerate(jobs)]
    for thread in background.threads:
        thread.start()
    try:
        yield background
    finally:
        for thread in background.threads:
            thread.join(timeout=timeout)
        close_old_connections()
    stuck = [thread.name for thread in background.threads if thread.is_alive()]
    assert not stuck, f"threads still running after {timeout} s: {stuck}"


def run_together(jobs: Sequence[Callable[[], Any]], *, timeout: float = 120) -> tuple[list[Any], list[BaseException]]:
    """Run ``jobs`` at the same moment, one thread each, and wait for all of them. Returns ``(results,
    errors)`` as ``running`` gathers them."""
    with running(jobs, timeout=timeout) as background:
        pass
    return background.results, background.errors
