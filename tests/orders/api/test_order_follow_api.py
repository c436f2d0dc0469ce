"""Following order changes through GET /api/v1/orders/?cursor=… / ?updated_after=… (config.feed). Runs on
SQLite and PostgreSQL; the concurrent-writer proof is tests/config/test_change_feed_concurrency.py."""

import datetime as dt
import time

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from config.feed import cursor_encode
from orders.models import Order
from orders.services import order_transition, order_transition_many
from orders.states import Status
from tests.factories import make_order

URL = "/api/v1/orders/"

pytestmark = pytest.mark.django_db

# On PostgreSQL a change number is the writing transaction's id: a test that changes a row it has already read
# commits in between, as writers and followers do (inside one transaction every change has the same number).
COMMITTED = pytest.mark.django_db(transaction=True)


def page(client, url, params=None) -> dict:
    response = client.get(url, params)
    assert response.status_code == 200, response.json()
    return response.json()


def drain(client, url, params=None) -> tuple[list[str], str]:
    """Follow ``next`` until ``has_more`` is false: (order numbers in the order returned, the last next link)."""
    seen = []
    body = page(client, url, params)
    while True:
        seen += [item["number"] for item in body["results"]]
        if not body["has_more"]:
            return seen, body["next"]
        body = page(client, body["next"])


def test_following_from_the_start_returns_every_order_once_in_change_order_with_no_count(api, world, manager):
    made = [make_order(shop=world["shop_a"]) for _ in range(3)]
    client = api(manager)

    first = page(client, URL, {"cursor": "", "page_size": 2})
    assert set(first) == {"next", "has_more", "results"}  # no count, no previous
    assert [item["number"] for item in first["results"]] == [made[0].number, made[1].number]  # oldest change first
    assert first["has_more"] is True
    assert "cursor=" in first["next"] and "page_size=2" in first["next"]

    second = page(client, first["next"])
    assert [item["number"] for item in second["results"]] == [made[2].number]
    assert second["has_more"] is False

    idle = page(client, second["next"])  # nothing new: the same position to ask again later
    assert idle["results"] == [] and idle["has_more"] is False
    assert idle["next"] == second["next"]


@COMMITTED
def test_a_changed_order_comes_again_after_the_cursor_and_only_once(api, world, manager):
    a, b = make_order(shop=world["shop_a"]), make_order(shop=world["shop_a"])
    client = api(manager)
    assert drain(client, URL, {"cursor": ""})[0] == [a.number, b.number]
    _, resume = drain(client, URL, {"cursor": ""})

    order_transition(order=a, to_status=Status.PAID, system="tests")

    body = page(client, resume)
    assert [(item["number"], item["status"]) for item in body["results"]] == [(a.number, "paid")]
    assert page(client, body["next"])["results"] == []


@COMMITTED
def test_set_based_writes_bump_the_change_number_too(api, world, manager):
    """QuerySet.update() and order_transition_many run no save(): the database stamps the change."""
    a, b, c = (make_order(shop=world["shop_a"]) for _ in range(3))
    client = api(manager)
    _, resume = drain(client, URL, {"cursor": ""})

    order_transition_many(orders=[a, c], to_status=Status.CANCELLED, system="tests")
    Order.objects.filter(pk=b.pk).update(priority=5)

    seen, resume = drain(client, resume)
    assert sorted(seen) == sorted([a.number, b.number, c.number])
    assert drain(client, resume)[0] == []


def test_following_takes_one_query_for_the_page_and_never_counts(api, world, cs_a):
    for _ in range(3):
        make_order(shop=world["shop_a"])
    client = api(cs_a)
    client.get(URL, {"cursor": ""})  # warm the content-type cache guardian reads
    with CaptureQueriesContext(connection) as queries:
        body = page(client, URL, {"cursor": ""})
    assert len(body["results"]) == 3
    statements = [query["sql"].lower() for query in queries.captured_queries]
    assert not [sql for sql in statements if "count(" in sql]
    assert len([sql for sql in statements if 'from "orders_order"' in sql]) == 1


