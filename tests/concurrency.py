"""Real concurrency for tests on PostgreSQL: callables run in threads released together.

    results, errors = run_together([lambda: stock_reserve(...), lambda: stock_reserve(...)])

Each callable runs in its own thread (so its own database connection and transaction); a barrier holds them
until all have started, so they really race. Each thread closes its connection when done, so the test
database can be dropped afterwards. Use it in tests marked ``postgres`` and ``django_db(transaction=True)``:
the threads see only committed rows.
"""

import threading
from collections.abc import Callable, Sequence
from typing import Any

from django.db import close_old_connections, connection


def run_together(jobs: Sequence[Callable[[], Any]], *, timeout: float = 120) -> tuple[list[Any], list[BaseException]]:
    """Run ``jobs`` at the same moment, one thread each, and wait for all of them. Returns ``(results,
    errors)``: each job's return value in the jobs' order (``None`` for one that raised) and the exceptions
    raised, in the order they happened. A thread still running after ``timeout`` seconds fails the test."""
    barrier = threading.Barrier(len(jobs))
    results: list[Any] = [None] * len(jobs)
    errors: list[BaseException] = []
    lock = threading.Lock()

    def work(index: int, job: Callable[[], Any]) -> None:
        try:
            barrier.wait(timeout=timeout)
            results[index] = job()
        except BaseException as exc:  # noqa: BLE001 - handed to the test, which asserts on it
            with lock:
                errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=work, args=(index, job)) for index, job in enumerate(jobs)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=timeout)
    close_old_connections()
    stuck = [thread.name for thread in threads if thread.is_alive()]
    assert not stuck, f"threads still running after {timeout} s: {stuck}"
    return results, errors
