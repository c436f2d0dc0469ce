import pytest
from django.apps import apps
from django.contrib.admin.sites import site
from django.utils import translation
from django.utils.html import escape

from fulfilment.admin import ShipmentAdmin, WaybillAttemptAdmin
from fulfilment.exceptions import CarrierNotMapped, LabelBlocked, ShipmentStateError, UnknownCarrier
from fulfilment.models import BlockReason, CarrierPlatformCode, SandboxWaybill, Shipment, WaybillAttempt
from fulfilment.services import (
    carrier_platform_code_set,
    pack_complete,
    shipment_label_print,
    shipment_ship,
    shipment_update,
)
from fulfilment.signals import shipment_confirmed
from orders.states import Status
from tests.factories import ShopFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def packed(floor, approved_order, picked, manager):
    """``packed(carrier="ZTO", weight=800, **order fields)`` → a packed parcel of one SKU-1."""

    def make(*, carrier="ZTO", weight=800, **fields):
        wave_order = picked(approved_order(**fields))
        return pack_complete(
            wave_order=wave_order, verified={"SKU-1": 1}, weight_grams=weight, carrier_code=carrier, actor=manager
        )

    return make


def test_a_label_comes_from_the_carrier_sandbox(packed, sandbox, manager):
    shipment = shipment_label_print(shipment=packed(), actor=manager)
    assert shipment.status == Shipment.Status.LABELLED
    assert shipment.tracking_number.startswith("ZTO") and len(shipment.tracking_number) == 15
    assert SandboxWaybill.objects.get().tracking_number == shipment.tracking_number
    assert shipment.label["sort_code"] and shipment.label["carrier"] == "ZTO"
    assert sandbox[0][0:2] == ("POST", "/fulfilment/sandbox/carriers/ZTO/waybills/")
    assert sandbox[0][2]["receiver"]["province"] == "江苏省"
    assert WaybillAttempt.objects.get().ok is True
    # printing again is a reprint: same number, no new request
    assert shipment_label_print(shipment=shipment, actor=manager).tracking_number == shipment.tracking_number
    assert len(sandbox) == 1


def test_breaker_blocks_an_address_that_cannot_be_parsed(packed, sandbox, manager):
    shipment = packed(province="江苏省", city="广州市")
    with pytest.raises(LabelBlocked) as exc:
        shipment_label_print(shipment=shipment, actor=manager)
    assert exc.value.extra["reason"] == BlockReason.ADDRESS_UNPARSEABLE
    assert "广州市" in exc.value.message
    shipment.refresh_from_db()
    assert (shipment.status, shipment.block_reason, shipment.tracking_number) == (
        Shipment.Status.BLOCKED,
        BlockReason.ADDRESS_UNPARSEABLE,
        "",
    )
    assert sandbox == []  # nothing was sent to the carrier


def test_a_masked_address_needs_the_encrypted_receiver_and_its_platforms_service_to_print(packed, sandbox, manager):
    with pytest.raises(LabelBlocked) as exc:
        shipment_label_print(shipment=packed(address="文***"), actor=manager)
    assert exc.value.extra["reason"] == BlockReason.ADDRESS_UNPARSEABLE
    encrypted = packed(address="文***", consignee_cipher={"oaid": "abc"})
    with pytest.raises(LabelBlocked) as exc:  # only Cainiao can read it (see test_waybill_accounts)
        shipment_label_print(shipment=encrypted, actor=manager)
    assert exc.value.extra["reason"] == BlockReason.PLATFORM_WAYBILL_REQUIRED
    assert sandbox == []


def test_breaker_blocks_a_parcel_heavier_than_the_carrier_takes_until_a_freight_carrier_is_chosen(
    packed, sandbox, manager
):
    shipment = packed(weight=62_000)
    with pytest.raises(LabelBlocked) as exc:
        shipment_label_print(shipment=shipment, actor=manager)
    assert exc.value.extra["reason"] == BlockReason.OVERWEIGHT
    assert "62.0 kg" in exc.value.message and "50.0 kg" in exc.value.message
    with pytest.raises(UnknownCarrier):
        shipment_update(shipment=shipment, carrier_code="ANE56")  # Taobao's code is not ours
    shipment = shipment_update(shipment=shipment, carrier_code="ANE")
    assert shipment.status == Shipment.Status.PACKED and shipment.block_reason == ""
    assert shipment_label_print(shipment=shipment, actor=manager).status == Shipment.Status.LABELLED


