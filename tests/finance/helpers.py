"""Helpers for the finance tests: the sample bills, Shanghai times, paid orders."""

import datetime as dt
from decimal import Decimal

from aftersales.models import Case
from aftersales.services import refund_record
from finance.formats.base import SHANGHAI
from orders.models import Order
from orders.states import Status
from tests.factories import make_order
from tests.samples import SAMPLES

BILLS = SAMPLES / "bills"


def at(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text).replace(tzinfo=SHANGHAI)


def paid_order(
    *,
    shop,
    number: str | None = None,
    paid: str = "2026-11-11 00:00:00",
    sku,
    price="99.00",
    qty=1,
    discount_platform="0",
    discount_merchant="0",
    shipping="0",
    external_id=None,
):
    """A paid order with a chosen order number (statements quote it) and amounts."""
    order = make_order(
        shop=shop,
        skus=[(sku, qty, Decimal(price))],
        status=Status.PAID,
        paid_at=at(paid),
        discount_platform=Decimal(discount_platform),
        discount_merchant=Decimal(discount_merchant),
        shipping_fee=Decimal(shipping),
        external_id=external_id,
    )
    if number:
        Order.objects.filter(pk=order.pk).update(number=number)
        order.refresh_from_db()
    return order


def refunded(order, amount: str, external_id: str, *, when: str):
    """The platform refunded ``amount`` of the order (refund ``external_id``) at the Shanghai time ``when``."""
    return refund_record(
        order=order,
        amount=Decimal(amount),
        external_id=external_id,
        status=Case.Status.REFUNDED,
        refunded_at=at(when),
    )


def sample_bill_orders(*, world, entities, sku) -> None:
    """The orders (and refunds) the sample bills in ``BILLS`` quote: 101 (refunded 88.80), 102, 103 on shop A,
    150 (refunded in full) on the WeChat shop."""
    o101 = paid_order(
        shop=world["shop_a"],
        number="OH20261111000101",
        paid="2026-11-11 00:00:31",
        sku=sku,
        price="133.50",
        qty=2,
        external_id="3987456123001234567",
    )
    refunded(o101, "88.80", "2026111109300001RF", when="2026-11-11 09:30:12")
    paid_order(
        shop=world["shop_a"],
        number="OH20261111000102",
        paid="2026-11-11 00:10:03",
        sku=sku,
        price="79.80",
        discount_merchant="10.00",
    )
    paid_order(
        shop=world["shop_a"],
        number="OH20261111000103",
        paid="2026-11-11 01:20:45",
        sku=sku,
        price="129.00",
        discount_platform="10.00",
    )
    o150 = paid_order(
        shop=entities["shop_wx"], number="OH20261111000150", paid="2026-11-11 12:40:03", sku=sku, price="199.00"
    )
    refunded(o150, "199.00", "RF20261111-000150-1", when="2026-11-11 18:02:59")
