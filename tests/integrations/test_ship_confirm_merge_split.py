"""Shipping a merged or split order confirms every platform order it stands for: a merged order confirms each
original platform order; a parcel carrying part of a split platform order confirms just its lines where the
platform takes sub-order ids (Taobao ``is_split``/``sub_tid``, Douyin ``logisticsAddMultiPack``, Shopify
``line_items_by_fulfillment_order``), and elsewhere (JD, PDD) the platform order is confirmed once, with the
first parcel."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest
from django.utils import timezone

from fulfilment.signals import shipment_confirmed
from integrations import transport
from integrations.models import OutboxMessage
from integrations.platforms.douyin.client import DouyinClient
from integrations.platforms.shopify.client import ShopifyClient
from integrations.platforms.taobao.client import TaobaoClient
from orders.services import LineInput, OrderInput, order_create
from orders.shaping.merge import order_merge
from orders.shaping.split import order_split
from orders.states import Status
from tests.integrations.helpers import make_shop

pytestmark = pytest.mark.django_db


def _order(shop, skus, external_id: str, lines: list[tuple[str, str, int]]):
    """A paid platform order; ``lines`` = [(sku code, platform line id, quantity)]."""
    data = OrderInput(
        external_id=external_id,
        status=Status.PAID,
        paid_at=timezone.now(),
        buyer_id="buyer-1",
        consignee_name="张三",
        consignee_phone="13812345678",
        province="浙江省",
        city="杭州市",
        district="西湖区",
        address="文三路100号",
        lines=[
            LineInput(sku_code=code, quantity=qty, unit_price=Decimal("50.00"), external_line_id=line_id)
            for code, line_id, qty in lines
        ],
    )
    return order_create(shop=shop, data=data, system="tests")


def _ship(order, tracking: str):
    shipment_confirmed.send(
        sender=None,
        shipment_id=order.pk,
        order_id=order.pk,
        order_number=order.number,
        shop_id=order.shop_id,
        platform=order.shop.platform,
        carrier_code="YD",
        platform_carrier_code="YUNDA",
        tracking_number=tracking,
        shipped_at=timezone.now(),
    )


def _confirmations():
    return sorted(
        (m.payload["external_id"], tuple((line["id"], line["quantity"]) for line in m.payload["lines"]))
        for m in OutboxMessage.objects.filter(kind=OutboxMessage.Kind.SHIP_CONFIRM)
    )


def test_a_merged_order_confirms_every_original_platform_order(taobao, skus):
    first = _order(taobao.shop, skus, "TB-1", [("FLW-SERUM-30ML", "TB-1-a", 1)])
    second = _order(taobao.shop, skus, "TB-2", [("FLW-MASK-5P", "TB-2-a", 2)])
    merged = order_merge(order_ids=[first.pk, second.pk], system="tests")

    _ship(merged, "YD0001")

    assert _confirmations() == [("TB-1", ()), ("TB-2", ())]  # whole orders: no line ids
    messages = OutboxMessage.objects.filter(kind=OutboxMessage.Kind.SHIP_CONFIRM)
    assert {m.payload["tracking_number"] for m in messages} == {"YD0001"}
    assert {m.order_id for m in messages} == {merged.pk}


def test_a_split_platform_order_is_confirmed_line_by_line_per_parcel(taobao, skus):
    parent = _order(taobao.shop, skus, "TB-9", [("FLW-SERUM-30ML", "oid-1", 1), ("FLW-MASK-5P", "oid-2", 3)])
    mask = parent.lines.get(external_line_id="oid-2")
    child = order_split(order_id=parent.pk, parts={mask.pk: 2}, system="tests", review=False)

    _ship(child, "YD0002")
    assert _confirmations() == [("TB-9", (("oid-2", 2),))]

    _ship(parent, "YD0003")
    assert _confirmations() == [("TB-9", (("oid-1", 1), ("oid-2", 1))), ("TB-9", (("oid-2", 2),))]


def test_a_split_order_on_a_platform_without_sub_order_shipping_is_confirmed_once(jd, skus):
    parent = _order(jd.shop, skus, "JD-9", [("FLW-SERUM-30ML", "jd-1", 1), ("FLW-MASK-5P", "jd-2", 1)])
    child = order_split(
        order_id=parent.pk, parts={parent.lines.get(external_line_id="jd-2").pk: 1}, system="tests", review=False
    )

    _ship(child, "YD0004")
    _ship(parent, "YD0005")

    assert _confirmations() == [("JD-9", ())]
    assert OutboxMessage.objects.get(kind=OutboxMessage.Kind.SHIP_CONFIRM).payload["tracking_number"] == "YD0004"


def test_an_order_that_was_neither_merged_nor_split_confirms_as_before(taobao, skus):
    order = _order(taobao.shop, skus, "TB-5", [("FLW-SERUM-30ML", "oid-5", 1)])
    _ship(order, "YD0006")
    _ship(order, "YD0006")  # announced twice: one message
    assert _confirmations() == [("TB-5", ())]


# --- what reaches each platform --------------------------------------------------------------------------------


class Recorder:
    def __init__(self, *answers):
        self.answers = list(answers)
        self.calls = []

    def __call__(self, method, url, *, params=None, body=None, headers=None, timeout=None):
        self.calls.append({"method": method, "url": url, "params": params or {}, "body": body})
        return transport.Response(200, json.dumps(self.answers.pop(0)).encode())


def test_taobao_partial_shipment_sends_is_split_and_sub_tid(taobao, monkeypatch):
    """taobao.logistics.offline.send: ``is_split`` 1 = 拆单, ``sub_tid`` the sub-order ids (oid) comma-separated
    (open.taobao.com API 10690, as mirrored by the opentaobao SDK's LogisticsOfflineSend request)."""
    fake = Recorder({"logistics_offline_send_response": {"shipping": {"is_success": True}}})
    monkeypatch.setattr(transport, "send", fake)

    TaobaoClient(taobao).ship_confirm(
        external_id="TB-9", carrier_code="YUNDA", tracking_number="YD1", lines=[("oid-1", 1), ("oid-2", 2)]
    )

    params = fake.calls[0]["params"]
    assert (params["method"], params["tid"], params["is_split"], params["sub_tid"]) == (
        "taobao.logistics.offline.send",
        "TB-9",
        "1",
        "oid-1,oid-2",
    )


def test_douyin_partial_shipment_uses_one_pack_with_the_sub_orders(skus, warehouse, monkeypatch):
    """order.logisticsAddMultiPack: order_id, pack_list[{shipped_order_info[{shipped_order_id, shipped_num}],
    logistics_code, company_code}] (Douyin open platform /order/logisticsAddMultiPack)."""
    douyin = make_shop("douyin-p", "douyin", warehouse)
    fake = Recorder({"code": 10000, "data": {"pack_list": []}})
    monkeypatch.setattr(transport, "send", fake)

    DouyinClient(douyin).ship_confirm(
        external_id="DY-9", carrier_code="yunda", tracking_number="YD2", lines=[("dy-sub-2", 2)]
    )

    call = fake.calls[0]
    assert call["url"].endswith("/order/logisticsAddMultiPack")
    body = json.loads(call["body"])
    assert body["order_id"] == "DY-9"
    assert body["pack_list"] == [
        {
            "logistics_code": "YD2",
            "company_code": "yunda",
            "shipped_order_info": [{"shipped_order_id": "dy-sub-2", "shipped_num": 2}],
        }
    ]


def test_shopify_partial_shipment_fulfils_the_fulfillment_order_lines(shopify, monkeypatch):
    """GET orders/{id}/fulfillment_orders.json, then POST fulfillments.json with line_items_by_fulfillment_order
    (shopify.dev REST Admin API: FulfillmentOrder, Fulfillment)."""
    fake = Recorder(
        {
            "fulfillment_orders": [
                {
                    "id": 1046000818,
                    "status": "open",
                    "line_items": [
                        {"id": 1025578640, "line_item_id": 466157049, "fulfillable_quantity": 1},
                        {"id": 1025578641, "line_item_id": 518995019, "fulfillable_quantity": 3},
                    ],
                }
            ]
        },
        {"fulfillment": {"id": 255858046, "status": "success"}},
    )
    monkeypatch.setattr(transport, "send", fake)

    ShopifyClient(shopify).ship_confirm(
        external_id="450789469", carrier_code="UPS", tracking_number="1Z001", lines=[("518995019", 2)]
    )

    assert fake.calls[0]["url"].endswith("/orders/450789469/fulfillment_orders.json")
    assert fake.calls[1]["url"].endswith("/fulfillments.json") and fake.calls[1]["method"] == "POST"
    assert json.loads(fake.calls[1]["body"])["fulfillment"] == {
        "line_items_by_fulfillment_order": [
            {"fulfillment_order_id": 1046000818, "fulfillment_order_line_items": [{"id": 1025578641, "quantity": 2}]}
        ],
        "tracking_info": {"number": "1Z001", "company": "UPS"},
        "notify_customer": True,
    }


# --- through the sandbox (what `make run` talks to) ---------------------------------------------------------


@pytest.mark.parametrize("platform", ["douyin", "shopify", "taobao"])
def test_part_of_a_split_order_is_accepted_by_the_sandbox(platform, skus, warehouse, sandbox_http):
    from integrations.models import WorkStatus
    from integrations.outbox import outbox_deliver
    from integrations.sandbox import data, formats
    from integrations.sandbox.views import RECEIVED

    connection = make_shop(f"{platform}-sb", platform, warehouse)
    sku = skus["CUP-BLUE"]
    generated = data.generate(connection.app_key, data.seq_at(timezone.now()) - 5, skus=[(sku.code, "x")])
    native = {
        "douyin": lambda: formats.douyin_order(generated)["sku_order_list"][0]["order_id"],
        "shopify": lambda: formats.shopify_order(generated)["line_items"][0]["id"],
        "taobao": lambda: formats.taobao_trade(generated)["orders"]["order"][0]["oid"],
    }[platform]()
    external_id = formats.order_id(platform, generated)
    message = OutboxMessage.objects.create(
        shop=connection.shop,
        kind=OutboxMessage.Kind.SHIP_CONFIRM,
        dedup_key="ship:test",
        payload={
            "external_id": external_id,
            "order_number": "OH1",
            "carrier_code": {"douyin": "yunda", "shopify": "Yunda Express", "taobao": "YUNDA"}[platform],
            "tracking_number": "YD9",
            "lines": [{"id": str(native), "quantity": 1}],
        },
        created_at=timezone.now(),
        next_attempt_at=timezone.now(),
    )
    RECEIVED.clear()

    assert outbox_deliver(message.pk) == WorkStatus.DONE, OutboxMessage.objects.get(pk=message.pk).last_error
    (sent,) = [r["payload"] for r in RECEIVED if r["kind"] == "ship_confirm"]
    assert external_id in json.dumps(sent)
    # the sub-order went along (Shopify: as the fulfillment-order line of that line item)
    assert str(native + 1 if platform == "shopify" else native) in json.dumps(sent)


def _delivered(order, shipment_id: int):
    from fulfilment.signals import shipment_delivered

    shipment_delivered.send(
        sender=None,
        shipment_id=shipment_id,
        order_id=order.pk,
        shop_id=order.shop_id,
        platform=order.shop.platform,
        carrier_code="SF",
        tracking_number=f"SF{shipment_id}",
        delivered_at=timezone.now(),
    )


def _checks():
    return sorted(
        (m.payload["external_id"], m.payload["shipment_id"])
        for m in OutboxMessage.objects.filter(kind=OutboxMessage.Kind.DELIVERY_CHECK)
    )


def test_a_delivered_split_child_is_checked_on_its_parents_platform_order(taobao, skus):
    """Before: the child has no platform order id of its own, so its delivery was never checked and the
    "platform not updated" exception of its parcel could not clear."""
    parent = _order(taobao.shop, skus, "TB-21", [("FLW-SERUM-30ML", "oid-1", 1), ("FLW-MASK-5P", "oid-2", 3)])
    mask = parent.lines.get(external_line_id="oid-2")
    child = order_split(order_id=parent.pk, parts={mask.pk: 2}, system="tests", review=False)
    assert not child.external_id

    _delivered(child, 7001)
    assert _checks() == [("TB-21", 7001)]
    _delivered(child, 7001)  # the same parcel again: still one check
    assert _checks() == [("TB-21", 7001)]


def test_a_delivered_merged_parcel_is_checked_on_every_platform_order_it_carries(taobao, skus):
    first = _order(taobao.shop, skus, "TB-31", [("FLW-SERUM-30ML", "TB-31-a", 1)])
    second = _order(taobao.shop, skus, "TB-32", [("FLW-MASK-5P", "TB-32-a", 2)])
    merged = order_merge(order_ids=[first.pk, second.pk], system="tests")

    _delivered(merged, 7002)
    assert _checks() == [("TB-31", 7002), ("TB-32", 7002)]
