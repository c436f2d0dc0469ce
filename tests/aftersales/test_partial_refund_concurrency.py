"""Partial refunds approved at the same moment on PostgreSQL: two cases of one order, and two orders whose lines
name the same SKUs in opposite order, while another order reserves the same stock. Each approval gives back
exactly its units (no lost update on the stock rows) and none deadlocks: the order row first, then the
reservations and stock rows in ascending pk."""

from decimal import Decimal

import pytest

from aftersales.models import ApprovalTier
from aftersales.services import LineRequest, case_approve, case_create
from inventory.models import Stock
from inventory.services import stock_receive
from orders import roles
from orders.models import Shop
from orders.states import Status
from tests.aftersales.helpers import units_held
from tests.concurrency import run_together
from tests.factories import UserFactory, make_order

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def shop(world):
    # a real-transaction test empties the tables after itself: the fresh install's tier is made again
    ApprovalTier.objects.get_or_create(name="manager", approver=ApprovalTier.Approver.MANAGER, max_amount=None)
    sku1, sku2, _sku3 = world["skus"]
    stock_receive(warehouse=world["wh_a"], lines=[(sku1, 20), (sku2, 20)], reason="test stock")
    return Shop.objects.create(code="web", name="官网", platform="website", default_warehouse=world["wh_a"])


def _order(shop, lines):
    order = make_order(shop=shop, skus=[(sku, q, Decimal("10.00")) for sku, q in lines], status=Status.PAID)
    order.refresh_from_db()
    assert order.status == Status.PAID
    return order


def _case(order, *lines):
    return case_create(
        order=order, kind="refund_only", lines=[LineRequest(sku_code=sku.code, quantity=q) for sku, q in lines]
    )


def _reserved(world) -> list[int]:
    return [Stock.objects.get(sku=sku, warehouse=world["wh_a"]).reserved for sku in world["skus"][:2]]


def test_two_cases_of_one_order_approved_together_each_release_their_units(shop, world, manager):
    sku1, sku2, _ = world["skus"]
    order = _order(shop, [(sku1, 4), (sku2, 3)])
    first, second = _case(order, (sku1, 1)), _case(order, (sku2, 2))
    other_manager = UserFactory(username="manager2", groups=[roles.MANAGER])

    results, errors = run_together(
        [
            lambda: case_approve(case=first, actor=manager),
            lambda: case_approve(case=second, actor=other_manager),
            lambda: _order(shop, [(sku2, 2), (sku1, 2)]),
        ]
    )

    assert errors == []
    order.refresh_from_db()
    assert (order.status, order.hold_reason) == (Status.PAID, "")
    assert units_held(order) == {"SKU-1": 3, "SKU-2": 1}
    assert _reserved(world) == [3 + 2, 1 + 2]


def test_orders_naming_the_same_skus_in_opposite_order_release_together_without_deadlock(shop, world, manager):
    sku1, sku2, _ = world["skus"]
    ab = _order(shop, [(sku1, 3), (sku2, 3)])
    ba = _order(shop, [(sku2, 3), (sku1, 3)])
    cases = [_case(ab, (sku1, 1), (sku2, 2)), _case(ba, (sku2, 1), (sku1, 2))]

    results, errors = run_together([lambda case=case: case_approve(case=case, actor=manager) for case in cases])

    assert errors == []
    assert units_held(ab) == {"SKU-1": 2, "SKU-2": 1}
    assert units_held(ba) == {"SKU-1": 1, "SKU-2": 2}
    assert _reserved(world) == [3, 3]
    ab.refresh_from_db()
    ba.refresh_from_db()
    assert [(ab.status, ab.hold_reason), (ba.status, ba.hold_reason)] == [(Status.PAID, ""), (Status.PAID, "")]
