# ruff: noqa: F811  (pytest fixtures imported from tests.orders.rules.fixtures are used as arguments)
"""Order health score: each dimension, the blocking cap, and review below 60."""

import datetime as dt
from decimal import Decimal

import pytest
from django.contrib.admin.sites import site
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation

from aftersales.services import refund_record
from orders.admin.orders import OrderAdmin
from orders.admin.review import ReviewTaskAdmin
from orders.health import REVIEW_BELOW, order_health, order_health_check
from orders.models import Order, OrderEvent, OrderRuleResult, ReviewTask
from orders.review.services import order_address_update, review_approve, review_hold_manual
from orders.states import HoldReason, Status
from tests.factories import SKUFactory, make_order
from tests.orders.rules.fixtures import clock, tasks_run_inline  # noqa: F401

pytestmark = pytest.mark.django_db


def healthy(world, **fields):
    now = timezone.now()
    defaults = {
        "status": Status.PAID,
        "payment_method": "alipay",
        "buyer_level": 2,
        "placed_at": now - dt.timedelta(minutes=10),
        "paid_at": now - dt.timedelta(minutes=5),
    }
    defaults.update(fields)
    return make_order(shop=world["shop_a"], **defaults)


def dims(report):
    return {d.name: d.score for d in report.dimensions}


def test_a_clean_order_scores_100(world):
    report = order_health(healthy(world))
    assert report.score == 100 and not report.needs_review
    assert dims(report) == dict.fromkeys(["address", "discounts", "payment", "stock", "risk"], 20)


def test_address_completeness(world):
    report = order_health(healthy(world, consignee_phone="13", district="", address="西湖边"))
    assert dims(report)["address"] == 20 - 4 - 2 - 4 - 2
    assert any("implausible phone" in r for r in report.dimensions[0].reasons)


def test_a_missing_detail_address_blocks_the_order(world):
    report = order_health(healthy(world, address=""))
    assert report.score == REVIEW_BELOW - 1 and report.needs_review
    assert report.as_json()["address"]["blocking"] is True


@pytest.mark.parametrize(
    ("platform", "merchant", "expected"),
    [("0.00", "20.00", 20), ("35.00", "0.00", 14), ("30.00", "30.00", 2), ("90.00", "0.00", 0)],
)
def test_discount_stacking_sanity(world, platform, merchant, expected):
    order = healthy(
        world,
        skus=[(SKUFactory(), 1, Decimal("100.00"))],
        discount_platform=Decimal(platform),
        discount_merchant=Decimal(merchant),
    )
    assert dims(order_health(order))["discounts"] == expected


def test_payment(world):
    assert dims(order_health(healthy(world, payment_method="")))["payment"] == 16
    free = healthy(world, skus=[(SKUFactory(), 1, Decimal("50.00"))], discount_merchant=Decimal("50.00"))
    assert dims(order_health(free))["payment"] == 4  # nothing paid for goods
    unpaid = make_order(shop=world["shop_a"])
    assert dims(order_health(unpaid))["payment"] == 20  # not paid yet: nothing to judge


def test_stock(world):
    retired = SKUFactory(is_active=False)
    report = order_health(healthy(world, skus=[(retired, 1, Decimal("10.00"))]))
    assert dims(report)["stock"] == 10 and report.score < REVIEW_BELOW  # an inactive SKU blocks
    presale = SKUFactory(is_presale=True)
    assert dims(order_health(healthy(world, skus=[(presale, 1, Decimal("10.00"))])))["stock"] == 14


def test_risk(world, clock):
    phone = "13600001111"
    for i in range(5):
        make_order(shop=world["shop_b"], consignee_phone=phone, placed_at=clock.now - dt.timedelta(hours=i + 1))
    old = make_order(shop=world["shop_b"], consignee_phone=phone, placed_at=clock.now - dt.timedelta(days=20))
    for n in range(3):
        refund_record(order=old, amount=Decimal("1.00"), external_id=f"R{n}")
    order = healthy(
        world,
        consignee_phone=phone,
        placed_at=clock.now,
        buyer_remark="好评返现吗",
        buyer_level=0,
        skus=[(SKUFactory(), 1, Decimal("2500.00"))],
    )
    order_address_update(order_id=order.pk, actor=None, system="tests", address="新地址1号")
    order_address_update(order_id=order.pk, actor=None, system="tests", address="新地址2号")
    report = order_health(order)
    assert dims(report)["risk"] == 0  # 8 + 8 + 6 + 6 + 4 > 20
    reasons = " ".join(report.as_json()["risk"]["reasons"])
    assert "5 other orders" in reasons and "3 refunds" in reasons and "address changed 2 times" in reasons


