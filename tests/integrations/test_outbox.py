"""The outbox: written with its cause, coalesced, delivered to the (sandbox) platform, retried, superseded."""

import pytest
from django.db import transaction
from django.utils import timezone

from fulfilment.carriers import carrier_get, carrier_platform_code
from integrations import outbox
from integrations.models import OutboxMessage, WorkStatus
from integrations.sandbox import data, formats
from integrations.sandbox.views import RECEIVED
from tests.factories import SKUFactory, make_order

pytestmark = pytest.mark.django_db


@pytest.fixture
def sku(skus):
    return skus["CUP-BLUE"]


def test_stock_push_is_written_in_the_callers_transaction_and_rolls_back_with_it(taobao, sku):
    class Boom(Exception):
        pass

    with pytest.raises(Boom), transaction.atomic():
        assert outbox.stock_push_enqueue(shop_id=taobao.shop_id, sku_id=sku.pk, quantity=7) is True
        raise Boom
    assert OutboxMessage.objects.count() == 0


def test_newer_stock_levels_replace_the_pending_one(taobao, sku):
    outbox.stock_push_enqueue(shop_id=taobao.shop_id, sku_id=sku.pk, quantity=7)
    outbox.stock_push_enqueue(shop_id=taobao.shop_id, sku_id=sku.pk, quantity=5)

    message = OutboxMessage.objects.get()
    assert message.payload == {"sku_id": sku.pk, "sku_code": "CUP-BLUE", "quantity": 5}


def test_shops_that_cannot_receive_pushes_say_no(shopify, sku):
    # A disabled connection (or none): not pushed, inventory keeps the row dirty.
    shopify.is_enabled = False
    shopify.save()
    assert outbox.stock_push_enqueue(shop_id=shopify.shop_id, sku_id=sku.pk, quantity=1) is False
    assert OutboxMessage.objects.count() == 0


def test_stock_push_is_delivered_and_acknowledged_to_inventory(
    taobao, sku, sandbox_http, monkeypatch, django_capture_on_commit_callbacks
):
    acknowledged = []
    import inventory.services

    monkeypatch.setattr(
        inventory.services, "channel_stock_mark_pushed", lambda **kw: acknowledged.append(kw), raising=False
    )
    RECEIVED.clear()

    with django_capture_on_commit_callbacks(execute=True):
        outbox.stock_push_enqueue(shop_id=taobao.shop_id, sku_id=sku.pk, quantity=42)

    message = OutboxMessage.objects.get()
    assert message.status == WorkStatus.DONE and message.sent_at is not None
    assert RECEIVED[-1]["kind"] == "stock_update" and RECEIVED[-1]["payload"]["quantity"] == "42"
    assert acknowledged == [{"shop_id": taobao.shop_id, "sku_id": sku.pk, "quantity": 42}]


def test_a_failed_send_of_an_older_level_does_not_block_the_newer(taobao, sku, monkeypatch):
    outbox.stock_push_enqueue(shop_id=taobao.shop_id, sku_id=sku.pk, quantity=7)
    older = OutboxMessage.objects.get()
    assert outbox.outbox_claim(older.pk)
    outbox.stock_push_enqueue(shop_id=taobao.shop_id, sku_id=sku.pk, quantity=3)

    assert outbox.outbox_fail(OutboxMessage.objects.get(pk=older.pk), RuntimeError("503")) == WorkStatus.SUPERSEDED
    assert OutboxMessage.objects.get(status=WorkStatus.PENDING).payload["quantity"] == 3


def _sandbox_order(connection, platform):
    """A Order Hub order for one of the sandbox's generated orders (so the sandbox knows its id)."""
    sku = SKUFactory(code="SANDBOX-SHIP")
    generated = data.generate(connection.app_key, data.seq_at(timezone.now()) - 5, skus=[(sku.code, "x")])
    return make_order(
        shop=connection.shop,
        external_id=formats.order_id(platform, generated),
        skus=[(sku, 1, generated.lines[0].price)],
    )


def test_ship_confirmation_goes_out_once_with_the_platforms_carrier_code(
    taobao, sandbox_http, django_capture_on_commit_callbacks
):
    order = _sandbox_order(taobao, "taobao")
    RECEIVED.clear()

    with django_capture_on_commit_callbacks(execute=True):
        outbox.ship_confirmation_enqueue(
            order=order,
            carrier_code=carrier_platform_code(carrier=carrier_get("JT"), platform="taobao"),
            tracking_number="JT0001",
        )
    with django_capture_on_commit_callbacks(execute=True):
        again = outbox.ship_confirmation_enqueue(order=order, carrier_code="HTKY", tracking_number="JT0001")

    message = OutboxMessage.objects.get()
    assert again == [message] and message.status == WorkStatus.DONE
    (sent,) = [r for r in RECEIVED if r["kind"] == "ship_confirm"]
    assert sent["payload"]["company_code"] == "HTKY" and sent["payload"]["out_sid"] == "JT0001"


def test_rejected_carrier_code_retries_then_dies_then_staff_retry(
    taobao, sandbox_http, settings, django_capture_on_commit_callbacks
):
    settings.RETRY_MAX_ATTEMPTS = 2
    order = _sandbox_order(taobao, "taobao")

    with django_capture_on_commit_callbacks(execute=True):
        outbox.ship_confirmation_enqueue(order=order, carrier_code="YT0", tracking_number="YT1")
    message = OutboxMessage.objects.get()
    assert message.status == WorkStatus.FAILED and "YT0" in message.last_error and message.attempts == 1

    OutboxMessage.objects.filter(pk=message.pk).update(next_attempt_at=timezone.now())
    assert outbox.outbox_deliver(message.pk) == WorkStatus.DEAD

    assert outbox.outbox_retry(message_ids=[message.pk]) == 1
    message.refresh_from_db()
    assert (message.status, message.attempts) == (WorkStatus.PENDING, 0)


def test_expired_token_is_recorded_as_such(taobao, sku, sandbox_http, django_capture_on_commit_callbacks):
    taobao.access_token = "expired"
    taobao.save()
    with django_capture_on_commit_callbacks(execute=True):
        outbox.stock_push_enqueue(shop_id=taobao.shop_id, sku_id=sku.pk, quantity=1)
    message = OutboxMessage.objects.get()
    assert (message.status, message.error_code) == (WorkStatus.FAILED, "platform_token_expired")


def test_the_sandbox_refuses_a_carrier_code_the_platform_does_not_know(
    taobao, sandbox_http, django_capture_on_commit_callbacks
):
    order = _sandbox_order(taobao, "taobao")
    with django_capture_on_commit_callbacks(execute=True):
        outbox.ship_confirmation_enqueue(order=order, carrier_code="YT0", tracking_number="YT00001")
    message = OutboxMessage.objects.get()
    assert message.status in (WorkStatus.FAILED, WorkStatus.DEAD)
    assert "YT0" in message.last_error