def test_the_page_numbered_list_counts_at_most_a_capped_subquery(api, world, manager):
    make_order(shop=world["shop_a"])
    with CaptureQueriesContext(connection) as queries:
        body = page(api(manager), URL)
    assert body["count"] == 1 and body["count_is_estimate"] is False
    (count,) = [q["sql"].lower() for q in queries.captured_queries if "count(" in q["sql"].lower()]
    assert "limit 1001" in count  # stops after 1,001 rows; the estimate takes over beyond


@COMMITTED
def test_updated_after_returns_the_orders_changed_since_then_and_their_later_changes(api, world, manager):
    old = make_order(shop=world["shop_a"])
    time.sleep(0.05)  # the database's clock stamps changes: leave a gap around the moment asked for
    since = timezone.now()
    time.sleep(0.05)
    recent = make_order(shop=world["shop_a"])
    client = api(manager)

    seen, resume = drain(client, URL, {"updated_after": since.isoformat()})
    assert seen == [recent.number]
    assert "updated_after=" in resume and "cursor=" in resume

    order_transition(order=old, to_status=Status.PAID, system="tests")
    assert drain(client, resume)[0] == [old.number]

    future = (timezone.now() + dt.timedelta(hours=1)).isoformat()
    assert drain(client, URL, {"updated_after": future})[0] == []


def test_following_keeps_the_filters_and_the_visibility_of_the_list(api, world, cs_a, manager):
    a = make_order(shop=world["shop_a"])
    make_order(shop=world["shop_b"])
    assert drain(api(cs_a), URL, {"cursor": ""})[0] == [a.number]
    seen, resume = drain(api(manager), URL, {"cursor": "", "shop": "shop-a"})
    assert seen == [a.number]
    assert "shop=shop-a" in resume


@pytest.mark.parametrize(
    "cursor", ["not-a-cursor", "%%%", cursor_encode(-1, 3), "MTIz", cursor_encode(2**63, 1), cursor_encode(1, 2**64)]
)
def test_a_bad_cursor_is_a_400_naming_the_parameter(api, world, manager, cursor):
    response = api(manager).get(URL, {"cursor": cursor})
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "invalid"
    assert body["message"].startswith("cursor: ")


def test_a_bad_updated_after_is_a_400_naming_the_parameter(api, world, manager):
    response = api(manager).get(URL, {"updated_after": "yesterday"})
    assert response.status_code == 400
    assert response.json()["message"].startswith("updated_after: ")


def test_a_next_link_from_an_empty_start_stays_a_follow_link(api, world, manager):
    body = page(api(manager), URL, {"cursor": ""})
    assert body["results"] == [] and body["has_more"] is False
    assert "cursor=" in body["next"]
    made = make_order(shop=world["shop_a"])
    assert drain(api(manager), body["next"])[0] == [made.number]


@pytest.mark.postgres
def test_updated_after_reads_the_orders_changed_since_then_through_their_index(api, world, manager):
    recent = make_order(shop=world["shop_a"])
    template = make_order(shop=world["shop_a"])
    table = Order._meta.db_table
    columns = [f.column for f in Order._meta.concrete_fields if f.column not in ("id", "number", "external_id")]
    listed = ", ".join(connection.ops.quote_name(c) for c in columns)
    with connection.cursor() as cursor:
        # 3,000 orders that last changed a month ago (the change stamp held while they are backdated)
        cursor.execute(
            f"INSERT INTO {table} (number, external_id, {listed}) SELECT number || '-' || g, external_id || '-' || g, "
            f"{listed} FROM {table}, "
            "generate_series(1, 3000) g WHERE id = %s",
            [template.pk],
        )
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # no pending foreign-key checks: the table can be altered
        cursor.execute(f"ALTER TABLE {table} DISABLE TRIGGER {table}_change_stamp")
        cursor.execute(f"UPDATE {table} SET changed_at = now() - interval '30 days' WHERE id <> %s", [recent.pk])
        cursor.execute(f"ALTER TABLE {table} ENABLE TRIGGER {table}_change_stamp")
        cursor.execute(f"ANALYZE {table}")
    since = (timezone.now() - dt.timedelta(days=1)).isoformat()

    with CaptureQueriesContext(connection) as queries:
        seen, _resume = drain(api(manager), URL, {"updated_after": since})

    assert seen == [recent.number]
    (feed,) = [q["sql"] for q in queries if '"changed_at" >=' in q["sql"]]
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN {feed}")
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "order_changed_at_idx" in plan, plan
