"""Finance fixtures: legal entities owning the cast's shops, the sample bills, and file storage in tmp."""

import datetime as dt
from decimal import Decimal
from pathlib import Path

import pytest

from finance.formats.base import SHANGHAI
from finance.models import LegalEntity, ShopEntity
from finance.services.entities import entity_access_grant
from orders.models import Order
from orders.states import Status
from tests.factories import ShopFactory, make_order
from tests.samples import SAMPLES

BILLS = SAMPLES / "bills"


@pytest.fixture(autouse=True)
def _media_and_sync_tasks(settings, tmp_path, monkeypatch):
    """Files go to a temporary MEDIA_ROOT; django-q2 runs queued tasks at once, in the test."""
    from django_q.conf import Conf

    settings.MEDIA_ROOT = tmp_path / "media"
    monkeypatch.setattr(Conf, "SYNC", True)


@pytest.fixture
def bills() -> Path:
    return BILLS


@pytest.fixture
def entities(world):
    """Entity A owns shop A (Tmall) and the WeChat shop; entity B owns shop B (JD)."""
    a = LegalEntity.objects.create(code="ent-a", name="杭州花间科技有限公司")
    b = LegalEntity.objects.create(code="ent-b", name="广州京选贸易有限公司")
    wechat = ShopFactory(code="shop-wx", name="小程序商城", platform="wechat", default_warehouse=world["wh_a"])
    ShopEntity.objects.create(shop=world["shop_a"], entity=a)
    ShopEntity.objects.create(shop=world["shop_b"], entity=b)
    ShopEntity.objects.create(shop=wechat, entity=a)
    return {"a": a, "b": b, "shop_wx": wechat}


@pytest.fixture
def finance_a(finance, entities):
    """The cast's finance user, granted entity A only."""
    entity_access_grant(who=finance, entities=[entities["a"]])
    return finance


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