def test_a_check_below_60_queues_the_order_for_review(world):
    order = healthy(world, consignee_phone="", address="")
    report = order_health_check(order_id=order.pk)
    order.refresh_from_db()
    assert report.score < 60
    assert (order.status, order.hold_reason) == (Status.ON_HOLD, HoldReason.RISK)
    assert order.review_tasks.get().reason.startswith(f"health {report.score}/100")
    assert OrderRuleResult.objects.get(order=order).health_score == report.score


def test_a_check_at_60_or_more_changes_nothing(world):
    order = healthy(world, payment_method="")
    order_health_check(order_id=order.pk)
    order.refresh_from_db()
    assert order.status == Status.PAID and not order.review_tasks.exists()


HELD_EN = "health 59/100: −6 no phone (blocking); −8 no detail address (blocking)"
HELD_ZH = "健康分 59/100：−6 无电话（阻断）；−8 无详细地址（阻断）"


@pytest.mark.parametrize("writer", ["zh-hans", "en"])
def test_a_health_hold_reads_in_each_readers_language(world, manager, admin_user, writer):
    """The review task's reason and the order's hold note are stored in English with their values, whatever
    language the worker ran in, and each reader reads them in theirs: the pages, the admin and the API."""
    order = healthy(world, consignee_phone="", address="")
    with translation.override(writer):
        order_health_check(order_id=order.pk)
    order.refresh_from_db()
    task = order.review_tasks.get()
    assert (task.reason, order.hold_note) == (HELD_EN, HELD_EN)  # stored in English: searchable

    for language, shown in (("en", HELD_EN), ("zh-hans", HELD_ZH)):
        with translation.override(language):
            assert (task.reason_display, order.hold_note_display) == (shown, shown)
            assert ReviewTaskAdmin(ReviewTask, site).reason_shown(task) == shown
            assert OrderAdmin(Order, site).hold_note_shown(order) == shown
        reader = Client(headers={"accept-language": language})
        reader.force_login(admin_user)
        assert shown in reader.get(reverse("order-detail", args=[order.number])).content.decode()
        assert reader.get(f"/api/v1/orders/{order.number}/").json()["hold_note"] == shown
        reader.force_login(manager)
        assert shown in reader.get(reverse("review:queue")).content.decode()


def test_approving_a_health_hold_says_why_in_each_readers_language(world, manager):
    order = healthy(world, consignee_phone="", address="")
    order_health_check(order_id=order.pk)
    review_approve(task_id=order.review_tasks.get().pk, actor=manager)
    event = OrderEvent.objects.get(order=order, to_status=Status.APPROVED)
    with translation.override("zh-hans"):
        assert event.reason_display == f"审核通过：{HELD_ZH}"  # the task's reason is translated inside
    with translation.override("en"):
        assert event.reason_display == f"review approved: {HELD_EN}"


def test_a_health_hold_written_before_reasons_were_messages_reads_in_the_readers_language(world, manager):
    order = healthy(world, consignee_phone="", address="")
    order_health_check(order_id=order.pk)
    order.review_tasks.update(reason_message=None)  # rows written before: only the English text
    Order.objects.filter(pk=order.pk).update(hold_note_message=None)
    order.refresh_from_db()
    task = order.review_tasks.get()

    with translation.override("zh-hans"):
        assert (task.reason_display, order.hold_note_display) == (HELD_ZH, HELD_ZH)
    with translation.override("en"):
        assert (task.reason_display, order.hold_note_display) == (HELD_EN, HELD_EN)


def test_a_hold_a_person_typed_reads_as_typed(world, manager):
    order = healthy(world)
    with translation.override("en"):
        task = review_hold_manual(order_id=order.pk, actor=manager, reason="no phone")  # even a system's words
    order.refresh_from_db()
    assert (task.reason_message, order.hold_note_message) == (None, None)
    with translation.override("zh-hans"):
        assert (task.reason_display, order.hold_note_display) == ("no phone", "no phone")
