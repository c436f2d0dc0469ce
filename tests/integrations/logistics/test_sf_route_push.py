"""SF Express's own route push (路由推送), verified with the SF connection's checkword, stored before it is
processed; duplicates and routes arriving out of order change nothing.

Fixture format: msgData ``{"Body": {"WaybillRoute": [{"id", "mailno", "orderid", "acceptTime", "acceptAddress",
"remark", "opCode", "reasonCode", "reasonName"}]}}``, answer ``{"return_code": "0000", "return_msg": "成功"}``
(https://open.sf-express.com/Api/ApiDetails?level3=397&interName=%E8%B7%AF%E7%94%B1%E6%8E%A8%E9%80%81%E6%8E%A5%E5%8F%A3-RoutePushService;
route fields as SF integrations in public code show them); envelope partnerID/requestID/serviceCode/timestamp/
msgDigest/msgData with msgDigest = base64(MD5(urlencode(msgData + timestamp + checkword))), the open platform's
digest (https://open.sf-express.com/developSupport/976720?authId=1) — its use on pushes is unverified.
"""

import json
import urllib.parse

import pytest

from fulfilment.models import Shipment, TrackingEvent
from integrations.logistics.models import LogisticsConnection, TrackingCallback
from integrations.signing import sf_msg_digest
from tests.integrations.logistics.test_tracking import _shipped

pytestmark = pytest.mark.django_db

NUMBER = "SF1011711543214"
CHECKWORD = "sf-checkword"


@pytest.fixture
def sf_connection(db):
    from fulfilment.services import carriers_sync

    carriers_sync()
    return LogisticsConnection.objects.create(service="sf", key="OH_SF", secret=CHECKWORD)


def route(id_, when, op, remark, city="南京市", number=NUMBER):
    return {
        "id": id_,
        "mailno": number,
        "orderid": "OH20261111000042-1",
        "acceptTime": when,
        "acceptAddress": city,
        "remark": remark,
        "opCode": op,
        "reasonCode": "",
        "reasonName": "",
    }


def post(client, *routes, checkword=CHECKWORD, partner="OH_SF", digest=None):
    msg = json.dumps({"Body": {"WaybillRoute": list(routes)}}, ensure_ascii=False)
    timestamp = "1762855200000"
    form = {
        "partnerID": partner,
        "requestID": "7a1c9e0e-5f0b-4c1e-9f55-1b1c1d1e1f10",
        "serviceCode": "RoutePushService",
        "timestamp": timestamp,
        "msgData": msg,
        "msgDigest": digest or sf_msg_digest(msg, timestamp, checkword),
    }
    return client.post(
        "/webhooks/logistics/sf/",
        data=urllib.parse.urlencode(form),
        content_type="application/x-www-form-urlencoded",
    )


PICKED = route("158918741444476", "2026-11-11 18:00:00", "50", "顺丰速运 已收取快件", city="杭州市")
MOVING = route("158918741444477", "2026-11-12 02:10:00", "30", "快件在【杭州转运中心】已装车,准备发往下一站")
SIGNED = route("158918741444479", "2026-11-12 15:30:00", "80", "已签收,感谢使用顺丰,期待再次为您服务")


def test_a_verified_push_is_stored_answered_and_moves_the_parcel(
    client, taobao, skus, sf_connection, django_capture_on_commit_callbacks
):
    shipment = _shipped(taobao, skus, carrier="SF", number=NUMBER)
    with django_capture_on_commit_callbacks(execute=True):
        response = post(client, PICKED, MOVING)
    assert response.status_code == 200
    assert response.json() == {"return_code": "0000", "return_msg": "成功"}
    callback = TrackingCallback.objects.get()
    assert (callback.service, callback.status) == ("sf", "processed")
    assert callback.body["Body"]["WaybillRoute"][0]["mailno"] == NUMBER  # stored as it came
    events = list(TrackingEvent.objects.filter(shipment=shipment).order_by("occurred_at"))
    assert [(e.kind, e.external_id) for e in events] == [
        ("picked_up", "sf-158918741444476"),
        ("in_transit", "sf-158918741444477"),
    ]
    assert events[0].city == "杭州市"
    shipment.refresh_from_db()
    assert shipment.status == Shipment.Status.IN_TRANSIT


def test_a_wrong_digest_or_partner_is_refused_and_nothing_stored(client, sf_connection):
    assert post(client, PICKED, checkword="not-ours").status_code == 401
    assert post(client, PICKED, partner="SOMEONE_ELSE").status_code == 401
    response = post(client, PICKED, digest="AAAA")
    assert response.status_code == 401 and response.json()["return_code"] == "1000"
    assert TrackingCallback.objects.count() == 0


def test_a_repeated_push_adds_nothing(client, taobao, skus, sf_connection, django_capture_on_commit_callbacks):
    shipment = _shipped(taobao, skus, carrier="SF", number=NUMBER)
    with django_capture_on_commit_callbacks(execute=True):
        post(client, PICKED, MOVING)
    with django_capture_on_commit_callbacks(execute=True):
        post(client, PICKED, MOVING)  # SF pushes again when it did not see our answer
    assert TrackingCallback.objects.count() == 2  # both stored as they came
    assert TrackingEvent.objects.filter(shipment=shipment).count() == 2


def test_an_older_route_arriving_after_the_signature_changes_nothing(
    client, taobao, skus, sf_connection, django_capture_on_commit_callbacks
):
    shipment = _shipped(taobao, skus, carrier="SF", number=NUMBER)
    with django_capture_on_commit_callbacks(execute=True):
        post(client, SIGNED)
    shipment.refresh_from_db()
    assert shipment.status == Shipment.Status.DELIVERED
    with django_capture_on_commit_callbacks(execute=True):
        post(client, MOVING)  # late: an older scan
    shipment.refresh_from_db()
    assert shipment.status == Shipment.Status.DELIVERED
    assert set(TrackingEvent.objects.filter(shipment=shipment).values_list("kind", flat=True)) == {
        "delivered",
        "in_transit",
    }


def test_a_route_without_a_time_is_parked_naming_the_field(
    client, taobao, skus, sf_connection, django_capture_on_commit_callbacks
):
    _shipped(taobao, skus, carrier="SF", number=NUMBER)
    with django_capture_on_commit_callbacks(execute=True):
        post(client, PICKED, {**MOVING, "acceptTime": "yesterday"})
    callback = TrackingCallback.objects.get()
    assert callback.status == "parked"  # no retry can fix it: staff see it at once
    assert "Body.WaybillRoute[1].acceptTime：'yesterday' 不是时间" in callback.error


def test_a_push_for_a_parcel_we_do_not_know_yet_is_retried(client, sf_connection, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        post(client, route("1", "2026-11-11 18:00:00", "50", "已收件", number="SF0000000000"))
    callback = TrackingCallback.objects.get()
    assert callback.status == "failed" and "SF0000000000" in callback.error


@pytest.mark.parametrize(
    ("op", "kind"),
    [
        ("50", "picked_up"),
        ("54", "picked_up"),
        ("30", "in_transit"),
        ("44", "out_for_delivery"),
        ("80", "delivered"),
        ("70", "exception"),
        ("99", "exception"),
    ],
)
def test_sf_operation_codes_map_to_our_events(op, kind):
    from integrations.logistics.sf.tracking import op_kind

    assert op_kind(op) == kind
