import pytest

from orders.models import Order
from orders.selectors import (
    order_counts_for_user,
    order_get_for_user,
    order_list_for_user,
    shop_list_for_user,
    visible_ids_for_user,
)
from tests.factories import make_order

pytestmark = pytest.mark.django_db


@pytest.fixture
def orders(world):
    return {
        "a": make_order(shop=world["shop_a"]),  # ships from wh-a
        "b": make_order(shop=world["shop_b"]),  # ships from wh-b
    }


def test_each_role_sees_exactly_its_shops_and_warehouses(
    orders, manager, cs_a, warehouse_b, finance, outsider, admin_user
):
    def seen(user):
        return set(order_list_for_user(user).values_list("number", flat=True))

    a, b = orders["a"].number, orders["b"].number
    assert seen(manager) == {a, b}
    assert seen(cs_a) == {a}
    assert seen(warehouse_b) == {b}
    assert seen(finance) == {a, b}
    assert seen(outsider) == set()
    assert seen(admin_user) == {a, b}


def test_an_invisible_order_looks_missing(orders, warehouse_b):
    with pytest.raises(Order.DoesNotExist):
        order_get_for_user(warehouse_b, number=orders["a"].number)
    assert order_get_for_user(warehouse_b, number=orders["b"].number) == orders["b"]


def test_access_through_a_group_grant(orders, world, outsider):
    from django.contrib.auth.models import Group

    from orders.access import shop_access_grant

    team = Group.objects.create(name="杭州客服组")
    shop_access_grant(who=team, shops=world["shop_b"])
    outsider.groups.add(team)
    assert list(order_list_for_user(outsider)) == [orders["b"]]
    assert list(shop_list_for_user(outsider)) == [world["shop_b"]]


def test_counts_cover_only_visible_orders(orders, cs_a):
    counts = order_counts_for_user(cs_a)
    assert counts["by_status"] == [{"status": "pending_payment", "count": 1}]
    assert [row["shop__code"] for row in counts["by_shop"]] == ["shop-a"]


def test_list_selector_query_count_does_not_grow_with_orders(world, cs_a, django_assert_num_queries):
    for _ in range(5):
        make_order(shop=world["shop_a"])
    # user perms, group perms, the visible shop and warehouse ids (guardian, one query), the list itself
    with django_assert_num_queries(4):
        rows = [(o.number, o.shop.code, o.warehouse.code) for o in order_list_for_user(cs_a)]
    assert len(rows) == 5


def test_the_list_query_carries_the_visible_ids_not_guardian_subqueries(world, cs_a, warehouse_b):
    # Read once per list into literal ids: the count, the estimate and the page must not each compile (and
    # PostgreSQL plan) guardian's permission subqueries again.
    for user, shop_ids, warehouse_ids in [
        (cs_a, [world["shop_a"].pk], []),
        (warehouse_b, [], [world["wh_b"].pk]),
    ]:
        sql = str(order_list_for_user(user).query)
        assert "guardian" not in sql and "auth_" not in sql
        assert visible_ids_for_user(user) == (shop_ids, warehouse_ids)
