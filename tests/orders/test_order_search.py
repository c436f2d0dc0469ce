"""The order lists' search and filters as the database runs them: the indexes a million orders need are used."""

import pytest
from django.db import connection

from orders.api.filters import order_list_filter
from orders.models import Order
from orders.selectors import order_list_search
from orders.states import Status
from tests.factories import make_order

pytestmark = pytest.mark.django_db


@pytest.fixture
def orders(world):
    return {
        "nick": make_order(shop=world["shop_a"], buyer_nick="小明", external_id="TM-1001"),
        "name": make_order(shop=world["shop_a"], consignee_name="林晓明", consignee_phone="13900001111"),
        "short": make_order(shop=world["shop_b"], consignee_name="林晓"),
    }


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("tm-100", {"nick"}),  # three characters or more: anywhere in a field, any case
        ("林晓明", {"name"}),
        ("晓明", set()),  # two characters: a whole field only (no 林晓明)
        ("林晓", {"short"}),
        ("小明", {"nick"}),
        ("13900001111", {"name"}),  # phones: in full only
        ("1390000", set()),
        ("  ", {"nick", "name", "short"}),  # blank: no search
    ],
)
def test_search_finds_substrings_from_three_characters_and_whole_fields_below(orders, query, expected):
    found = set(order_list_search(Order.objects.all(), query=query).values_list("pk", flat=True))

    assert found == {orders[name].pk for name in expected}


def test_search_finds_an_order_number_from_part_of_it(orders):
    number = orders["short"].number

    assert list(order_list_search(Order.objects.all(), query=number[-8:].lower())) == [orders["short"]]


def test_status_filter_reads_no_distinct_rows(orders):
    """SELECT DISTINCT over the orders would make PostgreSQL read and sort every match before the first page."""
    listed = order_list_filter(Order.objects.all(), filters={"status": [Status.PENDING_PAYMENT, Status.PAID]})

    assert "DISTINCT" not in str(listed.query)
    assert listed.count() == 3


@pytest.mark.postgres
@pytest.mark.parametrize("query", ["tm-100", "林晓"])
def test_search_uses_the_trigram_index_on_postgresql(orders, query):
    """The expression the search filters on is the one the index was built on (else every order is read)."""
    searched = order_list_search(Order.objects.all(), query=query)
    sql, params = searched.query.sql_with_params()
    with connection.cursor() as cursor:
        # three orders: make the planner show what it can use (no sequential scan, and no walk of another index
        # in list order, which a tiny table makes as cheap as anything)
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_indexscan = off")
        cursor.execute(f"EXPLAIN {sql}", params)
        plan = "\n".join(row[0] for row in cursor.fetchall())

    assert "order_search_trgm_idx" in plan
    assert "order_consignee_phone_idx" in plan
