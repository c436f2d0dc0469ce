"""Versioned rule sets: drafts, the sandbox preview, and publishing only what was previewed."""

from decimal import Decimal

import pytest

from orders.models import Order, OrderEvent, RuleSet, RuleSetVersion
from orders.rules.exceptions import PreviewRequired, RuleSetInvalid, RuleVersionNotEditable
from orders.rules.selectors import live_rule_versions
from orders.rules.services import (
    rule_version_create,
    rule_version_preview,
    rule_version_publish,
    rule_version_update,
)
from orders.states import Status
from tests.factories import make_order
from tests.orders.rules.fixtures import rule

pytestmark = pytest.mark.django_db
BIG = {"fact": "paid_amount", "op": "gt", "value": "500"}
GIFT = {"fact": "remarks", "op": "contains", "value": "赠品"}


@pytest.fixture
def rule_set(db):
    return RuleSet.objects.create(code="default", name="默认")


@pytest.fixture
def recent(world):
    """Three recent orders: a big one, a small one with a gift remark, a small plain one."""
    shop = world["shop_a"]
    return {
        "big": make_order(shop=shop, status=Status.PAID, skus=[(world["skus"][0], 1, Decimal("800.00"))]),
        "gift": make_order(
            shop=shop, status=Status.PAID, skus=[(world["skus"][1], 1, Decimal("50.00"))], buyer_remark="送赠品"
        ),
        "plain": make_order(shop=shop, skus=[(world["skus"][2], 1, Decimal("50.00"))]),
    }


def test_a_new_version_is_a_validated_numbered_draft(rule_set):
    first = rule_version_create(rule_set=rule_set, rules=[rule("big", BIG, [{"action": "hold", "reason": "risk"}])])
    copy = rule_version_create(rule_set=rule_set)
    assert (first.number, first.status, copy.number) == (1, RuleSetVersion.Status.DRAFT, 2)
    assert copy.rules == first.rules and copy.content_hash == first.content_hash
    assert first.rules[0]["priority"] == 0 and first.rules[0]["stop"] is False  # defaults filled in
    with pytest.raises(RuleSetInvalid):
        rule_version_create(rule_set=rule_set, rules=[rule("x", {"fact": "nope", "op": "eq", "value": 1}, [])])


def test_preview_shows_exactly_which_recent_orders_would_change_and_how(rule_set, recent):
    live = rule_version_create(rule_set=rule_set, rules=[rule("big", BIG, [{"action": "hold", "reason": "risk"}])])
    rule_version_publish(version_id=live.pk, preview_id=rule_version_preview(version_id=live.pk).pk)
    draft = rule_version_create(
        rule_set=rule_set,
        rules=[
            rule("big", BIG, [{"action": "require_approval", "role": "主管"}]),
            rule("gift", GIFT, [{"action": "add_tags", "tags": ["需配赠品"]}]),
        ],
    )
    snapshot = {o.pk: (o.status, o.tags, o.hold_reason) for o in Order.objects.all()}
    events = OrderEvent.objects.count()

    preview = rule_version_preview(version_id=draft.pk)

    assert preview.orders_scanned == 3 and preview.orders_changed == 2
    rows = {row["number"]: row for row in preview.rows}
    assert set(rows) == {recent["big"].number, recent["gift"].number}
    big = rows[recent["big"].number]
    assert big["before"] == {"hold": {"reason": "risk", "note": ""}}
    assert big["after"] == {"approvals": ["主管"]}
    assert [c["what"] for c in big["changes"]] == ["hold", "approvals"]
    gift = rows[recent["gift"].number]
    assert gift["changes"] == [
        {"what": "tags", "before": None, "after": ["需配赠品"], "added": ["需配赠品"], "removed": []}
    ]
    assert preview.rule_counts == {"default/big": 1, "default/gift": 1}
    assert preview.baseline == [{"rule_set": "default", "version_id": live.pk, "number": 1}]
    # the sandbox wrote nothing to the orders
    assert {o.pk: (o.status, o.tags, o.hold_reason) for o in Order.objects.all()} == snapshot
    assert OrderEvent.objects.count() == events
    draft.refresh_from_db()
    assert draft.status == RuleSetVersion.Status.PREVIEWED and draft.preview_hash == draft.content_hash


def test_publishing_needs_a_preview_of_exactly_this_content(rule_set, recent):
    draft = rule_version_create(rule_set=rule_set, rules=[rule("big", BIG, [{"action": "hold", "reason": "risk"}])])
    with pytest.raises(PreviewRequired):
        rule_version_publish(version_id=draft.pk, preview_id=None)
    preview = rule_version_preview(version_id=draft.pk)
    rule_version_update(version_id=draft.pk, rules=[rule("big", BIG, [{"action": "hold", "reason": "manual"}])])
    draft.refresh_from_db()
    assert draft.status == RuleSetVersion.Status.DRAFT
    with pytest.raises(PreviewRequired, match="changed after preview"):
        rule_version_publish(version_id=draft.pk, preview_id=preview.pk)
    other = rule_version_create(rule_set=rule_set)
    with pytest.raises(PreviewRequired):  # a preview of another version does not count
        rule_version_publish(version_id=other.pk, preview_id=rule_version_preview(version_id=draft.pk).pk)

    fresh = rule_version_preview(version_id=draft.pk)
    published = rule_version_publish(version_id=draft.pk, preview_id=fresh.pk)
    assert published.status == RuleSetVersion.Status.PUBLISHED
    assert live_rule_versions() == [published]


def test_a_preview_goes_stale_when_the_live_rules_change(rule_set, recent):
    first = rule_version_create(rule_set=rule_set, rules=[rule("a", BIG, [{"action": "hold", "reason": "risk"}])])
    second = rule_version_create(rule_set=rule_set, rules=[rule("b", GIFT, [{"action": "add_tags", "tags": ["x"]}])])
    preview_of_second = rule_version_preview(version_id=second.pk)
    rule_version_publish(version_id=first.pk, preview_id=rule_version_preview(version_id=first.pk).pk)
    with pytest.raises(PreviewRequired, match="live rules changed"):
        rule_version_publish(version_id=second.pk, preview_id=preview_of_second.pk)


def test_publishing_archives_the_previous_version_which_can_no_longer_change(rule_set, recent):
    first = rule_version_create(rule_set=rule_set, rules=[rule("a", BIG, [{"action": "hold", "reason": "risk"}])])
    rule_version_publish(version_id=first.pk, preview_id=rule_version_preview(version_id=first.pk).pk)
    with pytest.raises(RuleVersionNotEditable):
        rule_version_update(version_id=first.pk, rules=[])
    second = rule_version_create(rule_set=rule_set)
    rule_version_publish(version_id=second.pk, preview_id=rule_version_preview(version_id=second.pk).pk)
    first.refresh_from_db()
    assert first.status == RuleSetVersion.Status.ARCHIVED
    assert [v.pk for v in live_rule_versions()] == [second.pk]
    with pytest.raises(RuleVersionNotEditable):
        rule_version_publish(version_id=first.pk, preview_id=rule_version_preview(version_id=first.pk).pk)


def test_inactive_rule_sets_are_not_live(rule_set, publish):
    publish([rule("a", BIG, [{"action": "hold", "reason": "risk"}])])
    RuleSet.objects.filter(pk=rule_set.pk).update(is_active=False)
    assert live_rule_versions() == []
