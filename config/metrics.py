"""Request metrics for Prometheus (prometheus_client) and the registry /metrics answers from.

``RequestMetricsMiddleware`` counts every request by method, URL name (the route's name, never the raw path: a
bounded set of labels) and status class, and observes its duration. With several web processes (gunicorn) set
``PROMETHEUS_MULTIPROC_DIR`` to an empty directory every process can write (cleared at each start): the counts
of all processes are then summed at each scrape (prometheus_client's multiprocess mode). Without it, each process
answers for itself. The command center's figures and the queue sizes are added by the /metrics view
(integrations.board.metrics); docs/command-center.md says how to scrape it.
"""

from __future__ import annotations

import time

from django.conf import settings
from prometheus_client import REGISTRY as PROCESS_REGISTRY
from prometheus_client import CollectorRegistry, Counter, Histogram, multiprocess

REQUESTS = Counter(
    "orderhub_http_requests_total",
    "HTTP requests answered, by method, route name and status class.",
    ["method", "route", "status"],
)
LATENCY = Histogram(
    "orderhub_http_request_duration_seconds",
    "Time to answer an HTTP request, by method and route name.",
    ["method", "route"],
    buckets=(0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
)


def _route(request) -> str:
    match = getattr(request, "resolver_match", None)
    return (match.view_name if match and match.view_name else "") or "unmatched"


class RequestMetricsMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        started = time.perf_counter()
        response = self.get_response(request)
        route = _route(request)
        REQUESTS.labels(request.method, route, f"{response.status_code // 100}xx").inc()
        LATENCY.labels(request.method, route).observe(time.perf_counter() - started)
        return response


def metrics_registry() -> CollectorRegistry:
    """A registry with the request metrics of every web process (multiprocess mode) or of this one."""
    if settings.PROMETHEUS_MULTIPROC_DIR:
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
        return registry
    return PROCESS_REGISTRY
