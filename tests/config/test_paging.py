"""Long lists are not counted row by row on every page: exact up to a cap, PostgreSQL's estimate beyond."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from config.paging import EstimatedCountPaginator
from orders.models import Order
from orders.states import Status
from tests.factories.orders import make_order

pytestmark = pytest.mark.django_db


@pytest.fixture
def orders(world):
    return [make_order(shop=world["shop_a"], status=Status.PAID) for _ in range(12)]


def test_a_short_list_is_counted_exactly_and_says_so(orders):
    paginator = EstimatedCountPaginator(Order.objects.order_by("-id"), 5)

    assert (paginator.count, paginator.count_is_estimate, paginator.num_pages) == (12, False, 3)


def test_the_count_stops_at_the_cap_instead_of_reading_every_row(orders, monkeypatch):
    monkeypatch.setattr(EstimatedCountPaginator, "exact_up_to", 10)
    paginator = EstimatedCountPaginator(Order.objects.order_by("-id"), 5)

    with CaptureQueriesContext(connection) as queries:
        count = paginator.count

    assert "LIMIT 11" in queries.captured_queries[0]["sql"]
    if connection.vendor == "postgresql":
        assert paginator.count_is_estimate is True
        assert count >= 11  # the planner's estimate, never below what the capped count already saw
        assert "EXPLAIN" in queries.captured_queries[1]["sql"]
    else:
        assert (count, paginator.count_is_estimate) == (12, False)  # no planner estimate on SQLite
    assert [o.pk for o in paginator.page(1).object_list] == [o.pk for o in sorted(orders, key=lambda o: -o.pk)[:5]]


def test_the_order_list_says_about_when_the_count_is_an_estimate(client, manager, orders, monkeypatch):
    client.force_login(manager)
    monkeypatch.setattr(EstimatedCountPaginator, "exact_up_to", 10)

    html = client.get("/orders/", HTTP_ACCEPT_LANGUAGE="en").content.decode()

    if connection.vendor == "postgresql":
        assert "about " in html and " orders" in html
    assert client.get("/orders/?status=paid").status_code == 200


def test_a_list_page_counts_at_most_a_thousand_rows_exactly(orders):
    # The default page of a partner's order list counts its visible orders on every request; past 1,000 rows an
    # estimate is as useful to a person and costs a planner call instead of reading ten thousand rows.
    with CaptureQueriesContext(connection) as queries:
        assert EstimatedCountPaginator(Order.objects.order_by("-id"), 50).count == 12

    assert "LIMIT 1001" in queries.captured_queries[0]["sql"]
