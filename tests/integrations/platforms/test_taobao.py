"""Taobao/Tmall: trade mapping from the fullinfo sample, TMC push (thin → fetch, duplicate delivery, address
change, refund), TOP signatures, and the TOP client's error handling."""

import copy
import datetime as dt
import json
from decimal import Decimal

import pytest

from integrations import transport
from integrations.exceptions import PlatformUnavailable, RateLimited, TokenExpired
from integrations.models import InboxMessage, WebhookRejection, WorkStatus
from integrations.platforms import adapter_for
from integrations.platforms.taobao.client import TaobaoClient
from integrations.signing import top_sign
from orders.models import Order, OrderEvent
from orders.states import HoldReason, Status
from tests.integrations.helpers import APP_SECRET, sample, top_post

pytestmark = pytest.mark.django_db

SHANGHAI = dt.timezone(dt.timedelta(hours=8))


def fullinfo():
    return sample("taobao_trade_fullinfo.json")["trade_fullinfo_get_response"]["trade"]


def test_fullinfo_sample_maps_to_the_standard_order(taobao):
    order = adapter_for("tmall").to_platform_order(fullinfo()).order
    data = order.data

    assert (order.platform_status, order.target_status) == ("WAIT_SELLER_SEND_GOODS", Status.PAID)
    assert order.modified_at == dt.datetime(2026, 11, 11, 0, 0, 33, tzinfo=SHANGHAI)
    assert data.external_id == "3987456123001234567"
    assert data.status == Status.PAID and data.paid_at == dt.datetime(2026, 11, 11, 0, 0, 31, tzinfo=SHANGHAI)
    assert (data.consignee_name, data.consignee_phone) == ("林*", "138****5678")
    assert (data.province, data.city, data.district) == ("浙江省", "杭州市", "西湖区")
    assert data.address == "文三路 478 号华星时代广场 A 座 1203" and data.postal_code == "310012"
    assert data.consignee_cipher == {"oaid": "1k2LlJx3lsQWicq8r0qEdQCp"}
    assert (data.goods_amount, data.discount_merchant, data.discount_platform, data.paid_amount) == (
        Decimal("297.00"),
        Decimal("30.00"),
        Decimal("0.00"),
        Decimal("267.00"),
    )
    assert data.buyer_remark == "送人的，请放赠品小样，不要放发票"
    assert [(line.sku_code, line.quantity, line.unit_price, line.discount) for line in data.lines] == [
        ("FLW-SERUM-30ML", 2, Decimal("99.00"), Decimal("19.80")),
        ("FLW-MASK-5P", 1, Decimal("99.00"), Decimal("10.20")),
    ]
    assert data.lines[0].external_line_id == "3987456123001234568"


def test_trade_closed_by_taobao_is_recorded_and_never_ships(taobao):
    from integrations.ingest import order_version_apply

    trade = fullinfo()
    trade.update(status="TRADE_CLOSED_BY_TAOBAO", pay_time=None)
    incoming = adapter_for("taobao").to_platform_order(trade)

    applied = order_version_apply(shop=taobao.shop, incoming=incoming, source="poll", system="t")

    assert applied.order.status == Status.CLOSED
    assert applied.order.events.filter(kind=OrderEvent.Kind.TRANSITION, to_status=Status.CLOSED).exists()


class FakeTop:
    """The TOP API mocked at the transport: fullinfo answers come from a queue of trades."""

    def __init__(self, *trades):
        self.trades = list(trades)
        self.methods = []

    def __call__(self, method, url, *, params=None, body=None, headers=None, timeout=None):
        self.methods.append(params["method"])
        assert params["sign"] == top_sign(params, APP_SECRET)
        assert url.endswith("/router/rest")
        trade = self.trades.pop(0) if len(self.trades) > 1 else self.trades[0]
        return transport.Response(200, json.dumps({"trade_fullinfo_get_response": {"trade": trade}}).encode())


