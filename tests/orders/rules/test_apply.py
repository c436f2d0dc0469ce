"""order_rules_apply: what the live rules do to a paid order."""

from decimal import Decimal

import pytest

from inventory.models import Reservation
from orders.models import Approval, Order, OrderEvent, OrderRuleResult, ReviewTask
from orders.rules.services import order_rules_apply
from orders.states import HoldReason, Status
from tests.factories import SKUFactory
from tests.orders.rules.fixtures import rule

pytestmark = pytest.mark.django_db
ALWAYS = {"all": []}


def test_tags_queue_and_priority_are_written_with_an_event_naming_the_version(publish, paid_order):
    version = publish(
        [
            rule(
                "gift",
                {"fact": "remarks", "op": "contains", "value": "赠品"},
                [
                    {"action": "add_tags", "tags": ["需配赠品"]},
                    {"action": "set_queue", "queue": "urgent"},
                    {"action": "set_priority", "priority": 7},
                ],
            ),
        ]
    )
    order = paid_order(buyer_remark="记得放赠品", tags=["老客"])

    result = order_rules_apply(order_id=order.pk)

    order.refresh_from_db()
    assert order.tags == ["老客", "需配赠品"]
    assert order.queue == "urgent" and order.priority == 7
    assert result.matched == ["default/gift"]
    assert result.versions == [{"rule_set": "default", "version": version.number, "id": version.pk}]
    event = order.events.get(kind=OrderEvent.Kind.UPDATED, system="rules")
    assert event.data["changes"]["tags"] == {"added": ["需配赠品"]}
    assert event.data["changes"]["queue"] == {"from": "normal", "to": "urgent"}
    assert event.data["rule_versions"][0]["id"] == version.pk
    assert "default v1" in event.reason


def test_an_order_nothing_holds_is_approved_automatically(publish, paid_order):
    publish([rule("big", {"fact": "paid_amount", "op": "gt", "value": "500"}, [{"action": "hold", "reason": "risk"}])])
    order = paid_order(amount=Decimal("99.00"))

    order_rules_apply(order_id=order.pk)

    order.refresh_from_db()
    assert order.status == Status.APPROVED
    assert order.events.filter(to_status=Status.APPROVED, system="rules").exists()
    assert not order.review_tasks.exists()


def test_a_hold_queues_a_review_task_and_holds_the_order(publish, paid_order):
    version = publish(
        [
            rule(
                "big",
                {"fact": "paid_amount", "op": "gt", "value": "500"},
                [{"action": "hold", "reason": "risk", "note": "大额订单"}],
            )
        ]
    )
    order = paid_order(amount=Decimal("800.00"))

    order_rules_apply(order_id=order.pk)

    order.refresh_from_db()
    assert (order.status, order.hold_reason, order.hold_note) == (Status.ON_HOLD, HoldReason.RISK, "大额订单")
    task = order.review_tasks.get()
    assert (task.kind, task.status, task.rule_version_id) == (ReviewTask.Kind.RULES, "open", version.pk)
    assert task.matched == ["default/big"]


def test_required_approvals_become_tiers_and_hold_for_approval(publish, paid_order):
    publish(
        [
            rule(
                "big",
                {"fact": "paid_amount", "op": "gt", "value": "500"},
                [{"action": "require_approval", "role": "主管"}],
                priority=10,
            ),
            rule(
                "huge",
                {"fact": "paid_amount", "op": "gt", "value": "5000"},
                [{"action": "require_approval", "role": "管理员"}],
                priority=5,
            ),
        ]
    )
    order = paid_order(amount=Decimal("6000.00"))

    order_rules_apply(order_id=order.pk)

    order.refresh_from_db()
    assert order.hold_reason == HoldReason.APPROVAL
    tiers = list(Approval.objects.filter(task__order=order).values_list("tier", "role", "status", "rule"))
    assert tiers == [(1, "主管", "pending", "default/big"), (2, "管理员", "pending", "default/huge")]


def test_services_and_carrier_are_kept_on_the_rule_result(publish, paid_order):
    publish(
        [
            rule(
                "vip",
                {"fact": "buyer_level", "op": "gte", "value": 3},
                [{"action": "add_services", "services": ["保价"]}, {"action": "set_carrier", "carrier": "SF"}],
            )
        ]
    )
    order = paid_order(buyer_level=4)

    order_rules_apply(order_id=order.pk)

    result = OrderRuleResult.objects.get(order=order)
    assert result.services == ["保价"] and result.carrier == "SF"
    assert order.events.get(system="rules", kind="updated").data["changes"]["carrier"] == {"from": "", "to": "SF"}


def test_applying_twice_changes_nothing_the_second_time(publish, paid_order):
    publish([rule("tag", ALWAYS, [{"action": "add_tags", "tags": ["需质检"]}, {"action": "hold", "reason": "manual"}])])
    order = paid_order()

    first = order_rules_apply(order_id=order.pk)
    events = order.events.count()
    second = order_rules_apply(order_id=order.pk)

    assert first.pk == second.pk
    assert order.events.count() == events
    assert order.review_tasks.count() == 1


