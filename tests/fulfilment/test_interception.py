"""Intercepting a parcel on its way: the request is stored, sent to the service that issued the number, and
its answer recorded (accepted, refused, not offered, unreachable); one open request per parcel."""

import datetime as dt

import pytest
from django.contrib.admin.sites import site
from django.utils import timezone, translation
from django.utils.translation import gettext_noop

from config.messages import message
from fulfilment.admin import ShipmentInterceptionAdmin
from fulfilment.carriers.adapters import CarrierCallFailed, InterceptNotSupported, InterceptResult
from fulfilment.exceptions import ShipmentStateError
from fulfilment.models import SandboxWaybill, Shipment, ShipmentInterception, WaybillAccount, WaybillProvider
from fulfilment.services import shipment_intercept, shipment_ship

pytestmark = pytest.mark.django_db


def _age(shipment, hours):
    SandboxWaybill.objects.filter(tracking_number=shipment.tracking_number).update(
        created_at=timezone.now() - dt.timedelta(hours=hours)
    )


def test_a_parcel_on_its_way_is_intercepted_and_the_carriers_answer_kept(labelled, sandbox, manager):
    shipment = shipment_ship(shipment=labelled(), actor=manager)
    _age(shipment, 7)  # picked up and in transit in the sandbox timeline
    interception = shipment_intercept(shipment=shipment, reason="buyer refunded before delivery", actor=manager)
    assert interception.status == ShipmentInterception.Status.ACCEPTED
    assert interception.reference.startswith("INT-") and interception.requested_by == manager
    assert (interception.tracking_number, interception.carrier.code) == (shipment.tracking_number, "ZTO")
    method, path, body = sandbox[-1]
    assert path.endswith(f"/ZTO/waybills/{shipment.tracking_number}/intercept/")
    assert body["reason"] == "buyer refunded before delivery" and body["return_to"]["city"] == "杭州市"
    assert interception.history.count() == 2  # requested, then answered


def test_asking_again_while_the_carrier_is_on_it_sends_nothing(labelled, sandbox, manager):
    shipment = shipment_ship(shipment=labelled(), actor=manager)
    _age(shipment, 7)
    first = shipment_intercept(shipment=shipment, reason="refund", actor=manager)
    calls = len(sandbox)
    again = shipment_intercept(shipment=shipment, reason="refund", system="aftersales")
    assert again.pk == first.pk and len(sandbox) == calls
    assert ShipmentInterception.objects.count() == 1


def test_a_delivered_parcel_is_refused_by_the_carrier_with_its_code(labelled, manager):
    shipment = shipment_ship(shipment=labelled(), actor=manager)
    _age(shipment, 40)  # the sandbox has it signed for; our poll has not seen it yet
    interception = shipment_intercept(shipment=shipment, reason="refund", actor=manager)
    assert interception.status == ShipmentInterception.Status.REFUSED
    assert interception.error_code == "already_delivered" and "signed for" in interception.message
    # refused is not open: staff may ask again (e.g. after calling the branch)
    assert shipment_intercept(shipment=shipment, reason="refund", actor=manager).pk != interception.pk


def test_a_parcel_still_in_the_warehouse_is_not_intercepted_but_voided(labelled, manager):
    from django.utils import translation

    shipment = labelled()  # (the sandbox's answer went through a request, which activated the site's language)
    with translation.override("en"), pytest.raises(ShipmentStateError) as exc:
        shipment_intercept(shipment=shipment, reason="refund", actor=manager)
    assert "void its label" in exc.value.message and exc.value.extra["status"] == "labelled"
    assert ShipmentInterception.objects.count() == 0


def test_a_reason_is_required(labelled, manager):
    shipment = shipment_ship(shipment=labelled(), actor=manager)
    with pytest.raises(ShipmentStateError) as exc:
        shipment_intercept(shipment=shipment, reason="  ", actor=manager)
    assert exc.value.extra == {"field": "reason"}


@pytest.mark.parametrize(
    ("raised", "status", "code"),
    [
        (InterceptNotSupported("no interception in this service"), "unsupported", "intercept_not_supported"),
        (CarrierCallFailed("timed out", code="network"), "failed", "network"),
        (CarrierCallFailed("已签收", code="20025"), "refused", "20025"),
    ],
)
def test_the_services_answer_decides_the_outcome(labelled, manager, monkeypatch, raised, status, code):
    from fulfilment.carriers.adapters import registry

    class Service:
        def intercept(self, *, tracking_number, request, reason):
            raise raised

    shipment = shipment_ship(shipment=labelled(), actor=manager)
    account = WaybillAccount.objects.create(provider=WaybillProvider.SF, carrier=shipment.carrier)
    Shipment.objects.filter(pk=shipment.pk).update(waybill_account=account)
    monkeypatch.setitem(registry._FACTORIES, WaybillProvider.SF, lambda ref, carrier: Service())
    interception = shipment_intercept(shipment=shipment, reason="refund", actor=manager)
    assert (interception.status, interception.error_code, interception.provider) == (status, code, "sf")
    assert interception.answered_at is not None


def test_an_accepted_answer_keeps_the_services_reference(labelled, manager, monkeypatch):
    from fulfilment.carriers.adapters import registry

    class Service:
        def intercept(self, *, tracking_number, request, reason):
            return InterceptResult(reference="CUS-1", message="受理成功")

    shipment = shipment_ship(shipment=labelled(), actor=manager)
    account = WaybillAccount.objects.create(provider=WaybillProvider.SF, carrier=shipment.carrier)
    Shipment.objects.filter(pk=shipment.pk).update(waybill_account=account)
    monkeypatch.setitem(registry._FACTORIES, WaybillProvider.SF, lambda ref, carrier: Service())
    interception = shipment_intercept(shipment=shipment, reason="refund", system="aftersales")
    assert (interception.reference, interception.message, interception.requested_system) == (
        "CUS-1",
        "受理成功",
        "aftersales",
    )


