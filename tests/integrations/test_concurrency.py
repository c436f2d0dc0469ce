"""Real concurrency on PostgreSQL: the same order arriving twice at the same moment becomes one order."""

import json

import pytest

from integrations.inbox import inbox_process, inbox_store
from integrations.models import ChannelOrderState, InboxMessage
from integrations.platforms.base import PushItem, PushRequest
from integrations.services import webhook_accept
from integrations.signing import shopify_hmac
from orders.models import Order
from tests.concurrency import run_together
from tests.integrations.helpers import SECRET, shopify_sample

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def _push(shop_code, body_bytes, webhook_id):
    def job():
        request = PushRequest(
            body=body_bytes,
            headers={
                "x-shopify-topic": "orders/create",
                "x-shopify-webhook-id": webhook_id,
                "x-shopify-hmac-sha256": shopify_hmac(body_bytes, SECRET),
            },
            query={},
        )
        webhook_accept(platform="shopify", shop_code=shop_code, request=request)

    return job


def test_two_identical_pushes_at_once_make_one_order(shopify):
    _headers, body = shopify_sample()
    raw = json.dumps(body).encode()

    _results, errors = run_together([_push(shopify.shop.code, raw, "same-delivery") for _ in range(4)])

    assert errors == []
    assert Order.objects.filter(external_id="6123456789012").count() == 1
    message = InboxMessage.objects.get()
    assert message.deliveries == 4
    assert message.result == "created"


def test_push_and_poll_of_the_same_order_at_once_make_one_order(shopify):
    _headers, body = shopify_sample()
    raw = json.dumps(body).encode()
    # The same order as a webhook (different delivery ids) and as a polled order, processed concurrently.
    stored = inbox_store(
        shop=shopify.shop,
        platform="shopify",
        kind=InboxMessage.Kind.POLL,
        items=[PushItem("shopify.order", "", str(body["id"]), json.dumps(body))],
        enqueue=False,
    )

    _results, errors = run_together(
        [
            _push(shopify.shop.code, raw, "d1"),
            _push(shopify.shop.code, raw, "d2"),
            lambda: inbox_process(stored.new_ids),
        ]
    )

    assert errors == []
    assert Order.objects.count() == 1
    results = sorted(InboxMessage.objects.values_list("result", flat=True))
    assert results.count("created") == 1
    assert set(results) <= {"created", "unchanged"}
    assert ChannelOrderState.objects.get().order == Order.objects.get()
