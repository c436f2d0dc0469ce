"""Managers set channel allocations in bulk: an XLSX or CSV table uploaded on the allocations page, read by the
project's one table reader; all rows or none, every bad cell named by row and column."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import Workbook

from inventory.models import ChannelStock
from inventory.services.channels import channel_stock_set
from orders.models import Shop

pytestmark = pytest.mark.django_db

HEADER = ["店铺", "SKU", "规则", "百分比", "定额", "安全库存暂停", "启用"]


def _csv(*rows) -> SimpleUploadedFile:
    text = "\n".join(",".join(row) for row in [HEADER, *rows])
    return SimpleUploadedFile("allocations.csv", text.encode("utf-8-sig"), content_type="text/csv")


def _xlsx(*rows) -> SimpleUploadedFile:
    workbook = Workbook()
    for row in [HEADER, *rows]:
        workbook.active.append(list(row))
    buffer = io.BytesIO()
    workbook.save(buffer)
    return SimpleUploadedFile("allocations.xlsx", buffer.getvalue())


def _rows():
    codes = dict(Shop.objects.values_list("pk", "code"))
    rows = ChannelStock.objects.values_list("shop_id", "sku__code", "rule", "percent", "quota", "is_active")
    return sorted((codes[shop_id], *rest) for shop_id, *rest in rows)


def test_a_manager_sets_allocations_in_bulk_from_excel(client, manager, world):
    client.force_login(manager)

    response = client.post(
        reverse("stock-allocations"),
        {
            "file": _xlsx(
                ["shop-a", "SKU-1", "百分比", 60, "", "是", "是"], ["shop-b", "SKU-1", "fixed", "", 5, "否", ""]
            )
        },
    )

    assert response.status_code == 302, response.content.decode()[:2000]
    assert _rows() == [("shop-a", "SKU-1", "percentage", 60, 0, True), ("shop-b", "SKU-1", "fixed", 100, 5, True)]
    assert not ChannelStock.objects.get(shop_id=Shop.objects.get(code="shop-b").pk).pause_on_safety
    page = client.get(reverse("stock-allocations"))
    assert page.status_code == 200 and "SKU-1" in page.content.decode()


def test_every_bad_cell_is_named_and_nothing_is_saved(client, manager, world):
    client.force_login(manager)

    response = client.post(
        reverse("stock-allocations"),
        {
            "file": _csv(
                ["shop-a", "SKU-1", "共享", "", "", "", ""], ["shop-x", "SKU-9", "half", "abc", "", "maybe", ""]
            )
        },
    )

    assert response.status_code == 200
    text = response.content.decode()
    assert "第 3 行，店铺 列: &#x27;shop-x&#x27; 不是店铺代码。" in text
    assert "第 3 行，SKU 列: &#x27;SKU-9&#x27; 不是 SKU 编码。" in text
    assert "第 3 行，规则 列: &#x27;half&#x27; 不是分配规则" in text
    assert "第 3 行，百分比 列: &#x27;abc&#x27; 不是大于等于 0 的整数。" in text
    assert "第 3 行，安全库存暂停 列: &#x27;maybe&#x27; 不是 是/否。" in text
    assert _rows() == []


def test_a_row_the_rules_refuse_is_named_and_refuses_the_whole_table(client, manager, world):
    channel_stock_set(shop_id=world["shop_b"].pk, sku=world["skus"][0], rule="percentage", percent=50)
    client.force_login(manager)

    response = client.post(
        reverse("stock-allocations"),
        {"file": _csv(["shop-a", "SKU-2", "定额", "", "3", "", ""], ["shop-a", "SKU-1", "百分比", "70", "", "", ""])},
    )

    assert response.status_code == 200
    refused = "第 3 行：percent：按比例销售 SKU-1 的店铺合计将达到 120%"
    assert refused in response.content.decode()
    assert _rows() == [("shop-b", "SKU-1", "percentage", 50, 0, True)]


def test_only_managers_and_administrators_set_allocations(client, warehouse_b, cs_a):
    for user in (warehouse_b, cs_a):
        client.force_login(user)
        assert client.get(reverse("stock-allocations")).status_code == 403
