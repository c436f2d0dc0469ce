import datetime as dt
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from orders.models import Order
from orders.services import order_transition
from orders.states import HoldReason, Status
from tests.factories import make_order

URL = "/api/v1/orders/"

pytestmark = pytest.mark.django_db


@pytest.fixture
def orders(world):
    return {
        "a": make_order(shop=world["shop_a"], external_id="TB-1"),  # ships from wh-a
        "b": make_order(shop=world["shop_b"], external_id="JD-1"),  # ships from wh-b
    }


def numbers(response) -> list[str]:
    assert response.status_code == 200, response.json()
    return [item["number"] for item in response.json()["results"]]


def test_anonymous_requests_get_401_in_the_error_format(api, orders):
    response = api().get(URL)
    assert response.status_code == 401
    assert response.json()["code"] == "not_authenticated"
    assert set(response.json()) == {"code", "message", "extra"}
    assert response["WWW-Authenticate"] == "Token"


def test_a_token_made_with_drf_create_token_authenticates(api, orders, cs_a, capsys):
    call_command("drf_create_token", "cs_a")
    key = capsys.readouterr().out.split()[2]  # "Generated token <key> for user cs_a"
    client = api()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    assert numbers(client.get(URL)) == [orders["a"].number]

    client.credentials(HTTP_AUTHORIZATION="Token not-a-real-key")
    assert client.get(URL).status_code == 401


def test_a_logged_in_back_office_session_works_too(api, orders, manager):
    client = api()
    client.force_login(manager)
    assert set(numbers(client.get(URL))) == {orders["a"].number, orders["b"].number}


def test_each_user_lists_only_the_orders_of_their_shops_and_warehouses(
    api, orders, manager, cs_a, warehouse_b, finance, outsider
):
    a, b = orders["a"].number, orders["b"].number
    assert set(numbers(api(manager).get(URL))) == {a, b}
    assert numbers(api(cs_a).get(URL)) == [a]
    assert numbers(api(warehouse_b).get(URL)) == [b]
    assert set(numbers(api(finance).get(URL))) == {a, b}
    assert numbers(api(outsider).get(URL)) == []


def test_list_items_are_compact(api, world, manager):
    order = make_order(shop=world["shop_a"], status=Status.PAID, external_id="TB-9")
    order.refresh_from_db()  # the database stamps changed_at
    (item,) = api(manager).get(URL).json()["results"]
    assert item == {
        "number": order.number,
        "shop": "shop-a",
        "platform": "tmall",
        "external_id": "TB-9",
        "status": "paid",
        "hold_reason": "",
        "paid_amount": "99.00",
        "currency": "CNY",
        "created_at": timezone.localtime(order.created_at).isoformat(),
        "paid_at": timezone.localtime(order.paid_at).isoformat(),
        "promised_ship_at": timezone.localtime(order.promised_ship_at).isoformat(),
        "consignee_name": "张三",
        "changed_at": timezone.localtime(order.changed_at).isoformat(),
    }
    assert item["created_at"].endswith("+08:00")


def test_filters_by_shop_status_external_id_and_creation_time(api, world, manager):
    pending = make_order(shop=world["shop_a"], external_id="A-1")
    paid = make_order(shop=world["shop_a"], external_id="A-2", status=Status.PAID)
    held = make_order(shop=world["shop_b"], external_id="B-1", status=Status.PAID)
    order_transition(order=held, to_status=Status.ON_HOLD, hold_reason=HoldReason.RISK, system="tests")
    day = timezone.make_aware(dt.datetime(2025, 3, 1, 12, 0))
    Order.objects.filter(pk=pending.pk).update(created_at=day - dt.timedelta(days=2))
    Order.objects.filter(pk=paid.pk).update(created_at=day)
    Order.objects.filter(pk=held.pk).update(created_at=day + dt.timedelta(days=2))
    client = api(manager)

    assert numbers(client.get(URL, {"shop": "shop-a"})) == [paid.number, pending.number]
    assert numbers(client.get(URL, {"status": "paid"})) == [paid.number]
    assert numbers(client.get(URL, {"status": ["paid", "on_hold"]})) == [held.number, paid.number]
    assert numbers(client.get(URL, {"status": "paid,on_hold"})) == [held.number, paid.number]
    assert numbers(client.get(URL, {"external_id": "B-1"})) == [held.number]
    assert numbers(client.get(URL, {"created_after": "2025-03-01T12:00:00+08:00"})) == [held.number, paid.number]
    assert numbers(client.get(URL, {"created_before": "2025-03-01T12:00:00+08:00"})) == [pending.number]
    assert numbers(
        client.get(URL, {"created_after": "2025-02-28T00:00:00+08:00", "created_before": "2025-03-02T00:00:00+08:00"})
    ) == [paid.number]
    assert numbers(client.get(URL, {"shop": "shop-a", "status": "on_hold"})) == []


