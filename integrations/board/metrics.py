"""``GET /metrics``: Prometheus text with the command center's figures (read from the stored panels, never
recomputed here), the queues (django-q2's broker, the inbox and outbox) and the request metrics of
config.metrics.

Protected from the public: a scraper sends ``Authorization: Bearer <METRICS_TOKEN>``; without the token only a
signed-in user who may view the command center gets an answer (anonymous: 401, others: 403).
"""

from __future__ import annotations

import hmac
import logging
from collections.abc import Iterator

from django.conf import settings
from django.db.models import Count
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

from config.metrics import metrics_registry
from integrations.board.models import BoardSnapshot
from integrations.board.views import VIEW_BOARD
from integrations.models import InboxMessage, OutboxMessage, WorkStatus
from integrations.selectors import inbox_oldest_due_seconds

logger = logging.getLogger(__name__)
QUEUE_STATUSES = (WorkStatus.PENDING, WorkStatus.PROCESSING, WorkStatus.FAILED, WorkStatus.DEAD)


def _gauge(name: str, doc: str, labels: list[str] | None = None) -> GaugeMetricFamily:
    return GaugeMetricFamily(f"orderhub_{name}", doc, labels=labels or [])


def _number(value) -> float | None:
    try:
        return None if value is None else float(value)
    except (TypeError, ValueError):
        return None


class BoardCollector(Collector):
    """The stored panels as gauges (a figure not computed yet is left out)."""

    def collect(self) -> Iterator[GaugeMetricFamily]:
        now = timezone.now()
        panels = {s.panel: s for s in BoardSnapshot.objects.all()}
        age = _gauge("board_panel_age_seconds", "Seconds since the panel's figures were computed.", ["panel"])
        for code, snapshot in panels.items():
            if snapshot.computed_at:
                age.add_metric([code], (now - snapshot.computed_at).total_seconds())
        yield age
        yield from self._now((panels.get("now") or BoardSnapshot()).data or {})
        yield from self._flow((panels.get("flow") or BoardSnapshot()).data or {})
        yield from self._connections((panels.get("connections") or BoardSnapshot()).data or {})
        yield from self._money((panels.get("money") or BoardSnapshot()).data or {})

    def _now(self, data: dict) -> Iterator[GaugeMetricFamily]:
        if not data:
            return
        backlog = _gauge("backlog_orders", "Orders waiting, by status and time in that status.", ["status", "age"])
        for row in data["backlog"]["rows"]:
            for bucket, n in row["buckets"].items():
                backlog.add_metric([row["status"], bucket], n)
        yield backlog
        stuck = _gauge("stuck_orders", "Orders longer than their limit in a status that should move by itself.")
        stuck.add_metric([], data["stuck"]["total"])
        yield stuck
        review = _gauge("review_queue_open", "Open review tasks.")
        review.add_metric([], data["review"]["open"])
        yield review
        wait = _number(data["review"]["oldest_wait_min"])
        if wait is not None:
            oldest = _gauge("review_queue_oldest_wait_seconds", "Wait of the oldest open review task.")
            oldest.add_metric([], wait * 60)
            yield oldest
        oversold = _gauge("oversold_units", "Units reserved beyond what is on hand (must be 0).")
        oversold.add_metric([], data["oversold"]["units"])
        yield oversold
        per_hour = data["orders_per_hour"]
        hour = _gauge(
            "orders_created_this_hour", "Orders created in the current hour, and the same hour last week.", ["day"]
        )
        hour.add_metric(["today"], per_hour["today"][per_hour["hour"]] or 0)
        hour.add_metric(["last_week"], per_hour["last_week"][per_hour["hour"]])
        yield hour

    def _flow(self, data: dict) -> Iterator[GaugeMetricFamily]:
        if not data:
            return
        cycle = _gauge("cycle_paid_to_shipped_hours", "Paid → shipped of the last 24 h, by quantile.", ["quantile"])
        for quantile, key in (("0.5", "p50_h"), ("0.9", "p90_h")):
            if data["cycle"][key] is not None:
                cycle.add_metric([quantile], data["cycle"][key])
        yield cycle
        on_time = _gauge("on_time_ship_ratio", "Share of today's parcels shipped on time.", ["by", "key"])
        for by in ("channel", "warehouse"):
            for row in data["on_time"][by]:
                if row["rate"] is not None:
                    on_time.add_metric([by, row["key"]], row["rate"] / 100)
        yield on_time
        today = _gauge("floor_today", "The floor today: label errors, exceptions, manual interventions.", ["figure"])
        for figure in ("label_errors", "exceptions", "manual_interventions"):
            today.add_metric([figure], data[figure])
        yield today

    def _connections(self, data: dict) -> Iterator[GaugeMetricFamily]:
        if not data:
            return
        consistency = _gauge("shop_consistency_ratio", "Order Hub's ÷ the platform's order count.", ["shop"])
        failures = _gauge("shop_consecutive_failures", "Pull failures in a row.", ["shop"])
        callbacks = _gauge("shop_callbacks_24h", "Platform pushes answered in 24 h, by status.", ["shop", "status"])
        latency = _gauge("shop_push_latency_seconds", "Push received → processed, 24 h.", ["shop", "quantile"])
        expiry = _gauge("shop_expires_in_days", "Days until the token or certificate expires.", ["shop", "what"])
        for shop in data["shops"]:
            code = shop["shop"]
            if shop["consistency_pct"] is not None:
                consistency.add_metric([code], shop["consistency_pct"] / 100)
            failures.add_metric([code], shop["consecutive_failures"])
            for status, n in shop["answers"].items():
                callbacks.add_metric([code, status], n)
            for quantile, key in (("0.5", "latency_p50_s"), ("0.95", "latency_p95_s")):
                if shop[key] is not None:
                    latency.add_metric([code, quantile], shop[key])
            for what, key in (("token", "token_days_left"), ("certificate", "certificate_days_left")):
                if shop[key] is not None:
                    expiry.add_metric([code, what], shop[key])
        yield from (consistency, failures, callbacks, latency, expiry)

    def _money(self, data: dict) -> Iterator[GaugeMetricFamily]:
        if not data:
            return
        differences = _gauge("finance_open_differences", "Open reconciliation differences, by type.", ["type"])
        for row in data["differences"]:
            differences.add_metric([row["type"]], row["count"])
        yield differences


