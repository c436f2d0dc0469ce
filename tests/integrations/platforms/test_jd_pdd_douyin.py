"""JD, Pinduoduo and Douyin: mapping of each sample, push signatures (good, bad, missing), thin push → fetch."""

import datetime as dt
import json
from decimal import Decimal

import pytest

from integrations import transport
from integrations.models import InboxMessage, WebhookRejection, WorkStatus
from integrations.platforms import adapter_for
from orders.models import Order
from orders.states import HoldReason, Status
from tests.integrations.helpers import douyin_post, sample, top_post

pytestmark = pytest.mark.django_db
SHANGHAI = dt.timezone(dt.timedelta(hours=8))


def jd_native():
    return sample("jd_pop_order_search.json")["jingdong_pop_order_search_responce"]["searchorderinfo_result"][
        "orderInfoList"
    ][0]


def pdd_native():
    return sample("pdd_order_information.json")["order_info_get_response"]["order_info"]


def douyin_native():
    return sample("douyin_order_searchlist.json")["data"]["shop_order_list"][0]


# --- mapping -----------------------------------------------------------------------------------------------


def test_jd_sample_maps_with_jd_amount_semantics_and_county_quirk(jd):
    order = adapter_for("jd").to_platform_order(jd_native()).order
    data = order.data

    assert (order.platform_status, order.target_status) == ("WAIT_SELLER_STOCK_OUT", Status.PAID)
    assert data.external_id == "301234567890"
    assert data.paid_at == dt.datetime(2026, 11, 11, 0, 1, 20, tzinfo=SHANGHAI)
    # orderTotalPrice 459 = goods; sellerDiscount 20 is the shop's; orderPayment 429 leaves 10 JD-funded (京东券).
    assert (data.goods_amount, data.discount_merchant, data.discount_platform, data.paid_amount) == (
        Decimal("459.00"),
        Decimal("20.00"),
        Decimal("10.00"),
        Decimal("429.00"),
    )
    # JD gives 北京 / 朝阳区 / 三环到四环之间: the municipality becomes province and city, 朝阳区 the district,
    # and JD's own ring-road area is not a district.
    assert (data.province, data.city, data.district) == ("北京市", "北京市", "朝阳区")
    assert data.address == "建国路 93 号万达广场 8 号楼 1506"
    assert (data.consignee_name, data.consignee_phone) == ("王**", "159****0021")
    assert data.buyer_remark == "工作日送货"
    (line,) = data.lines
    assert (line.sku_code, line.quantity, line.unit_price, line.discount) == (
        "KTL-PRO-1L",
        2,
        Decimal("229.50"),
        Decimal("30.00"),
    )
    # "0001-01-01 00:00:00" (orderEndTime) means not set: it never becomes a date.
    assert data.placed_at == dt.datetime(2026, 11, 11, 0, 1, 5, tzinfo=SHANGHAI)


def test_pdd_sample_keeps_ciphertext_and_masks_and_reads_float_yuan_exactly(pdd):
    read = adapter_for("pdd").to_platform_order(pdd_native())
    order, data = read.order, read.order.data

    assert (order.platform_status, order.target_status, read.refund_pending) == ("1", Status.PAID, False)
    assert data.external_id == "261111-482019375610245"
    assert (data.consignee_name, data.consignee_phone) == ("赵*", "137****6612")
    assert (data.province, data.city, data.district) == ("广东省", "深圳市", "南山区")
    assert data.address == "粤海街道科技园南区****"
    assert data.consignee_cipher == {
        "receiver_name": "~AgAAAAHn0uY7xR3kbQWm4sJjEJ1hT7a7wXkVx4o=~0~",
        "receiver_phone": "~AgAAAAHn0uY8bWqBvAF0iaWUXhZ7p2F8q7q6fC8=~0~",
        "receiver_address": "~AgAAAAHn0uY9cL2x0yVtV4q+Ei1nM7m9Y3pA8zI=~0~",
    }
    assert (data.goods_amount, data.discount_merchant, data.discount_platform, data.paid_amount) == (
        Decimal("79.80"),
        Decimal("5.00"),
        Decimal("5.00"),
        Decimal("69.80"),
    )
    assert data.promised_ship_at == dt.datetime(2026, 11, 13, 0, 2, 58, tzinfo=SHANGHAI)
    assert data.buyer_remark == "要蓝色的" and data.payment_method == "WEIXIN"
    (line,) = data.lines
    assert (line.sku_code, line.quantity, line.unit_price) == ("CUP-BLUE", 2, Decimal("39.90"))


def test_pdd_refund_in_progress_holds_the_order(pdd):
    from integrations.ingest import order_version_apply

    native = dict(pdd_native(), refund_status=3)
    incoming = adapter_for("pdd").to_platform_order(native)
    assert incoming.refund_pending
    applied = order_version_apply(shop=pdd.shop, incoming=incoming, source="poll", system="t")
    assert (applied.order.status, applied.order.hold_reason) == (Status.ON_HOLD, HoldReason.REFUND)


def test_douyin_sample_reads_fen_and_epoch_seconds(douyin):
    order = adapter_for("douyin").to_platform_order(douyin_native()).order
    data = order.data

    assert (order.platform_status, order.target_status) == ("2", Status.PAID)
    assert data.external_id == "6930123456789012345"
    assert data.placed_at == dt.datetime.fromtimestamp(1762790645, tz=dt.UTC)
    assert data.paid_at == dt.datetime.fromtimestamp(1762790660, tz=dt.UTC)
    assert order.modified_at == dt.datetime.fromtimestamp(1762790662, tz=dt.UTC)
    assert (data.goods_amount, data.discount_merchant, data.discount_platform, data.paid_amount) == (
        Decimal("129.00"),
        Decimal("5.00"),
        Decimal("5.00"),
        Decimal("119.00"),
    )
    assert (data.consignee_name, data.consignee_phone) == ("孙*", "186****4470")
    assert (data.province, data.city, data.district) == ("四川省", "成都市", "武侯区")
    assert data.address == "桂溪街道天府大道北段 1700 号环球中心 ****"
    assert data.consignee_cipher["post_tel"].startswith("#1Rm9#")
    (line,) = data.lines
    assert (line.sku_code, line.quantity, line.unit_price, line.discount) == (
        "COF-24",
        1,
        Decimal("129.00"),
        Decimal("10.00"),
    )


