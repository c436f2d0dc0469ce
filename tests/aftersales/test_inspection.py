"""The warehouse's grades do what they say: good back to sellable stock, damaged into the damaged pool (the
defective location), a wrong item or an empty box flags the case as fraud and raises its risk; a high-risk case
never approves by itself."""

from decimal import Decimal

import pytest

from aftersales.models import ApprovalTier, Case, RiskPolicy
from aftersales.services import LineRequest, ReceivedLine, case_approve, case_create, case_receive
from inventory.models import Pool, Stock, StockMovement
from orders.models import Shop
from orders.states import Status
from tests.aftersales.helpers import order_shipped
from tests.factories import make_order

pytestmark = pytest.mark.django_db


@pytest.fixture
def order(world):
    shop = Shop.objects.create(code="web", name="官网", platform="website", default_warehouse=world["wh_a"])
    a, b = world["skus"][0], world["skus"][1]
    return order_shipped(
        make_order(shop=shop, skus=[(a, 2, Decimal("50.00")), (b, 1, Decimal("30.00"))], status=Status.PAID)
    )


def _awaiting_return(order, manager, lines=(("SKU-1", 2), ("SKU-2", 1))):
    case = case_create(
        order=order,
        kind="return_refund",
        lines=[LineRequest(sku_code=sku, quantity=q) for sku, q in lines],
        reason="质量问题",
        actor=manager,
    )
    case_approve(case=case, actor=manager)
    case.refresh_from_db()
    assert case.status == Case.Status.AWAITING_RETURN
    return case


def test_good_units_go_back_to_sellable_stock_and_damaged_ones_to_the_damaged_pool(order, manager, world):
    case = _awaiting_return(order, manager)

    case_receive(
        case=case,
        lines=[
            ReceivedLine(sku_code="SKU-1", quantity=1, condition="good"),
            ReceivedLine(sku_code="SKU-2", quantity=1, condition="damaged"),
        ],
        actor=manager,
    )

    moves = StockMovement.objects.filter(reference=case.number).order_by("sku__code")
    assert [(m.sku.code, m.pool, m.on_hand_delta) for m in moves] == [
        ("SKU-1", Pool.SPOT, 1),
        ("SKU-2", Pool.DAMAGED, 1),
    ]
    damaged = Stock.objects.get(sku__code="SKU-2", warehouse=world["wh_a"], pool=Pool.DAMAGED)
    assert damaged.on_hand == 1
    case.refresh_from_db()
    assert not case.fraud_flag and case.risk_factors.get("inspection") is None


@pytest.mark.parametrize("condition", ["wrong_item", "missing"])
def test_a_wrong_item_or_an_empty_box_flags_fraud_restocks_nothing_and_raises_the_risk(order, manager, condition):
    case = _awaiting_return(order, manager, lines=(("SKU-1", 1),))

    case_receive(case=case, lines=[ReceivedLine(sku_code="SKU-1", quantity=0, condition=condition)], actor=manager)

    case.refresh_from_db()
    assert case.fraud_flag
    assert case.risk_factors["inspection"] == 40 and case.risk_score >= 40
    assert not StockMovement.objects.filter(reference=case.number).exists()


def test_a_high_risk_case_waits_for_a_person_even_under_the_automatic_tier(order, manager):
    ApprovalTier.objects.create(
        name="auto", approver=ApprovalTier.Approver.AUTOMATIC, max_amount=Decimal("500.00"), clean_history_only=False
    )
    RiskPolicy.objects.create(name="strict", reason_points=50, watch_from=30, high_from=50, risky_reasons=["quality"])

    risky = case_create(
        order=order, kind="refund_only", lines=[LineRequest(sku_code="SKU-1", quantity=1)], reason_code="quality",
        reason="质量问题", actor=manager,
    )  # fmt: skip
    plain = case_create(
        order=order, kind="refund_only", lines=[LineRequest(sku_code="SKU-2", quantity=1)], reason="不想要了",
        actor=manager,
    )  # fmt: skip

    risky.refresh_from_db()
    plain.refresh_from_db()
    assert (risky.status, risky.risk_score) == (Case.Status.REQUESTED, 50)
    assert not risky.decisions.exists()
    assert plain.status == Case.Status.APPROVED and plain.decisions.get().automatic
