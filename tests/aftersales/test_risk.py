"""Risk scores: each documented input adds its points, the buyer is the same across shops by phone or by buyer id
on the same platform, the policy managers set is the one used, and the score is written on the case."""

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from aftersales.models import Case, RiskPolicy
from aftersales.services import refund_record
from aftersales.services.risk import case_risk_assess, case_risk_high, case_risk_score
from orders.states import Status
from tests.factories import make_order

pytestmark = pytest.mark.django_db


def _order(world, shop="shop_a", phone="13812345678", buyer_id="", price="50.00"):
    sku = world["skus"][0]
    return make_order(
        shop=world[shop],
        skus=[(sku, 2, Decimal(price))],
        status=Status.PAID,
        consignee_phone=phone,
        buyer_id=buyer_id,
    )


def _case(order, amount="20.00", external_id="", **fields):
    case, _ = refund_record(
        order=order, amount=Decimal(amount), external_id=external_id or f"RF-{order.pk}-{amount}", system="tests"
    )
    if fields:
        Case.objects.filter(pk=case.pk).update(**fields)
        case.refresh_from_db()
    return case


def test_a_first_small_case_of_a_clean_buyer_scores_zero(world):
    case = _case(_order(world))

    assessment = case_risk_assess(case=case)

    assert (assessment.score, assessment.level, assessment.factors) == (0, "low", {})
    case.refresh_from_db()
    assert case.risk_score == 0


def test_earlier_cases_of_the_same_phone_in_other_shops_count_up_to_the_cap(world):
    for _ in range(4):
        _case(_order(world, shop="shop_b"))
    case = _case(_order(world, shop="shop_a"))

    assessment = case_risk_score(case=case)

    assert assessment.earlier_cases == 4
    assert assessment.factors == {"history": 45}  # 4 × 15 = 60, capped at 45


def test_the_same_buyer_id_counts_only_on_the_same_platform(world):
    other_platform = _case(_order(world, shop="shop_b", phone="13900000001", buyer_id="tb_buyer"))
    case = _case(_order(world, shop="shop_a", phone="13900000002", buyer_id="tb_buyer"))
    assert case_risk_score(case=case).earlier_cases == 0

    _case(_order(world, shop="shop_a", phone="13900000003", buyer_id="tb_buyer"))
    assert case_risk_score(case=case).earlier_cases == 1
    assert other_platform.order.shop.platform != case.order.shop.platform


def test_withdrawn_and_old_cases_do_not_count(world):
    _case(_order(world), status=Case.Status.WITHDRAWN)
    _case(_order(world), created_at=timezone.now() - dt.timedelta(days=91))
    case = _case(_order(world))

    assert case_risk_score(case=case).earlier_cases == 0


def test_value_reason_and_inspection_add_their_points_and_the_total_is_capped(world):
    case = _case(_order(world, price="400.00"), amount="300.00", reason_code=Case.ReasonCode.QUALITY)
    assert case_risk_score(case=case).factors == {"value": 20, "reason": 15}

    Case.objects.filter(pk=case.pk).update(fraud_flag=True)
    case.refresh_from_db()
    assert case_risk_score(case=case).score == 75

    for _ in range(3):
        _case(_order(world), fraud_flag=True)
    assessment = case_risk_score(case=case)
    assert assessment.factors == {"history": 45, "value": 20, "reason": 15, "inspection": 40, "earlier_fraud": 40}
    assert (assessment.score, assessment.level) == (100, "high")


def test_the_policy_managers_set_is_used(world):
    RiskPolicy.objects.create(name="strict", points_per_case=30, history_cap=60, watch_from=20, high_from=30)
    _case(_order(world))
    case = _case(_order(world))

    assessment = case_risk_assess(case=case)

    assert (assessment.score, assessment.level) == (30, "high")
    assert case_risk_high(case=case)
    case.refresh_from_db()
    assert case.risk_factors == {"history": 30, "earlier_cases": 1}


def test_an_unflagged_buyer_below_the_threshold_is_not_high_risk(world):
    case = _case(_order(world, price="400.00"), amount="300.00")

    assert not case_risk_high(case=case)
    case.refresh_from_db()
    assert case.risk_score == 20
