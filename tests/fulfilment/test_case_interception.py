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
