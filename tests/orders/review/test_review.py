"""The review queue: approve (with tiers), reject, release, edit address, bulk."""

from decimal import Decimal

import pytest
from django.contrib.admin.sites import site
from django.test import Client
from django.utils import translation

from orders import roles
from orders.actions import order_cancel
from orders.admin.review import ReviewTaskAdmin
from orders.models import Approval, OrderEvent, ReviewTask
from orders.review.exceptions import ApprovalRoleRequired, ReviewClosed, ReviewInvalid
from orders.review.services import (
    order_address_update,
    review_approve,
    review_bulk,
    review_hold_manual,
    review_hold_release,
    review_reject,
    review_task_open,
)
from orders.rules.services import order_rules_apply
from orders.services import order_transition_many
from orders.states import HoldReason, Status
from tests.factories import UserFactory
from tests.orders.rules.fixtures import rule

pytestmark = pytest.mark.django_db
BIG = {"fact": "paid_amount", "op": "gt", "value": "500"}
HUGE = {"fact": "paid_amount", "op": "gt", "value": "5000"}


@pytest.fixture
def tiered(publish):
    publish(
        [
            rule("big", BIG, [{"action": "require_approval", "role": roles.MANAGER}], priority=10),
            rule("huge", HUGE, [{"action": "require_approval", "role": roles.ADMIN}], priority=5),
        ]
    )


@pytest.fixture
def held(publish, paid_order):
    """A paid order held by a risk rule (no approval tiers)."""
    publish(
        [
            rule(
                "suspicious",
                {"fact": "address", "op": "contains", "value": "快递柜代收"},
                [{"action": "hold", "reason": "risk", "note": "快递柜代收"}],
            )
        ]
    )
    order = paid_order(address="香港中路76号快递柜代收")
    order_rules_apply(order_id=order.pk)
    order.refresh_from_db()
    return order


def test_approving_a_task_without_tiers_approves_the_order(held, cs_a):
    task = held.review_tasks.get()
    review_approve(task_id=task.pk, actor=cs_a, note="电话确认过")
    task.refresh_from_db()
    held.refresh_from_db()
    assert (task.status, task.decided_by, task.decision_note) == ("approved", cs_a, "电话确认过")
    assert held.status == Status.APPROVED and held.hold_reason == ""


def test_tiers_are_approved_in_order_by_their_roles(tiered, paid_order, manager, admin_user, cs_a):
    order = paid_order(amount=Decimal("6000.00"))
    order_rules_apply(order_id=order.pk)
    task = order.review_tasks.get()

    with pytest.raises(ApprovalRoleRequired):
        review_approve(task_id=task.pk, actor=cs_a)  # CS is not a manager
    review_approve(task_id=task.pk, actor=manager)
    order.refresh_from_db()
    assert order.status == Status.ON_HOLD  # tier 2 still pending
    with pytest.raises(ApprovalRoleRequired):
        review_approve(task_id=task.pk, actor=manager)  # tier 2 needs 管理员
    review_approve(task_id=task.pk, actor=admin_user)

    order.refresh_from_db()
    assert order.status == Status.APPROVED
    assert list(Approval.objects.filter(task=task).values_list("tier", "status", "decided_by__username")) == [
        (1, "approved", "manager"),
        (2, "approved", "admin_user"),
    ]
    notes = order.events.filter(kind=OrderEvent.Kind.NOTE).values_list("reason", flat=True)
    assert any("tier 1 (主管) approved" in n for n in notes)


def test_one_person_cannot_approve_two_tiers(tiered, paid_order, world):
    boss = UserFactory(username="boss", groups=[roles.MANAGER, roles.ADMIN])
    order = paid_order(amount=Decimal("6000.00"))
    order_rules_apply(order_id=order.pk)
    task = order.review_tasks.get()
    review_approve(task_id=task.pk, actor=boss)
    with pytest.raises(ApprovalRoleRequired) as caught:
        review_approve(task_id=task.pk, actor=boss)
    assert caught.value.code == "approval_four_eyes"


