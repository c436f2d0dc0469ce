"""What came in raw carries buyers' names, phones and addresses: processed inbox messages lose body and headers
(in the message and its history) and finished order imports their file, CONSIGNEE_RETENTION_DAYS after they
arrived; the records stay."""

import datetime as dt
import json

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.utils import timezone

from integrations.hooks.services import subscription_create
from integrations.models import ImportJob, InboxMessage, WebhookDelivery, WebhookEvent, WorkStatus
from integrations.retention import inbound_raw_erase_due, inbox_bodies_erase_due, webhook_deliveries_delete_due
from integrations.tasks import SCHEDULES

pytestmark = pytest.mark.django_db

BODY = json.dumps({"id": 1, "shipping_address": {"name": "张三", "phone": "13812345678", "address1": "文三路100号"}})


def _message(shop, *, status, days_ago, key):
    message = InboxMessage.objects.create(
        shop=shop,
        platform="shopify",
        kind=InboxMessage.Kind.PUSH,
        topic="orders/create",
        event_id=f"evt-{key}",
        external_id=str(key),
        content_hash=f"hash-{key}",
        headers={"X-Shopify-Shop-Domain": "demo.myshopify.com"},
        body=BODY,
        status=status,
        result=InboxMessage.Result.CREATED if status == WorkStatus.DONE else "",
        received_at=timezone.now() - dt.timedelta(days=days_ago),
    )
    message.status = status  # a change recorded in history, as processing records it
    message.save()
    return message


def test_processed_messages_past_the_period_lose_body_and_headers_also_in_history(world, settings):
    settings.CONSIGNEE_RETENTION_DAYS = 180
    old = _message(world["shop_a"], status=WorkStatus.DONE, days_ago=181, key=1)
    recent = _message(world["shop_a"], status=WorkStatus.DONE, days_ago=179, key=2)
    parked = _message(world["shop_a"], status=WorkStatus.DEAD, days_ago=400, key=3)

    assert inbox_bodies_erase_due() == 1

    old.refresh_from_db()
    assert (old.body, old.headers) == ("", {})
    # what deduplication and audits need stays
    assert (old.content_hash, old.external_id, old.event_id, old.result) == ("hash-1", "1", "evt-1", "created")
    assert not InboxMessage.history.filter(id=old.pk).exclude(body="").exists()
    assert "13812345678" not in json.dumps(list(InboxMessage.history.filter(id=old.pk).values("body", "headers")))
    # within the period, or still to be replayed by staff: kept
    for kept in (recent, parked):
        kept.refresh_from_db()
        assert kept.body == BODY
    assert InboxMessage.history.filter(id=parked.pk, body=BODY).exists()

    assert inbox_bodies_erase_due() == 0  # once


def _import(shop, *, status, days_ago, key):
    job = ImportJob(shop=shop, profile="pdd_export", file_name=f"orders-{key}.csv", file_hash=f"h{key}", status=status)
    job.file.save(f"orders-{key}.csv", ContentFile("收货人,手机\n张三,13812345678\n".encode()), save=False)
    job.finished_at = timezone.now() - dt.timedelta(days=days_ago) if status != ImportJob.Status.PREVIEWED else None
    job.save()
    return job


def test_files_of_finished_imports_past_the_period_are_deleted_and_the_job_stays(world, settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path)
    settings.CONSIGNEE_RETENTION_DAYS = 180
    old = _import(world["shop_a"], status=ImportJob.Status.DONE, days_ago=200, key=1)
    recent = _import(world["shop_a"], status=ImportJob.Status.DONE, days_ago=10, key=2)
    previewed = _import(world["shop_a"], status=ImportJob.Status.PREVIEWED, days_ago=0, key=3)
    old_name = old.file.name

    assert inbound_raw_erase_due() == {"messages": 0, "import_files": 1, "webhook_deliveries": 0}

    old.refresh_from_db()
    assert not old.file and not default_storage.exists(old_name)
    assert old.file_name == "orders-1.csv" and not ImportJob.history.filter(id=old.pk).exclude(file="").exists()
    for kept in (recent, previewed):
        kept.refresh_from_db()
        assert default_storage.exists(kept.file.name)
    assert inbound_raw_erase_due() == {"messages": 0, "import_files": 0, "webhook_deliveries": 0}  # once


def test_deliveries_delivered_before_the_period_leave_the_log_and_parked_ones_stay(manager, settings):
    import uuid

    settings.CONSIGNEE_RETENTION_DAYS = 180
    settings.WEBHOOK_ALLOW_PRIVATE_URLS = True
    subscription = subscription_create(
        owner=manager, url="http://127.0.0.1:9/hooks", events=["order.created"], secret="s" * 16
    )
    now = timezone.now()

    def delivery(status, sent_days_ago):
        event = WebhookEvent.objects.create(id=uuid.uuid4(), type="order.created", source_key=str(uuid.uuid4()))
        sent_at = now - dt.timedelta(days=sent_days_ago) if sent_days_ago is not None else None
        return WebhookDelivery.objects.create(
            subscription=subscription, event=event, body=BODY, status=status, sent_at=sent_at
        )

    old = delivery(WorkStatus.DONE, 181)
    recent = delivery(WorkStatus.DONE, 10)
    parked = delivery(WorkStatus.DEAD, None)

    assert webhook_deliveries_delete_due() == 1

    assert set(WebhookDelivery.objects.values_list("pk", flat=True)) == {recent.pk, parked.pk}
    assert WebhookEvent.objects.filter(pk=old.event_id).exists()  # publishing it again makes no new delivery
    assert webhook_deliveries_delete_due() == 0


def test_the_erasure_runs_daily():
    (schedule,) = [s for s in SCHEDULES if s["func"] == "integrations.tasks.inbound_raw_erase_due"]
    assert (schedule["schedule_type"], schedule["minutes"]) == ("I", 1440)
