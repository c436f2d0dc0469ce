"""The figures of a finished run, from the rows in its database and what the senders and the sampler recorded:
push → reserved → reviewed per order, what completed when (10-second windows), the invariants, the
recommendation, the series the report draws."""

from __future__ import annotations

import os
from dataclasses import asdict
from typing import Any

from integrations.benchmarks.invariants import invariants_count
from integrations.simulator import measures
from integrations.simulator.world import world_unreviewed

WINDOW_S = 10.0


def result_compute(
    *,
    options,
    world,
    plan,
    distinct: set[tuple[str, str]],
    deliveries: list,
    sent,
    waves: int,
    fault_log: list[dict],
    wall0: float,
    sent_s: float,
    settle_s: float,
    review_settle_s: float,
    samples: list,
    broker: str,
    load: list[float],
) -> dict[str, Any]:
    """Everything ``simulate_peak`` reports (its JSON line, ``series`` for the report's charts)."""
    from django.db.models import Count, Min

    from fulfilment.models import WaveOrder
    from inventory.models import Reservation
    from orders.models import Order, OrderRuleResult

    shops = [world.shopify.shop, world.taobao.shop]
    counted = invariants_count(sent=distinct, shops=shops, warehouses=[world.warehouse])
    unprocessed = stored_not_created(distinct, shops)
    rows = list(Order.objects.filter(shop__in=shops).values_list("pk", "shop__platform", "external_id", "created_at"))
    ids = [pk for pk, *_ in rows]
    reserved = dict(
        Reservation.objects.filter(order_id__in=ids).values_list("order_id").annotate(first=Min("created_at"))
    )
    reviewed = dict(
        OrderRuleResult.objects.filter(order_id__in=ids, evaluated_at__isnull=False).values_list(
            "order_id", "evaluated_at"
        )
    )
    waved = dict(
        WaveOrder.objects.filter(order_id__in=ids).values_list("order_id").annotate(first=Min("wave__created_at"))
    )
    accepted = sent.accepted_at
    to_reserved, to_reviewed, to_waved = [], [], []
    created_t, reserved_t, reviewed_t = [], [], []
    for pk, platform, external, created_at in rows:
        created_t.append(created_at.timestamp() - wall0)
        pushed = accepted.get((platform, external))
        if pk in reserved:
            reserved_t.append(reserved[pk].timestamp() - wall0)
        if pk in reviewed:
            reviewed_t.append(reviewed[pk].timestamp() - wall0)
        if pushed is None:
            continue
        if pk in reserved:
            to_reserved.append(reserved[pk].timestamp() - pushed)
        if pk in reviewed:
            to_reviewed.append(reviewed[pk].timestamp() - pushed)
        if pk in waved:
            to_waved.append(waved[pk].timestamp() - pushed)
    length = int(max([sent_s + settle_s + review_settle_s, *reviewed_t, 1]) + 1)
    by_status = dict(
        Order.objects.filter(shop__in=shops).values_list("status").annotate(n=Count("id")).order_by("status")
    )
    best_reviewed = measures.best_window(reviewed_t, WINDOW_S) / WINDOW_S
    best_reserved = measures.best_window(reserved_t, WINDOW_S) / WINDOW_S
    best_accepted = measures.best_window(sent.answers, WINDOW_S) / WINDOW_S
    target = options.target_per_s or plan.peak_per_s
    best_offered = measures.best_window(plan.send_times(), WINDOW_S) / WINDOW_S
    recommendation = measures.recommend(
        [
            measures.Stage("web", options.web, best_accepted, best_offered),
            measures.Stage("workers", options.workers, best_reserved, best_accepted),
            measures.Stage("review_workers", options.review_workers, best_reviewed, best_reserved),
        ],
        target_per_s=target,
    )

    def pct(values):
        return {f"p{p}": _round(measures.percentile(values, p)) for p in (50, 95, 99)}

    return {
        "run": world.run,
        "first_run_on_fresh_database": world.fresh,
        "runs_before_on_database": world.runs_before,
        "curve": plan.curve,
        "window_first_minute": plan.first_minute,
        "minute_seconds": round(plan.minute_seconds, 2),
        "offered": counted.sent,
        "deliveries": len(deliveries),
        "created": counted.stored,
        "reserved": len(reserved),
        "reviewed": len(reviewed),
        "waved": len(waved),
        "waves": waves,
        **{k: v for k, v in counted.as_json().items() if k not in ("sent", "stored")},
        # Stored in the inbox but not yet an order when the run ended (``settle_s`` ran out): late, not lost.
        "lost": counted.lost - unprocessed,
        "unprocessed": unprocessed,
        "peak_per_s": plan.peak_per_s,
        "achieved_peak_per_s": round(best_reviewed, 1),
        "reserved_peak_per_s": round(best_reserved, 1),
        "accepted_peak_per_s": round(best_accepted, 1),
        "p95_latency_s": _round(measures.percentile(to_reviewed, 95)),
        "latency_s": {"push_to_reserved": pct(to_reserved), "push_to_reviewed": pct(to_reviewed)},
        "push_to_waved_p50_s": _round(measures.percentile(to_waved, 50)),
        "queue_backlog_peak": max((s.queue for s in samples), default=0),
        "inbox_backlog_peak": max((s.inbox for s in samples), default=0),
        "lock_waits_peak": max((s.lock_waits for s in samples), default=0),
        "connections_peak": max((s.connections for s in samples), default=0),
        "cpu_machine_mean": _round(_mean([s.cpu_machine for s in samples])),
        "cpu_ms_per_order": cpu_per_order(samples, counted.stored, os.cpu_count() or 1),
        "http": {
            "retries": sent.retries,
            "errors": sent.errors,
            "statuses": {str(k): v for k, v in sorted(sent.statuses.items())},
        },
        "faults": fault_log,
        "sent_s": sent_s,
        "settle_s": settle_s,
        "review_settle_s": review_settle_s,
        "settled": settle_s < options.settle_s,
        "unreviewed_paid": world_unreviewed(world),
        "orders_by_status": by_status,
        "broker": broker,
        "processes": {"web": options.web, "workers": options.workers, "review_workers": options.review_workers},
        "hot_share": options.hot_share,
        "hot_skus": options.hot_skus,
        "target_per_s": target,
        "recommendation": recommendation,
        "load_average": load,
        "cpus": os.cpu_count(),
        "series": {
            "seconds": length,
            "offered": [round(plan.offered_at(s + 0.5), 1) for s in range(length)],
            "accepted": measures.per_second(sent.answers, length),
            "created": measures.per_second(created_t, length),
            "reviewed": measures.per_second(reviewed_t, length),
            "samples": [asdict(s) for s in samples],
        },
    }


