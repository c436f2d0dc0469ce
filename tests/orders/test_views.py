"""Back-office pages: home, order list, order detail and its actions, as each role sees them."""

import datetime as dt
import re
from decimal import Decimal

import pytest
from django.contrib.messages import get_messages
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from orders.models import Order, OrderEvent, Queue
from orders.services import order_transition
from orders.states import HoldReason, Status
from orders.templatetags.backoffice import bar_chart_svg
from tests.factories import ShopFactory, make_order

pytestmark = pytest.mark.django_db

RAW_PHONE = "13812345678"
RAW_ADDRESS = "文三路100号2幢301室"


@pytest.fixture
def orders(world):
    """Two orders of shop A (warehouse A) and three of shop B (warehouse B)."""
    return {
        "a_paid": make_order(shop=world["shop_a"], status=Status.PAID, buyer_nick="小明", external_id="TM-1001"),
        "a_pending": make_order(shop=world["shop_a"], consignee_name="李四", consignee_phone="13900001111"),
        "b": [make_order(shop=world["shop_b"], status=Status.PAID) for _ in range(3)],
    }


def _login(client, user):
    client.force_login(user)
    return client


def _numbers(response) -> set[str]:
    return {row["order"].number for row in response.context["rows"]}


def _messages(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


# --- home --------------------------------------------------------------------------------------------------


def test_home_counts_only_the_orders_of_the_users_shop(client, cs_a, orders):
    response = _login(client, cs_a).get(reverse("home"))

    assert response.status_code == 200
    assert response.context["total"] == 2
    assert [(str(label), count) for label, count, _url in response.context["status_rows"]] == [
        (str(Status.PENDING_PAYMENT.label), 1),
        (str(Status.PAID.label), 1),
    ]
    assert [count for _label, count, _url in response.context["shop_rows"]] == [2]
    html = response.content.decode()
    assert "?shop=shop-a" in html
    assert "?shop=shop-b" not in html


def test_home_counts_only_the_orders_of_the_users_warehouse(client, warehouse_b, orders):
    response = _login(client, warehouse_b).get(reverse("home"))

    assert response.context["total"] == 3
    assert [(str(label), count) for label, count, _url in response.context["status_rows"]] == [
        (str(Status.PAID.label), 3)
    ]
    html = response.content.decode()
    assert "?shop=shop-b" in html
    assert "?shop=shop-a" not in html


def test_home_draws_each_count_as_a_linked_svg_bar_with_a_title(client, manager, orders):
    html = _login(client, manager).get(reverse("home")).content.decode()

    assert html.count("<svg") == 2
    assert f'href="/orders/?status={Status.PAID}"' in html
    assert f"<title>{Status.PAID.label}: 4</title>" in html
    assert re.search(r'<text class="chart-value"[^>]*>4</text>', html)


def test_home_greets_the_user_with_their_roles(client, cs_a, outsider):
    assert "客服/销售" in _login(client, cs_a).get(reverse("home")).content.decode()
    client.logout()
    response = _login(client, outsider).get(reverse("home"))
    assert response.context["roles"] == []
    assert "客服/销售" not in response.content.decode()


def test_pages_need_a_login(client, orders):
    for url in [reverse("home"), reverse("order-list"), reverse("order-detail", args=[orders["a_paid"].number])]:
        response = client.get(url)
        assert response.status_code == 302
        assert response.url.startswith(reverse("login"))


# --- order list --------------------------------------------------------------------------------------------


def test_order_list_shows_only_visible_orders_newest_first(client, cs_a, orders):
    response = _login(client, cs_a).get(reverse("order-list"))

    numbers = [row["order"].number for row in response.context["rows"]]
    assert numbers == [orders["a_pending"].number, orders["a_paid"].number]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({"status": Status.PENDING_PAYMENT}, {"a_pending"}),
        ({"shop": "shop-a"}, {"a_paid", "a_pending"}),
        ({"q": "TM-1001"}, {"a_paid"}),
        ({"q": "小明"}, {"a_paid"}),
        ({"q": "李四"}, {"a_pending"}),
        ({"q": "13900001111"}, {"a_pending"}),
        ({"q": "1390000"}, set()),  # phone numbers match only in full
    ],
)
def test_order_list_filters_and_searches(client, manager, orders, query, expected):
    response = _login(client, manager).get(reverse("order-list"), query)

    assert _numbers(response) == {orders[name].number for name in expected}