@pytest.mark.parametrize(
    "platform, native, field, bad, expected",
    [
        ("pdd", pdd_native, "pay_amount", "sixty", "paid_amount (pay_amount @yuan)：'sixty' 不是以元为单位的金额"),
        (
            "douyin",
            douyin_native,
            "create_time",
            "yesterday",
            "placed_at (create_time @epoch)：'yesterday' 不是以秒为单位的 Unix 时间",
        ),
        ("jd", jd_native, "orderState", "SOMETHING_NEW", "的平台状态 'SOMETHING_NEW' 没有映射"),
        (
            "pdd",
            pdd_native,
            "goods_amount",
            79.801,
            "goods_amount (goods_amount @yuan)：79.801 不是以元为单位的金额",
        ),
    ],
)
def test_malformed_values_name_field_source_and_value(platform, native, field, bad, expected, request):
    from integrations.exceptions import PayloadInvalid

    request.getfixturevalue(platform)
    payload = dict(native(), **{field: bad})
    with pytest.raises(PayloadInvalid) as caught:
        adapter_for(platform).to_platform_order(payload)
    assert expected in caught.value.message


# --- push: signatures and thin messages --------------------------------------------------------------------


def _fake(platform, native):
    def send(method, url, *, params=None, body=None, headers=None, timeout=None):
        if platform == "jd":
            answer = {
                "jingdong_pop_order_get_responce": {
                    "orderDetailInfo": {"apiResult": {"success": True}, "orderInfo": native}
                }
            }
        elif platform == "pdd":
            answer = {"order_info_get_response": {"order_info": native}}
        else:
            answer = {"code": 10000, "msg": "success", "data": {"shop_order_detail": native}}
        return transport.Response(200, json.dumps(answer).encode())

    return send


PUSHES = {
    "jd": lambda: [{"msgId": "m-1", "topic": "jos_order_pay", "orderId": "301234567890"}],
    "pdd": lambda: [
        {"id": 99001, "type": "pdd_trade_TradeConfirmed", "content": json.dumps({"tid": "261111-482019375610245"})}
    ],
    "douyin": lambda: [
        {"tag": "101", "msg_id": "7001", "data": json.dumps({"p_id": "6930123456789012345", "order_status": 2})}
    ],
}
NATIVES = {"jd": jd_native, "pdd": pdd_native, "douyin": douyin_native}


def _post(client, platform, shop_code, body, **kwargs):
    if platform == "douyin":
        return douyin_post(client, shop_code, body, **kwargs)
    return top_post(client, platform, shop_code, body, epoch=platform == "pdd", **kwargs)


@pytest.mark.parametrize("platform", ["jd", "pdd", "douyin"])
def test_thin_push_fetches_the_order_and_a_repeat_is_a_duplicate(
    platform, client, request, monkeypatch, django_capture_on_commit_callbacks
):
    connection = request.getfixturevalue(platform)
    monkeypatch.setattr(transport, "send", _fake(platform, NATIVES[platform]()))

    with django_capture_on_commit_callbacks(execute=True):
        first = _post(client, platform, connection.shop.code, PUSHES[platform]())
        again = _post(client, platform, connection.shop.code, PUSHES[platform]())

    assert first.status_code == again.status_code == 200
    assert again.json()["duplicates"] == 1
    message = InboxMessage.objects.get()
    assert (message.status, message.result, message.deliveries) == (WorkStatus.DONE, "created", 2)
    assert (
        Order.objects.get().external_id
        == NATIVES[platform]()[{"jd": "orderId", "pdd": "order_sn", "douyin": "order_id"}[platform]]
    )


@pytest.mark.parametrize("platform", ["jd", "pdd", "douyin"])
@pytest.mark.parametrize("how", ["bad", "missing", "other secret"])
def test_push_with_bad_or_missing_signature_is_401_and_nothing_stored(platform, how, client, request):
    connection = request.getfixturevalue(platform)
    kwargs = {"bad": {"sign": "0" * 32}, "missing": {"sign": ""}, "other secret": {"secret": "nope"}}[how]

    response = _post(client, platform, connection.shop.code, PUSHES[platform](), **kwargs)

    assert response.status_code == 401
    assert InboxMessage.objects.count() == 0
    assert WebhookRejection.objects.get().platform == platform


def test_douyin_refund_push_records_the_after_sale(client, douyin, monkeypatch, django_capture_on_commit_callbacks):
    monkeypatch.setattr(transport, "send", _fake("douyin", douyin_native()))
    refund = {
        "tag": "200",
        "msg_id": "7002",
        "data": json.dumps(
            {"p_id": "6930123456789012345", "aftersale_id": "AS1", "refund_amount": 5900, "apply_time": 1762800000}
        ),
    }
    with django_capture_on_commit_callbacks(execute=True):
        douyin_post(client, douyin.shop.code, [PUSHES["douyin"]()[0], refund])

    order = Order.objects.get()
    assert order.cases.get().amount == Decimal("59.00")
    assert order.hold_reason == HoldReason.REFUND
