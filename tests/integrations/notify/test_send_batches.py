"""Sending buyer messages in lots: recording a lot of moments queues one send task per ``SEND_BATCH`` pending
messages (not one per message), a send task sends each of its messages, and one that runs out of time hands the
messages of the calls it has not made to a new task."""

from __future__ import annotations

import pytest

from integrations.notify import services
from integrations.notify.models import BuyerMessage
from integrations.notify.services import buyer_messages_send, buyer_moments_record, buyer_opt_out
from tests.integrations.notify.helpers import paid_order

pytestmark = pytest.mark.django_db
Status = BuyerMessage.Status


def test_a_lot_of_moments_queues_its_pending_messages_a_batch_to_a_task(providers, website, queued, monkeypatch):
    monkeypatch.setattr(services, "SEND_BATCH", 3)
    orders = [paid_order(website, consignee_phone=f"1381235{i + 1:04d}") for i in range(8)]
    buyer_opt_out(channel="sms", address=orders[0].consignee_phone)

    written = buyer_moments_record([["paid", order.pk, f"lot:{order.pk}", {}] for order in orders])

    pending = list(BuyerMessage.objects.filter(status=Status.PENDING).order_by("pk").values_list("pk", flat=True))
    assert written == BuyerMessage.objects.count() > len(pending) > 0  # the opted-out one is written, not queued
    assert [func for func, _args in queued] == [services.SEND_TASK] * -(-len(pending) // 3)
    assert all(len(args[0]) <= 3 for _func, args in queued)
    assert [pk for _func, args in queued for pk in args[0]] == pending


def test_a_send_task_sends_each_of_its_messages(providers, website, queued):
    orders = [paid_order(website, consignee_phone=f"1390001{i + 1:04d}") for i in range(3)]
    buyer_moments_record([["paid", order.pk, f"send:{order.pk}", {}] for order in orders])
    [(_func, (ids,))] = queued

    assert buyer_messages_send(ids) == {Status.SENT: len(ids)}
    assert set(BuyerMessage.objects.filter(pk__in=ids).values_list("status", flat=True)) == {Status.SENT}
    assert buyer_messages_send(ids) == {"not_due": len(ids)}  # sent once only


def test_a_send_task_out_of_time_makes_one_call_and_hands_the_rest_on(providers, website, queued, monkeypatch):
    # E-mails go one to a call: the first is sent, the others wait for the next task.
    orders = [paid_order(website, consignee_phone="", buyer_nick=f"buyer{i}@example.com") for i in range(3)]
    buyer_moments_record([["paid", order.pk, f"slow:{order.pk}", {}] for order in orders])
    [(_func, (ids,))] = queued
    queued.clear()
    monkeypatch.setattr(services, "SEND_SECONDS", -1)

    assert buyer_messages_send(ids) == {Status.SENT: 1}
    assert queued == [(services.SEND_TASK, (ids[1:],))]
    assert BuyerMessage.objects.get(pk=ids[0]).status == Status.SENT
    assert set(BuyerMessage.objects.filter(pk__in=ids[1:]).values_list("status", flat=True)) == {Status.PENDING}


def test_with_a_notify_cluster_recording_and_sending_are_queued_there(
    providers, website, monkeypatch, settings, django_capture_on_commit_callbacks
):
    # A peak's messages wait on their provider; on a cluster of their own they hold no ingestion worker.
    settings.NOTIFY_CLUSTER = "notify"
    calls: list[tuple[str, dict]] = []
    monkeypatch.setattr(services, "enqueue_on_commit", lambda func, *args, **kw: calls.append((func, kw)))
    order = paid_order(website, consignee_phone="13500001111")

    with django_capture_on_commit_callbacks(execute=True):
        services.buyer_moments_on_commit([("paid", order.pk, "cluster", {})])
    buyer_moments_record([["paid", order.pk, "cluster", {}]])

    assert [func for func, _kw in calls] == [services.RECORD_TASK, services.SEND_TASK]
    assert [kw.get("cluster") for _func, kw in calls] == ["notify", "notify"]


def test_without_a_notify_cluster_they_go_to_the_main_one(providers, website, queued, monkeypatch):
    calls: list[dict] = []
    monkeypatch.setattr(services, "enqueue_on_commit", lambda func, *args, **kw: calls.append(kw))
    buyer_moments_record([["paid", paid_order(website, consignee_phone="13500002222").pk, "main", {}]])
    assert calls == [{"cluster": None}]
