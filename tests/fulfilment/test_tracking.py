import datetime as dt

import pytest
from django.utils import timezone

from config.sweep import CLAIM_EXPIRED
from fulfilment.models import IncidentKind, SandboxWaybill, Shipment, TrackingEvent, TrackingPush, WorkItem
from fulfilment.services import (
    incidents_scan,
    shipment_platform_delivered,
    tracking_poll_shipment,
    tracking_push_process,
    tracking_push_receive,
    tracking_push_replay,
    work_item_resolve,
)
from fulfilment.services.tracking import tracking_push_fail
from fulfilment.tasks import SCHEDULES, tracking_pushes_retry
from orders.models import Alert
from orders.states import Status
from tests.factories import ShopFactory

pytestmark = pytest.mark.django_db


def _event(kind, at, id_, province="", city="", description=""):
    return {
        "id": id_,
        "kind": kind,
        "at": at.isoformat(),
        "province": province,
        "city": city,
        "description": description or kind,
    }


def test_pushed_events_are_stored_then_processed_and_move_the_order(
    shipped, django_capture_on_commit_callbacks, sync_tasks
):
    shipment = shipped()
    now = timezone.now()
    body = {
        "tracking_number": shipment.tracking_number,
        "events": [_event("picked_up", now, "e1", "浙江省", "杭州市", "已揽收")],
    }
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        push = tracking_push_receive(carrier_code="ZTO", body=body)
    assert [callback.__qualname__ for callback in callbacks].count("enqueue_on_commit.<locals>._send") == 1
    push.refresh_from_db()
    assert push.status == TrackingPush.Status.PROCESSED
    shipment.refresh_from_db()
    assert (shipment.status, shipment.picked_up_at) == (Shipment.Status.IN_TRANSIT, now)
    shipment.order.refresh_from_db()
    assert shipment.order.status == Status.IN_TRANSIT


def test_the_same_event_pushed_twice_is_recorded_once(shipped):
    shipment = shipped()
    body = {"tracking_number": shipment.tracking_number, "events": [_event("in_transit", timezone.now(), "e1")]}
    for _ in range(2):
        tracking_push_process(push_id=TrackingPush.objects.create(carrier_code="ZTO", body=body).pk)
    assert TrackingEvent.objects.filter(shipment=shipment).count() == 1


def test_delivery_in_the_consignees_city_delivers_the_order(shipped):
    shipment = shipped()
    t0 = timezone.now() - dt.timedelta(hours=30)
    body = {
        "items": [
            {
                "tracking_number": shipment.tracking_number,
                "events": [
                    _event("picked_up", t0, "a"),
                    _event("delivered", t0 + dt.timedelta(hours=28), "b", "江苏", "南京市", "本人签收"),
                ],
            }
        ]
    }
    tracking_push_process(push_id=TrackingPush.objects.create(carrier_code="ZTO", body=body).pk)
    shipment.refresh_from_db()
    assert (shipment.status, shipment.delivered_province) == (Shipment.Status.DELIVERED, "江苏省")
    shipment.order.refresh_from_db()
    assert shipment.order.status == Status.DELIVERED
    assert not WorkItem.objects.exists()


def test_delivery_signed_far_from_the_address_opens_a_level_4_work_item_and_alert(shipped):
    shipment = shipped()
    body = {
        "tracking_number": shipment.tracking_number,
        "events": [_event("delivered", timezone.now(), "d", "新疆维吾尔自治区", "乌鲁木齐市")],
    }
    tracking_push_process(push_id=TrackingPush.objects.create(carrier_code="ZTO", body=body).pk)
    item = WorkItem.objects.get()
    assert (item.kind, item.level, item.status) == (IncidentKind.SUSPICIOUS_DELIVERY, 4, WorkItem.Status.OPEN)
    assert "新疆" in item.detail and "km" in item.detail
    alert = Alert.objects.get(key=f"incident:{item.pk}")
    assert (alert.kind, alert.severity, alert.detail["level"], alert.order_id) == (
        "shipping_incident",
        "critical",
        4,
        shipment.order_id,
    )


