import io
import json

import pytest
from django.core.management import call_command

from inventory.models import SKU, Reservation, Stock, StockMovement, Warehouse

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


@pytest.mark.parametrize(
    ("args", "reserved"),
    [
        (["--threads", "--mode", "hot", "--orders", "60"], 60),
        (["--threads", "--mode", "hot", "--orders", "60", "--stock", "25"], 25),  # sell-out: 35 short, 0 oversold
        (["--threads", "--mode", "spread", "--orders", "40", "--lines", "3", "--skus", "20"], 120),
        (["--mode", "spread", "--orders", "40"], 40),  # worker processes (the default)
    ],
)
def test_bench_reserve_reports_exact_results_and_leaves_nothing_behind(args, reserved):
    out = io.StringIO()

    call_command("bench_reserve", "--workers", "4", *args, stdout=out)

    result = json.loads(out.getvalue().strip().splitlines()[-1])
    assert result["reservations"] == reserved
    assert (result["oversold"], result["deadlocks"], result["errors"], result["ledger_mismatches"]) == (0, 0, 0, 0)
    assert result["reservations_per_s"] > 0
    assert not SKU.objects.filter(code__startswith="BENCH-").exists()
    assert not Warehouse.objects.filter(code__startswith="bench-").exists()
    assert not (Stock.objects.exists() or StockMovement.objects.exists() or Reservation.objects.exists())