@pytest.mark.parametrize("writer", ["zh-hans", "en"])
def test_a_blocked_label_says_why_in_each_readers_language(client, packed, sandbox, manager, writer):
    """Why the breaker stopped a label is stored in English with its values and read in each reader's language —
    the order page, the pack station's API, the admin —, whatever language the person who asked for it used; that
    person is told in theirs."""
    shipment = packed(weight=62_000)
    name = shipment.carrier.name
    english = f"62.0 kg is over {name}'s limit of 50.0 kg: choose a freight carrier or split the parcel."
    chinese = f"62.0 千克超过 {name} 的上限 50.0 千克：请选择物流公司或拆分包裹。"
    with translation.override(writer), pytest.raises(LabelBlocked) as exc:
        shipment_label_print(shipment=shipment, actor=manager)
    assert exc.value.message == (chinese if writer == "zh-hans" else english)
    shipment.refresh_from_db()
    assert shipment.block_message == english  # stored in English: searchable

    client.force_login(manager)
    for language, shown in (("en", english), ("zh-hans", chinese)):
        with translation.override(language):
            assert shipment.block_message_display == shown
            assert ShipmentAdmin(Shipment, site).block_message_shown(shipment) == shown
        lookup = client.get("/api/v1/packing/lookup/", {"code": shipment.order.number}, HTTP_ACCEPT_LANGUAGE=language)
        assert lookup.json()["shipment"]["block_message"] == shown
        page = client.get(f"/orders/{shipment.order.number}/", HTTP_ACCEPT_LANGUAGE=language).content.decode()
        assert escape(shown) in page


def test_an_old_block_message_in_english_is_recognised_and_one_in_chinese_shows_as_written(packed, manager):
    """Rows written before the block message was stored as a message carry only its text, in the language of
    whoever asked for the label: the breaker's English texts are read in the reader's language."""
    shipment = packed(province="江苏省", city="广州市")
    with translation.override("en"), pytest.raises(LabelBlocked):
        shipment_label_print(shipment=shipment, actor=manager)
    Shipment.objects.filter(pk=shipment.pk).update(block_message_message=None)  # a row written before
    shipment.refresh_from_db()
    assert shipment.block_message == "Address cannot be parsed: city '广州市' is not in 江苏省."
    old = {
        shipment.block_message: "地址无法解析：城市“广州市”不在江苏省。",
        # a label a platform's service must print: the platform and the service translated inside it
        (
            "Taobao encrypts this order's receiver: only Cainiao e-waybill (Taobao/Tmall) may print it. Add a "
            "Cainiao e-waybill (Taobao/Tmall) account for 中通快递 on shop A under E-waybill accounts, or choose a "
            "carrier that has one."
        ): (
            "淘宝 对该订单的收件人加密：只能用菜鸟电子面单（淘宝/天猫）打印。请在“电子面单账户”中为店铺 A 添加 "
            "中通快递 的菜鸟电子面单（淘宝/天猫）账户，或改选已开通的快递。"
        ),
        "中通快递 (ZTO) 未启用。": "中通快递 (ZTO) 未启用。",  # written in Chinese: as written
    }
    for text, chinese in old.items():
        shipment.block_message = text
        with translation.override("zh-hans"):
            assert shipment.block_message_display == chinese


@pytest.mark.parametrize("writer", ["zh-hans", "en"])
def test_a_refused_label_attempt_reads_in_each_readers_language(packed, sandbox, manager, writer):
    """The e-waybill attempt the breaker refused keeps why as a message: the admin shows it in the reader's
    language, whatever language the label was asked in."""
    shipment = packed(weight=62_000)
    name = shipment.carrier.name
    with translation.override(writer), pytest.raises(LabelBlocked):
        shipment_label_print(shipment=shipment, actor=manager)
    attempt = WaybillAttempt.objects.get(shipment=shipment)
    english = f"62.0 kg is over {name}'s limit of 50.0 kg: choose a freight carrier or split the parcel."
    assert attempt.message == english  # stored in English: searchable
    for language, shown in (
        ("en", english),
        ("zh-hans", f"62.0 千克超过 {name} 的上限 50.0 千克：请选择物流公司或拆分包裹。"),
    ):
        with translation.override(language):
            assert attempt.message_display == shown
            assert WaybillAttemptAdmin(WaybillAttempt, site).message_shown(attempt) == shown


