"""Helpers for the finance tests: the sample bills, Shanghai times, paid orders."""

import datetime as dt
from decimal import Decimal

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