def test_a_neighbouring_city_signature_is_not_suspicious(shipped):
    shipment = shipped()  # consignee in 江苏 南京
    body = {
        "tracking_number": shipment.tracking_number,
        "events": [_event("delivered", timezone.now(), "d", "上海市", "上海市")],
    }
    tracking_push_process(push_id=TrackingPush.objects.create(carrier_code="ZTO", body=body).pk)
    assert not WorkItem.objects.exists()


def test_a_carrier_reported_exception_marks_the_parcel_and_opens_a_work_item(shipped):
    shipment = shipped()
    body = {
        "tracking_number": shipment.tracking_number,
        "events": [_event("exception", timezone.now(), "x", description="地址不详，无法派送")],
    }
    tracking_push_process(push_id=TrackingPush.objects.create(carrier_code="ZTO", body=body).pk)
    shipment.refresh_from_db()
    assert shipment.status == Shipment.Status.EXCEPTION
    assert WorkItem.objects.get().kind == IncidentKind.CARRIER_EXCEPTION


def test_a_push_for_an_unknown_parcel_is_retried_then_parked_and_can_be_replayed(shipped, carriers, settings):
    settings.RETRY_MAX_ATTEMPTS = 3
    push = TrackingPush.objects.create(carrier_code="ZTO", body={"tracking_number": "ZTO000", "events": []})
    assert tracking_push_process(push_id=push.pk) == TrackingPush.Status.FAILED
    push.refresh_from_db()
    # config.retry's back-off: not due again before RETRY_BASE_SECONDS have passed
    assert push.next_attempt_at > timezone.now()
    assert tracking_pushes_retry() == 0
    TrackingPush.objects.filter(pk=push.pk).update(next_attempt_at=timezone.now())
    assert tracking_pushes_retry() == 1
    TrackingPush.objects.filter(pk=push.pk).update(next_attempt_at=timezone.now())
    assert tracking_pushes_retry() == 1
    push.refresh_from_db()
    assert (push.status, push.attempts) == (TrackingPush.Status.PARKED, 3)
    assert "ZTO000" in push.error
    assert tracking_pushes_retry() == 0  # parked pushes wait for staff
    shipment = shipped()
    push.body = {"tracking_number": shipment.tracking_number, "events": [_event("in_transit", timezone.now(), "late")]}
    push.save()
    assert tracking_push_replay(push=push) == TrackingPush.Status.PROCESSED


def test_a_failed_push_is_not_processed_again_before_its_back_off_is_over(shipped, carriers):
    shipment = shipped()
    body = {"tracking_number": shipment.tracking_number, "events": [_event("in_transit", timezone.now(), "e1")]}
    push = TrackingPush.objects.create(
        carrier_code="ZTO",
        body=body,
        status=TrackingPush.Status.FAILED,
        attempts=1,
        next_attempt_at=timezone.now() + dt.timedelta(minutes=1),
    )

    assert tracking_push_process(push_id=push.pk) == TrackingPush.Status.FAILED  # a second task, too early

    push.refresh_from_db()
    assert (push.status, push.attempts) == (TrackingPush.Status.FAILED, 1)
    assert not TrackingEvent.objects.filter(shipment=shipment).exists()


def test_a_push_left_processing_by_a_killed_worker_counts_as_a_failed_attempt_and_is_retried(
    shipped, carriers, settings
):
    settings.FULFILMENT_TRACKING_CLAIM_EXPIRY_SECONDS = 300
    shipment = shipped()
    body = {"tracking_number": shipment.tracking_number, "events": [_event("in_transit", timezone.now(), "e1")]}
    killed = dict(carrier_code="ZTO", body=body, status=TrackingPush.Status.PROCESSING, attempts=1)
    stuck = TrackingPush.objects.create(**killed, claimed_at=timezone.now() - dt.timedelta(seconds=301))
    busy = TrackingPush.objects.create(**killed, claimed_at=timezone.now() - dt.timedelta(seconds=30))

    assert tracking_pushes_retry() == 0  # the failed attempt waits for config.retry's back-off

    stuck.refresh_from_db()
    assert (stuck.status, stuck.attempts, stuck.error) == (TrackingPush.Status.FAILED, 1, CLAIM_EXPIRED)
    assert stuck.next_attempt_at > timezone.now()
    assert TrackingPush.objects.get(pk=busy.pk).status == TrackingPush.Status.PROCESSING  # its worker may be at it
    TrackingPush.objects.filter(pk=stuck.pk).update(next_attempt_at=timezone.now())
    assert tracking_pushes_retry() == 1
    stuck.refresh_from_db()
    assert (stuck.status, stuck.attempts) == (TrackingPush.Status.PROCESSED, 2)
    assert TrackingEvent.objects.filter(shipment=shipment).count() == 1


