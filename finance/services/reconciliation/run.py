"""A reconciliation run: one at a time, in one transaction: match, stream the orders in scope through the
evaluator, classify unmatched lines, save differences, rebuild daily balances, record the run."""

from __future__ import annotations

import datetime as dt
import logging
import time
from collections import defaultdict
from collections.abc import Callable
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import CharField
from django.db.models.functions import Cast, TruncDate
from django.utils import timezone
from django.utils.translation import gettext as _

from aftersales.models import Case
from finance.exceptions import ReconciliationBusy
from finance.formats.base import SHANGHAI
from finance.models import ReconciliationRun, ShopEntity, Statement, StatementLine
from finance.services.matching import lines_match
from finance.services.reconciliation.balances import daily_balances_rebuild
from finance.services.reconciliation.coverage import coverage_of
from finance.services.reconciliation.evaluator import Evaluator
from finance.services.reconciliation.policy import Policy
from finance.services.reconciliation.results import differences_upsert, refund_links_save
from finance.services.reconciliation.rows import (
    LINE_FIELDS,
    ORDER_FIELDS,
    REFUND_FIELDS,
    Line,
    OrderRow,
    RefundRow,
)
from finance.services.reconciliation.scope import in_scope, scope_build, scope_drop, stream
from orders.models import Order, Shop

logger = logging.getLogger(__name__)


PROGRESS_EVERY = 5000  # orders compared between two progress calls


STALE_AFTER = dt.timedelta(hours=2)  # a run still marked running after this was left by a process that died


def reconcile(
    *,
    date_from: dt.date,
    date_to: dt.date | None = None,
    user=None,
    progress: Callable[[int, int], None] | None = None,
) -> ReconciliationRun:
    """Reconcile the business dates ``date_from``…``date_to``. Idempotent; keeps human decisions.
    ``progress(compared, in_scope)`` is told how many of the orders in scope have been compared.

    The run is recorded as running in a transaction of its own (one at a time, see ``run_claim``); the work —
    matching, differences, daily balances — and the run's "done" are one transaction, so a failure leaves
    everything as the previous run left it and the run is marked failed with the error."""
    date_to = date_to or date_from
    if date_to < date_from:
        date_from, date_to = date_to, date_from
    run = run_claim(date_from=date_from, date_to=date_to, user=user)
    started = time.monotonic()
    try:
        with transaction.atomic(durable=True):
            stats = _reconcile(run, date_from, date_to, progress)
            stats["seconds"] = round(time.monotonic() - started, 3)
            ReconciliationRun.objects.filter(pk=run.pk).update(
                status=ReconciliationRun.Status.DONE, finished_at=timezone.now(), stats=stats
            )
    except Exception as exc:
        ReconciliationRun.objects.filter(pk=run.pk).update(
            status=ReconciliationRun.Status.FAILED, finished_at=timezone.now(), message=str(exc)[:2000]
        )
        raise
    run.refresh_from_db()
    return run


@transaction.atomic(durable=True)
def run_claim(*, date_from: dt.date, date_to: dt.date, user=None) -> ReconciliationRun:
    """Record a run as running, or raise ``ReconciliationBusy`` if one is. The database holds at most one
    running run (constraint ``one_run_running``): of two callers at the same moment the second's INSERT waits
    for the first's to commit and is refused. A run still marked running after ``STALE_AFTER`` (its process
    died) is marked failed first."""
    now = timezone.now()
    ReconciliationRun.objects.filter(status=ReconciliationRun.Status.RUNNING, started_at__lt=now - STALE_AFTER).update(
        status=ReconciliationRun.Status.FAILED,
        finished_at=now,
        message=_("Abandoned: still marked running %(after)s after it started.") % {"after": STALE_AFTER},
    )
    try:
        with transaction.atomic():
            return ReconciliationRun.objects.create(
                date_from=date_from,
                date_to=date_to,
                triggered_by=user if user is not None and user.is_authenticated else None,
            )
    except IntegrityError:
        busy = ReconciliationRun.objects.filter(status=ReconciliationRun.Status.RUNNING).first()
        where = f" #{busy.pk} ({busy.date_from}…{busy.date_to})" if busy is not None else ""
        raise ReconciliationBusy(
            _("Reconciliation run%(where)s is still running; try again when it has finished.") % {"where": where},
            extra={"run_id": busy.pk if busy is not None else None},
        ) from None


