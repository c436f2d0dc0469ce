"""bench_api end to end at a tiny size: fill through the ingestion path, gunicorn, the HTTP clients, pgbench.

It checks what the command reports, not how fast anything was (speed is for the command itself)."""

import io
import json

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from orders.models import Order

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

PATHS = {
    "api_orders_first_page",
    "api_orders_shop_status",
    "api_orders_external_id",
    "api_orders_cursor",
    "api_order_detail",
    "api_stock_sku",
    "bo_orders_first_page",
    "bo_orders_filtered",
    "bo_orders_search",
}


def test_bench_api_fills_measures_every_path_and_ends_with_its_json_line():
    out = io.StringIO()
    args = ["--orders", "80", "--requests", "3", "--clients", "2", "--server-workers", "1", "--pgbench-seconds", "1"]

    call_command("bench_api", "--database", connection.settings_dict["NAME"], *args, stdout=out)

    result = json.loads(out.getvalue().strip().splitlines()[-1])
    assert result["orders"] == Order.objects.count() == 80
    assert result["created_now"] == 80
    assert set(result["paths"]) == PATHS
    for name, row in result["paths"].items():
        assert row["statuses"] == {"200": 3}, name
        assert 0 < row["p50_ms"] <= row["p95_ms"] <= row["max_ms"]
    assert result["worst_p95_ms"] == max(row["p95_ms"] for row in result["paths"].values())
    assert result["requests"] == 3 * len(PATHS)
    assert result["pgbench_tps"] > 0
    assert len(result["load_average"]) == 2
    # A year of orders: the fill's "now" spread back over the past year, statuses to match their age.
    statuses = set(Order.objects.values_list("status", flat=True))
    assert {"completed", "closed"} <= statuses


def test_bench_api_refuses_the_configured_database(settings):
    settings.DATABASE_URL = f"postgres://postgres@127.0.0.1:5432/{connection.settings_dict['NAME']}"

    with pytest.raises(CommandError, match="configured database"):
        call_command("bench_api", "--database", connection.settings_dict["NAME"], "--orders", "1")
