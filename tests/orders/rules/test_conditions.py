"""Condition trees and operators: every operator on the fact types it applies to, nesting, validation."""

from decimal import Decimal

import pytest

from orders.rules.engine import evaluate, rules_compile, rules_validate
from orders.rules.exceptions import RuleSetInvalid
from orders.rules.facts import FACTS, norm_text
from orders.rules.operators import OPERATORS, operators_for
from tests.orders.rules.fixtures import rule

TAG = [{"action": "add_tags", "tags": ["hit"]}]

FACTS_SAMPLE = {
    "paid_amount": Decimal("600.00"),
    "goods_amount": Decimal("650.00"),
    "buyer_level": 3,
    "buyer_remark": "赠品请多放一个试用装",
    "remarks": "赠品请多放一个试用装\n",
    "address": "广东省广州市天河区体育西路189号城建大厦临时摊位",
    "province": "广东",
    "payment_method": "alipay",
    "shop": "shop-a",
    "has_fragile": True,
    "has_cold_chain": False,
    "sku_codes": frozenset({"sku-1", "sku-2"}),
    "categories": frozenset({"茶具"}),
    "tags": frozenset(),
    "phone_orders:30": 4,
}


def matches(when, facts=FACTS_SAMPLE) -> bool:
    compiled = rules_compile("t", [rule("r", when, TAG)])
    return evaluate([compiled], facts).matched == ["t/r"]


@pytest.mark.parametrize(
    ("when", "expected"),
    [
        ({"fact": "paid_amount", "op": "eq", "value": "600"}, True),
        ({"fact": "paid_amount", "op": "ne", "value": "600"}, False),
        ({"fact": "paid_amount", "op": "gt", "value": "500"}, True),
        ({"fact": "paid_amount", "op": "gt", "value": "600"}, False),
        ({"fact": "paid_amount", "op": "gte", "value": "600.00"}, True),
        ({"fact": "paid_amount", "op": "lt", "value": 600}, False),
        ({"fact": "paid_amount", "op": "lte", "value": 600}, True),
        ({"fact": "paid_amount", "op": "between", "value": ["500", "600"]}, True),
        ({"fact": "paid_amount", "op": "between", "value": ["600.01", "700"]}, False),
        ({"fact": "paid_amount", "op": "in", "value": ["100", "600"]}, True),
        ({"fact": "paid_amount", "op": "not_in", "value": ["100", "600"]}, False),
        ({"fact": "buyer_level", "op": "gte", "value": 3}, True),
        ({"fact": "buyer_level", "op": "gt", "value": "3"}, False),
        ({"fact": "buyer_remark", "op": "contains", "value": "赠品"}, True),
        ({"fact": "buyer_remark", "op": "not_contains", "value": "赠品"}, False),
        ({"fact": "buyer_remark", "op": "contains_any", "value": ["刻字", "试用装"]}, True),
        ({"fact": "buyer_remark", "op": "contains_none", "value": ["刻字", "试用装"]}, False),
        ({"fact": "buyer_remark", "op": "starts_with", "value": "赠品"}, True),
        ({"fact": "buyer_remark", "op": "eq", "value": "赠品"}, False),
        ({"fact": "buyer_remark", "op": "is_empty"}, False),
        ({"fact": "buyer_remark", "op": "not_empty"}, True),
        ({"fact": "address", "op": "contains_any", "value": ["临时摊位", "快递柜代收"]}, True),
        ({"fact": "province", "op": "eq", "value": "广东省"}, True),
        ({"fact": "province", "op": "in", "value": ["新疆维吾尔自治区", "西藏"]}, False),
        ({"fact": "payment_method", "op": "eq", "value": "ALIPAY"}, True),
        ({"fact": "shop", "op": "ne", "value": "shop-b"}, True),
        ({"fact": "has_fragile", "op": "is_true"}, True),
        ({"fact": "has_cold_chain", "op": "is_true"}, False),
        ({"fact": "has_cold_chain", "op": "is_false"}, True),
        ({"fact": "sku_codes", "op": "has", "value": "SKU-1"}, True),
        ({"fact": "sku_codes", "op": "has_any", "value": ["SKU-3", "SKU-2"]}, True),
        ({"fact": "sku_codes", "op": "has_all", "value": ["SKU-1", "SKU-3"]}, False),
        ({"fact": "sku_codes", "op": "has_none", "value": ["SKU-3"]}, True),
        ({"fact": "tags", "op": "is_empty"}, True),
        ({"fact": "categories", "op": "not_empty"}, True),
        ({"fact": "phone_orders", "days": 30, "op": "gte", "value": 3}, True),
    ],
)
def test_each_operator_compares_the_fact_as_its_type(when, expected):
    assert matches(when) is expected


