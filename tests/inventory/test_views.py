import pytest
from django.test import Client

from inventory.models import ChannelStock, Stock, StockCount
from inventory.services import (
    LineDemand,
    channel_stock_set,
    order_stock_reserve,
    stock_count_open,
    stock_count_record,
)

pytestmark = pytest.mark.django_db


def browser(user):
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def stocked(stocked, world):
    """The inventory ``stocked`` SKU, half of it offered to shop A."""
    channel_stock_set(shop_id=world["shop_a"].pk, sku=stocked, rule="percentage", percent=50)
    return stocked


def test_sku_page_shows_locations_channels_reservations_and_ledger(manager, stocked):
    page = browser(manager).get(f"/stock/sku/{stocked.code}/")

    assert page.status_code == 200
    html = page.content.decode()
    assert "杭州仓" in html and "广州仓" in html
    assert "天猫旗舰店" in html  # the channel row
    assert "OH20260101000001" in html  # the reservation and its ledger row
    assert [page.context["totals"][k] for k in ("on_hand", "reserved", "available")] == [14, 3, 11]


def test_a_warehouse_user_sees_only_their_location(warehouse_b, stocked):
    page = browser(warehouse_b).get(f"/stock/sku/{stocked.code}/")
    assert [row.warehouse.code for row in page.context["levels"]] == ["wh-b"]
    assert list(page.context["reservations"]) == []


def test_stock_pages_need_the_stock_permission(cs_a, stocked):
    assert browser(cs_a).get("/stock/").status_code == 403
    assert browser(cs_a).get("/stock/receive/").status_code == 403
    assert Client().get("/stock/").status_code == 302  # to the login page


@pytest.mark.parametrize(
    "url",
    [
        "/stock/",
        "/stock/?q=SKU",
        "/stock/movements/?kind=reserve",
        "/stock/reservations/?order=OH20260101000001",
        "/stock/counts/",
        "/stock/accuracy/",
        "/stock/alerts/?all=1",
        "/stock/receive/",
        "/stock/adjust/",
        "/stock/transfer/",
    ],
)
def test_every_stock_page_renders(manager, stocked, url):
    assert browser(manager).get(url).status_code == 200


def test_receive_adjust_and_transfer_forms_change_stock(warehouse_b, manager, stocked, world):
    staff = browser(warehouse_b)
    response = staff.post(
        "/stock/receive/", {"warehouse": world["wh_b"].pk, "sku": stocked.code, "quantity": 6, "pool": "spot"}
    )
    assert response.status_code == 302
    staff.post(
        "/stock/adjust/",
        {"warehouse": world["wh_b"].pk, "sku": stocked.code, "quantity": -2, "pool": "spot", "reason": "damaged"},
    )
    assert Stock.objects.get(sku=stocked, warehouse=world["wh_b"]).on_hand == 8

    refused = staff.post(
        "/stock/adjust/",
        {"warehouse": world["wh_a"].pk, "sku": stocked.code, "quantity": 1, "pool": "spot", "reason": "x"},
    )
    assert refused.status_code == 200 and "warehouse" in refused.context["form"].errors  # not their location

    browser(manager).post(
        "/stock/transfer/",
        {
            "from_warehouse": world["wh_b"].pk,
            "to_warehouse": world["wh_a"].pk,
            "sku": stocked.code,
            "quantity": 8,
            "from_pool": "spot",
            "to_pool": "spot",
            "reason": "consolidate",
        },
    )
    assert Stock.objects.get(sku=stocked, warehouse=world["wh_a"]).on_hand == 18


def test_a_refused_operation_shows_the_service_message(manager, stocked, world):
    page = browser(manager).post(
        "/stock/adjust/",
        {"warehouse": world["wh_a"].pk, "sku": stocked.code, "quantity": -9, "pool": "spot", "reason": "x"},
    )
    assert "可用仅 7 件" in page.content.decode()


def test_a_count_is_opened_recorded_and_applied_from_the_pages(manager, stocked, world):
    staff = browser(manager)
    opened = staff.post("/stock/counts/", {"warehouse": world["wh_b"].pk, "reason": "cycle count"})
    count = StockCount.objects.get()
    assert opened.url == f"/stock/counts/{count.pk}/"
    staff.post(f"/stock/counts/{count.pk}/", {"sku": stocked.code, "counted": 5, "pool": "spot"})
    assert "+1" in staff.get(f"/stock/counts/{count.pk}/").content.decode()

    staff.post(f"/stock/counts/{count.pk}/apply/")

    count.refresh_from_db()
    assert count.state == "applied"
    assert Stock.objects.get(sku=stocked, warehouse=world["wh_b"]).on_hand == 5
    report = staff.get("/stock/accuracy/").context["report"]
    assert (report["lines"], report["accurate_lines"]) == (1, 0)


def test_count_pages_of_another_location_are_not_found(warehouse_b, stocked, world):
    count = stock_count_open(warehouse=world["wh_a"], reason="x")
    stock_count_record(count=count, sku=stocked, counted_quantity=1)
    assert browser(warehouse_b).get(f"/stock/counts/{count.pk}/").status_code == 404
    assert ChannelStock.objects.count() == 1


@pytest.mark.parametrize("url", ["/stock/movements/", "/stock/reservations/", "/stock/", "/stock/sku/SKU-1/"])
def test_list_pages_do_not_query_per_row(manager, stocked, world, url, django_assert_num_queries):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    staff = browser(manager)
    staff.get(url)  # warm up the session and the permission cache
    with CaptureQueriesContext(connection) as few:
        staff.get(url)
    for order_id in range(2, 12):
        order_stock_reserve(
            order_id=order_id,
            reference=f"OH{order_id}",
            lines=[LineDemand(line_id=order_id, sku_id=stocked.pk, quantity=1)],
            warehouse_id=world["wh_b"].pk,
        )
    with django_assert_num_queries(len(few)):
        staff.get(url)
