"""PostgreSQL's ceiling, measured by pgbench in a benchmark's own run, on a scratch table it drops after."""

import shutil

import pytest
from django.db import connection

from config.pgbench import CEILINGS, pgbench_ceiling, pgbench_line

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def _tables() -> set[str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT tablename FROM pg_tables WHERE tablename LIKE 'pgbench_ceiling%%'")
        return {row[0] for row in cursor.fetchall()}


@pytest.mark.skipif(not shutil.which("pgbench"), reason="pgbench is installed with PostgreSQL's client")
@pytest.mark.parametrize("kind", sorted(CEILINGS))
def test_each_ceiling_is_measured_on_its_own_table_and_leaves_nothing_behind(kind):
    ceiling = pgbench_ceiling(kind, clients=2, seconds=1)

    assert ceiling["kind"] == kind and ceiling["clients"] == 2 and ceiling["seconds"] == 1
    assert ceiling["tps"] > 0 and ceiling["latency_ms"] > 0
    assert f"{ceiling['tps']} tps" in pgbench_line(ceiling)
    assert _tables() == set()


def test_no_seconds_measures_nothing_and_says_so():
    assert pgbench_ceiling("push_store", clients=2, seconds=0) == {}
    assert "not measured" in pgbench_line({})