def test_order_list_searches_by_order_number(client, manager, orders):
    number = orders["b"][1].number

    response = _login(client, manager).get(reverse("order-list"), {"q": number})

    assert _numbers(response) == {number}


def test_order_list_filters_by_hold_reason_and_queue(client, manager, orders):
    held = orders["b"][0]
    order_transition(order=held, to_status=Status.ON_HOLD, hold_reason=HoldReason.RISK, system="tests")
    urgent = make_order(shop=orders["a_paid"].shop, queue=Queue.URGENT)
    _login(client, manager)

    assert _numbers(client.get(reverse("order-list"), {"hold_reason": HoldReason.RISK})) == {held.number}
    assert _numbers(client.get(reverse("order-list"), {"queue": Queue.URGENT})) == {urgent.number}


def test_order_list_filters_by_created_date_in_shanghai_time(client, manager, orders):
    # 2026-03-01 23:30 in Shanghai is still 2026-03-01 15:30 UTC; it belongs to 1 March, not 2 March.
    late_evening = timezone.make_aware(dt.datetime(2026, 3, 1, 23, 30))
    Order.objects.filter(pk=orders["a_paid"].pk).update(created_at=late_evening)
    Order.objects.filter(pk=orders["a_pending"].pk).update(created_at=late_evening + dt.timedelta(hours=1))
    _login(client, manager)

    march_1 = client.get(reverse("order-list"), {"created_from": "2026-03-01", "created_to": "2026-03-01"})
    march_2_on = client.get(reverse("order-list"), {"created_from": "2026-03-02"})

    assert _numbers(march_1) == {orders["a_paid"].number}
    assert orders["a_pending"].number in _numbers(march_2_on)
    assert orders["a_paid"].number not in _numbers(march_2_on)


def test_order_list_reports_an_inverted_date_range(client, manager, orders):
    response = _login(client, manager).get(
        reverse("order-list"), {"created_from": "2026-03-02", "created_to": "2026-03-01"}
    )

    assert "created_to" in response.context["form"].errors


def test_order_list_offers_and_accepts_only_visible_shops(client, cs_a, orders):
    _login(client, cs_a)

    response = client.get(reverse("order-list"), {"shop": "shop-b"})

    assert [s.code for s in response.context["form"].fields["shop"].queryset] == ["shop-a"]
    assert "shop" in response.context["form"].errors
    assert _numbers(response) == {orders["a_paid"].number, orders["a_pending"].number}


def test_order_list_pages_by_fifty(client, admin_user):
    shop = ShopFactory(code="shop-many")
    for _ in range(51):
        make_order(shop=shop)
    _login(client, admin_user)

    first = client.get(reverse("order-list"), {"shop": "shop-many"})
    second = client.get(reverse("order-list"), {"shop": "shop-many", "page": 2})

    assert len(first.context["rows"]) == 50
    assert len(second.context["rows"]) == 1
    assert 'href="?shop=shop-many&amp;page=2"' in first.content.decode()


def test_order_list_marks_overdue_unshipped_orders(client, manager, world):
    past = timezone.now() - dt.timedelta(hours=2)
    late = make_order(shop=world["shop_a"], status=Status.PAID, promised_ship_at=past)
    shipped = make_order(shop=world["shop_a"], status=Status.PAID, promised_ship_at=past)
    Order.objects.filter(pk=shipped.pk).update(status=Status.SHIPPED)
    on_time = make_order(shop=world["shop_a"], status=Status.PAID, promised_ship_at=past + dt.timedelta(days=2))

    response = _login(client, manager).get(reverse("order-list"))

    rows = {row["order"].number: row["overdue"] for row in response.context["rows"]}

    assert rows == {late.number: True, shipped.number: False, on_time.number: False}


