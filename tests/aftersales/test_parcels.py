"""Unknown parcels: registered with a photo at a warehouse the user works in, listed there only, linked to a
visible case once (the case's timeline and return waybill say so)."""

from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from aftersales.models import CaseEvent, UnknownParcel
from aftersales.services import refund_record
from orders.states import Status
from tests.factories import make_order

pytestmark = pytest.mark.django_db


def _client(user):
    client = Client()
    client.force_login(user)
    return client


def _photo():
    return SimpleUploadedFile("p.png", b"\x89PNG\r\n\x1a\n", content_type="image/png")


def test_a_parcel_is_registered_listed_and_linked_once(world, manager, warehouse_b):
    order = make_order(shop=world["shop_b"], skus=[(world["skus"][0], 1, Decimal("20.00"))], status=Status.PAID)
    case, _ = refund_record(order=order, amount=Decimal("20.00"), external_id="RF-9", system="tests")
    desk = _client(warehouse_b)

    answer = desk.post("/aftersales/m/parcels/new/", {"scanned": "YT100", "photo": _photo(), "note": "鞋"})
    assert answer.status_code == 302
    parcel = UnknownParcel.objects.get()
    assert (parcel.warehouse, parcel.registered_by) == (world["wh_b"], warehouse_b)
    assert b"YT100" in desk.get("/aftersales/parcels/").content

    desk.post(f"/aftersales/parcels/{parcel.pk}/link/", {"case": case.number})
    again = desk.post(f"/aftersales/parcels/{parcel.pk}/link/", {"case": case.number})

    parcel.refresh_from_db()
    case.refresh_from_db()
    assert (parcel.case, parcel.linked_by, case.return_waybill) == (case, warehouse_b, "YT100")
    assert case.events.filter(kind=CaseEvent.Kind.NOTE).count() == 1
    assert again.status_code == 404  # linked parcels leave the list of parcels to link


def test_a_parcel_without_a_photo_is_refused(world, warehouse_b):
    answer = _client(warehouse_b).post("/aftersales/m/parcels/new/", {"scanned": "YT101"}, follow=True)

    assert not UnknownParcel.objects.exists()
    assert "照片" in answer.content.decode() or "photo" in answer.content.decode()


def test_other_warehouses_parcels_are_not_shown_or_linked(world, manager, cs_a):
    parcel = UnknownParcel.objects.create(scanned="YT200", warehouse=world["wh_b"], photo="x.png")

    assert b"YT200" not in _client(cs_a).get("/aftersales/parcels/").content
    assert _client(cs_a).post(f"/aftersales/parcels/{parcel.pk}/link/", {"case": "AS1"}).status_code == 404
    assert b"YT200" in _client(manager).get("/aftersales/parcels/").content