def test_rejecting_cancels_the_order_and_closes_its_tasks(held, cs_a):
    task = held.review_tasks.get()
    review_task_open(order=held, kind=ReviewTask.Kind.MANUAL, hold_reason=HoldReason.MANUAL, reason="再看看")
    with pytest.raises(ReviewInvalid):
        review_reject(task_id=task.pk, actor=cs_a, note=" ")
    review_reject(task_id=task.pk, actor=cs_a, note="地址无法派送")
    held.refresh_from_db()
    assert held.status == Status.CANCELLED
    assert dict(held.review_tasks.values_list("kind", "status")) == {"rules": "rejected", "manual": "cancelled"}
    with pytest.raises(ReviewClosed):
        review_approve(task_id=task.pk, actor=cs_a)


def test_cancelling_a_held_order_closes_its_open_review_tasks(held, cs_a):
    review_hold_manual(order_id=held.pk, actor=cs_a, reason="买家要求周五后发货")

    order_cancel(order=held, actor=cs_a, reason="买家取消")

    held.refresh_from_db()
    assert held.status == Status.CANCELLED
    tasks = held.review_tasks.order_by("pk")
    assert list(tasks.values_list("kind", "status", "decided_by")) == [
        ("rules", "cancelled", cs_a.pk),
        ("manual", "cancelled", cs_a.pk),
    ]
    assert {task.decision_note for task in tasks} == {"order cancelled: 买家取消"}
    assert not ReviewTask.objects.filter(status=ReviewTask.Status.OPEN).exists()


def test_an_order_the_platform_closes_in_a_batch_leaves_no_open_review_task(held, paid_order, cs_a):
    other = paid_order(address="人民路1号")
    review_hold_manual(order_id=other.pk, actor=cs_a, reason="核对地址")

    order_transition_many(orders=[held, other], to_status=Status.CLOSED, system="taobao", reason="TRADE_CLOSED")

    assert list(ReviewTask.objects.values_list("status", "decision_note")) == [
        ("cancelled", "order closed: TRADE_CLOSED"),
        ("cancelled", "order closed: TRADE_CLOSED"),
    ]
    assert ReviewTask.history.filter(status="cancelled").count() == 2  # audited like any decision


def test_the_order_stays_held_until_every_open_task_is_decided(held, cs_a):
    rules_task = held.review_tasks.get()
    manual = review_hold_manual(order_id=held.pk, actor=cs_a, reason="买家要求周五后发货")
    review_approve(task_id=rules_task.pk, actor=cs_a)
    held.refresh_from_db()
    assert held.status == Status.ON_HOLD
    review_approve(task_id=manual.pk, actor=cs_a)
    held.refresh_from_db()
    assert held.status == Status.APPROVED


def test_releasing_rechecks_the_order_against_the_rules(held, cs_a):
    review_hold_release(order_id=held.pk, actor=cs_a)
    held.refresh_from_db()
    assert held.status == Status.ON_HOLD  # the address is unchanged, the rule still matches: held again
    assert list(held.review_tasks.order_by("pk").values_list("status", flat=True)) == ["released", "open"]

    order_address_update(order_id=held.pk, actor=cs_a, address="香港中路76号颐中假日酒店前台")
    review_hold_release(order_id=held.pk, actor=cs_a)
    held.refresh_from_db()
    assert held.status == Status.APPROVED


def test_a_manual_hold_on_an_approved_order_is_released_back_to_approved(paid_order, cs_a):
    order = paid_order()
    order_rules_apply(order_id=order.pk)
    order.refresh_from_db()
    assert order.status == Status.APPROVED
    review_hold_manual(order_id=order.pk, actor=cs_a, reason="等待买家确认颜色")
    review_hold_release(order_id=order.pk, actor=cs_a, note="已确认")
    order.refresh_from_db()
    assert order.status == Status.APPROVED
    assert order.review_tasks.get().status == "released"


def test_pending_tiers_cannot_be_released(tiered, paid_order, cs_a):
    order = paid_order(amount=Decimal("800.00"))
    order_rules_apply(order_id=order.pk)
    with pytest.raises(ReviewInvalid) as caught:
        review_hold_release(order_id=order.pk, actor=cs_a)
    assert caught.value.code == "approval_pending"


