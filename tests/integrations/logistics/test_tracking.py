"""Tracking through the aggregators: subscriptions on shipping, signed callbacks stored first and processed
idempotently (duplicates and out-of-order callbacks change nothing), and a delivered parcel checked on the
platform, which clears the "platform not updated" exception.

Callback fixtures follow Kuaidi100's push format (https://api.kuaidi100.com/document/5f0ffa8f2977d50a94e1023c:
form param + sign = MD5(param + salt) upper; lastResult.state/com/nu/data[] with time/ftime/context/status/
statusCode/areaName) and KDNiao's (https://www.kdniao.com/api-subscribe: RequestData/DataSign/RequestType
101; Data[].Traces[] AcceptTime/AcceptStation/Action).
"""

import copy
import datetime as dt
import json
import time
import urllib.parse
from decimal import Decimal
from unittest import mock

import pytest
from django.utils import timezone

from fulfilment.carriers import carrier_get
from fulfilment.models import IncidentKind, Shipment, TrackingEvent, WorkItem
from fulfilment.services import incidents_scan, shipment_ship
from integrations.logistics.kuaidi100.tracking import callback_sign
from integrations.logistics.models import TrackingCallback, TrackingSubscription
from integrations.models import OutboxMessage, WorkStatus
from integrations.signing import kdniao_data_sign
from orders.services import order_transition
from orders.states import Status
from tests.concurrency import run_together
from tests.factories import LogisticsConnectionFactory, make_order
from tests.integrations.helpers import sample

pytestmark = pytest.mark.django_db

NUMBER = "YT2300001111"


def _shipped(
    shop_connection,
    skus,
    carrier="YTO",
    number=NUMBER,
    django_capture_on_commit_callbacks=None,
    external_id="3920193810012",
):
    """A parcel of a one-line order of the shop, shipped; with ``django_capture_on_commit_callbacks``, what
    shipping queues on commit runs too."""
    sku = next(iter(skus.values()))
    order = make_order(
        shop=shop_connection.shop,
        skus=[(sku, 1, Decimal("10.00"))],
        status=Status.PAID,
        external_id=external_id,
        province="江苏省",
        city="南京市",
    )
    order = order_transition(order=order, to_status=Status.APPROVED, system="tests")
    order = order_transition(order=order, to_status=Status.PICKING, system="tests")
    shipment = Shipment.objects.create(
        order=order,
        warehouse=order.warehouse,
        carrier=carrier_get(carrier),
        status=Shipment.Status.LABELLED,
        tracking_number=number,
        weight_grams=800,
    )
    if django_capture_on_commit_callbacks is None:
        return shipment_ship(shipment=shipment)
    with django_capture_on_commit_callbacks(execute=True):
        return shipment_ship(shipment=shipment)


def at(when):
    """The clock stands at ``when`` (a back-off is over, say)."""
    return mock.patch("django.utils.timezone.now", return_value=when)


def kuaidi100_param(*items, state="0", number=NUMBER, com="yuantong"):
    return {
        "status": "polling",
        "billstatus": "change",
        "message": "",
        "lastResult": {
            "message": "ok",
            "nu": number,
            "ischeck": "1" if state == "3" else "0",
            "com": com,
            "status": "200",
            "state": state,
            "data": list(items),
        },
    }


def k100_item(when, context, status, code, area="江苏省,南京市"):
    text = when.astimezone(dt.timezone(dt.timedelta(hours=8))).strftime("%Y-%m-%d %H:%M:%S")
    return {"time": text, "ftime": text, "context": context, "status": status, "statusCode": code, "areaName": area}


def post_kuaidi100(client, param, salt="k100-salt", sign=None):
    raw = json.dumps(param, ensure_ascii=False)
    return client.post(
        "/webhooks/logistics/kuaidi100/",
        data=urllib.parse.urlencode({"param": raw, "sign": sign or callback_sign(raw, salt)}),
        content_type="application/x-www-form-urlencoded",
    )