def test_tmc_messages_thin_fetch_dedup_address_change_and_refund(
    client, taobao, monkeypatch, django_capture_on_commit_callbacks
):
    first = fullinfo()
    moved = copy.deepcopy(first)
    moved.update(
        modified="2026-11-11 00:05:02", receiver_address="古墩路 701 号紫金广场 C 座 8 楼", receiver_district="西湖区"
    )
    fake = FakeTop(first, moved)
    monkeypatch.setattr(transport, "send", fake)
    messages = sample("taobao_tmc_messages.json")

    with django_capture_on_commit_callbacks(execute=True):
        response = top_post(client, "taobao", taobao.shop.code, messages)

    assert response.status_code == 200
    assert response.json()["stored"] == 3 and response.json()["duplicates"] == 1
    assert InboxMessage.objects.get(event_id="7712000000001").deliveries == 2
    assert fake.methods == ["taobao.trade.fullinfo.get", "taobao.trade.fullinfo.get"]
    order = Order.objects.get()
    assert order.external_id == "3987456123001234567"
    assert order.address == "古墩路 701 号紫金广场 C 座 8 楼"
    assert order.events.filter(kind=OrderEvent.Kind.UPDATED, reason__contains="address").exists()
    refund = order.cases.get()
    assert (refund.external_id, refund.amount, refund.status) == ("158800000000123", Decimal("88.80"), "requested")
    assert (order.status, order.hold_reason) == (Status.ON_HOLD, HoldReason.REFUND)
    results = dict(InboxMessage.objects.values_list("event_id", "result"))
    assert results == {"7712000000001": "created", "7712000000002": "updated", "7712000000003": "updated"}


def test_a_refund_notice_before_its_order_waits_and_retries(client, taobao, django_capture_on_commit_callbacks):
    refund_only = [sample("taobao_tmc_messages.json")[3]]
    with django_capture_on_commit_callbacks(execute=True):
        top_post(client, "taobao", taobao.shop.code, refund_only)
    message = InboxMessage.objects.get()
    assert message.status == WorkStatus.FAILED and message.error_code == "order_not_yet_known"


def test_signature_good_bad_missing_and_stale(client, taobao):
    messages = sample("taobao_tmc_messages.json")[2:3]

    bad = top_post(client, "taobao", taobao.shop.code, messages, sign="0" * 32)
    missing = top_post(client, "taobao", taobao.shop.code, messages, sign="")
    wrong_secret = top_post(client, "taobao", taobao.shop.code, messages, secret="other")
    stale = top_post(client, "taobao", taobao.shop.code, messages, timestamp="2020-01-01 00:00:00")

    assert [r.status_code for r in (bad, missing, wrong_secret, stale)] == [401, 401, 401, 401]
    assert InboxMessage.objects.count() == 0
    assert WebhookRejection.objects.count() == 4
    good = top_post(client, "taobao", taobao.shop.code, messages)
    assert good.status_code == 200 and InboxMessage.objects.count() == 1


def test_top_sign_variants_are_upper_hex():
    params = {"method": "taobao.trade.fullinfo.get", "app_key": "12497914", "timestamp": "2026-11-11 00:00:00"}
    md5 = top_sign(params, "secret")
    assert md5 == md5.upper() and len(md5) == 32
    assert top_sign(params, "secret", sign_method="hmac") != md5
    assert len(top_sign(params, "secret", sign_method="hmac-sha256")) == 64
    # The sign parameter itself never takes part.
    assert top_sign({**params, "sign": "X"}, "secret") == md5


@pytest.mark.parametrize(
    "answer, error",
    [
        ({"error_response": {"code": 27, "msg": "Invalid session", "sub_code": "invalid-sessionkey"}}, TokenExpired),
        (
            {
                "error_response": {
                    "code": 7,
                    "msg": "App Call Limited",
                    "sub_msg": "This ban will last for 12 more seconds",
                }
            },
            RateLimited,
        ),
        (
            {"error_response": {"code": 15, "msg": "Remote service error", "sub_code": "isp.remote-service-timeout"}},
            PlatformUnavailable,
        ),
    ],
)
def test_top_errors_are_classified(taobao, monkeypatch, answer, error):
    monkeypatch.setattr(transport, "send", lambda *a, **k: transport.Response(200, json.dumps(answer).encode()))
    with pytest.raises(error) as caught:
        TaobaoClient(taobao).order_get("1")
    if error is RateLimited:
        assert caught.value.retry_after == 12.0


def test_http_503_is_platform_unavailable(taobao, monkeypatch):
    monkeypatch.setattr(transport, "send", lambda *a, **k: transport.Response(503, b"busy"))
    with pytest.raises(PlatformUnavailable):
        TaobaoClient(taobao).order_get("1")
