"""A freshly migrated database: tables that have never been analysed, so PostgreSQL plans without statistics.

The reservation statements are prepared (planned once per connection, ``inventory.locks.execute_prepared``). A
plan made while the reservation table was small and without statistics must not read the table: each sale
looks up only its own order lines, however many reservations the table holds by then.
"""

import pytest
from django.db import connection, transaction

from inventory.models import Reservation
from inventory.services import LineDemand, order_stock_reserve

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

EARLIER_SALES = 400  # the size at which the plans of a table without statistics used to turn to a scan
BURST = 50


def _sell(sku, warehouse, order_ids, *, lines_per_order=1):
    for order_id in order_ids:
        result = order_stock_reserve(
            order_id=order_id,
            reference=f"OH{order_id}",
            lines=[LineDemand(line_id=order_id * 10 + n, sku_id=sku.pk, quantity=1) for n in range(lines_per_order)],
            warehouse_id=warehouse.pk if warehouse else None,
        )
        assert result.ok


def _forget_statistics():
    """As on a freshly migrated database: no statistics for the reservation table (needs a superuser)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")
        if not cursor.fetchone()[0]:
            pytest.skip("clearing a table's statistics needs a superuser")
        cursor.execute("DELETE FROM pg_statistic WHERE starelid = %s::regclass", [Reservation._meta.db_table])


def _reservation_tuples_read() -> int:
    """Index entries and rows read from the reservation table so far (this backend's counters flushed first)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_stat_force_next_flush()")  # flushed when this statement ends
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_stat_clear_snapshot()")
        cursor.execute(
            """SELECT coalesce(sum(i.idx_tup_read), 0) + max(t.seq_tup_read)
                 FROM pg_stat_user_tables t LEFT JOIN pg_stat_user_indexes i ON i.relid = t.relid
                WHERE t.relid = %s::regclass""",
            [Reservation._meta.db_table],
        )
        return int(cursor.fetchone()[0])


def _plans_made_now():
    """A new connection whose prepared statements are planned for their generic plan at the first execution,
    i.e. with the table as it is now (a worker normally fixes it after five executions)."""
    connection.close()
    with connection.cursor() as cursor:
        cursor.execute("SET plan_cache_mode = force_generic_plan")


@pytest.mark.parametrize(
    ("pinned", "lines_per_order"),
    [
        (True, 1),  # the one-statement sale (order pinned to its warehouse, one SKU)
        (False, 2),  # the full path: the read of stock rows and the lines' reservations, then the reservation
    ],
)
def test_sales_on_a_table_without_statistics_read_only_their_own_lines(world, receive, pinned, lines_per_order):
    sku, warehouse = world["skus"][0], world["wh_a"]
    receive(sku, warehouse, (EARLIER_SALES + BURST) * lines_per_order)
    _forget_statistics()
    with transaction.atomic():
        _sell(sku, warehouse, range(1, EARLIER_SALES + 1), lines_per_order=lines_per_order)
    _plans_made_now()
    before = _reservation_tuples_read()

    _sell(
        sku,
        warehouse if pinned else None,
        range(EARLIER_SALES + 1, EARLIER_SALES + BURST + 1),
        lines_per_order=lines_per_order,
    )

    read = _reservation_tuples_read() - before
    assert Reservation.objects.filter(state="active").count() == (EARLIER_SALES + BURST) * lines_per_order
    # a sale reads its own lines and the reservation its ledger rows point to: a handful, not the table
    assert read <= 4 * BURST * lines_per_order, f"{read} reservation entries read for {BURST} sales"
