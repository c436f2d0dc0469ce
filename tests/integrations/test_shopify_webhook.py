"""POST /webhooks/shopify/<shop_code>/: signature, storage before processing, dedup, order of arrival."""

import json
from decimal import Decimal

import pytest

from integrations.models import InboxMessage, WebhookRejection, WorkStatus
from orders.models import Order, OrderEvent
from orders.states import Status
from tests.integrations.helpers import shopify_post, shopify_sample

pytestmark = pytest.mark.django_db


def post(client, capture, shop, body, **kwargs):
    with capture(execute=True):
        return shopify_post(client, shop.shop.code, body, **kwargs)


def test_signed_orders_create_is_stored_then_becomes_one_mapped_order(
    client, shopify, django_capture_on_commit_callbacks
):
    _headers, body = shopify_sample()

    response = post(client, django_capture_on_commit_callbacks, shopify, body)

    assert response.status_code == 200
    message = InboxMessage.objects.get()
    assert message.status == WorkStatus.DONE and message.result == "created"
    assert json.loads(message.body) == body  # the raw body, byte for byte as sent
    assert message.headers["x-shopify-topic"] == "orders/create"
    order = Order.objects.get(shop=shopify.shop, external_id="6123456789012")
    assert message.order == order
    assert order.source == "webhook"
    assert order.status == Status.APPROVED  # paid, then approved by the automatic review after commit
    assert order.events.filter(to_status=Status.PAID).exists()
    assert order.currency == "CNY"
    assert (order.goods_amount, order.discount_merchant, order.shipping_fee, order.paid_amount) == (
        Decimal("356.00"),
        Decimal("30.00"),
        Decimal("15.00"),
        Decimal("341.00"),
    )
    assert order.discount_platform == Decimal("0.00")
    assert (order.consignee_name, order.consignee_phone, order.country) == ("Ava Lin", "+852 5123 4567", "HK")
    assert (order.province, order.city, order.address) == ("Hong Kong Island", "Wan Chai", "1 Harbour Road Flat 12B")
    assert order.buyer_remark == "Gift wrap please"
    assert order.tags == ["vip", "11.11"]
    lines = {line.sku.code: line for line in order.lines.all()}
    assert set(lines) == {"FLW-SERUM-30ML", "FLW-MASK-5P"}
    assert (lines["FLW-SERUM-30ML"].quantity, lines["FLW-SERUM-30ML"].unit_price) == (2, Decimal("129.00"))
    assert lines["FLW-SERUM-30ML"].discount == Decimal("21.74")
    assert lines["FLW-MASK-5P"].discount == Decimal("8.26")
    assert lines["FLW-MASK-5P"].external_line_id == "15011111112"


@pytest.mark.parametrize(
    "signature, reason",
    [("bm90IHRoZSByaWdodCBzaWduYXR1cmU=", "不符"), ("", "缺少")],
)
def test_bad_or_missing_signature_is_401_logged_and_nothing_stored(client, shopify, signature, reason):
    _headers, body = shopify_sample()

    response = (
        shopify_post(client, shopify.shop.code, body, hmac=signature)
        if signature
        else shopify_post(client, shopify.shop.code, body, secret=None)
    )

    assert response.status_code == 401
    assert response.json()["code"] == "signature_invalid"
    assert InboxMessage.objects.count() == 0
    assert Order.objects.count() == 0
    rejection = WebhookRejection.objects.get()
    assert reason in rejection.reason and rejection.shop == shopify.shop and rejection.topic == "orders/create"


def test_signature_made_with_another_secret_is_rejected(client, shopify):
    _headers, body = shopify_sample()
    response = shopify_post(client, shopify.shop.code, body, secret="someone-elses-secret")
    assert response.status_code == 401
    assert Order.objects.count() == 0


def test_a_changed_body_with_the_original_signature_is_rejected(client, shopify):
    _headers, body = shopify_sample()
    from integrations.signing import shopify_hmac
    from tests.integrations.helpers import SECRET

    signature = shopify_hmac(json.dumps(body).encode(), SECRET)
    body["total_price"] = "1.00"
    response = shopify_post(client, shopify.shop.code, body, hmac=signature)
    assert response.status_code == 401


def test_unknown_shop_is_rejected_like_a_bad_signature(client, shopify):
    _headers, body = shopify_sample()
    response = shopify_post(client, "no-such-shop", body)
    assert response.status_code == 401
    assert WebhookRejection.objects.get().shop_code == "no-such-shop"


def test_the_same_delivery_again_is_200_and_no_second_order(client, shopify, django_capture_on_commit_callbacks):
    _headers, body = shopify_sample()

    first = post(client, django_capture_on_commit_callbacks, shopify, body, webhook_id="same")
    again = post(client, django_capture_on_commit_callbacks, shopify, body, webhook_id="same")

    assert first.status_code == again.status_code == 200
    assert again.json()["duplicates"] == 1
    assert Order.objects.count() == 1
    assert InboxMessage.objects.get().deliveries == 2