def test_pending_tiers_cannot_be_released_through_the_api_either(tiered, paid_order, cs_a):
    from rest_framework.test import APIClient

    order = paid_order(amount=Decimal("800.00"))
    order_rules_apply(order_id=order.pk)
    order.refresh_from_db()
    assert (order.status, order.hold_reason) == (Status.ON_HOLD, HoldReason.APPROVAL)
    client = APIClient()
    client.force_authenticate(cs_a)

    answer = client.post(f"/api/v1/orders/{order.number}/release/", {"reason": "急"}, format="json")

    assert (answer.status_code, answer.json()["code"]) == (409, "approval_pending")
    order.refresh_from_db()
    assert order.status == Status.ON_HOLD


def test_address_edits_are_recorded_without_personal_data(held, cs_a):
    order_address_update(order_id=held.pk, actor=cs_a, consignee_phone="13911112222", address="新地址8号")
    event = held.events.get(kind=OrderEvent.Kind.UPDATED, data__change="address")
    assert (event.data["change"], event.data["fields"]) == ("address", ["consignee_phone", "address"])
    assert event.data["reason_message"]["params"] == {"fields": "consignee_phone, address"}
    assert "13911112222" not in event.reason + str(event.data) and event.actor == cs_a
    held.refresh_from_db()
    assert held.address == "新地址8号"
    with pytest.raises(ReviewInvalid):
        order_address_update(order_id=held.pk, actor=cs_a, address="")
    with pytest.raises(ReviewInvalid):
        order_address_update(order_id=held.pk, actor=cs_a, buyer_level="5")


def test_bulk_actions_report_each_task(tiered, paid_order, manager, cs_a):
    small_held = [paid_order(amount=Decimal("700.00")) for _ in range(2)]
    for order in small_held:
        order_rules_apply(order_id=order.pk)
    tasks = [o.review_tasks.get().pk for o in small_held]

    denied = review_bulk(action="approve", task_ids=tasks, actor=cs_a)
    assert [r.ok for r in denied] == [False, False] and "主管" in denied[0].message

    done = review_bulk(action="approve", task_ids=[*tasks, 999999], actor=manager)
    assert [r.ok for r in done] == [True, True, False]
    assert all(o.review_tasks.get().status == "approved" for o in small_held)
    with pytest.raises(ReviewInvalid):
        review_bulk(action="reject", task_ids=tasks, actor=manager, note="")


def test_the_rejection_on_the_timeline_reads_in_each_readers_language(held, cs_a, admin_user):
    """The same stored event: in English for an English reader, in Chinese for a Chinese one (page and API)."""
    with translation.override("zh-hans"):  # who rejects works in Chinese; the row does not keep their language
        review_reject(task_id=held.review_tasks.get().pk, actor=cs_a, note="地址无法派送")
    event = OrderEvent.objects.get(order=held, to_status=Status.CANCELLED)

    with translation.override("en"):
        assert event.reason_display == "review rejected: 地址无法派送"
    with translation.override("zh-hans"):
        assert event.reason_display == "审核驳回：地址无法派送"
    for language, shown in (("en", "review rejected: 地址无法派送"), ("zh-hans", "审核驳回：地址无法派送")):
        reader = Client(headers={"accept-language": language})
        reader.force_login(admin_user)
        assert shown in reader.get(f"/orders/{held.number}/").content.decode()
        events = reader.get(f"/api/v1/orders/{held.number}/").json()["events"]
        assert shown in [e["reason"] for e in events]


@pytest.mark.parametrize(
    ("written", "chinese", "english"),
    [
        # a reason the platform or a person wrote: as written, for everyone
        ("超时未付款，交易关闭", "超时未付款，交易关闭", "超时未付款，交易关闭"),
        # one the system wrote out in English before it was stored as a message: in the reader's language
        ("review rejected: 地址无法派送", "审核驳回：地址无法派送", "review rejected: 地址无法派送"),
        # a platform status step that needs a person: the step's own reason translated inside it
        (
            "platform status TRADE_FINISHED: the platform says the goods left outside Order Hub",
            "平台状态 TRADE_FINISHED：平台称货物已在订单中枢之外发出",
            "platform status TRADE_FINISHED: the platform says the goods left outside Order Hub",
        ),
        (
            "platform: the platform closed the order but it is already shipped; check the parcel",
            "平台：平台已关闭订单，但订单已是 shipped；请核查包裹",
            "platform: the platform closed the order but it is already shipped; check the parcel",
        ),
        # a partial refund that let the order ship: why, translated inside it
        (
            "after-sales AS20261111000001: money only, the goods ship as ordered",
            "售后单 AS20261111000001：仅退金额，货物照单发出",
            "after-sales AS20261111000001: money only, the goods ship as ordered",
        ),
        # an approval of a task the health score opened: the score's points translated inside it
        (
            "review approved: health 41/100: −4 no city; −2 no district",
            "审核通过：健康分 41/100：−4 无城市；−2 无区县",
            "review approved: health 41/100: −4 no city; −2 no district",
        ),
    ],
)
def test_a_reason_written_before_reasons_were_messages(held, written, chinese, english):
    event = OrderEvent.objects.filter(order=held).last()
    OrderEvent.objects.filter(pk=event.pk).update(reason=written, data={})
    event.refresh_from_db()

    with translation.override("zh-hans"):
        assert event.reason_display == chinese
    with translation.override("en"):
        assert event.reason_display == english


