"""The shipped templates, as published by the demo, on real orders."""

from decimal import Decimal

import pytest

from orders.models import Approval, OrderRuleResult, RuleSetVersion
from orders.rules.demo import TEMPLATES, demo_rules_seed
from orders.rules.services import order_rules_apply
from orders.states import HoldReason, Status
from tests.factories import SKUFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def templates_live(world):
    demo_rules_seed()


def apply(order):
    order_rules_apply(order_id=order.pk)
    order.refresh_from_db()
    return order


def test_demo_seed_publishes_the_templates_once(world):
    assert demo_rules_seed() == {"rule_sets": 1, "rules": len(TEMPLATES)}
    assert demo_rules_seed() == {"rule_sets": 1, "rules": len(TEMPLATES)}
    version = RuleSetVersion.objects.get()
    assert version.status == RuleSetVersion.Status.PUBLISHED and version.previews.count() == 1
    assert [r["id"] for r in version.rules] == [t["id"] for t in TEMPLATES]


@pytest.mark.parametrize("place", ["体育西路189号临时摊位", "香港中路76号快递柜代收"])
def test_suspicious_address_over_500_is_held_for_review(templates_live, paid_order, place):
    order = apply(paid_order(amount=Decimal("600.00"), address=place))
    assert (order.status, order.hold_reason) == (Status.ON_HOLD, HoldReason.RISK)
    task = order.review_tasks.get(kind="rules")
    assert "临时摊位或快递柜代收" in task.reason
    assert list(task.approvals.values_list("role", flat=True)) == ["主管"]  # and the amount needs a manager


def test_suspicious_address_at_500_or_less_is_not_held(templates_live, paid_order):
    order = apply(paid_order(amount=Decimal("500.00"), address="体育西路189号临时摊位"))
    assert order.status == Status.APPROVED


def test_over_500_needs_a_manager_approval(templates_live, paid_order):
    order = apply(paid_order(amount=Decimal("500.01")))
    assert (order.status, order.hold_reason) == (Status.ON_HOLD, HoldReason.APPROVAL)
    assert list(Approval.objects.filter(task__order=order).values_list("tier", "role")) == [(1, "主管")]


def test_vip3_with_a_fragile_item_gets_insurance_and_installation(templates_live, paid_order):
    vase = SKUFactory(code="VASE-1", is_fragile=True)
    order = apply(paid_order(sku=vase, buyer_level=3))
    assert OrderRuleResult.objects.get(order=order).services == ["保价", "上门安装"]
    assert order.status == Status.APPROVED


@pytest.mark.parametrize(
    ("level", "fragile"),
    [(2, True), (5, False)],
)
def test_no_services_without_both_vip3_and_a_fragile_item(templates_live, paid_order, level, fragile):
    order = apply(paid_order(sku=SKUFactory(is_fragile=fragile), buyer_level=level))
    assert OrderRuleResult.objects.get(order=order).services == []


@pytest.mark.parametrize(
    ("remark", "tags"),
    [
        ("赠品请多放一个试用装", ["需配赠品", "需配试用装"]),
        ("需要定制刻字：平安喜乐", ["需定制刻字"]),
        ("请尽快发货", []),
    ],
)
def test_remarks_mentioning_gifts_samples_or_engraving_get_the_matching_tags(templates_live, paid_order, remark, tags):
    order = apply(paid_order(buyer_remark=remark))
    assert order.tags == tags


def test_a_seller_memo_counts_as_a_remark(templates_live, paid_order):
    order = apply(paid_order(seller_memo="客户要求加赠品"))
    assert order.tags == ["需配赠品"]