def test_every_operator_is_exercised_above():
    used = {
        "eq",
        "ne",
        "gt",
        "gte",
        "lt",
        "lte",
        "between",
        "in",
        "not_in",
        "contains",
        "not_contains",
        "contains_any",
        "contains_none",
        "starts_with",
        "is_empty",
        "not_empty",
        "is_true",
        "is_false",
        "has",
        "has_any",
        "has_all",
        "has_none",
    }
    assert used == set(OPERATORS)


def test_all_any_and_not_nest():
    big_and_suspicious = {
        "all": [
            {"fact": "paid_amount", "op": "gt", "value": "500"},
            {
                "any": [
                    {"fact": "address", "op": "contains", "value": "快递柜代收"},
                    {"not": {"fact": "address", "op": "not_contains", "value": "临时摊位"}},
                ]
            },
        ]
    }
    assert matches(big_and_suspicious)
    assert not matches({"not": big_and_suspicious})
    assert matches({"all": []}) and not matches({"any": []})


def test_fullwidth_and_case_do_not_matter_in_text():
    facts = dict(FACTS_SAMPLE, buyer_remark=norm_text("ｖｉｐ客户 please RUSH"))  # as order_facts extracts it
    assert matches({"fact": "buyer_remark", "op": "contains_any", "value": ["VIP", "急"]}, facts)
    assert matches({"fact": "buyer_remark", "op": "contains", "value": "rush"}, facts)


def test_a_value_that_looks_like_code_is_only_text():
    rules = [rule("r", {"fact": "buyer_remark", "op": "contains", "value": "__import__('os').system('x')"}, TAG)]
    compiled = rules_compile("t", rules)
    assert evaluate([compiled], dict(FACTS_SAMPLE, buyer_remark="__import__('os').system('x')")).matched == ["t/r"]
    assert evaluate([compiled], FACTS_SAMPLE).matched == []


def test_validation_reports_every_problem_with_its_path():
    bad = [
        rule("ok", {"fact": "paid_amount", "op": "gt", "value": "1"}, TAG),
        {
            "id": "Bad Id",
            "name": "",
            "when": {
                "all": [
                    {"fact": "secret_sauce", "op": "eq", "value": 1},
                    {"fact": "paid_amount", "op": "contains", "value": "5"},
                    {"fact": "paid_amount", "op": "gt", "value": "1.234"},
                    {"fact": "phone_orders", "op": "gte", "value": 2},
                    {"fact": "buyer_level", "op": "between", "value": [5, 1]},
                    {"fact": "has_fragile", "op": "is_true", "value": "yes"},
                    {"fact": "shop", "op": "eq", "value": "shop-z"},
                    {"any": [], "all": []},
                ]
            },
            "then": [
                {"action": "hold", "reason": "because"},
                {"action": "run_shell"},
                {"action": "set_priority", "priority": 1000},
            ],
            "extra": 1,
        },
    ]
    from orders.rules.actions import Context

    with pytest.raises(RuleSetInvalid) as caught:
        rules_validate(bad, Context(shops=frozenset({"shop-a"})))
    paths = {e["path"] for e in caught.value.errors}
    assert {
        "rules[1].id",
        "rules[1].name",
        "rules[1].extra",
        "rules[1].when.all[0].fact",
        "rules[1].when.all[1].op",
        "rules[1].when.all[2].value",
        "rules[1].when.all[3].days",
        "rules[1].when.all[4].value",
        "rules[1].when.all[5].value",
        "rules[1].when.all[6].value",
        "rules[1].when.all[7]",
        "rules[1].then[0].reason",
        "rules[1].then[1].action",
        "rules[1].then[2].priority",
    } <= paths
    assert not any(p.startswith("rules[0]") for p in paths)
    assert caught.value.code == "rule_set_invalid"


def test_duplicate_rule_ids_and_deep_trees_are_refused():
    deep = {"fact": "paid_amount", "op": "gt", "value": "1"}
    for _ in range(10):
        deep = {"not": deep}
    with pytest.raises(RuleSetInvalid) as caught:
        rules_validate([rule("a", {"all": []}, TAG), rule("a", deep, TAG)])
    messages = " ".join(e["message"] for e in caught.value.errors)
    assert "used by another rule" in messages and "levels deep" in messages


def test_every_fact_has_at_least_one_operator():
    for fact in FACTS.values():
        assert operators_for(fact.type), fact.name
