from decimal import Decimal

import pytest
from django.utils import timezone

from orders.services import order_note_add, order_transition
from orders.states import HoldReason, Status
from tests.factories import make_order

pytestmark = pytest.mark.django_db


def url(number: str) -> str:
    return f"/api/v1/orders/{number}/"


@pytest.fixture
def order(world, manager):
    order = make_order(
        shop=world["shop_a"],
        external_id="TB-100",
        status=Status.PAID,
        skus=[(world["skus"][0], 2, Decimal("50.00")), (world["skus"][1], 1, Decimal("19.90"))],
        discount_merchant=Decimal("10.00"),
        shipping_fee=Decimal("8.00"),
        buyer_id="b-1",
        buyer_nick="小王",
        buyer_remark="请尽快发货",
        tags=["vip"],
        priority=5,
    )
    order_transition(order=order, to_status=Status.ON_HOLD, hold_reason=HoldReason.RISK, actor=manager, reason="查单")
    return order


def test_detail_has_lines_consignee_amounts_status_and_timeline(api, order, cs_a):
    response = api(cs_a).get(url(order.number))
    assert response.status_code == 200
    body = response.json()
    assert body["number"] == order.number
    assert (body["shop"], body["platform"], body["external_id"], body["source"]) == (
        "shop-a",
        "tmall",
        "TB-100",
        "manual",
    )
    assert (body["status"], body["hold_reason"], body["hold_note"]) == ("on_hold", "risk", "查单")
    assert body["buyer"] == {"id": "b-1", "nick": "小王", "level": 0}
    assert body["buyer_remark"] == "请尽快发货"
    assert body["amounts"] == {
        "currency": "CNY",
        "goods_amount": "119.90",
        "discount_platform": "0.00",
        "discount_merchant": "10.00",
        "shipping_fee": "8.00",
        "paid_amount": "117.90",
    }
    assert body["lines"] == [
        {
            "sku": "SKU-1",
            "title": order.lines.all()[0].title,
            "quantity": 2,
            "unit_price": "50.00",
            "discount": "0.00",
            "line_total": "100.00",
            "is_gift": False,
            "external_line_id": "",
        },
        {
            "sku": "SKU-2",
            "title": order.lines.all()[1].title,
            "quantity": 1,
            "unit_price": "19.90",
            "discount": "0.00",
            "line_total": "19.90",
            "is_gift": False,
            "external_line_id": "",
        },
    ]
    assert (body["tags"], body["priority"], body["queue"], body["warehouse"]) == (["vip"], 5, "normal", "wh-a")
    assert body["paid_at"] == timezone.localtime(order.paid_at).isoformat()
    created, held = body["events"]
    assert created["kind"] == "created"
    assert (created["actor"], created["system"], created["from_status"], created["to_status"]) == (
        None,
        "tests",
        "",
        "paid",
    )
    assert (held["kind"], held["actor"], held["from_status"], held["to_status"], held["reason"]) == (
        "transition",
        "manager",
        "paid",
        "on_hold",
        "查单",
    )


def test_cs_sees_the_consignee_in_full(api, order, cs_a):
    consignee = api(cs_a).get(url(order.number)).json()["consignee"]
    assert consignee == {
        "name": "张三",
        "phone": "13812345678",
        "country": "CN",
        "province": "浙江省",
        "city": "杭州市",
        "district": "西湖区",
        "address": "文三路100号2幢301室",
        "postal_code": "",
        "masked": False,
    }


def test_finance_sees_phone_and_address_masked(api, order, finance):
    body = api(finance).get(url(order.number)).json()
    consignee = body["consignee"]
    assert consignee["masked"] is True
    assert consignee["phone"] == "138****5678"
    assert consignee["address"] == "文三路****"
    assert "13812345678" not in str(body) and "100号" not in str(body)
    assert (consignee["name"], consignee["province"], consignee["city"]) == ("张三", "浙江省", "杭州市")


def test_an_order_the_user_may_not_see_is_a_404_like_a_missing_one(api, order, warehouse_b, outsider):
    hidden = api(warehouse_b).get(url(order.number))
    missing = api(warehouse_b).get(url("OH20990101999999"))
    assert hidden.status_code == missing.status_code == 404
    assert hidden.json() == {
        "code": "order_not_found",
        "message": f"No order {order.number}.",
        "extra": {"number": order.number},
    }
    assert missing.json() == {
        "code": "order_not_found",
        "message": "No order OH20990101999999.",
        "extra": {"number": "OH20990101999999"},
    }
    assert api(outsider).get(url(order.number)).status_code == 404


def test_a_warehouse_user_sees_the_orders_shipping_from_their_warehouse(api, world, warehouse_b):
    order = make_order(shop=world["shop_b"])
    assert api(warehouse_b).get(url(order.number)).json()["warehouse"] == "wh-b"


def test_notes_by_a_system_show_the_system(api, order, cs_a):
    order_note_add(order=order, text="地址已核对", system="address-check")
    last = api(cs_a).get(url(order.number)).json()["events"][-1]
    assert (last["kind"], last["actor"], last["system"], last["reason"]) == (
        "note",
        None,
        "address-check",
        "地址已核对",
    )


def test_the_detail_takes_a_fixed_number_of_queries(api, order, cs_a, django_assert_num_queries):
    client = api(cs_a)
    client.get(url(order.number))  # warm the process-wide content-type cache guardian reads
    # token → user, user permissions, group permissions (cached for the PII check), the visible shop and
    # warehouse ids, order, lines, events
    with django_assert_num_queries(7):
        assert client.get(url(order.number)).status_code == 200