def test_an_interception_the_system_asked_for_reads_in_each_readers_language(labelled, sandbox):
    shipment = shipment_ship(shipment=labelled(), system="tests")
    _age(shipment, 7)
    with translation.override("zh-hans"):
        interception = shipment_intercept(
            shipment=shipment, reason=message(gettext_noop("after-sales %(number)s"), number="AS1"), system="aftersales"
        )
    assert interception.reason == "after-sales AS1"  # stored in English, as the carrier is sent it
    assert sandbox[-1][2]["reason"] == "after-sales AS1"

    with translation.override("zh-hans"):
        assert interception.reason_display == "售后单 AS1"
        assert ShipmentInterceptionAdmin(ShipmentInterception, site).reason_shown(interception) == "售后单 AS1"
    with translation.override("en"):
        assert interception.reason_display == "after-sales AS1"


def test_an_interception_asked_for_before_reasons_were_messages_still_reads_in_the_readers_language(
    labelled, sandbox, manager
):
    shipment = shipment_ship(shipment=labelled(), actor=manager)
    _age(shipment, 7)
    typed = shipment_intercept(shipment=shipment, reason="after-sales AS2", actor=manager)
    ShipmentInterception.objects.filter(pk=typed.pk).update(requested_by=None, requested_system="aftersales")
    typed.refresh_from_db()

    with translation.override("zh-hans"):
        assert typed.reason_display == "售后单 AS2"  # the system wrote it out in English
    ShipmentInterception.objects.filter(pk=typed.pk).update(requested_by=manager)
    typed.refresh_from_db()
    with translation.override("zh-hans"):
        assert typed.reason_display == "after-sales AS2"  # a person typed it: as typed


@pytest.mark.parametrize("writer", ["zh-hans", "en"])
def test_a_service_that_offers_no_interception_says_so_in_each_readers_language(labelled, manager, writer):
    """Kuaidi100's e-waybill API documents no interception: Order Hub's answer is kept as a message, read in the
    reader's language in the admin and on the case's timeline, whatever language the request was made in."""
    shipment = shipment_ship(shipment=labelled(), actor=manager)
    account = WaybillAccount.objects.create(provider=WaybillProvider.KUAIDI100, carrier=shipment.carrier)
    Shipment.objects.filter(pk=shipment.pk).update(waybill_account=account)
    number = shipment.tracking_number
    with translation.override(writer):
        interception = shipment_intercept(shipment=shipment, reason="refund", actor=manager)
    english = (
        "Kuaidi100's e-waybill API (label/order: order, cancel) documents no interception; a parcel on its way is "
        f"intercepted by the carrier: ask its branch ({number})."
    )
    assert (interception.status, interception.message) == ("unsupported", english)  # stored in English
    admin = ShipmentInterceptionAdmin(ShipmentInterception, site)
    for language, shown in (
        ("en", english),
        (
            "zh-hans",
            "快递100 的电子面单接口（label/order：order、cancel）不提供拦截；"
            f"在途包裹的拦截由承运商办理：请联系其网点（{number}）。",
        ),
    ):
        with translation.override(language):
            assert (interception.message_display, admin.message_shown(interception)) == (shown, shown)


def test_the_carriers_own_answer_shows_as_it_gave_it(labelled, manager, monkeypatch):
    from fulfilment.carriers.adapters import registry

    class Service:
        def intercept(self, *, tracking_number, request, reason):
            raise CarrierCallFailed("已签收", code="20025")

    shipment = shipment_ship(shipment=labelled(), actor=manager)
    account = WaybillAccount.objects.create(provider=WaybillProvider.SF, carrier=shipment.carrier)
    Shipment.objects.filter(pk=shipment.pk).update(waybill_account=account)
    monkeypatch.setitem(registry._FACTORIES, WaybillProvider.SF, lambda ref, carrier: Service())
    interception = shipment_intercept(shipment=shipment, reason="refund", actor=manager)
    with translation.override("en"):
        assert (interception.message, interception.message_message, interception.message_display) == (
            "已签收",
            None,
            "已签收",
        )


@pytest.mark.parametrize(
    ("written", "chinese"),
    [
        (
            "JD intercepts JD Logistics parcels only; ask ZTO's branch to intercept 7700123",
            "京东只拦截京东物流的包裹；请联系 ZTO 的网点拦截 7700123",
        ),
        ("no enabled kuaidi100 connection is configured", "未配置已启用的 kuaidi100 连接"),
        (
            "the shop of this e-waybill account has no enabled platform connection",
            "该电子面单账号所属店铺没有已启用的平台连接",
        ),
        ("already signed for", "already signed for"),  # the carrier's own answer: as it gave it
    ],
)
def test_an_answer_written_before_answers_were_messages(labelled, manager, written, chinese):
    shipment = shipment_ship(shipment=labelled(), actor=manager)
    interception = ShipmentInterception.objects.create(
        shipment=shipment, carrier=shipment.carrier, tracking_number=shipment.tracking_number, reason="refund"
    )
    ShipmentInterception.objects.filter(pk=interception.pk).update(message=written, status="unsupported")
    interception.refresh_from_db()
    with translation.override("zh-hans"):
        assert interception.message_display == chinese
    with translation.override("en"):
        assert interception.message_display == written