def test_same_content_under_a_new_delivery_id_changes_nothing(client, shopify, django_capture_on_commit_callbacks):
    _headers, body = shopify_sample()
    post(client, django_capture_on_commit_callbacks, shopify, body, webhook_id="a")
    post(client, django_capture_on_commit_callbacks, shopify, body, webhook_id="b", topic="orders/updated")

    assert Order.objects.count() == 1
    second = InboxMessage.objects.get(event_id="b")
    assert second.result == "unchanged"
    assert OrderEvent.objects.filter(order__external_id="6123456789012", kind=OrderEvent.Kind.UPDATED).count() == 0


def test_orders_updated_before_orders_create_still_yields_one_correct_order(
    client, shopify, django_capture_on_commit_callbacks
):
    _headers, created = shopify_sample()
    updated = dict(created, updated_at="2026-11-11T00:09:00+08:00", note="Gift wrap please, red paper")
    updated["shipping_address"] = dict(created["shipping_address"], address2="Flat 15C")

    post(client, django_capture_on_commit_callbacks, shopify, updated, webhook_id="u", topic="orders/updated")
    post(client, django_capture_on_commit_callbacks, shopify, created, webhook_id="c", topic="orders/create")

    order = Order.objects.get()
    assert order.address == "1 Harbour Road Flat 15C"
    assert order.buyer_remark == "Gift wrap please, red paper"
    assert InboxMessage.objects.get(event_id="c").result == "stale"
    assert order.events.filter(kind=OrderEvent.Kind.CREATED).count() == 1


def test_a_later_update_changes_the_address_and_records_an_event(client, shopify, django_capture_on_commit_callbacks):
    _headers, created = shopify_sample()
    post(client, django_capture_on_commit_callbacks, shopify, created, webhook_id="c")
    updated = dict(created, updated_at="2026-11-11T01:00:00+08:00")
    updated["shipping_address"] = dict(created["shipping_address"], address1="8 Queen's Road")

    post(client, django_capture_on_commit_callbacks, shopify, updated, webhook_id="u", topic="orders/updated")

    order = Order.objects.get()
    assert order.address == "8 Queen's Road Flat 12B"
    event = order.events.get(kind=OrderEvent.Kind.UPDATED)
    assert "address" in event.data["fields"]
    assert event.system == "integrations:shopify"


def test_orders_cancelled_before_shipping_cancels_the_order(client, shopify, django_capture_on_commit_callbacks):
    _headers, created = shopify_sample()
    post(client, django_capture_on_commit_callbacks, shopify, created, webhook_id="c")
    cancelled = dict(
        created,
        updated_at="2026-11-11T02:00:00+08:00",
        cancelled_at="2026-11-11T02:00:00+08:00",
        cancel_reason="customer",
    )

    post(client, django_capture_on_commit_callbacks, shopify, cancelled, webhook_id="x", topic="orders/cancelled")

    order = Order.objects.get()
    assert order.status == Status.CANCELLED
    assert order.events.filter(kind=OrderEvent.Kind.TRANSITION, to_status=Status.CANCELLED).exists()


def test_a_refund_in_orders_updated_is_recorded_once(client, shopify, django_capture_on_commit_callbacks):
    _headers, created = shopify_sample()
    post(client, django_capture_on_commit_callbacks, shopify, created, webhook_id="c")
    refunded = dict(
        created,
        updated_at="2026-11-12T10:00:00+08:00",
        financial_status="partially_refunded",
        refunds=[
            {
                "id": 880011,
                "created_at": "2026-11-12T10:00:00+08:00",
                "note": "damaged",
                "transactions": [{"kind": "refund", "status": "success", "amount": "98.00"}],
            }
        ],
    )
    post(client, django_capture_on_commit_callbacks, shopify, refunded, webhook_id="r1", topic="orders/updated")
    post(
        client,
        django_capture_on_commit_callbacks,
        shopify,
        dict(refunded, note="x"),
        webhook_id="r2",
        topic="orders/updated",
    )

    order = Order.objects.get()
    refund = order.cases.get()
    assert (refund.external_id, refund.amount, refund.status) == ("880011", Decimal("98.00"), "refunded")


def test_a_signed_body_that_is_not_json_is_400_and_kept_as_a_dead_letter(client, shopify):
    response = shopify_post(client, shopify.shop.code, b'{"id": 1, "line_items": [', webhook_id="broken")

    assert response.status_code == 400
    assert response.json()["code"] == "payload_invalid"
    message = InboxMessage.objects.get()
    assert message.status == WorkStatus.DEAD
    assert "不是有效的 JSON" in message.last_error
    assert Order.objects.count() == 0


def test_an_order_without_a_sku_on_a_line_is_a_dead_letter_with_the_line_named(
    client, shopify, django_capture_on_commit_callbacks
):
    _headers, body = shopify_sample()
    body["line_items"][1]["sku"] = ""

    response = post(client, django_capture_on_commit_callbacks, shopify, body)

    assert response.status_code == 200  # accepted: stored, and parked for staff
    message = InboxMessage.objects.get()
    assert message.status == WorkStatus.DEAD
    assert "lines[1].sku_code" in message.last_error
    assert Order.objects.count() == 0
