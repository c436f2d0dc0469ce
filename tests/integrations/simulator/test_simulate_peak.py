"""simulate_peak end to end at a small scale, on PostgreSQL: its own gunicorn and worker clusters, signed
webhooks with repeated and out-of-order deliveries, reservations on hot SKUs, the review, waves. It checks the
invariants and what the command reports, not how fast anything was (speed is for the command itself)."""

import io
import json
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from orders.models import Order

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

KEYS = {"offered", "created", "lost", "duplicated", "oversold", "achieved_peak_per_s", "p95_latency_s", "report"}


def test_a_small_peak_loses_nothing_duplicates_nothing_oversells_nothing(settings, tmp_path):
    settings.SIMULATOR_REPORT_DIR = tmp_path
    out = io.StringIO()
    args = ["--orders", "300", "--peak-per-s", "50", "--fault", "duplicates,out-of-order", "--web", "1"]
    args += ["--workers", "1", "--review-workers", "1", "--clients", "4", "--settle", "120", "--review-settle", "10"]
    args += ["--pgbench-seconds", "1"]

    call_command("simulate_peak", "--database", connection.settings_dict["NAME"], *args, stdout=out)

    result = json.loads(out.getvalue().strip().splitlines()[-1])
    assert KEYS <= set(result)
    assert result["offered"] == 300
    assert result["deliveries"] > 300  # the repeated and the stale deliveries
    assert result["created"] == 300 == Order.objects.filter(shop__code__startswith="peak-").count()
    assert (result["lost"], result["duplicated"], result["oversold"], result["unprocessed"]) == (0, 0, 0, 0)
    assert result["ledger_mismatches"] == 0
    assert result["reviewed"] > 0
    assert result["achieved_peak_per_s"] > 0
    assert result["p95_latency_s"] > 0
    assert result["first_run_on_fresh_database"] is True
    cpu = result["cpu_ms_per_order"]  # where the machine's CPU went, per order: PostgreSQL and the web server worked
    assert cpu["machine"] > 0 and cpu["postgres"] > 0 and cpu["web"] > 0
    assert all(value >= 0 for value in cpu.values())
    assert result["pgbench"]["kind"] == "push_store" and result["pgbench"]["tps"] > 0  # PostgreSQL's ceiling, same run
    report = Path(result["report"])
    assert "《大促容量基线报告》" in report.read_text(encoding="utf-8")
    assert (report.parent / "echarts.min.js").is_file()


def test_simulate_peak_refuses_the_configured_database(settings):
    settings.DATABASE_URL = f"postgres://postgres@127.0.0.1:5432/{connection.settings_dict['NAME']}"

    with pytest.raises(CommandError, match="configured database|当前配置的数据库"):
        call_command("simulate_peak", "--database", connection.settings_dict["NAME"], "--orders", "1")


def test_simulate_peak_refuses_an_unknown_fault():
    with pytest.raises(CommandError, match="Unknown fault|未知"):
        call_command("simulate_peak", "--database", "test_elsewhere", "--fault", "meteor")