def test_order_list_query_count_does_not_grow_with_the_orders(client, cs_a, world, django_assert_num_queries):
    for _ in range(3):
        make_order(shop=world["shop_a"])
    _login(client, cs_a)
    client.get(reverse("order-list"))  # warm caches (session, content types)

    # session, user, user permissions, group permissions, the visible shop and warehouse ids, count, page of
    # orders (shop joined), shop choices
    with django_assert_num_queries(QUERIES_ORDER_LIST):
        client.get(reverse("order-list"))
    for _ in range(10):
        make_order(shop=world["shop_a"])
    with django_assert_num_queries(QUERIES_ORDER_LIST):
        response = client.get(reverse("order-list"))
    assert len(response.context["rows"]) == 13


QUERIES_ORDER_LIST = 8


def test_order_list_reads_only_what_it_shows_and_not_the_warehouse(client, cs_a, orders):
    _login(client, cs_a)

    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("order-list"))

    shown = response.context["rows"][0]["order"]
    assert {"buyer_remark", "seller_memo", "consignee_cipher", "tags", "warehouse_id"} <= shown.get_deferred_fields()
    assert {"code", "platform"} <= shown.shop.get_deferred_fields()  # of the shop, only its name
    (page,) = [q["sql"] for q in queries if 'FROM "orders_order"' in q["sql"] and "ORDER BY" in q["sql"]]
    assert '"inventory_warehouse"' not in page
    assert '"orders_order"."seller_memo"' not in page and '"orders_order"."consignee_phone"' in page
    html = response.content.decode()
    assert "TM-1001" in html and "小明" in html and "李四" in html  # what the page shows is still there


# --- order detail ------------------------------------------------------------------------------------------


def test_order_detail_shows_lines_amounts_and_timeline(client, cs_a, orders):
    order = orders["a_paid"]
    order_transition(order=order, to_status=Status.APPROVED, actor=cs_a, reason="checked")

    response = _login(client, cs_a).get(reverse("order-detail", args=[order.number]))

    assert response.status_code == 200
    html = response.content.decode()
    line = order.lines.get()
    assert line.sku.code in html
    assert "99.00 CNY" in html
    assert [(e.kind, e.to_status) for e in response.context["events"]] == [
        (OrderEvent.Kind.CREATED, Status.PAID),
        (OrderEvent.Kind.TRANSITION, Status.APPROVED),
    ]
    assert "checked" in html and "cs_a" in html


def test_order_detail_is_404_for_an_order_the_user_may_not_see(client, warehouse_b, cs_a, orders):
    assert _login(client, warehouse_b).get(reverse("order-detail", args=[orders["a_paid"].number])).status_code == 404
    assert client.get(reverse("order-detail", args=[orders["b"][0].number])).status_code == 200
    client.logout()
    assert _login(client, cs_a).get(reverse("order-detail", args=[orders["b"][0].number])).status_code == 404
    assert client.get(reverse("order-detail", args=["OH-NO-SUCH"])).status_code == 404


def test_order_pages_are_forbidden_without_a_role(client, outsider, orders):
    _login(client, outsider)

    assert client.get(reverse("order-list")).status_code == 403
    assert client.get(reverse("order-detail", args=[orders["a_paid"].number])).status_code == 403


# --- masking -----------------------------------------------------------------------------------------------


def test_finance_sees_phone_and_address_masked_on_list_and_detail(client, finance, orders):
    order = orders["a_paid"]
    _login(client, finance)

    list_html = client.get(reverse("order-list")).content.decode()
    detail_html = client.get(reverse("order-detail", args=[order.number])).content.decode()

    for html in (list_html, detail_html):
        assert "138****5678" in html
        assert "文三路****" in html
        assert RAW_PHONE not in html
        assert RAW_ADDRESS not in html
        assert "张三" in html  # the name itself is not masked


