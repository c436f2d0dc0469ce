"""Inventory test fixtures. After every test that touched the database, the stock ledger must agree with
the stock levels and the active reservations (``stock_ledger_mismatches`` is empty)."""

import pytest

from inventory.selectors import stock_ledger_mismatches
from inventory.services import LineDemand, order_stock_reserve

DB_FIXTURES = {"db", "transactional_db", "django_db_reset_sequences", "django_db_serialized_rollback"}


@pytest.fixture(autouse=True)
def ledger_agrees_with_levels(request):
    uses_db = request.node.get_closest_marker("django_db") or DB_FIXTURES & set(request.fixturenames)
    if not uses_db:
        yield
        return
    request.getfixturevalue("_django_db_helper")  # set up first, so torn down after this check
    yield
    assert stock_ledger_mismatches() == []


@pytest.fixture(autouse=True)
def tasks_run_inline(sync_tasks):
    """Inventory tests run queued tasks at once (``sync_tasks``)."""


@pytest.fixture
def reserve(db):
    """``reserve(sku, warehouse, quantity, order_id=1, reference=…)``: an order's one-line reservation through the
    real service."""

    def _reserve(sku, warehouse, quantity, *, order_id=1, reference="OH20260101000001"):
        return order_stock_reserve(
            order_id=order_id,
            reference=reference,
            lines=[LineDemand(line_id=1, sku_id=sku.pk, quantity=quantity)],
            warehouse_id=warehouse.pk,
        )

    return _reserve


@pytest.fixture
def stocked(world, receive, reserve):
    """SKU-1 on the shelf: 10 at wh-a, 3 of them reserved by order OH20260101000001 (order id 1), and 4 at wh-b.
    A module that needs more (presale units, channel allocations) overrides ``stocked`` and asks for this one."""
    sku = world["skus"][0]
    receive(sku, world["wh_a"], 10)
    receive(sku, world["wh_b"], 4)
    reserve(sku, world["wh_a"], 3)
    return sku
