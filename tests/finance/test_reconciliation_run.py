"""A reconciliation run is one transaction: one run at a time (raced by threads on PostgreSQL), a failure leaves
the differences and daily balances as they were, and the scope's temporary table works through PgBouncer in
transaction mode."""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
import time
from decimal import Decimal
from pathlib import Path

import pytest

from finance.exceptions import ReconciliationBusy
from finance.models import DailyBalance, Difference, DifferenceType, ReconciliationRun
from finance.services.reconciliation import reconcile
from finance.services.reconciliation import run as run_module
from tests.concurrency import run_together
from tests.finance.helpers import paid_order
from tests.pgbouncer import pgbouncer_running

D11 = dt.date(2026, 11, 11)
D12 = dt.date(2026, 11, 12)
BASE_DIR = Path(__file__).resolve().parents[2]


def _orders(world):
    sku = world["skus"][0]
    paid_order(shop=world["shop_a"], number="OH20261111000201", paid="2026-11-11 09:00:00", sku=sku, price="50.00")
    paid_order(shop=world["shop_b"], number="OH20261112000202", paid="2026-11-12 10:00:00", sku=sku, price="70.00")


@pytest.mark.django_db
def test_a_failed_balance_rebuild_leaves_the_previous_balances_and_differences(world, entities, monkeypatch):
    _orders(world)
    first = reconcile(date_from=D11, date_to=D12)
    # An open difference the next run will not find again: a run that completes closes it.
    Difference.objects.create(
        key="missing_in_hub:planted",
        type=DifferenceType.MISSING_IN_HUB,
        business_date=D11,
        expected=Decimal("0.00"),
        actual=Decimal("12.00"),
        difference=Decimal("12.00"),
    )
    balances = sorted(DailyBalance.objects.values_list("date", "shop_id", "sales", "run_id"))
    differences = sorted(Difference.objects.values_list("key", "status", "difference"))
    assert len(balances) == 2 and differences == [("missing_in_hub:planted", "open", Decimal("12.00"))]

    def broken(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(DailyBalance.objects, "bulk_create", broken)
    with pytest.raises(RuntimeError, match="disk full"):
        reconcile(date_from=D11, date_to=D12)

    assert sorted(DailyBalance.objects.values_list("date", "shop_id", "sales", "run_id")) == balances
    assert sorted(Difference.objects.values_list("key", "status", "difference")) == differences
    failed = ReconciliationRun.objects.exclude(pk=first.pk).get()
    assert failed.status == ReconciliationRun.Status.FAILED and "disk full" in failed.message


@pytest.mark.django_db
def test_a_run_left_running_for_hours_does_not_block_the_next(world, entities):
    stale = ReconciliationRun.objects.create(date_from=D11, date_to=D11)
    ReconciliationRun.objects.filter(pk=stale.pk).update(started_at=stale.started_at - dt.timedelta(hours=3))

    run = reconcile(date_from=D11, date_to=D12)

    assert run.status == ReconciliationRun.Status.DONE
    stale.refresh_from_db()
    assert stale.status == ReconciliationRun.Status.FAILED and stale.finished_at is not None


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_runs_one_runs_the_others_are_told_it_is_busy(world, entities, monkeypatch):
    _orders(world)
    slow_match = run_module.lines_match

    def lines_match(**kwargs):  # the work takes a while: the others arrive while it runs
        time.sleep(3.0)
        return slow_match(**kwargs)

    monkeypatch.setattr(run_module, "lines_match", lines_match)
    threads_n = 6

    def attempt() -> str:
        try:
            reconcile(date_from=D11, date_to=D12)
        except ReconciliationBusy:
            return "busy"
        return "ran"

    outcomes, errors = run_together([attempt] * threads_n)

    assert errors == []

    assert sorted(outcomes) == ["busy"] * (threads_n - 1) + ["ran"]
    assert list(ReconciliationRun.objects.values_list("status", flat=True)) == [ReconciliationRun.Status.DONE]
    assert DailyBalance.objects.count() == 2


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_reconcile_works_through_pgbouncer_in_transaction_mode(world, entities):
    """PgBouncer hands each transaction whichever server connection is free; a temporary table created outside
    a transaction is gone (or on another connection) for the next statement. Two server connections in turn
    (server_round_robin) make that happen on every statement."""
    _orders(world)
    clean = {k: v for k, v in os.environ.items() if not k.startswith("DB_")}
    with pgbouncer_running(pool_size=2, round_robin=True) as url:
        result = subprocess.run(
            [sys.executable, "manage.py", "reconcile", "--from", D11.isoformat(), "--to", D12.isoformat()],
            cwd=BASE_DIR,
            env={**clean, "DATABASE_URL": url, "DB_TRANSACTION_POOLER": "1"},
            capture_output=True,
            text=True,
            timeout=300,
        )

    assert result.returncode == 0, result.stdout + result.stderr
    summary = json.loads(result.stdout.strip().splitlines()[-1])
    assert summary["orders"] == 2 and summary["daily_balances"] == 2
    assert list(ReconciliationRun.objects.values_list("status", flat=True)) == [ReconciliationRun.Status.DONE]