def test_an_old_label_attempt_in_english_is_recognised(packed, manager):
    """Attempts written before their message was stored: Order Hub's English texts read in the reader's language
    (a number issued for a parcel that changed meanwhile, the breaker's reasons); others show as written."""
    shipment = packed()
    attempt = WaybillAttempt.objects.create(
        shipment=shipment, carrier=shipment.carrier, ok=False, message="parcel changed while the label was requested"
    )
    with translation.override("zh-hans"):
        assert attempt.message_display == "申请面单期间包裹已变更"
        attempt.message = (
            "Address cannot be parsed: the street address is masked and there is no encrypted receiver data to decrypt."
        )
        assert attempt.message_display == "地址无法解析：详细地址已打码，且没有可供解密的加密收件人数据。"
        attempt.message = "向 中通快递 请求电子面单失败：超时"
        assert attempt.message_display == "向 中通快递 请求电子面单失败：超时"


def test_breaker_blocks_when_the_waybill_request_fails_and_shows_why(packed, sandbox, manager):
    shipment = packed(address="中山路1号 #FAIL")
    with pytest.raises(LabelBlocked) as exc:
        shipment_label_print(shipment=shipment, actor=manager)
    assert exc.value.extra["reason"] == BlockReason.WAYBILL_FAILED
    assert "unavailable" in exc.value.message
    shipment.refresh_from_db()
    assert shipment.status == Shipment.Status.BLOCKED and "unavailable" in shipment.block_message
    with pytest.raises(ShipmentStateError):
        shipment_ship(shipment=shipment, actor=manager)  # a blocked parcel cannot ship


def test_breaker_blocks_a_carrier_the_orders_platform_has_no_code_for(floor, packed, sandbox, manager):
    shipment = packed(shop=floor["shop_b"])  # JD shop
    CarrierPlatformCode.objects.filter(carrier__code="ZTO", platform="jd").delete()
    with pytest.raises(LabelBlocked) as exc:
        shipment_label_print(shipment=shipment, actor=manager)
    assert exc.value.extra["reason"] == BlockReason.NO_PLATFORM_CODE
    carrier_platform_code_set(carrier_code="ZTO", platform="jd", code="1499")
    assert shipment_label_print(shipment=shipment, actor=manager).status == Shipment.Status.LABELLED


def test_a_mini_program_order_ships_with_a_carrier_wechat_has_no_code_for(floor, packed, sandbox, manager):
    """Order Hub uploads no shipping info to WeChat (a mini-program's backend does): a WeChat mini-program order
    with a carrier the carrier library has no WeChat code for is labelled and shipped, not blocked."""
    mini = ShopFactory(code="mini", platform="wechat", default_warehouse=floor["wh_a"])
    CarrierPlatformCode.objects.filter(carrier__code="ZTO", platform="wechat").delete()
    shipment = shipment_label_print(shipment=packed(shop=mini), actor=manager)
    assert (shipment.status, shipment.block_reason) == (Shipment.Status.LABELLED, "")
    assert shipment_ship(shipment=shipment, actor=manager).status == Shipment.Status.SHIPPED


def test_a_network_failure_blocks_the_label(packed, manager, monkeypatch):
    from fulfilment.carriers.adapters import http

    monkeypatch.setattr(http, "sandbox_base_url", lambda: "http://127.0.0.1:9/nothing/")
    with pytest.raises(LabelBlocked) as exc:
        shipment_label_print(shipment=packed(), actor=manager)
    assert exc.value.extra["reason"] == BlockReason.WAYBILL_FAILED
    assert "not reachable" in exc.value.message


def test_shipping_moves_the_order_deducts_stock_and_signals_the_platform_code(floor, packed, sandbox, manager):
    shipment = shipment_label_print(shipment=packed(carrier="YTO"), actor=manager)
    received = []

    def receiver(sender, **kwargs):
        received.append(kwargs)

    shipment_confirmed.connect(receiver)
    try:
        shipment = shipment_ship(shipment=shipment, actor=manager)
    finally:
        shipment_confirmed.disconnect(receiver)
    order = shipment.order
    order.refresh_from_db()
    assert order.status == Status.SHIPPED
    assert shipment.status == Shipment.Status.SHIPPED and shipment.shipped_at
    assert len(received) == 1
    assert {
        k: received[0][k]
        for k in ("shipment_id", "order_id", "carrier_code", "platform", "platform_carrier_code", "tracking_number")
    } == {
        "shipment_id": shipment.pk,
        "order_id": order.pk,
        "carrier_code": "YTO",
        "platform": "tmall",
        "platform_carrier_code": "YTO",
        "tracking_number": shipment.tracking_number,
    }
    # the ledger: the reservation became a deduction
    StockMovement = apps.get_model("inventory", "StockMovement")
    Stock = apps.get_model("inventory", "Stock")
    ship = StockMovement.objects.get(kind="ship", reference=order.number)
    assert (ship.on_hand_delta, ship.reserved_delta, ship.warehouse_id) == (-1, -1, floor["wh_a"].pk)
    stock = Stock.objects.get(sku=floor["skus"][0], warehouse=floor["wh_a"], pool="spot")
    assert (stock.on_hand, stock.reserved) == (49, 0)
    # shipping again changes nothing
    shipment_ship(shipment=shipment, actor=manager)
    assert StockMovement.objects.filter(kind="ship", reference=order.number).count() == 1