class QueueCollector(Collector):
    """Background work waiting: django-q2's broker queue, the inbox and outbox by status, the oldest due."""

    def collect(self) -> Iterator[GaugeMetricFamily]:
        broker = _gauge("task_queue_size", "Tasks waiting in django-q2's broker.")
        try:
            from django_q.brokers import get_broker

            broker.add_metric([], get_broker().queue_size())
        except Exception:  # the broker unreachable: leave the figure out rather than fail the scrape
            logger.warning("metrics: the task broker did not answer", exc_info=True)
        yield broker
        for name, model in (("inbox", InboxMessage), ("outbox", OutboxMessage)):
            gauge = _gauge(f"{name}_messages", f"{name.capitalize()} messages not done, by status.", ["status"])
            counts = dict(
                model.objects.filter(status__in=QUEUE_STATUSES)
                .values("status")
                .annotate(n=Count("pk"))
                .values_list("status", "n")
                .order_by()
            )
            for status in QUEUE_STATUSES:
                gauge.add_metric([status], counts.get(status, 0))
            yield gauge
        oldest = _gauge("inbox_oldest_due_seconds", "Wait of the oldest inbox message whose time has come.")
        oldest.add_metric([], inbox_oldest_due_seconds() or 0)
        yield oldest


def _may_read(request: HttpRequest) -> int:
    """200 when the request may read the metrics, else the status to answer."""
    token = settings.METRICS_TOKEN
    header = request.headers.get("Authorization", "")
    if token and header.startswith("Bearer ") and hmac.compare_digest(header[7:].strip().encode(), token.encode()):
        return 200
    if not request.user.is_authenticated:
        return 401
    return 200 if request.user.has_perm(VIEW_BOARD) else 403


def metrics_view(request: HttpRequest) -> HttpResponse:
    status = _may_read(request)
    if status != 200:
        response = HttpResponse(status=status)
        if status == 401:
            response["WWW-Authenticate"] = 'Bearer realm="metrics"'
        return response
    registry = CollectorRegistry()
    registry.register(BoardCollector())
    registry.register(QueueCollector())
    body = generate_latest(registry) + generate_latest(metrics_registry())
    return HttpResponse(body, content_type=CONTENT_TYPE_LATEST)