def test_a_shipped_parcel_is_subscribed_with_kuaidi100(
    taobao, skus, aggregators, sandbox_http, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        shipment = _shipped(taobao, skus)
    subscription = TrackingSubscription.objects.get(shipment=shipment)
    assert (subscription.status, subscription.service) == ("subscribed", "kuaidi100")
    from integrations.sandbox.logistics.kuaidi100 import SUBSCRIPTIONS

    params = SUBSCRIPTIONS.pop(("yuantong", NUMBER))
    assert params["callbackurl"].endswith("/webhooks/logistics/kuaidi100/") and params["salt"] == "k100-salt"


def test_kdniao_takes_the_parcel_kuaidi100_cannot_follow(
    taobao, skus, aggregators, sandbox_http, django_capture_on_commit_callbacks
):
    from fulfilment.models import CarrierPlatformCode

    CarrierPlatformCode.objects.filter(platform="kuaidi100", carrier__code="YTO").delete()
    with django_capture_on_commit_callbacks(execute=True):
        shipment = _shipped(taobao, skus)
    subscription = TrackingSubscription.objects.get(shipment=shipment)
    assert (subscription.status, subscription.service) == ("subscribed", "kdniao")


def test_a_subscription_nobody_takes_is_retried_after_the_back_off_then_parked_and_replayed(
    taobao, skus, aggregators, sandbox_http, django_capture_on_commit_callbacks, settings
):
    from fulfilment.models import CarrierPlatformCode
    from integrations.logistics.tracking import tracking_subscription_replay, tracking_work_retry

    settings.RETRY_MAX_ATTEMPTS = 2
    codes = list(CarrierPlatformCode.objects.filter(platform__in=["kuaidi100", "kdniao"], carrier__code="YTO"))
    CarrierPlatformCode.objects.filter(pk__in=[c.pk for c in codes]).delete()
    with django_capture_on_commit_callbacks(execute=True):
        shipment = _shipped(taobao, skus)
    subscription = TrackingSubscription.objects.get(shipment=shipment)
    assert subscription.status == "failed" and "没有快递100编码" in subscription.error
    assert subscription.next_attempt_at > timezone.now()
    assert tracking_work_retry()["subscriptions"] == 0  # not due yet
    with at(subscription.next_attempt_at), django_capture_on_commit_callbacks(execute=True):  # back-off over
        assert tracking_work_retry()["subscriptions"] == 1
    subscription.refresh_from_db()
    assert (subscription.status, subscription.attempts) == ("parked", 2)
    for code in codes:
        code.pk = None
        code.save()
    assert tracking_subscription_replay(subscription=subscription) == "subscribed"


def test_a_callback_with_a_wrong_sign_is_refused_and_not_stored(client, aggregators):
    response = post_kuaidi100(client, kuaidi100_param(), sign="0" * 32)
    assert response.status_code == 401
    assert TrackingCallback.objects.count() == 0


def test_a_callback_is_stored_then_moves_the_parcel_and_a_duplicate_changes_nothing(
    client, taobao, skus, aggregators, django_capture_on_commit_callbacks
):
    shipment = _shipped(taobao, skus)
    now = timezone.now()
    param = kuaidi100_param(
        k100_item(now - dt.timedelta(hours=1), "【南京市】快件已到达南京转运中心", "在途", "1002"),
        k100_item(now - dt.timedelta(hours=5), "【杭州市】圆通速递 已揽收", "揽收", "103", "浙江省,杭州市"),
        k100_item(now - dt.timedelta(hours=6), "【杭州市】已下单", "已下单", "101", "浙江省,杭州市"),
    )
    with django_capture_on_commit_callbacks(execute=True):
        response = post_kuaidi100(client, param)
    assert response.status_code == 200 and response.json()["returnCode"] == "200"
    callback = TrackingCallback.objects.get()
    assert callback.status == TrackingCallback.Status.PROCESSED
    shipment.refresh_from_db()
    assert shipment.status == Shipment.Status.IN_TRANSIT
    assert list(TrackingEvent.objects.filter(shipment=shipment).values_list("kind", flat=True)) == [
        "picked_up",
        "in_transit",
    ]  # "ordered" is not a scan
    with django_capture_on_commit_callbacks(execute=True):
        post_kuaidi100(client, param)
    assert TrackingEvent.objects.filter(shipment=shipment).count() == 2
    assert TrackingCallback.objects.filter(status="processed").count() == 2


def test_an_older_callback_arriving_after_delivery_changes_nothing(
    client, taobao, skus, aggregators, django_capture_on_commit_callbacks
):
    shipment = _shipped(taobao, skus)
    now = timezone.now()
    picked = k100_item(now - dt.timedelta(hours=30), "已揽收", "揽收", "103", "浙江省,杭州市")
    moving = k100_item(now - dt.timedelta(hours=10), "到达南京转运中心", "在途", "1002")
    signed = k100_item(now - dt.timedelta(hours=1), "已签收，签收人：本人", "签收", "301")
    with django_capture_on_commit_callbacks(execute=True):
        post_kuaidi100(client, kuaidi100_param(signed, moving, picked, state="3"))
    with django_capture_on_commit_callbacks(execute=True):
        post_kuaidi100(client, kuaidi100_param(moving, picked, state="0"))  # late, older
    shipment.refresh_from_db()
    shipment.order.refresh_from_db()
    assert shipment.status == Shipment.Status.DELIVERED and shipment.order.status == Status.DELIVERED
    assert shipment.delivered_province == "江苏省"


def test_a_callback_for_an_unknown_parcel_is_retried_then_parked(
    client, aggregators, django_capture_on_commit_callbacks, settings
):
    from integrations.logistics.tracking import tracking_callback_process, tracking_work_retry

    settings.RETRY_MAX_ATTEMPTS = 3
    with django_capture_on_commit_callbacks(execute=True):
        post_kuaidi100(client, kuaidi100_param(k100_item(timezone.now(), "在途", "在途", "0"), number="YT9"))
    callback = TrackingCallback.objects.get()
    assert callback.status == "failed" and "YT9" in callback.error
    assert callback.next_attempt_at > timezone.now()  # config.retry's back-off
    assert tracking_work_retry()["callbacks"] == 0
    assert tracking_callback_process(callback_id=callback.pk) == "failed"  # too early: not tried again
    with at(callback.next_attempt_at), django_capture_on_commit_callbacks(execute=True):  # back-off over
        assert tracking_work_retry()["callbacks"] == 1
    callback.refresh_from_db()
    assert (callback.status, callback.attempts) == ("failed", 2)
    with at(callback.next_attempt_at):
        assert tracking_callback_process(callback_id=callback.pk) == "parked"


@pytest.fixture
def queued_tasks_wait(monkeypatch):
    """Tasks queued on commit stay queued (django-q2's database queue) instead of running at once: a test's own
    threads are then the only workers."""
    from django_q.conf import Conf

    monkeypatch.setattr(Conf, "SYNC", False)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_workers_racing_for_one_subscription_subscribe_the_parcel_once(
    taobao, skus, queued_tasks_wait, monkeypatch
):
    from fulfilment.services import carriers_sync
    from integrations.logistics.kuaidi100 import tracking as kuaidi100
    from integrations.logistics.tracking import tracking_subscribe

    carriers_sync()
    shipment = _shipped(taobao, skus)  # no aggregator connected yet: nothing subscribed on shipping
    LogisticsConnectionFactory(service="kuaidi100", key="k100-key", secret="s", callback_salt="k100-salt")
    subscription = TrackingSubscription.objects.create(shipment=shipment)
    sent = []

    def subscribe(*, base_url, form):
        time.sleep(0.3)  # Kuaidi100 takes its time: the other worker is at the row meanwhile
        sent.append(form)
        return True, "ok"

    monkeypatch.setattr(kuaidi100, "subscribe", subscribe)

    results, errors = run_together([lambda: tracking_subscribe(subscription_id=subscription.pk)] * 2)

    assert errors == []
    assert len(sent) == 1 and results.count("subscribed") == 1
    subscription.refresh_from_db()
    assert (subscription.status, subscription.attempts, subscription.service) == ("subscribed", 1, "kuaidi100")


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_workers_racing_for_one_callback_process_it_once(taobao, skus, queued_tasks_wait, monkeypatch):
    from fulfilment.services import carriers_sync
    from integrations.logistics import tracking

    carriers_sync()
    shipment = _shipped(taobao, skus)
    moving = k100_item(timezone.now() - dt.timedelta(hours=1), "【南京市】快件已到达南京转运中心", "在途", "1002")
    callback = TrackingCallback.objects.create(service="kuaidi100", body=kuaidi100_param(moving))
    ingest, ingested = tracking.tracking_events_ingest, []

    def slow_ingest(*, shipment, updates, source):
        time.sleep(0.3)  # the other worker is at the row meanwhile
        ingested.append(shipment.pk)
        return ingest(shipment=shipment, updates=updates, source=source)

    monkeypatch.setattr(tracking, "tracking_events_ingest", slow_ingest)

    results, errors = run_together([lambda: tracking.tracking_callback_process(callback_id=callback.pk)] * 2)

    assert errors == []
    assert ingested == [shipment.pk] and results.count("processed") == 1
    callback.refresh_from_db()
    assert (callback.status, callback.attempts, callback.claimed_at) == ("processed", 1, None)
    assert TrackingEvent.objects.filter(shipment=shipment).count() == 1


def test_kdniao_push_is_verified_and_ingested(client, taobao, skus, aggregators, django_capture_on_commit_callbacks):
    shipment = _shipped(taobao, skus)
    data = {
        "EBusinessID": "1237100",
        "PushTime": "2026-11-12 10:00:00",
        "Count": "1",
        "Data": [
            {
                "EBusinessID": "1237100",
                "ShipperCode": "YTO",
                "LogisticCode": NUMBER,
                "Success": True,
                "State": "2",
                "StateEx": "201",
                "Location": "南京市",
                "Traces": [
                    {
                        "AcceptTime": "2026-11-11 18:00:00",
                        "AcceptStation": "【杭州市】已揽收",
                        "Location": "杭州市",
                        "Action": "1",
                    },
                    {
                        "AcceptTime": "2026-11-12 08:00:00",
                        "AcceptStation": "【南京市】到达南京",
                        "Location": "南京市",
                        "Action": "201",
                    },
                ],
            }
        ],
    }
    raw = json.dumps(data, ensure_ascii=False)
    bad = client.post(
        "/webhooks/logistics/kdniao/",
        data=urllib.parse.urlencode({"RequestData": raw, "DataSign": "bad", "RequestType": "101"}),
        content_type="application/x-www-form-urlencoded",
    )
    assert bad.status_code == 401
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/webhooks/logistics/kdniao/",
            data=urllib.parse.urlencode(
                {"RequestData": raw, "DataSign": kdniao_data_sign(raw, "kdn-api-key"), "RequestType": "101"}
            ),
            content_type="application/x-www-form-urlencoded",
        )
    assert response.json()["Success"] is True
    shipment.refresh_from_db()
    assert shipment.status == Shipment.Status.IN_TRANSIT
    assert TrackingEvent.objects.filter(shipment=shipment).count() == 2