def test_cs_sees_phone_and_address_in_full(client, cs_a, orders):
    _login(client, cs_a)

    for url in (reverse("order-list"), reverse("order-detail", args=[orders["a_paid"].number])):
        html = client.get(url).content.decode()
        assert RAW_PHONE in html
        assert RAW_ADDRESS in html


# --- actions -----------------------------------------------------------------------------------------------


def test_detail_offers_buttons_for_the_allowed_next_statuses(client, cs_a, orders):
    response = _login(client, cs_a).get(reverse("order-detail", args=[orders["a_paid"].number]))

    assert [s for s, _label in response.context["next_statuses"]] == [
        Status.APPROVED,
        Status.CANCELLED,
        Status.CLOSED,
    ]
    assert response.context["can_hold"] is True
    html = response.content.decode()
    assert 'name="to_status" value="approved"' in html
    assert 'name="to_status" value="shipped"' not in html
    assert 'name="hold_reason"' in html


def test_detail_offers_no_actions_to_finance(client, finance, orders):
    html = _login(client, finance).get(reverse("order-detail", args=[orders["a_paid"].number])).content.decode()

    assert 'name="to_status"' not in html
    assert 'name="text"' not in html


def test_transition_button_moves_the_order_and_says_so(client, cs_a, orders):
    order = orders["a_paid"]
    url = reverse("order-transition", args=[order.number])

    response = _login(client, cs_a).post(url, {"to_status": Status.APPROVED, "reason": "looks fine"})

    assert response.status_code == 302
    order.refresh_from_db()
    assert order.status == Status.APPROVED
    event = order.events.get(kind=OrderEvent.Kind.TRANSITION)
    assert (event.actor, event.reason) == (cs_a, "looks fine")
    assert any(order.number in m for m in _messages(response))


def test_illegal_transition_shows_the_services_error_and_changes_nothing(client, cs_a, orders):
    order = orders["a_paid"]

    response = _login(client, cs_a).post(
        reverse("order-transition", args=[order.number]), {"to_status": Status.SHIPPED}, follow=True
    )

    order.refresh_from_db()
    assert order.status == Status.PAID
    assert not order.events.filter(kind=OrderEvent.Kind.TRANSITION).exists()
    html = response.content.decode()
    assert f"订单 {order.number} 不能从" in html
    assert "（paid）" in html and "（shipped）" in html


def test_hold_needs_a_reason_from_the_list(client, cs_a, orders):
    order = orders["a_paid"]
    url = reverse("order-transition", args=[order.number])
    _login(client, cs_a)

    refused = client.post(url, {"to_status": Status.ON_HOLD, "hold_reason": ""}, follow=True)
    order.refresh_from_db()
    assert order.status == Status.PAID
    assert "需要挂起原因" in refused.content.decode()

    client.post(url, {"to_status": Status.ON_HOLD, "hold_reason": HoldReason.ADDRESS, "reason": "小区不存在"})
    order.refresh_from_db()
    assert (order.status, order.hold_reason, order.hold_note) == (Status.ON_HOLD, HoldReason.ADDRESS, "小区不存在")


def test_transition_needs_change_permission_and_visibility(client, finance, warehouse_b, orders):
    order = orders["a_paid"]
    url = reverse("order-transition", args=[order.number])

    assert _login(client, finance).post(url, {"to_status": Status.APPROVED}).status_code == 403
    client.logout()
    assert _login(client, warehouse_b).post(url, {"to_status": Status.APPROVED}).status_code == 404
    assert client.get(url).status_code == 405
    order.refresh_from_db()
    assert order.status == Status.PAID


