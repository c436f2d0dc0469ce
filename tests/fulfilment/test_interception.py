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