@pytest.mark.parametrize("status", [Status.PENDING_PAYMENT, Status.CANCELLED])
def test_orders_that_are_not_paid_are_left_alone(publish, world, status):
    from tests.factories import make_order

    publish([rule("tag", ALWAYS, [{"action": "add_tags", "tags": ["x"]}])])
    order = make_order(shop=world["shop_a"])
    if status == Status.CANCELLED:
        from orders.services import order_transition

        order_transition(order=order, to_status=Status.CANCELLED, system="tests")
    assert order_rules_apply(order_id=order.pk) is None
    assert Order.objects.get(pk=order.pk).tags == []


def test_without_live_rules_a_healthy_paid_order_is_approved(paid_order):
    order = paid_order(payment_method="alipay")
    result = order_rules_apply(order_id=order.pk)
    order.refresh_from_db()
    assert order.status == Status.APPROVED
    assert result.versions == [] and result.health_score >= 60


def test_a_low_health_score_sends_the_order_to_review(paid_order):
    order = paid_order(
        consignee_name="", consignee_phone="", address="", district="", payment_method="", buyer_remark="刷单返现"
    )
    result = order_rules_apply(order_id=order.pk)
    order.refresh_from_db()
    assert result.health_score < 60
    assert order.status == Status.ON_HOLD and order.hold_reason == HoldReason.RISK
    assert order.review_tasks.get().kind == ReviewTask.Kind.HEALTH


def test_choosing_a_warehouse_moves_the_reservation(publish, world, paid_order, receive):
    sku = SKUFactory(code="TEA-1")
    receive(sku, world["wh_a"], 5)
    receive(sku, world["wh_b"], 5)
    publish(
        [
            rule(
                "south",
                {"fact": "province", "op": "eq", "value": "广东"},
                [{"action": "set_warehouse", "warehouse": "wh-b"}],
            )
        ]
    )
    order = paid_order(sku=sku, quantity=2, province="广东省", city="广州市")
    assert Reservation.objects.get(order_id=order.pk, state="active").stock.warehouse == world["wh_a"]

    order_rules_apply(order_id=order.pk)

    order.refresh_from_db()
    assert order.warehouse == world["wh_b"]
    active = Reservation.objects.get(order_id=order.pk, state="active")
    assert (active.stock.warehouse, active.quantity) == (world["wh_b"], 2)


def test_a_warehouse_that_cannot_fill_the_order_is_not_chosen(publish, world, paid_order, receive):
    sku = SKUFactory(code="TEA-2")
    receive(sku, world["wh_a"], 5)
    publish([rule("south", ALWAYS, [{"action": "set_warehouse", "warehouse": "wh-b"}])])
    order = paid_order(sku=sku, quantity=2)

    order_rules_apply(order_id=order.pk)

    order.refresh_from_db()
    assert order.warehouse == world["wh_a"]
    assert Reservation.objects.get(order_id=order.pk, state="active").stock.warehouse == world["wh_a"]
    change = order.events.get(system="rules", kind="updated").data["changes"]["warehouse"]
    assert change["refused"] == "wh-b"


@pytest.mark.parametrize("writer", ["zh-hans", "en"])
def test_why_a_warehouse_cannot_fill_the_order_reads_in_each_readers_language(
    publish, world, paid_order, receive, writer
):
    """The rules chose a warehouse that cannot fill the order: the order stays where it is and its timeline says why
    (what is short), on the order page, the admin and the API in the reader's language."""
    from django.contrib.admin.sites import site
    from django.utils import translation

    from orders.admin.records import OrderEventAdmin

    sku = SKUFactory(code="TEA-3")
    receive(sku, world["wh_a"], 5)
    version = publish([rule("south", ALWAYS, [{"action": "set_warehouse", "warehouse": "wh-b"}])])
    order = paid_order(sku=sku, quantity=2)
    with translation.override(writer):
        order_rules_apply(order_id=order.pk)

    event = order.events.get(system="rules", kind="updated")
    label = f"default v{version.number}"
    english = f"rules {label}: warehouse wh-a→wh-a (wh-b cannot fill the order: TEA-3 (spot): wanted 2, available 0)"
    assert event.reason == english  # stored in English: searchable
    assert (
        event.data["changes"]["warehouse"]["why"] == "wh-b cannot fill the order: TEA-3 (spot): wanted 2, available 0"
    )
    admin = OrderEventAdmin(OrderEvent, site)
    for language, shown in (
        ("en", english),
        ("zh-hans", f"规则 {label}：仓库 wh-a→wh-a（wh-b 无法满足该订单：TEA-3（spot）：需要 2，可用 0）"),
    ):
        with translation.override(language):
            assert (event.reason_display, admin.reason_shown(event)) == (shown, shown)


def test_a_rules_reason_written_before_it_was_a_message_is_recognised(paid_order):
    from django.utils import translation

    order = paid_order()
    event = OrderEvent.objects.create(
        order=order, kind=OrderEvent.Kind.UPDATED, system="rules", reason="rules default v3: tags +vip; queue —→urgent"
    )
    with translation.override("zh-hans"):
        assert event.reason_display == "规则 default v3：tags +vip; queue —→urgent"
    with translation.override("en"):
        assert event.reason_display == "rules default v3: tags +vip; queue —→urgent"