@pytest.mark.parametrize("writer", ["zh-hans", "en"])
def test_a_decision_note_the_system_wrote_reads_in_each_readers_language(held, cs_a, writer):
    """Why Order Hub closed a task (another task's rejection, a release without a note, the order's end) is kept as
    a message: the admin shows it in the reader's language, whatever language the decision was taken in; a note a
    person typed shows as typed."""
    rules_task = held.review_tasks.get()
    review_task_open(order=held, kind=ReviewTask.Kind.MANUAL, hold_reason=HoldReason.MANUAL, reason="再看看")
    with translation.override(writer):
        review_reject(task_id=rules_task.pk, actor=cs_a, note="地址无法派送")
    rules_task.refresh_from_db()
    manual = held.review_tasks.get(kind=ReviewTask.Kind.MANUAL)
    assert manual.decision_note == f"order rejected in review task {rules_task.pk}"  # stored in English

    admin = ReviewTaskAdmin(ReviewTask, site)
    for language, shown in (
        ("en", f"order rejected in review task {rules_task.pk}"),
        ("zh-hans", f"订单已在审核任务 {rules_task.pk} 中驳回"),
    ):
        with translation.override(language):
            assert (manual.decision_note_display, admin.decision_note_shown(manual)) == (shown, shown)
            assert admin.decision_note_shown(rules_task) == "地址无法派送"  # typed: as typed


@pytest.mark.parametrize("writer", ["zh-hans", "en"])
def test_a_task_closed_with_its_order_or_released_says_why_in_each_readers_language(held, paid_order, cs_a, writer):
    other = paid_order(address="人民路1号")
    review_hold_manual(order_id=other.pk, actor=cs_a, reason="核对地址")
    with translation.override(writer):
        order_cancel(order=held, actor=cs_a, reason="买家取消")
        review_hold_release(order_id=other.pk, actor=cs_a)
    cancelled = held.review_tasks.get()
    released = other.review_tasks.get()
    assert (cancelled.decision_note, released.decision_note) == ("order cancelled: 买家取消", "hold released")
    for language, shown in (
        ("en", ("order cancelled: 买家取消", "hold released")),
        ("zh-hans", ("订单已取消：买家取消", "已解除挂起")),
    ):
        with translation.override(language):
            assert (cancelled.decision_note_display, released.decision_note_display) == shown


@pytest.mark.parametrize(
    ("written", "chinese"),
    [
        ("order rejected in review task 12", "订单已在审核任务 12 中驳回"),
        ("order cancelled: review rejected: 地址无法派送", "订单已取消：审核驳回：地址无法派送"),
        ("order closed: TRADE_CLOSED", "订单已关闭：TRADE_CLOSED"),
        ("order cancelled", "订单已取消"),
        ("hold released", "已解除挂起"),
        ("merged into SO20261111000001", "已合并到 SO20261111000001"),
        ("电话确认过", "电话确认过"),  # a person's note: as typed
    ],
)
def test_a_decision_note_written_before_notes_were_messages(held, written, chinese):
    task = held.review_tasks.get()
    ReviewTask.objects.filter(pk=task.pk).update(decision_note=written, decision_note_message=None)
    task.refresh_from_db()
    with translation.override("zh-hans"):
        assert task.decision_note_display == chinese
    with translation.override("en"):
        assert task.decision_note_display == written
