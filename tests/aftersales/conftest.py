"""Shared by the after-sales tests."""

from decimal import Decimal

import pytest

from aftersales.models import ApprovalTier
from inventory.services import stock_receive
from orders.models import Shop
from orders.shaping.split import order_split
from orders.states import Status
from tests.factories import make_case, make_order


@pytest.fixture
def shrunk_case(world):
    """A compensation of 120.00 asked on an own-site order paid 140.00 (2 × 50.00 + 30.00 + 10.00 postage); the
    order is then split, its 30.00 line moving to a new order: the case now asks more than its order was paid
    (110.00) — approving it must answer 409 ``refund_exceeds_paid``."""
    shop = Shop.objects.create(code="web", name="官网", platform="website", default_warehouse=world["wh_a"])
    first, second = world["skus"][0], world["skus"][1]
    order = make_order(
        shop=shop,
        skus=[(first, 2, Decimal("50.00")), (second, 1, Decimal("30.00"))],
        status=Status.PAID,
        shipping_fee=Decimal("10.00"),
    )
    case = make_case(order=order, kind="compensation", amount=Decimal("120.00"), reason_code="price_protection")
    line = order.lines.get(sku=second)
    order_split(order_id=order.pk, parts={line.pk: 1}, system="tests", review=False)
    order.refresh_from_db()
    assert order.paid_amount == Decimal("110.00")
    return case


@pytest.fixture
def fresh_install_tier(db):
    """The tier a fresh install has (a manager approves any amount), also after a transactional test emptied the
    tables the migrations filled."""
    ApprovalTier.objects.get_or_create(
        approver=ApprovalTier.Approver.MANAGER, max_amount=None, defaults={"name": "manager"}
    )


@pytest.fixture
def stocked_order(world):
    """An own-site order paid 190.00 (3 × SKU-1 at 50.00, 1 × SKU-2 at 30.00, 10.00 postage), its stock reserved:
    paid and not shipped yet."""
    sku1, sku2, _sku3 = world["skus"]
    stock_receive(warehouse=world["wh_a"], lines=[(sku1, 10), (sku2, 10)], reason="test stock")
    shop = Shop.objects.create(code="web", name="官网", platform="website", default_warehouse=world["wh_a"])
    return make_order(
        shop=shop,
        skus=[(sku1, 3, Decimal("50.00")), (sku2, 1, Decimal("30.00"))],
        status=Status.PAID,
        shipping_fee=Decimal("10.00"),
    )
