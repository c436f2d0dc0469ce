"""The stock ledger's reasons read in the reader's language: written once (often while Chinese is active), stored
in English with their values, shown on the SKU's ledger page, the admin and the API in each reader's language."""

import pytest
from django.contrib.admin.sites import site
from django.test import Client
from django.utils import translation
from rest_framework.test import APIClient

from inventory.models import StockMovement
from inventory.services import (
    LineDemand,
    OrderDemand,
    order_stock_reserve,
    orders_stock_reserve,
    stock_adjust,
    stock_count_apply,
    stock_count_open,
    stock_count_record,
)

pytestmark = pytest.mark.django_db


def page(user, url, language):
    client = Client(headers={"accept-language": language})
    client.force_login(user)
    return client.get(url).content.decode()


def reads(movement) -> dict[str, str]:
    """The movement's reason as a reader in Chinese and one in English see it."""
    shown = {}
    for language in ("zh-hans", "en"):
        with translation.override(language):
            shown[language] = movement.reason_display
    return shown


def test_a_count_applied_in_chinese_reads_in_each_readers_language_on_the_ledger_page(manager, stocked, world):
    with translation.override("zh-hans"):
        count = stock_count_open(warehouse=world["wh_b"], reason="月度盘点", actor=manager)
        stock_count_record(count=count, sku=stocked, counted_quantity=5)
        stock_count_apply(count=count, actor=manager)
    movement = StockMovement.objects.get(kind="count")
    assert movement.reason == "月度盘点: system 4, counted 5"  # stored in English, with what was typed as typed

    assert "月度盘点：系统 4，实盘 5" in page(manager, f"/stock/sku/{stocked.code}/", "zh-hans")
    assert "月度盘点: system 4, counted 5" in page(manager, f"/stock/sku/{stocked.code}/", "en")
    assert "月度盘点：系统 4，实盘 5" in page(manager, "/stock/movements/", "zh-hans")


def test_a_receipt_without_a_reason_reads_in_the_language_of_the_api_request(manager, stocked):
    client = APIClient()
    client.force_authenticate(manager)
    payload = {"warehouse": "wh-b", "reference": "PO-77", "lines": [{"sku": stocked.code, "quantity": 6}]}

    chinese = client.post("/api/v1/stock/receipts/", payload, format="json", headers={"accept-language": "zh-hans"})
    english = client.post(
        "/api/v1/stock/receipts/",
        {**payload, "reference": "PO-78"},
        format="json",
        headers={"accept-language": "en"},
    )

    assert chinese.json()["movements"][0]["reason"] == "入库"
    assert english.json()["movements"][0]["reason"] == "receipt"


def test_the_admin_ledger_list_shows_reasons_in_the_readers_language(admin_user, stocked):
    movement = StockMovement.objects.filter(kind="receipt").first()
    admin = site._registry[StockMovement]

    with translation.override("zh-hans"):
        assert admin.reason_shown(movement) == "入库"
    with translation.override("en"):
        assert admin.reason_shown(movement) == "receipt"
    assert "入库" in page(admin_user, "/admin/inventory/stockmovement/", "zh-hans")


def test_a_system_reason_written_out_in_english_before_reads_in_the_readers_language(stocked):
    receipt = StockMovement.objects.filter(kind="receipt").first()
    StockMovement.objects.filter(pk=receipt.pk).update(reason_message=None)  # a row written before
    receipt.refresh_from_db()

    assert reads(receipt) == {"zh-hans": "入库", "en": "receipt"}


def test_a_reason_people_typed_reads_as_typed_even_when_it_looks_like_a_system_one(stocked, world, manager):
    adjusted = stock_adjust(sku=stocked, warehouse=world["wh_b"], quantity=1, reason="  receipt ", actor=manager)[0]

    assert adjusted.reason == "receipt"
    with translation.override("zh-hans"):
        assert adjusted.reason_display == "receipt"


def _one_row_by_sku(world, sku1, sku2):
    order_stock_reserve(
        order_id=7,
        reference="OH7",
        lines=[LineDemand(line_id=71, sku_id=sku1.pk, quantity=2)],
        warehouse_id=world["wh_a"].pk,
    )


def _several_rows(world, sku1, sku2):
    lines = [LineDemand(line_id=71, sku_id=sku1.pk, quantity=2), LineDemand(line_id=72, sku_id=sku2.pk, quantity=1)]
    order_stock_reserve(order_id=7, reference="OH7", lines=lines)


def _many_orders(world, sku1, sku2):
    orders_stock_reserve(
        orders=[OrderDemand(order_id=7, reference="OH7", lines=[LineDemand(line_id=71, sku_id=sku1.pk, quantity=2)])]
    )


def _a_line_that_grew(world, sku1, sku2):
    _one_row_by_sku(world, sku1, sku2)
    order_stock_reserve(order_id=7, reference="OH7", lines=[LineDemand(line_id=71, sku_id=sku1.pk, quantity=3)])


@pytest.mark.parametrize("reserving", [_one_row_by_sku, _several_rows, _many_orders, _a_line_that_grew])
def test_a_reservations_ledger_row_keeps_its_reason_as_a_message_and_reads_in_chinese(world, receive, reserving):
    sku1, sku2, _ = world["skus"]
    receive(sku1, world["wh_a"], 5)
    receive(sku2, world["wh_a"], 5)

    reserving(world, sku1, sku2)

    movements = list(StockMovement.objects.filter(kind="reserve", reference="OH7"))
    assert movements
    for movement in movements:
        assert movement.reason == "reserved for the order"
        assert movement.reason_message == {"text": "reserved for the order", "params": {}}
        assert reads(movement) == {"zh-hans": "为订单占用库存", "en": "reserved for the order"}


def test_a_reason_people_typed_is_kept_without_a_message(stocked, world, manager):
    adjusted = stock_adjust(sku=stocked, warehouse=world["wh_b"], quantity=1, reason="破损补录", actor=manager)[0]

    adjusted.refresh_from_db()
    assert adjusted.reason_message == {}
    assert reads(adjusted) == {"zh-hans": "破损补录", "en": "破损补录"}