CPU_GROUPS = ("web", "workers", "review", "notify", "postgres", "redis", "simulator")


def cpu_per_order(samples: list, created: int, cpus: int) -> dict[str, float]:
    """Milliseconds of CPU per created order over the run: each group's (its share in each sample × the sample's
    interval), the whole machine's, and ``other`` — the machine's that no group accounts for (the kernel, other
    processes). Empty without samples or orders."""
    if not samples or not created:
        return {}
    used = dict.fromkeys(CPU_GROUPS, 0.0)
    machine = before = 0.0
    for sample in samples:
        interval, before = sample.t - before, sample.t
        for group in CPU_GROUPS:
            used[group] += getattr(sample, f"cpu_{group}") / 100 * interval
        machine += sample.cpu_machine / 100 * interval * cpus
    per_order = {group: round(1000 * seconds / created, 2) for group, seconds in used.items()}
    per_order["machine"] = round(1000 * machine / created, 2)
    per_order["other"] = round(max(0.0, per_order["machine"] - sum(per_order[group] for group in CPU_GROUPS)), 2)
    return per_order


def stored_not_created(distinct: set[tuple[str, str]], shops: list) -> int:
    """Of the offered platform orders that are no order row, how many are stored in the inbox (accepted and kept,
    waiting to be processed): the rest were lost."""
    from integrations.models import InboxMessage
    from orders.models import Order

    orders = set(Order.objects.filter(shop__in=shops).values_list("shop__platform", "external_id"))
    stored = set(
        InboxMessage.objects.filter(shop__in=shops).exclude(external_id="").values_list("platform", "external_id")
    )
    return len((distinct - orders) & stored)


def _round(value: float | None, digits: int = 3) -> float | None:
    return None if value is None else round(value, digits)


def _mean(values: list[float]) -> float | None:
    return sum(values) / len(values) if values else None