def test_a_worker_whose_claim_expired_and_was_taken_again_records_nothing_over_the_new_claim(shipped, carriers):
    shipment = shipped()
    body = {"tracking_number": shipment.tracking_number, "events": [_event("in_transit", timezone.now(), "e1")]}
    late = TrackingPush.objects.create(
        carrier_code="ZTO",
        body=body,
        status=TrackingPush.Status.PROCESSING,
        attempts=1,
        claimed_at=timezone.now() - dt.timedelta(seconds=400),
    )  # what the slow first worker read when it claimed the push
    again = timezone.now()
    TrackingPush.objects.filter(pk=late.pk).update(attempts=2, claimed_at=again)  # swept, then claimed again

    assert tracking_push_fail(late, RuntimeError("carrier timed out")) == TrackingPush.Status.FAILED  # its decision

    now = TrackingPush.objects.get(pk=late.pk)
    assert (now.status, now.claimed_at, now.error, now.attempts) == (TrackingPush.Status.PROCESSING, again, "", 2)


def test_a_push_with_a_bad_event_names_the_field(shipped):
    shipment = shipped()
    body = {
        "tracking_number": shipment.tracking_number,
        "events": [{"id": "1", "kind": "teleported", "at": "2026-11-11T10:00:00+08:00"}],
    }
    push = TrackingPush.objects.create(carrier_code="ZTO", body=body)
    tracking_push_process(push_id=push.pk)
    push.refresh_from_db()
    assert "events[0].kind: 'teleported'" in push.error


def test_push_api_needs_the_token_when_one_is_configured(client, shipped, settings):
    shipment = shipped()
    settings.FULFILMENT_TRACKING_PUSH_TOKEN = "s3cret"
    body = {"tracking_number": shipment.tracking_number, "events": [_event("in_transit", timezone.now(), "p1")]}
    url = "/fulfilment/tracking/ZTO/push/"
    assert client.post(url, body, content_type="application/json").status_code == 403
    response = client.post(url, body, content_type="application/json", headers={"X-Tracking-Token": "s3cret"})
    assert response.status_code == 202
    assert TrackingPush.objects.get().body == body
    bad = client.post(
        "/fulfilment/tracking/YT0/push/",
        body,
        content_type="application/json",
        headers={"X-Tracking-Token": "s3cret"},
    )
    assert (bad.status_code, bad.json()["code"]) == (400, "unknown_carrier")


def test_polling_the_sandbox_brings_the_events_that_are_due(shipped):
    shipment = shipped()
    SandboxWaybill.objects.filter(tracking_number=shipment.tracking_number).update(
        created_at=timezone.now() - dt.timedelta(hours=7)
    )
    assert tracking_poll_shipment(shipment_id=shipment.pk) == 2  # picked up (1 h) and first transit scan (6 h)
    assert tracking_poll_shipment(shipment_id=shipment.pk) == 0  # polled just now: not due again
    shipment.refresh_from_db()
    assert shipment.status == Shipment.Status.IN_TRANSIT
    later = timezone.now() + dt.timedelta(hours=40)
    SandboxWaybill.objects.filter(tracking_number=shipment.tracking_number).update(
        created_at=timezone.now() - dt.timedelta(hours=33)
    )
    assert tracking_poll_shipment(shipment_id=shipment.pk, now=later) == 3
    shipment.refresh_from_db()
    assert shipment.status == Shipment.Status.DELIVERED and shipment.delivered_city == "南京市"


