"""The rule templates Order Hub ships, published in the demo (``demo_rules_seed``).

1. Address contains 临时摊位 or 快递柜代收 and amount > 500 → hold for review (risk).
2. Amount > 500 → manager (主管) approval.
3. VIP3+ and a fragile item → 保价 + 上门安装.
4. Remark mentions 赠品 / 试用装 / 定制刻字 → 需配赠品 / 需配试用装 / 需定制刻字.
"""

from __future__ import annotations

import copy

from django.db import transaction

from orders.models import RuleSet, RuleSetVersion
from orders.roles import MANAGER

DEMO_RULE_SET = "default"

TEMPLATES: list[dict] = [
    {
        "id": "suspicious-address-hold",
        "name": "临时摊位/快递柜代收且金额大于500：人工审核",
        "priority": 100,
        "when": {
            "all": [
                {"fact": "address", "op": "contains_any", "value": ["临时摊位", "快递柜代收"]},
                {"fact": "paid_amount", "op": "gt", "value": "500"},
            ]
        },
        "then": [{"action": "hold", "reason": "risk", "note": "收货地址为临时摊位或快递柜代收，且金额大于500"}],
    },
    {
        "id": "big-order-approval",
        "name": "金额大于500：主管审批",
        "priority": 90,
        "when": {"all": [{"fact": "paid_amount", "op": "gt", "value": "500"}]},
        "then": [{"action": "require_approval", "role": MANAGER}],
    },
    {
        "id": "vip-fragile-services",
        "name": "VIP3及以上且含易碎品：保价+上门安装",
        "priority": 50,
        "when": {
            "all": [
                {"fact": "buyer_level", "op": "gte", "value": 3},
                {"fact": "has_fragile", "op": "is_true"},
            ]
        },
        "then": [{"action": "add_services", "services": ["保价", "上门安装"]}],
    },
    {
        "id": "remark-gift",
        "name": "备注提到赠品：需配赠品",
        "priority": 10,
        "when": {"fact": "remarks", "op": "contains", "value": "赠品"},
        "then": [{"action": "add_tags", "tags": ["需配赠品"]}],
    },
    {
        "id": "remark-sample",
        "name": "备注提到试用装：需配试用装",
        "priority": 10,
        "when": {"fact": "remarks", "op": "contains", "value": "试用装"},
        "then": [{"action": "add_tags", "tags": ["需配试用装"]}],
    },
    {
        "id": "remark-engraving",
        "name": "备注提到定制刻字：需定制刻字",
        "priority": 10,
        "when": {"fact": "remarks", "op": "contains", "value": "定制刻字"},
        "then": [{"action": "add_tags", "tags": ["需定制刻字"]}],
    },
]


def demo_templates() -> list[dict]:
    return copy.deepcopy(TEMPLATES)


@transaction.atomic
def demo_rules_seed() -> dict[str, int]:
    """Create the default rule set with the templates, preview it and publish it. Safe to call twice."""
    from orders.rules.services import rule_version_create, rule_version_preview, rule_version_publish

    rule_set, _created = RuleSet.objects.get_or_create(
        code=DEMO_RULE_SET,
        defaults={"name": "默认审单规则", "description": "Order Hub 自带的审单模板（演示）。"},
    )
    if rule_set.versions.filter(status=RuleSetVersion.Status.PUBLISHED).exists():
        return {"rule_sets": 1, "rules": len(TEMPLATES)}
    version = rule_version_create(rule_set=rule_set, rules=demo_templates(), note="shipped templates", actor=None)
    preview = rule_version_preview(version_id=version.pk)
    rule_version_publish(version_id=version.pk, preview_id=preview.pk)
    return {"rule_sets": 1, "rules": len(TEMPLATES)}
