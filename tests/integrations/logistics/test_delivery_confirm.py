"""A delivered parcel is confirmed to the platforms that learn deliveries only from the merchant — Shopify:
a fulfillment event ``delivered`` on the fulfillment carrying the tracking number
(https://shopify.dev/docs/api/admin-rest/2024-07/resources/fulfillmentevent: POST
orders/{order_id}/fulfillments/{fulfillment_id}/events.json {"event": {"status": "delivered", "happened_at"}}
→ 201 {"fulfillment_event": {...}}) — through the outbox, which then clears "platform not updated"."""

import datetime as dt

import pytest
from django.utils import timezone

from fulfilment.models import Shipment
from integrations import outbox
from integrations.models import OutboxMessage, WorkStatus
from integrations.sandbox.formats import order_id
from integrations.sandbox.views.shared import RECEIVED
from tests.integrations.logistics.test_tracking import _shipped, k100_item, kuaidi100_param, post_kuaidi100

pytestmark = pytest.mark.django_db

NUMBER = "YT2300009999"


def _shopify_order_id(connection) -> str:
    from integrations.sandbox import data

    return order_id("shopify", data.generate(connection.app_key, 1))


def _ship(connection, skus, django_capture_on_commit_callbacks):
    return _shipped(
        connection,
        skus,
        number=NUMBER,
        external_id=_shopify_order_id(connection),
        django_capture_on_commit_callbacks=django_capture_on_commit_callbacks,
    )


@pytest.fixture
def received():
    RECEIVED.clear()
    yield RECEIVED
    RECEIVED.clear()


def test_a_delivered_shopify_parcel_is_confirmed_with_a_fulfillment_event(
    client, shopify, skus, aggregators, sandbox_http, received, django_capture_on_commit_callbacks
):
    shipment = _ship(shopify, skus, django_capture_on_commit_callbacks)
    assert OutboxMessage.objects.get(kind=OutboxMessage.Kind.SHIP_CONFIRM).status == WorkStatus.DONE
    signed_at = timezone.now() - dt.timedelta(hours=2)
    with django_capture_on_commit_callbacks(execute=True):
        post_kuaidi100(client, kuaidi100_param(k100_item(signed_at, "已签收", "签收", "301"), state="3", number=NUMBER))
    check = OutboxMessage.objects.get(kind=OutboxMessage.Kind.DELIVERY_CHECK)
    assert check.status == WorkStatus.DONE, check.last_error
    assert check.response["delivery_confirmed"]["status"] == "delivered"
    events = [r["payload"] for r in received if r["kind"] == "fulfillment_event"]
    assert len(events) == 1 and events[0]["status"] == "delivered"
    assert dt.datetime.fromisoformat(events[0]["happened_at"]) == signed_at.replace(microsecond=0)
    shipment.refresh_from_db()
    assert shipment.status == Shipment.Status.DELIVERED and shipment.platform_delivered_at is not None


def test_a_retried_confirmation_posts_no_second_event(
    client, shopify, skus, aggregators, sandbox_http, received, django_capture_on_commit_callbacks
):
    shipment = _ship(shopify, skus, django_capture_on_commit_callbacks)
    with django_capture_on_commit_callbacks(execute=True):
        post_kuaidi100(
            client, kuaidi100_param(k100_item(timezone.now(), "已签收", "签收", "301"), state="3", number=NUMBER)
        )
    check = OutboxMessage.objects.get(kind=OutboxMessage.Kind.DELIVERY_CHECK)
    OutboxMessage.objects.filter(pk=check.pk).update(status=WorkStatus.FAILED, next_attempt_at=timezone.now())
    assert outbox.outbox_deliver(check.pk) == WorkStatus.DONE
    check.refresh_from_db()
    assert check.response["delivery_confirmed"]["already_delivered"] is True
    assert len([r for r in received if r["kind"] == "fulfillment_event"]) == 1
    assert shipment.pk


def test_without_the_fulfillment_on_shopify_the_confirmation_waits_and_retries(shopify, skus, sandbox_http, received):
    from integrations.platforms.shopify.client import ShopifyClient

    external = _shopify_order_id(shopify)
    with pytest.raises(Exception) as exc:
        ShopifyClient(shopify).delivery_confirm(
            external_id=external, tracking_number=NUMBER, delivered_at=timezone.now().isoformat()
        )
    assert "没有运单号为 YT2300009999 的履约记录" in str(exc.value)
    assert not getattr(exc.value, "permanent", False)  # retried under config.retry


def test_platforms_that_follow_the_carrier_are_not_told(taobao):
    from integrations.platforms.taobao.client import TaobaoClient

    assert TaobaoClient(taobao).delivery_confirm(external_id="1", tracking_number="x", delivered_at="") is None
