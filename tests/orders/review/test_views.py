"""Back-office pages: review queue, shaping, the rule editor with preview and publish, alerts."""

import json
from decimal import Decimal

import pytest
from django.urls import reverse

from orders.models import Alert, Order, RuleSet, RuleSetVersion
from orders.rules.services import order_rules_apply
from orders.states import Status
from tests.factories import make_order
from tests.orders.rules.fixtures import rule

pytestmark = pytest.mark.django_db
BIG = {"fact": "paid_amount", "op": "gt", "value": "500"}


@pytest.fixture(autouse=True)
def english(settings):
    """Pages in English, so messages can be asserted (the default language is Simplified Chinese)."""
    settings.LANGUAGE_CODE = "en"


@pytest.fixture
def held(publish, world, paid_order):
    """A big order in shop A and one in shop B, both waiting for a manager's approval."""
    publish([rule("big", BIG, [{"action": "require_approval", "role": "主管"}])])
    orders = [paid_order(amount=Decimal("800.00")), paid_order(amount=Decimal("900.00"), shop=world["shop_b"])]
    for order in orders:
        order_rules_apply(order_id=order.pk)
    return orders


def test_the_queue_shows_what_the_user_may_see(client, held, cs_a, outsider):
    client.force_login(cs_a)
    page = client.get(reverse("review:queue"))
    assert page.status_code == 200
    html = page.content.decode()
    assert held[0].number in html and held[1].number not in html
    assert "138****5678" in html or "13812345678" in html
    client.force_login(outsider)
    assert client.get(reverse("review:queue")).status_code == 403


def test_a_manager_approves_from_the_queue(client, held, manager):
    client.force_login(manager)
    task = held[0].review_tasks.get()
    response = client.post(reverse("review:task-approve", args=[task.pk]), {"note": "ok"})
    assert response.status_code == 302
    held[0].refresh_from_db()
    assert held[0].status == Status.APPROVED


def test_a_cs_agent_cannot_approve_a_managers_tier_and_is_told_why(client, held, cs_a):
    client.force_login(cs_a)
    task = held[0].review_tasks.get()
    response = client.post(reverse("review:task-approve", args=[task.pk]), follow=True)
    assert "主管" in response.content.decode()
    held[0].refresh_from_db()
    assert held[0].status == Status.ON_HOLD


def test_tasks_of_orders_the_user_cannot_see_are_404(client, held, cs_a):
    client.force_login(cs_a)
    other = held[1].review_tasks.get()
    assert client.post(reverse("review:task-approve", args=[other.pk])).status_code == 404


def test_bulk_approve_and_reject(client, held, manager):
    client.force_login(manager)
    tasks = [o.review_tasks.get().pk for o in held]
    response = client.post(reverse("review:bulk"), {"action": "reject", "tasks": tasks, "note": ""}, follow=True)
    assert Order.objects.filter(status=Status.ON_HOLD).count() == 2  # a rejection needs a note
    response = client.post(reverse("review:bulk"), {"action": "approve", "tasks": tasks}, follow=True)
    assert "2 task(s) done" in response.content.decode()
    assert Order.objects.filter(status=Status.APPROVED).count() == 2


def test_editing_an_address(client, held, cs_a):
    client.force_login(cs_a)
    url = reverse("review:order-address", args=[held[0].number])
    assert client.get(url).status_code == 200
    fields = {
        "consignee_name": "李四",
        "consignee_phone": "13900001111",
        "country": "CN",
        "province": "浙江省",
        "city": "杭州市",
        "district": "西湖区",
        "address": "文一路1号",
        "postal_code": "",
    }
    assert client.post(url, fields).status_code == 302
    held[0].refresh_from_db()
    assert (held[0].consignee_name, held[0].address) == ("李四", "文一路1号")


def test_split_and_merge_pages(client, world, manager, paid_order):
    client.force_login(manager)
    buyer = {"buyer_id": "b1", "consignee_phone": "13800000001"}
    first = make_order(
        shop=world["shop_a"],
        status=Status.PAID,
        skus=[(world["skus"][0], 2, Decimal("10.00")), (world["skus"][1], 1, Decimal("10.00"))],
        **buyer,
    )
    order_rules_apply(order_id=first.pk)  # approved, as the order flow leaves it
    line = first.lines.get(sku=world["skus"][1])
    url = reverse("review:order-split", args=[first.number])
    assert client.get(url).status_code == 200
    assert client.post(url, {"mode": "manual", f"line_{line.pk}": 1, "reason": "先发"}).status_code == 302
    child = Order.objects.exclude(pk=first.pk).get()
    assert child.lines.get().sku == world["skus"][1]

    queue = client.get(reverse("review:queue")).content.decode()
    assert "Suggested merges" in queue
    response = client.post(
        reverse("review:merge"), {"orders": f"{first.number} {child.number}", "target": first.number}
    )
    assert response.status_code == 302
    child.refresh_from_db()
    assert child.status == Status.CANCELLED
    assert sorted(first.lines.values_list("sku__code", "quantity")) == [("SKU-1", 2), ("SKU-2", 1)]