def test_the_platform_gets_its_own_carrier_code_in_the_signal(floor, packed, sandbox, manager):
    shipment = shipment_label_print(shipment=packed(carrier="YD"), actor=manager)
    received = []
    shipment_confirmed.connect(lambda sender, **kw: received.append(kw), weak=False, dispatch_uid="t-code")
    try:
        shipment_ship(shipment=shipment, actor=manager)
    finally:
        shipment_confirmed.disconnect(dispatch_uid="t-code")
    assert (received[0]["carrier_code"], received[0]["platform_carrier_code"]) == ("YD", "YUNDA")


def test_a_receiver_that_fails_rolls_the_shipment_back(floor, packed, sandbox, manager):
    shipment = shipment_label_print(shipment=packed(), actor=manager)

    def broken_outbox(sender, **kwargs):
        raise RuntimeError("outbox down")

    shipment_confirmed.connect(broken_outbox, dispatch_uid="t-broken")
    try:
        with pytest.raises(RuntimeError):
            shipment_ship(shipment=shipment, actor=manager)
    finally:
        shipment_confirmed.disconnect(dispatch_uid="t-broken")
    shipment.refresh_from_db()
    shipment.order.refresh_from_db()
    assert shipment.status == Shipment.Status.LABELLED
    assert shipment.order.status == Status.PICKING
    assert not apps.get_model("inventory", "StockMovement").objects.filter(kind="ship").exists()


def test_a_carrier_code_removed_after_printing_stops_the_confirmation(floor, packed, sandbox, manager):
    from fulfilment.models import CarrierPlatformCode

    shipment = shipment_label_print(shipment=packed(), actor=manager)
    CarrierPlatformCode.objects.filter(carrier__code="ZTO", platform="tmall").delete()
    with pytest.raises(CarrierNotMapped):
        shipment_ship(shipment=shipment, actor=manager)


def test_shipping_before_the_label_is_refused(packed, manager):
    with pytest.raises(ShipmentStateError):
        shipment_ship(shipment=packed(), actor=manager)


@pytest.mark.parametrize("platform", ["jd", "pdd"])
@pytest.mark.parametrize("carrier", ["SF", "ZTO", "YTO", "STO", "YD", "EMS", "JT", "DBL"])
def test_jd_and_pinduoduo_orders_print_with_the_common_carriers(floor, packed, sandbox, manager, platform, carrier):
    from tests.factories import ShopFactory

    shop = ShopFactory(code=f"shop-{platform}", platform=platform, default_warehouse=floor["wh_a"])
    shipment = shipment_label_print(shipment=packed(shop=shop, carrier=carrier), actor=manager)
    assert shipment.status == Shipment.Status.LABELLED


def test_the_shipping_reason_on_the_timeline_reads_in_each_readers_language(packed, sandbox, manager):
    with translation.override("zh-hans"):
        shipment = shipment_ship(shipment=shipment_label_print(shipment=packed(), actor=manager), actor=manager)
    event = shipment.order.events.get(to_status=Status.SHIPPED)
    number = shipment.tracking_number
    assert event.reason == f"shipped with ZTO, tracking number {number}"  # stored in English

    with translation.override("zh-hans"):
        assert event.reason_display == f"已交 ZTO 发运，运单号 {number}"
    with translation.override("en"):
        assert event.reason_display == f"shipped with ZTO, tracking number {number}"


def test_a_shipping_reason_written_before_reasons_were_messages_reads_in_the_readers_language(packed, sandbox, manager):
    """Before the shipping reason was a message the timeline said only the carrier's code and the number."""
    shipment = shipment_ship(shipment=shipment_label_print(shipment=packed(), actor=manager), actor=manager)
    number = shipment.tracking_number
    shipment.order.events.filter(to_status=Status.SHIPPED).update(reason=f"ZTO {number}", data={})
    event = shipment.order.events.get(to_status=Status.SHIPPED)

    with translation.override("zh-hans"):
        assert event.reason_display == f"已交 ZTO 发运，运单号 {number}"
    with translation.override("en"):
        assert event.reason_display == f"shipped with ZTO, tracking number {number}"

    event.to_status = Status.APPROVED  # the same words anywhere but on the move to shipped: as written
    with translation.override("zh-hans"):
        assert event.reason_display == f"ZTO {number}"