def _reconcile(run: ReconciliationRun, date_from: dt.date, date_to: dt.date, progress) -> dict[str, Any]:
    timings: dict[str, float] = {}
    clock = time.monotonic()

    def tick(name: str) -> None:
        nonlocal clock
        now = time.monotonic()
        timings[name] = round(now - clock, 3)
        clock = now

    matched = lines_match(date_from=date_from, date_to=date_to)
    tick("match")
    shops = {shop_id: (platform, None) for shop_id, platform in Shop.objects.values_list("id", "platform")}
    for shop_id, entity_id in ShopEntity.objects.values_list("shop_id", "entity_id"):
        shops[shop_id] = (shops.get(shop_id, ("", None))[0], entity_id)
    evaluator = Evaluator(
        policy=Policy(),
        date_from=date_from,
        date_to=date_to,
        coverage=coverage_of(date_from, date_to),
        shops=shops,
    )
    evaluator.statement_entity = dict(Statement.objects.values_list("id", "entity_id"))
    tick("prepare")

    scoped = scope_build(date_from, date_to)
    tick("scope")
    scope_ids = in_scope()
    orders = stream(
        Order.objects.filter(pk__in=scope_ids).annotate(paid_day=TruncDate("paid_at", tzinfo=SHANGHAI)).order_by("pk"),
        ORDER_FIELDS,
        OrderRow,
    )
    lines = stream(
        StatementLine.objects.filter(order_id__in=scope_ids)
        .annotate(occurred=Cast("occurred_at", CharField()))
        .order_by("order_id", "id"),
        LINE_FIELDS,
        Line,
    )
    refunds = stream(
        Case.objects.filter(order_id__in=scope_ids)
        .annotate(refunded_day=TruncDate("refunded_at", tzinfo=SHANGHAI))
        .order_by("order_id", "id"),
        REFUND_FIELDS,
        RefundRow,
    )
    next_line = next(lines, None)
    next_refund = next(refunds, None)
    evaluated = 0
    evaluate = evaluator.order
    for order in orders:
        oid = order.id
        order_lines: list[Line] = []
        while next_line is not None and next_line.order_id <= oid:
            if next_line.order_id == oid:
                order_lines.append(next_line)
            next_line = next(lines, None)
        order_refunds: list[RefundRow] = []
        while next_refund is not None and next_refund.order_id <= oid:
            if next_refund.order_id == oid:
                order_refunds.append(next_refund)
            next_refund = next(refunds, None)
        evaluate(order, order_lines, order_refunds)
        evaluated += 1
        if progress and evaluated % PROGRESS_EVERY == 0:
            progress(evaluated, scoped)
    if progress:
        progress(evaluated, scoped)
    tick("orders")

    unmatched = list(
        StatementLine.objects.filter(business_date__gte=date_from, business_date__lte=date_to, order__isnull=True)
        .exclude(match_rule=StatementLine.MatchRule.KNOWN_ITEM)
        .order_by("id")
        .values_list(
            "id",
            "statement_id",
            "kind",
            "source",
            "amount",
            "fee",
            "commission",
            "business_date",
            "occurred_at",
            "order_ref",
            "transaction_id",
            "refund_ref",
            "match_rule",
        )
    )
    evaluator.unmatched(unmatched)
    tick("unmatched")

    refund_links_save(evaluator.refund_links)
    upserted = differences_upsert(run, evaluator.candidates, scope_ids, date_from, date_to)
    tick("differences")
    scope_drop()
    balances = daily_balances_rebuild(run, date_from, date_to, evaluator.coverage, shops)
    tick("balances")
    by_type: dict[str, int] = defaultdict(int)
    for cand in evaluator.candidates.values():
        by_type[cand.type] += 1
    return {
        "orders": evaluated,
        "scope": scoped,
        "unmatched_lines": len(unmatched),
        "matched_now": matched,
        "differences": len(evaluator.candidates),
        "by_type": dict(sorted(by_type.items())),
        "daily_balances": balances,
        "timings": timings,
        **upserted,
    }
