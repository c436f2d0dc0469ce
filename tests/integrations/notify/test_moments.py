"""Each moment reaches the buyer once, on the channels the order has an address and an active template for —
through the providers' sandbox, which checks their signatures — and platforms that tell their own buyers get
nothing."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core import mail
from django.utils import timezone

from aftersales.models import Case
from aftersales.services import case_status_set, refund_record
from fulfilment.models import IncidentKind, ShipmentInterception
from fulfilment.selectors import public_tracking_by_token
from fulfilment.services import work_item_open
from fulfilment.signals import shipment_confirmed, shipment_delivered
from integrations.notify.models import BuyerMessage, NotificationTemplate
from integrations.notify.services import buyer_moment_record, buyer_opt_out
from orders.models import PresaleTerms
from orders.shaping.presale import presale_reminders_send, presale_terms_set
from tests.factories import ShopFactory, make_order
from tests.integrations.notify.helpers import messages_of, paid_order, parcel

pytestmark = pytest.mark.django_db(transaction=False)
SENT = BuyerMessage.Status.SENT


def _ship(order, shipment):
    shipment_confirmed.send(
        sender=None,
        shipment_id=shipment.pk,
        order_id=order.pk,
        order_number=order.number,
        shop_id=order.shop_id,
        platform=order.shop.platform,
        carrier_code="ZTO",
        platform_carrier_code="ZTO",
        tracking_number=shipment.tracking_number,
        shipped_at=timezone.now(),
    )


def test_a_paid_order_sends_one_sms_through_aliyun_with_the_order_number(
    providers, website, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        order = paid_order(website, external_id="WEB-1001", consignee_phone="13812345678")

    [message] = messages_of(order)
    assert (message.moment, message.channel, message.provider, message.status) == ("paid", "sms", "aliyun", SENT)
    assert message.recipient == "13812345678"
    assert message.params == {"order": "WEB-1001", "amount": "99.00"}
    assert "WEB-1001" in message.text and "品牌官网" in message.text
    assert message.provider_message_id.endswith("^0")  # Aliyun's BizId
    assert ("POST", "/sandbox/notify/aliyun/") in providers.calls


@pytest.mark.parametrize("platform", ["taobao", "tmall", "jd", "pdd", "douyin"])
def test_platforms_that_tell_their_own_buyers_get_nothing(providers, platform, django_capture_on_commit_callbacks):
    shop = ShopFactory(platform=platform)
    with django_capture_on_commit_callbacks(execute=True):
        order = paid_order(shop)
    assert buyer_moment_record(moment="paid", order_id=order.pk, source_key="again") == []
    assert messages_of(order) == []
    assert not [call for call in providers.calls if "/notify/" in call[1]]


def test_the_same_moment_told_twice_is_one_message(providers, website):
    order = paid_order(website)
    BuyerMessage.objects.filter(order=order).delete()
    first = buyer_moment_record(moment="paid", order_id=order.pk, source_key="order_event:1")
    second = buyer_moment_record(moment="paid", order_id=order.pk, source_key="order_event:1")
    assert len(first) == 1 and second == []
    assert len(messages_of(order, moment="paid")) == 1


def test_a_shipped_parcel_tells_carrier_tracking_number_and_a_working_signed_link(
    providers, website, django_capture_on_commit_callbacks
):
    order = paid_order(website, external_id="WEB-2002")
    shipment = parcel(order, tracking_number="ZT7700112233")
    with django_capture_on_commit_callbacks(execute=True):
        _ship(order, shipment)

    [message] = messages_of(order, moment="shipped")
    assert message.status == SENT
    assert message.params["carrier"] == shipment.carrier.name
    assert message.params["number"] == "ZT7700112233"
    token = message.params["token"]
    assert public_tracking_by_token(token) is not None  # the link opens this order's tracking page
    assert f"https://oms.example.com/track/s/{token}/" in message.text  # the full link, in our words of it


def test_delivered_delayed_and_intercepted_parcels_each_tell_the_buyer(
    providers, website, django_capture_on_commit_callbacks
):
    order = paid_order(website)
    shipment = parcel(order)
    with django_capture_on_commit_callbacks(execute=True):
        shipment.delivered_at = timezone.now()
        shipment.save(update_fields=["delivered_at"])
        shipment_delivered.send(
            sender=None,
            shipment_id=shipment.pk,
            order_id=order.pk,
            shop_id=order.shop_id,
            platform=order.shop.platform,
            carrier_code="ZTO",
            tracking_number=shipment.tracking_number,
            delivered_at=shipment.delivered_at,
        )
    with django_capture_on_commit_callbacks(execute=True):
        work_item_open(shipment=shipment, kind=IncidentKind.NO_PICKUP, detail="shipped 30 h ago")
        work_item_open(shipment=shipment, kind=IncidentKind.PLATFORM_NOT_UPDATED, detail="not a buyer matter")
    with django_capture_on_commit_callbacks(execute=True):
        interception = ShipmentInterception.objects.create(
            shipment=shipment, carrier=shipment.carrier, tracking_number=shipment.tracking_number, reason="退款"
        )
    assert not messages_of(order, moment="intercepted")  # only once the carrier accepted
    with django_capture_on_commit_callbacks(execute=True):
        interception.status = ShipmentInterception.Status.ACCEPTED
        interception.save(update_fields=["status"])

    by_moment = {m.moment: m for m in messages_of(order)}
    assert set(by_moment) == {"delivered", "delayed", "intercepted"}  # paid was told outside a commit here
    assert all(m.status == SENT for m in by_moment.values())
    assert by_moment["delivered"].params["time"] == timezone.localtime(shipment.delivered_at).strftime("%Y-%m-%d %H:%M")
    assert by_moment["delayed"].params["reason"] == "快递公司尚未揽收包裹"
    assert by_moment["intercepted"].params["reason"] == "包裹已拦截，正在退回商家"


def test_a_refund_tells_the_buyer_once_it_is_refunded(providers, website, django_capture_on_commit_callbacks):
    order = paid_order(website)
    with django_capture_on_commit_callbacks(execute=True):
        case, _created = refund_record(order=order, amount=Decimal("49.50"), reason="尺码不合适", system="tests")
    assert not messages_of(order, moment="refunded")
    with django_capture_on_commit_callbacks(execute=True):
        case_status_set(case=case, to_status=Case.Status.APPROVED, system="tests")
        case_status_set(case=case, to_status=Case.Status.REFUNDED, system="tests")
        case.save()  # saved again: still one message

    [message] = messages_of(order, moment="refunded")
    assert message.params["amount"] == "49.50" and message.status == SENT
    assert "49.50" in message.text


def test_a_presale_balance_reminder_tells_the_buyer_the_amount_and_deadline(
    providers, website, django_capture_on_commit_callbacks
):
    order = make_order(shop=website)
    due = timezone.now() + dt.timedelta(hours=10)
    presale_terms_set(order=order, deposit=Decimal("20.00"), balance=Decimal("79.00"), balance_due_at=due)
    with django_capture_on_commit_callbacks(execute=True):
        assert presale_reminders_send() == 1
    assert PresaleTerms.objects.get(order=order).reminded_at is not None

    [message] = messages_of(order, moment="presale_due")
    assert message.params == {
        "order": order.external_id,
        "amount": "79.00",
        "time": timezone.localtime(due).strftime("%Y-%m-%d %H:%M"),
    }
    assert message.status == SENT


def test_mini_program_buyers_get_a_wechat_subscribe_message_and_a_refusal_is_final(
    providers, mini, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        order = paid_order(mini, buyer_id="oUpF8uMuAJO_M2pxb1Q9zNjWeS6o", consignee_phone="")
        refused = paid_order(mini, buyer_id="refused-openid-1", consignee_phone="")

    [message] = messages_of(order)
    assert (message.channel, message.provider, message.status) == ("wechat", "wechat", SENT)
    assert message.recipient == "oUpF8uMuAJO_M2pxb1Q9zNjWeS6o" and message.provider_message_id
    [refusal] = messages_of(refused)
    assert (refusal.status, refusal.error_code, refusal.attempts) == (BuyerMessage.Status.DEAD, "43101", 1)


def test_buyers_known_by_email_get_an_email_with_the_subject(providers, website, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        order = paid_order(website, buyer_nick="Li.Lei@Example.com", consignee_phone="")

    [message] = messages_of(order)
    assert (message.channel, message.status, message.recipient) == ("email", SENT, "li.lei@example.com")
    [sent] = mail.outbox
    assert sent.to == ["li.lei@example.com"] and sent.subject == "订单已付款"
    assert order.number in sent.body or order.external_id in sent.body


def test_a_shopify_buyer_known_by_name_is_emailed_at_the_address_the_order_carries(
    providers, django_capture_on_commit_callbacks
):
    shop = ShopFactory(code="shopify-hk", platform="shopify")
    with django_capture_on_commit_callbacks(execute=True):
        order = paid_order(shop, buyer_nick="Ava Lin", buyer_email="ava.l@example.com", consignee_phone="")

    [message] = messages_of(order)
    assert (message.channel, message.status, message.recipient) == ("email", SENT, "ava.l@example.com")
    assert [sent.to for sent in mail.outbox] == [["ava.l@example.com"]]


def test_a_template_without_its_provider_code_or_switched_off_sends_nothing(providers, website):
    NotificationTemplate.objects.filter(moment="paid", channel="sms").update(code="")
    order = paid_order(website)
    assert messages_of(order) == []
    NotificationTemplate.objects.filter(moment="paid", channel="sms").update(code="SMS_1", is_active=False)
    assert buyer_moment_record(moment="paid", order_id=order.pk, source_key="x") == []


def test_a_shops_own_template_replaces_the_one_for_every_shop(providers, website, django_capture_on_commit_callbacks):
    NotificationTemplate.objects.create(
        moment="paid", channel="sms", shop=website, code="SMS_OWN", body="官网：{order_number}", params={"o": "{buyer}"}
    )
    with django_capture_on_commit_callbacks(execute=True):
        order = paid_order(website, consignee_name="王五")
    [message] = messages_of(order)
    assert (message.code, message.params, message.text) == ("SMS_OWN", {"o": "王五"}, f"官网：{order.external_id}")


def test_an_opted_out_phone_is_logged_but_not_sent(providers, website, django_capture_on_commit_callbacks):
    buyer_opt_out(channel="sms", address="+86 138-1234-5678", reason="asked by phone")
    with django_capture_on_commit_callbacks(execute=True):
        order = paid_order(website, consignee_phone="13812345678")
    [message] = messages_of(order)
    assert message.status == BuyerMessage.Status.OPTED_OUT
    assert not [call for call in providers.calls if "/notify/" in call[1]]


def test_masked_or_missing_phones_are_not_messaged(providers, website):
    order = paid_order(website, consignee_phone="138****5678")
    assert messages_of(order) == []


def test_a_platform_added_to_the_self_notifying_setting_gets_nothing(providers, settings):
    shopify = ShopFactory(platform="shopify")
    order = paid_order(shopify)
    assert buyer_moment_record(moment="paid", order_id=order.pk, source_key="before")  # told by default
    settings.NOTIFY_SELF_NOTIFYING_PLATFORMS = ["taobao", "shopify"]
    assert buyer_moment_record(moment="shipped", order_id=order.pk, source_key="after") == []
