"""The demo's messages, replaying a parked message, retries of passing errors, the rate limit per phone, and
phones masked in the log for roles that may not see consignee data."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Permission
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from integrations.notify.demo import buyer_notifications_demo_ensure
from integrations.notify.models import BuyerMessage, BuyerOptOut, NotificationTemplate
from integrations.notify.services import buyer_message_replay, buyer_message_send, buyer_moment_record
from tests.factories import ShopFactory, UserFactory
from tests.integrations.notify.helpers import messages_of, paid_order

pytestmark = pytest.mark.django_db
Status = BuyerMessage.Status


def test_the_demo_logs_a_sent_an_opted_out_and_a_parked_message_once(providers):
    website = ShopFactory(platform="website")
    for _ in range(3):
        paid_order(website)
    NotificationTemplate.objects.filter(channel="sms").update(code="")

    assert buyer_notifications_demo_ensure() == {"buyer_messages": 3}
    assert buyer_notifications_demo_ensure() == {"buyer_messages": 3}

    statuses = sorted(BuyerMessage.objects.values_list("status", flat=True))
    assert statuses == sorted([Status.SENT, Status.OPTED_OUT, Status.DEAD])
    assert BuyerOptOut.objects.count() == 1
    assert not NotificationTemplate.objects.filter(channel__in=["sms", "wechat"], code="").exists()


def test_replaying_the_parked_demo_message_sends_it_again_and_the_sandbox_refuses_it_again(
    providers, django_capture_on_commit_callbacks
):
    website = ShopFactory(platform="website")
    for _ in range(3):
        paid_order(website)
    buyer_notifications_demo_ensure()
    parked = BuyerMessage.objects.get(status=Status.DEAD)

    with django_capture_on_commit_callbacks(execute=True):
        assert buyer_message_replay(message=parked) is True
    parked.refresh_from_db()
    assert (parked.status, parked.attempts, parked.error_code) == (Status.DEAD, 1, "isv.MOBILE_NUMBER_ILLEGAL")
    assert ("POST", "/sandbox/notify/aliyun/") in providers.calls
    assert buyer_message_replay(message=BuyerMessage.objects.get(status=Status.SENT)) is False


def test_a_passing_provider_error_is_retried_later_with_the_retry_policy(providers, website, settings):
    settings.RETRY_BASE_SECONDS = 300  # the first retry is due in 5 minutes
    order = paid_order(website, consignee_phone="13812349999")  # the sandbox's flow control
    [message_id] = buyer_moment_record(moment="paid", order_id=order.pk, source_key="t1")

    assert buyer_message_send(message_id) == Status.FAILED
    message = BuyerMessage.objects.get(pk=message_id)
    assert message.error_code == "isv.BUSINESS_LIMIT_CONTROL" and message.attempts == 1
    assert message.next_attempt_at > timezone.now()
    assert buyer_message_send(message_id) == "not_due"  # not before its back-off
    assert message.history.count() >= 2  # each outcome is kept


def test_a_phone_over_its_hourly_limit_is_logged_not_sent(providers, website, settings):
    settings.NOTIFY_PHONE_MAX_PER_HOUR = 1
    order = paid_order(website, consignee_phone="13812345678")
    first = buyer_moment_record(moment="paid", order_id=order.pk, source_key="a")
    second = buyer_moment_record(moment="refunded", order_id=order.pk, source_key="b")

    assert buyer_message_send(first[0]) == Status.SENT
    assert buyer_message_send(second[0]) == Status.RATE_LIMITED
    assert [m.status for m in messages_of(order)] == [Status.SENT, Status.RATE_LIMITED]


def test_the_log_masks_phones_for_a_role_without_consignee_data(providers, website):
    order = paid_order(website, consignee_phone="13812345678", consignee_name="张三丰")
    buyer_moment_record(moment="paid", order_id=order.pk, source_key="mask")
    viewer = UserFactory(is_staff=True)
    viewer.user_permissions.add(*Permission.objects.filter(codename__in=["view_buyermessage", "view_all_orders"]))
    pii = UserFactory(is_staff=True)
    pii.user_permissions.add(
        *Permission.objects.filter(codename__in=["view_buyermessage", "view_all_orders", "view_consignee_pii"])
    )
    url = reverse("admin:integrations_buyermessage_changelist")

    client = Client()
    client.force_login(viewer)
    masked = client.get(url).content.decode()
    client.force_login(pii)
    shown = client.get(url).content.decode()

    assert "138****5678" in masked and "13812345678" not in masked
    assert "13812345678" in shown


def test_personal_data_leaves_the_log_after_the_retention_period(providers, website, settings):
    import datetime as dt

    from integrations.notify.retention import buyer_messages_anonymise_due

    settings.CONSIGNEE_RETENTION_DAYS = 30
    old = paid_order(website, consignee_phone="13812345678")
    new = paid_order(website, consignee_phone="13987654321")
    [old_id] = buyer_moment_record(moment="paid", order_id=old.pk, source_key="old")
    [new_id] = buyer_moment_record(moment="paid", order_id=new.pk, source_key="new")
    BuyerMessage.objects.filter(pk=old_id).update(created_at=timezone.now() - dt.timedelta(days=31))

    assert buyer_messages_anonymise_due() == 1
    assert buyer_messages_anonymise_due() == 0  # once

    old_message, new_message = BuyerMessage.objects.get(pk=old_id), BuyerMessage.objects.get(pk=new_id)
    assert (old_message.recipient, old_message.text, old_message.params) == ("138****5678", "", {})
    assert not old_message.history.filter(recipient="13812345678").exists()
    assert {(h.text, h.recipient) for h in old_message.history.all()} == {("", "138****5678")}
    assert new_message.recipient == "13987654321" and new_message.text


def test_an_email_carries_a_link_with_which_the_buyer_opts_out(providers, website, django_capture_on_commit_callbacks):
    from django.core import mail

    with django_capture_on_commit_callbacks(execute=True):
        order = paid_order(website, buyer_nick="buyer@example.com", consignee_phone="")
    [sent] = mail.outbox
    link = sent.extra_headers["List-Unsubscribe"].strip("<>")
    assert link in sent.body and link.startswith("https://oms.example.com/notify/unsubscribe/")
    path = link.removeprefix("https://oms.example.com")
    client = Client()

    asked = client.get(path)
    assert asked.status_code == 200 and "buyer@example.com" in asked.content.decode()
    assert not BuyerOptOut.objects.exists()  # opening the link (a mail scanner) opts nobody out
    assert client.post(path).status_code == 200
    assert BuyerOptOut.objects.filter(channel="email", address="buyer@example.com").exists()
    assert buyer_moment_record(moment="refunded", order_id=order.pk, source_key="after")  # logged …
    assert messages_of(order, moment="refunded")[0].status == Status.OPTED_OUT  # … not sent


def test_a_forged_or_altered_unsubscribe_link_is_refused(db):
    from integrations.notify.unsubscribe import unsubscribe_token

    token = unsubscribe_token(channel="sms", address="13812345678")
    client = Client()
    assert client.get(f"/notify/unsubscribe/{token}/").status_code == 200
    assert "138****5678" in client.get(f"/notify/unsubscribe/{token}/").content.decode()  # masked on the page
    assert client.post(f"/notify/unsubscribe/{token[:-2]}xx/").status_code == 404
    assert not BuyerOptOut.objects.exists()
