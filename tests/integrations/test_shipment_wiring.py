"""Fulfilment's shipment_confirmed signal reaches the platform through the integrations outbox."""

import pytest
from django.db import transaction
from django.utils import timezone

from fulfilment.signals import shipment_confirmed
from integrations.models import OutboxMessage
from tests.factories import ShopFactory, make_order

pytestmark = pytest.mark.django_db


def _confirm(order, *, tracking="YD100200300", code="YUNDA"):
    shipment_confirmed.send(
        sender=None,
        shipment_id=1,
        order_id=order.pk,
        order_number=order.number,
        shop_id=order.shop_id,
        platform=order.shop.platform,
        carrier_code="YD",
        platform_carrier_code=code,
        tracking_number=tracking,
        shipped_at=timezone.now(),
    )


def test_a_shipment_queues_one_ship_confirmation_with_the_platform_carrier_code(
    taobao, django_capture_on_commit_callbacks
):
    order = make_order(shop=taobao.shop, external_id="2026111100001")
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        _confirm(order)
        _confirm(order)  # the same shipment announced twice: still one message

    message = OutboxMessage.objects.get(kind=OutboxMessage.Kind.SHIP_CONFIRM)
    assert (message.shop_id, message.order_id) == (taobao.shop_id, order.pk)
    assert message.payload["carrier_code"] == "YUNDA"
    assert message.payload["tracking_number"] == "YD100200300"
    assert message.payload["external_id"] == "2026111100001"
    assert len(callbacks) >= 1  # delivery is queued for after commit


def test_a_rolled_back_shipment_leaves_no_confirmation(taobao):
    order = make_order(shop=taobao.shop)
    with pytest.raises(RuntimeError), transaction.atomic():
        _confirm(order)
        raise RuntimeError("label printer on fire")
    assert not OutboxMessage.objects.exists()


def test_shops_without_a_platform_connection_queue_nothing():
    order = make_order(shop=ShopFactory(platform="pos"))
    _confirm(order, code="YD")
    assert not OutboxMessage.objects.exists()