def test_no_pickup_scan_within_24_hours_is_level_1(shipped):
    shipment = shipped()
    assert incidents_scan(now=timezone.now() + dt.timedelta(hours=23))["opened"] == 0
    result = incidents_scan(now=timezone.now() + dt.timedelta(hours=25))
    assert result["opened_no_pickup"] == 1
    assert incidents_scan(now=timezone.now() + dt.timedelta(hours=26))["opened"] == 0  # not twice
    item = WorkItem.objects.get(shipment=shipment)
    assert (item.level, item.kind) == (1, IncidentKind.NO_PICKUP)
    assert Alert.objects.filter(key=f"incident:{item.pk}", severity="warning", resolved_at__isnull=True).count() == 1
    # the pickup scan arrives: the scan resolves it by itself
    body = {"tracking_number": shipment.tracking_number, "events": [_event("picked_up", timezone.now(), "late-scan")]}
    tracking_push_process(push_id=TrackingPush.objects.create(carrier_code="ZTO", body=body).pk)
    assert incidents_scan(now=timezone.now() + dt.timedelta(hours=27))["resolved"] == 1
    item.refresh_from_db()
    assert item.status == WorkItem.Status.RESOLVED and item.resolved_by is None
    assert Alert.objects.get(key=f"incident:{item.pk}").resolved_at == item.resolved_at


def test_no_movement_for_48_hours_is_level_2(shipped):
    shipment = shipped()
    body = {"tracking_number": shipment.tracking_number, "events": [_event("in_transit", timezone.now(), "t")]}
    tracking_push_process(push_id=TrackingPush.objects.create(carrier_code="ZTO", body=body).pk)
    assert incidents_scan(now=timezone.now() + dt.timedelta(hours=47))["opened"] == 0
    assert incidents_scan(now=timezone.now() + dt.timedelta(hours=49))["opened_stalled"] == 1
    assert WorkItem.objects.get().level == 2


def test_a_delivered_mini_program_parcel_waits_for_no_platform(floor, shipped):
    """Order Hub tells WeChat nothing about a mini-program order's parcel, so its delivery opens no level-3
    "platform not updated" work item (nothing would ever resolve it)."""
    mini = ShopFactory(code="mini", platform="wechat", default_warehouse=floor["wh_a"])
    shipment = shipped(shop=mini)
    body = {"tracking_number": shipment.tracking_number, "events": [_event("delivered", timezone.now(), "d")]}
    tracking_push_process(push_id=TrackingPush.objects.create(carrier_code="ZTO", body=body).pk)
    shipment.refresh_from_db()
    assert shipment.status == Shipment.Status.DELIVERED
    assert incidents_scan(now=timezone.now() + dt.timedelta(hours=3))["opened_platform_not_updated"] == 0
    assert not WorkItem.objects.filter(shipment=shipment).exists()


def test_delivered_but_platform_not_updated_within_2_hours_is_level_3(shipped):
    shipment = shipped()
    body = {
        "tracking_number": shipment.tracking_number,
        "events": [_event("delivered", timezone.now(), "d", "江苏省", "南京市")],
    }
    tracking_push_process(push_id=TrackingPush.objects.create(carrier_code="ZTO", body=body).pk)
    assert incidents_scan(now=timezone.now() + dt.timedelta(minutes=100))["opened"] == 0
    assert incidents_scan(now=timezone.now() + dt.timedelta(hours=3))["opened_platform_not_updated"] == 1
    item = WorkItem.objects.get()
    assert item.level == 3 and "delivered 3.0 h ago" in item.detail
    shipment_platform_delivered(shipment_id=shipment.pk)
    assert incidents_scan(now=timezone.now() + dt.timedelta(hours=4))["resolved"] == 1


def test_staff_resolve_a_work_item_with_what_they_did(shipped, manager):
    shipped()
    incidents_scan(now=timezone.now() + dt.timedelta(hours=25))
    item = WorkItem.objects.get()
    from config.errors import ApplicationError

    with pytest.raises(ApplicationError):
        work_item_resolve(item=item, actor=manager, resolution="")
    work_item_resolve(item=item, actor=manager, resolution="called the depot; picked up tomorrow")
    item.refresh_from_db()
    assert (item.status, item.resolved_by) == (WorkItem.Status.RESOLVED, manager)
    assert Alert.objects.get(key=f"incident:{item.pk}").resolved_at == item.resolved_at


def test_schedules_are_declared_for_schedules_sync():
    names = {s["name"] for s in SCHEDULES}
    assert {"fulfilment.tracking_poll", "fulfilment.incidents_scan", "fulfilment.tracking_pushes_retry"} <= names
    for s in SCHEDULES:
        assert set(s) == {"name", "func", "schedule_type", "minutes"}
        module, func = s["func"].rsplit(".", 1)
        assert callable(getattr(__import__(module, fromlist=[func]), func))