def test_rule_editor_validates_previews_and_publishes(client, manager, world, paid_order, cs_a):
    big = paid_order(amount=Decimal("700.00"))
    client.force_login(manager)
    assert client.post(reverse("review:rules"), {"code": "ops", "name": "运营规则"}).status_code == 302
    rule_set = RuleSet.objects.get(code="ops")
    client.post(reverse("review:rule-version-new", args=["ops"]))
    version = RuleSetVersion.objects.get(rule_set=rule_set)
    edit_url = reverse("review:rule-version", args=[version.pk])
    assert client.get(edit_url).status_code == 200

    page = client.post(edit_url, {"rules": "[{", "note": ""})
    assert "Not valid JSON" in page.content.decode()
    bad = [rule("big", {"fact": "paid_amount", "op": "contains", "value": "5"}, [{"action": "hold"}])]
    page = client.post(edit_url, {"rules": json.dumps(bad), "note": ""}).content.decode()
    assert "rules[0].when.op" in page and "rules[0].then[0].reason" in page

    good = [rule("big", BIG, [{"action": "hold", "reason": "risk", "note": "大额"}])]
    assert client.post(edit_url, {"rules": json.dumps(good), "note": "大额人工审核"}).status_code == 302

    response = client.post(reverse("review:rule-version-publish", args=[version.pk]), {"preview": ""}, follow=True)
    assert RuleSetVersion.objects.get(pk=version.pk).status == RuleSetVersion.Status.DRAFT  # no preview, no publish

    response = client.post(reverse("review:rule-version-preview", args=[version.pk]), {"days": 7})
    preview_url = response["Location"]
    html = client.get(preview_url).content.decode()
    assert big.number in html and "risk" in html
    preview_id = int(preview_url.rstrip("/").split("/")[-1])
    response = client.post(reverse("review:rule-version-publish", args=[version.pk]), {"preview": preview_id})
    assert response.status_code == 302
    assert RuleSetVersion.objects.get(pk=version.pk).status == RuleSetVersion.Status.PUBLISHED

    client.force_login(cs_a)
    assert client.get(reverse("review:rules")).status_code == 403


def test_alerts_page_acknowledge_and_assign(client, world, manager, clock):
    make_order(shop=world["shop_a"], status=Status.PAID, paid_at=clock.now)
    clock.advance(minutes=20)
    from orders.sla import sla_stuck_orders_flag

    sla_stuck_orders_flag()
    alert = Alert.objects.get()
    client.force_login(manager)
    assert alert.title in client.get(reverse("review:alerts")).content.decode()
    client.post(reverse("review:alert-acknowledge", args=[alert.pk]))
    client.post(reverse("review:alert-assign", args=[alert.pk]), {"me": "1"})
    alert.refresh_from_db()
    assert (alert.acknowledged_by, alert.assignee) == (manager, manager)
    client.post(reverse("review:alert-assign", args=[alert.pk]), {"assignee": ""})
    alert.refresh_from_db()
    assert alert.assignee is None


def test_the_queue_and_alert_pages_take_the_same_queries_for_more_rows(client, publish, paid_order, manager, clock):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from orders.sla import sla_stuck_orders_flag

    publish([rule("big", BIG, [{"action": "require_approval", "role": "主管"}])])
    client.force_login(manager)

    def queries(url):
        with CaptureQueriesContext(connection) as captured:
            assert client.get(url).status_code == 200
        return len(captured)

    def more(count):
        for _ in range(count):
            order = paid_order(amount=Decimal("800.00"))
            order_rules_apply(order_id=order.pk)
            paid_order(paid_at=clock.now)
        clock.advance(minutes=11)
        sla_stuck_orders_flag()

    more(2)
    few = (queries(reverse("review:queue")), queries(reverse("review:alerts")))
    more(4)
    assert (queries(reverse("review:queue")), queries(reverse("review:alerts"))) == few