def test_a_filter_on_a_shop_the_user_cannot_see_finds_nothing(api, orders, cs_a):
    assert numbers(api(cs_a).get(URL, {"shop": "shop-b"})) == []


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"status": "shipped,lost"}, "status"),
        ({"created_after": "yesterday"}, "created_after"),
        ({"shop": "not a code"}, "shop"),
    ],
)
def test_a_bad_filter_value_is_a_400_naming_the_parameter(api, orders, manager, params, field):
    response = api(manager).get(URL, params)
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "invalid"
    assert body["message"].startswith(f"{field}: ")
    assert field in body["extra"]["fields"]


def test_newest_first_and_paged_by_page_size(api, world, manager):
    made = [make_order(shop=world["shop_a"]) for _ in range(5)]
    client = api(manager)
    first = client.get(URL, {"page_size": 2}).json()
    assert first["count"] == 5 and first["count_is_estimate"] is False
    assert [item["number"] for item in first["results"]] == [made[4].number, made[3].number]
    second = client.get(first["next"]).json()
    assert [item["number"] for item in second["results"]] == [made[2].number, made[1].number]
    assert client.get(URL, {"page": 9}).json()["code"] == "not_found"


def test_the_list_takes_the_same_number_of_queries_for_2_or_12_orders(api, world, cs_a, django_assert_num_queries):
    client = api(cs_a)
    make_order(shop=world["shop_a"])
    make_order(shop=world["shop_a"])
    client.get(URL)  # warm the process-wide content-type cache guardian reads
    # token → user, user permissions, group permissions, the visible shop and warehouse ids, count, page
    with django_assert_num_queries(6):
        assert len(numbers(client.get(URL))) == 2
    for _ in range(10):
        make_order(shop=world["shop_a"], skus=[(world["skus"][0], 2, Decimal("10.00"))])
    with django_assert_num_queries(6):
        assert len(numbers(client.get(URL))) == 12


def test_a_shop_filter_reaches_the_database_as_the_shops_id_not_a_join_on_its_code(api, world, manager):
    # PostgreSQL can only pick the (status, shop, created) index for a shop × status page when the shop's id is
    # in the statement; joined on the code it walks every shop's orders by date.
    make_order(shop=world["shop_a"], status=Status.PAID)
    with CaptureQueriesContext(connection) as queries:
        numbers(api(manager).get(URL, {"shop": "shop-a", "status": "paid"}))
    page = [
        q["sql"]
        for q in queries.captured_queries
        if q["sql"].startswith("SELECT") and 'ORDER BY "orders_order"."created_at" DESC' in q["sql"]
    ]
    assert page
    assert f'"orders_order"."shop_id" = {world["shop_a"].pk}' in page[0]
    assert '"orders_shop"."code" =' not in page[0]


def test_a_shop_code_no_shop_has_finds_nothing(api, orders, manager):
    assert numbers(api(manager).get(URL, {"shop": "no-such-shop"})) == []


def test_a_list_row_is_what_the_declared_fields_render(world):
    """The list's rows are read straight off the order (``OrderListApi.OutputSerializer.to_representation``):
    they must be what DRF renders through the declared fields, nulls, amounts and times included."""
    from rest_framework import serializers

    from orders.api.views.orders import OrderListApi

    make_order(shop=world["shop_a"], external_id="TB-9", consignee_name="林晓")
    held = make_order(shop=world["shop_b"], status=Status.PAID)
    order_transition(order=held, to_status=Status.ON_HOLD, hold_reason=HoldReason.ADDRESS, system="tests")
    Order.objects.filter(pk=held.pk).update(
        paid_at=None, promised_ship_at=None, changed_at=None, paid_amount=Decimal("1234.5")
    )
    serializer = OrderListApi.OutputSerializer()
    rows = list(Order.objects.select_related("shop"))
    assert len(rows) == 2
    for order in rows:
        fast = serializer.to_representation(order)
        assert fast == serializers.Serializer.to_representation(serializer, order)
        assert list(fast) == list(serializer.fields)
    assert None in {serializer.to_representation(order)["paid_at"] for order in rows}


def test_the_list_reads_only_the_columns_its_rows_show(api, world, cs_a):
    make_order(shop=world["shop_a"])
    with CaptureQueriesContext(connection) as queries:
        rows = api(cs_a).get(URL).json()["results"]
    page = [q["sql"] for q in queries.captured_queries if 'ORDER BY "orders_order"."created_at" DESC' in q["sql"]]
    assert len(rows) == 1 and len(page) == 1
    assert '"orders_order"."consignee_phone"' not in page[0] and '"orders_order"."address"' not in page[0]
    assert "inventory_warehouse" not in page[0]
