"""An after-sales case on an order already with the carrier asks the carrier to intercept the parcel (through
integrations, after commit) and keeps the carrier's answer on the case's timeline; a case on an order still in
the warehouse stops it instead — held, out of picking, so no label is printed."""

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from aftersales.models import CaseEvent
from aftersales.services import LineRequest, case_create
from fulfilment.models import SandboxWaybill, ShipmentInterception
from orders.states import HoldReason, Status

pytestmark = pytest.mark.django_db


def test_a_return_on_a_parcel_on_its_way_asks_the_carrier_to_intercept_it(
    approved_order, shipped, manager, sync_tasks, django_capture_on_commit_callbacks
):
    order = approved_order()
    shipment = shipped(order)
    SandboxWaybill.objects.filter(tracking_number=shipment.tracking_number).update(
        created_at=timezone.now() - dt.timedelta(hours=7)
    )

    with django_capture_on_commit_callbacks(execute=True):
        case = case_create(
            order=order, kind="refund_only", lines=[LineRequest(sku_code="SKU-1", quantity=1)], actor=manager
        )

    interception = ShipmentInterception.objects.get(shipment=shipment)
    assert interception.status == ShipmentInterception.Status.ACCEPTED
    answers = case.events.filter(kind=CaseEvent.Kind.INTERCEPTION).order_by("pk")
    assert [e.data.get("outcome") for e in answers] == [None, "accepted"]
    order.refresh_from_db()
    assert order.status == Status.SHIPPED


def test_a_refund_on_an_order_being_picked_holds_it_so_it_cannot_be_packed(approved_order, picked, manager):
    order = approved_order()
    picked(order)

    case_create(order=order, kind="refund_only", lines=[LineRequest(sku_code="SKU-1", quantity=1)], actor=manager)

    order.refresh_from_db()
    assert (order.status, order.hold_reason) == (Status.ON_HOLD, HoldReason.REFUND)
    assert order.paid_amount == Decimal("10.00")


@pytest.mark.parametrize("writer", ["zh-hans", "en"])
def test_the_services_answer_on_the_case_timeline_reads_in_each_readers_language(
    approved_order, shipped, manager, writer
):
    from django.utils import translation

    from fulfilment.models import Shipment, WaybillAccount, WaybillProvider
    from integrations.case_interceptions import case_interception_run

    order = approved_order()
    shipment = shipped(order)
    account = WaybillAccount.objects.create(provider=WaybillProvider.KUAIDI100, carrier=shipment.carrier)
    Shipment.objects.filter(pk=shipment.pk).update(waybill_account=account)
    case = case_create(
        order=order, kind="refund_only", lines=[LineRequest(sku_code="SKU-1", quantity=1)], actor=manager
    )
    with translation.override(writer):
        assert case_interception_run(case_id=case.pk) == ["unsupported"]
    event = case.events.filter(kind=CaseEvent.Kind.INTERCEPTION, data__outcome="unsupported").get()
    number = shipment.tracking_number
    with translation.override("en"):
        assert event.note_display == (
            f"unsupported: {number} Kuaidi100's e-waybill API (label/order: order, cancel) documents no interception; "
            f"a parcel on its way is intercepted by the carrier: ask its branch ({number})."
        )
    with translation.override("zh-hans"):
        assert event.note_display == (
            f"unsupported：{number} 快递100 的电子面单接口（label/order：order、cancel）不提供拦截；"
            f"在途包裹的拦截由承运商办理：请联系其网点（{number}）。"
        )
