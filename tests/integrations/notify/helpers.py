"""Helpers of the buyer notification tests: orders in a given state, and the messages of an order."""

from __future__ import annotations

from decimal import Decimal

from django.utils import timezone

from fulfilment.models import Carrier, Shipment
from integrations.notify.models import BuyerMessage
from orders.states import Status
from tests.factories import SKUFactory, WarehouseFactory, make_order


def paid_order(shop, **fields):
    sku = SKUFactory()
    from inventory.services import stock_receive

    warehouse = WarehouseFactory()
    stock_receive(warehouse=warehouse, lines=[(sku, 10)], reason="test stock")
    return make_order(shop=shop, status=Status.PAID, skus=[(sku, 1, Decimal("99.00"))], **fields)


def parcel(order, *, tracking_number="ZT7700112233"):
    carrier, _created = Carrier.objects.get_or_create(code="ZTO", defaults={"name": "中通快递"})
    return Shipment.objects.create(
        order=order,
        warehouse=order.warehouse or WarehouseFactory(),
        carrier=carrier,
        status=Shipment.Status.SHIPPED,
        tracking_number=tracking_number,
        weight_grams=800,
        shipped_at=timezone.now(),
    )


def messages_of(order, **filters):
    return list(BuyerMessage.objects.filter(order=order, **filters).order_by("pk"))
