import io
import json

import pytest
from django.core.management import call_command

from inventory.models import SKU, Reservation, Stock, StockMovement, Warehouse

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


@pytest.mark.parametrize(
    ("args", "reserved"),
    [
        (["--threads", "--mode", "hot", "--orders", "60", "--pgbench-seconds", "1"], 60),
        (["--threads", "--mode", "hot", "--orders", "60", "--stock", "25", "--pgbench-seconds", "0"], 25),  # sell-out
        (
            [
                "--threads",
                "--mode",
                "spread",
                "--orders",
                "40",
                "--lines",
                "3",
                "--skus",
                "20",
                "--pgbench-seconds",
                "0",
            ],
            120,
        ),
        (["--mode", "spread", "--orders", "40", "--pgbench-seconds", "1"], 40),  # worker processes (the default)
    ],
)
def test_bench_reserve_reports_exact_results_and_leaves_nothing_behind(args, reserved):
    out = io.StringIO()

    call_command("bench_reserve", "--workers", "4", *args, stdout=out)

    result = json.loads(out.getvalue().strip().splitlines()[-1])
    assert result["reservations"] == reserved
    assert (result["oversold"], result["deadlocks"], result["errors"], result["ledger_mismatches"]) == (0, 0, 0, 0)
    assert result["reservations_per_s"] > 0
    if "--pgbench-seconds" in args and args[args.index("--pgbench-seconds") + 1] != "0":
        # PostgreSQL's ceiling for the same kind of write, measured in the same run, on its own scratch table
        assert result["pgbench"]["kind"] == f"stock_{args[args.index('--mode') + 1]}"
        assert result["pgbench_tps"] > 0
    else:
        assert result["pgbench"] == {} and result["pgbench_tps"] is None
    assert not SKU.objects.filter(code__startswith="BENCH-").exists()
    assert not Warehouse.objects.filter(code__startswith="bench-").exists()
    assert not (Stock.objects.exists() or StockMovement.objects.exists() or Reservation.objects.exists())