def test_add_note_writes_a_timeline_note(client, cs_a, finance, orders):
    order = orders["a_paid"]
    url = reverse("order-note-add", args=[order.number])

    _login(client, cs_a).post(url, {"text": "买家来电要求周末送货"})
    empty = client.post(url, {"text": ""}, follow=True)
    client.logout()
    forbidden = _login(client, finance).post(url, {"text": "no"})

    note = order.events.get(kind=OrderEvent.Kind.NOTE)
    assert (note.reason, note.actor) == ("买家来电要求周末送货", cs_a)
    assert _messages(empty)
    assert forbidden.status_code == 403


def test_detail_shows_amounts_with_currency(client, manager, world):
    order = make_order(
        shop=world["shop_a"],
        skus=[(world["skus"][0], 2, Decimal("50.00"))],
        discount_platform=Decimal("5.00"),
        discount_merchant=Decimal("3.00"),
        shipping_fee=Decimal("8.00"),
        currency="USD",
    )

    html = _login(client, manager).get(reverse("order-detail", args=[order.number])).content.decode()

    assert order.paid_amount == Decimal("100.00")
    for amount in ("100.00 USD", "5.00 USD", "3.00 USD", "8.00 USD"):
        assert amount in html


def test_home_shows_each_role_the_statuses_waiting_for_it(client, warehouse_b, orders):
    order_transition(order=orders["b"][0], to_status=Status.APPROVED, system="tests")

    focus = _login(client, warehouse_b).get(reverse("home")).context["focus"]

    assert [(str(label), count, url) for label, count, url in focus] == [
        (str(Status.APPROVED.label), 1, "/orders/?status=approved"),
        (str(Status.PICKING.label), 0, "/orders/?status=picking"),
    ]


# --- language and login ------------------------------------------------------------------------------------


def test_pages_are_in_chinese_by_default_and_in_english_after_switching(client, cs_a, orders):
    _login(client, cs_a)

    chinese = client.get(reverse("order-list")).content.decode()
    switched = client.post(reverse("set_language"), {"language": "en", "next": reverse("order-list")})
    english = client.get(reverse("order-list")).content.decode()

    assert '<html lang="zh-hans">' in chinese
    assert "订单号" in chinese and "已付款" in chinese
    assert "Order number" not in chinese and ">Paid<" not in chinese
    assert switched.status_code == 302 and switched.url == reverse("order-list")
    assert '<html lang="en">' in english
    assert "Order number" in english and ">Paid<" in english
    assert "订单号" not in english and "已付款" not in english
    assert "Orders by status" in client.get(reverse("home")).content.decode()


def test_login_page_is_in_chinese_and_logs_in_and_out(client, cs_a):
    page = client.get(reverse("login"))
    assert "登录订单中枢" in page.content.decode()

    logged_in = client.post(reverse("login"), {"username": "cs_a", "password": "pass-1234"})
    assert logged_in.status_code == 302 and logged_in.url == reverse("home")
    assert client.get(reverse("home")).status_code == 200

    logged_out = client.post(reverse("logout"))
    assert logged_out.status_code == 302
    assert client.get(reverse("home")).status_code == 302


def test_login_rejects_a_wrong_password_with_a_message(client, cs_a):
    response = client.post(reverse("login"), {"username": "cs_a", "password": "wrong"})

    assert response.status_code == 200
    assert response.context["form"].errors
    assert 'class="error"' in response.content.decode()


# --- the chart tag -----------------------------------------------------------------------------------------


def test_bar_chart_scales_bars_to_the_largest_value_and_escapes_labels():
    svg = bar_chart_svg([("<b>店</b>", 10, "/orders/?shop=a&b"), ("空", 0, "")], title="Orders")

    assert svg.count('class="chart-bar"') == 2
    assert 'width="82.00%"' in svg  # the largest value takes the full bar span
    assert 'width="0.40%"' in svg  # zero still shows a sliver next to its number
    assert "<b>" not in svg and "&lt;b&gt;店&lt;/b&gt;" in svg
    assert 'href="/orders/?shop=a&amp;b"' in svg
    assert "<title>空: 0</title>" in svg
    assert str(bar_chart_svg([], title="Orders")).startswith('<p class="muted">')