def test_delivery_checked_on_the_platform_clears_the_level_3_exception(
    client, taobao, skus, aggregators, sandbox_http, monkeypatch, django_capture_on_commit_callbacks
):
    """Before: nothing called shipment_platform_delivered, so "platform not updated" never cleared."""
    shipment = _shipped(taobao, skus)
    signed_at = timezone.now() - dt.timedelta(hours=3)
    trade = copy.deepcopy(sample("taobao_trade_fullinfo.json")["trade_fullinfo_get_response"]["trade"])
    trade["status"] = "WAIT_BUYER_CONFIRM_GOODS"
    from integrations.platforms.taobao.client import TaobaoClient

    monkeypatch.setattr(TaobaoClient, "order_get", lambda self, external_id: trade)
    with django_capture_on_commit_callbacks(execute=True):
        post_kuaidi100(client, kuaidi100_param(k100_item(signed_at, "已签收", "签收", "301"), state="3"))
    incidents_scan()
    assert WorkItem.objects.filter(shipment=shipment, kind=IncidentKind.PLATFORM_NOT_UPDATED, status="open").exists()
    check = OutboxMessage.objects.get(kind=OutboxMessage.Kind.DELIVERY_CHECK)
    assert check.status == WorkStatus.FAILED and "尚未显示订单" in check.last_error

    trade["status"] = "TRADE_FINISHED"
    from integrations import outbox

    OutboxMessage.objects.filter(pk=check.pk).update(next_attempt_at=timezone.now())
    assert outbox.outbox_deliver(check.pk) == WorkStatus.DONE
    shipment.refresh_from_db()
    assert shipment.platform_delivered_at is not None
    incidents_scan()
    assert not WorkItem.objects.filter(
        shipment=shipment, kind=IncidentKind.PLATFORM_NOT_UPDATED, status="open"
    ).exists()


@pytest.mark.parametrize(
    ("code", "status", "kind"),
    [
        ("101", "已下单", None),
        ("103", "揽收", "picked_up"),
        ("1002", "在途", "in_transit"),
        ("0", "在途", "in_transit"),
        ("5", "派件", "out_for_delivery"),
        ("501", "派件", "out_for_delivery"),
        ("301", "签收", "delivered"),
        ("204", "疑难", "exception"),
        ("14", "拒签", "exception"),
        ("", "签收", "delivered"),
    ],
)
def test_kuaidi100_states_map_to_our_events(code, status, kind):
    from integrations.logistics.kuaidi100.tracking import kind_of

    assert kind_of({"statusCode": code, "status": status}) == kind
