"""A server process's long-lived objects set aside from Python's cyclic garbage collector.

A web or worker process imports Django, every app, its models and URL patterns once: about 190,000 objects that
live as long as the process. Every collection of the collector's oldest generation walks all of them again, and
work that makes and drops thousands of objects (an ingestion batch: rows read, model instances, order lines)
sets off such collections every few milliseconds: measured with ``bench_budget``, 122 ms of the 420 ms of CPU
an ingestion of 400 orders took. ``gc.freeze()`` moves what exists at start into a permanent generation the
collector no longer walks (https://docs.python.org/3/library/gc.html#gc.freeze, which recommends it for
processes that fork workers); everything made later is collected as before. The web server (config/wsgi.py) and
the worker cluster (``manage.py qcluster``, before it forks its workers) call ``heap_freeze`` once they are
loaded. Why and what it saves: docs/performance.md, "CPU per order of a peak's path".
"""

from __future__ import annotations

import gc


def heap_freeze() -> int:
    """Load the URL patterns (every view and what it imports, else imported at the first request), collect what
    start-up left as garbage, then freeze what is left. Returns how many objects were frozen."""
    from django.urls import get_resolver

    get_resolver().url_patterns  # noqa: B018 - loads every urls module and view
    gc.collect()
    gc.freeze()
    return gc.get_freeze_count()
