"""Actions, how matched rules combine, priorities and stop flags."""

from decimal import Decimal

import pytest

from orders.rules.actions import ACTIONS, Context
from orders.rules.engine import evaluate, rules_compile, rules_validate
from orders.rules.exceptions import RuleSetInvalid
from tests.orders.rules.fixtures import rule

ALWAYS = {"all": []}
FACTS = {"paid_amount": Decimal("800.00"), "buyer_level": 4}


def plan_of(rules, facts=FACTS, code="t"):
    return evaluate([rules_compile(code, rules)], facts)


@pytest.mark.parametrize(
    ("action", "effects"),
    [
        ({"action": "hold", "reason": "risk", "note": "看一下"}, {"hold": {"reason": "risk", "note": "看一下"}}),
        ({"action": "require_approval", "role": "主管"}, {"approvals": ["主管"]}),
        ({"action": "add_tags", "tags": ["需质检", "加急"]}, {"tags": ["需质检", "加急"]}),
        ({"action": "add_services", "services": ["保价", "上门安装"]}, {"services": ["保价", "上门安装"]}),
        ({"action": "set_queue", "queue": "urgent"}, {"queue": "urgent"}),
        ({"action": "set_priority", "priority": 5}, {"priority": 5}),
        ({"action": "set_warehouse", "warehouse": "wh-b"}, {"warehouse": "wh-b"}),
        ({"action": "set_carrier", "carrier": "SF"}, {"carrier": "SF"}),
    ],
)
def test_each_action_shows_in_the_plan(action, effects):
    assert plan_of([rule("r", ALWAYS, [action])]).effects() == effects


def test_every_action_is_exercised_above():
    assert set(ACTIONS) == {
        "hold",
        "require_approval",
        "add_tags",
        "add_services",
        "set_queue",
        "set_priority",
        "set_warehouse",
        "set_carrier",
    }


def test_action_parameters_are_checked_against_the_whitelists():
    bad = [
        rule(
            "r",
            ALWAYS,
            [
                {"action": "require_approval", "role": "老板"},
                {"action": "add_services", "services": ["免单"]},
                {"action": "set_queue", "queue": "vip"},
                {"action": "set_warehouse", "warehouse": "wh-zz"},
                {"action": "set_carrier", "carrier": "YT0"},
                {"action": "add_tags", "tags": ["一个非常非常非常非常非常非常非常长的标签名字"]},
                {"action": "hold", "reason": "out_of_stock"},
                {"action": "add_tags", "tags": ["ok"], "colour": "red"},
            ],
        )
    ]
    with pytest.raises(RuleSetInvalid) as caught:
        rules_validate(bad, Context(warehouses=frozenset({"wh-a"})))
    paths = [e["path"] for e in caught.value.errors]
    assert paths == [
        "rules[0].then[0].role",
        "rules[0].then[1].services[0]",
        "rules[0].then[2].queue",
        "rules[0].then[3].warehouse",
        "rules[0].then[4].carrier",
        "rules[0].then[5].tags[0]",
        "rules[0].then[6].reason",
        "rules[0].then[7].colour",
    ]


def test_rules_run_from_the_highest_priority_and_the_first_setter_wins():
    rules = [
        rule(
            "low",
            ALWAYS,
            [{"action": "set_queue", "queue": "normal"}, {"action": "hold", "reason": "manual"}],
            priority=1,
        ),
        rule(
            "high",
            ALWAYS,
            [{"action": "set_queue", "queue": "urgent"}, {"action": "hold", "reason": "risk"}],
            priority=50,
        ),
    ]
    plan = plan_of(rules)
    assert plan.matched == ["t/high", "t/low"]
    assert plan.effects()["queue"] == "urgent"
    assert plan.effects()["hold"]["reason"] == "risk"
    assert plan.sources()["queue"] == "t/high"


def test_equal_priorities_keep_the_listed_order():
    rules = [
        rule("first", ALWAYS, [{"action": "set_carrier", "carrier": "SF"}]),
        rule("second", ALWAYS, [{"action": "set_carrier", "carrier": "ZTO"}]),
    ]
    assert plan_of(rules).effects()["carrier"] == "SF"


def test_tags_services_and_approval_tiers_accumulate_in_order_without_repeats():
    rules = [
        rule(
            "a",
            ALWAYS,
            [{"action": "add_tags", "tags": ["需质检"]}, {"action": "require_approval", "role": "主管"}],
            priority=9,
        ),
        rule(
            "b",
            ALWAYS,
            [
                {"action": "add_tags", "tags": ["需质检", "加急"]},
                {"action": "require_approval", "role": "管理员"},
                {"action": "require_approval", "role": "主管"},
            ],
            priority=5,
        ),
    ]
    effects = plan_of(rules).effects()
    assert effects["tags"] == ["需质检", "加急"]
    assert effects["approvals"] == ["主管", "管理员"]


def test_a_matching_rule_with_stop_ends_its_set():
    rules = [
        rule(
            "vip",
            {"fact": "buyer_level", "op": "gte", "value": 4},
            [{"action": "set_queue", "queue": "urgent"}],
            priority=10,
            stop=True,
        ),
        rule(
            "big",
            {"fact": "paid_amount", "op": "gt", "value": "500"},
            [{"action": "require_approval", "role": "主管"}],
            priority=5,
        ),
    ]
    plan = plan_of(rules)
    assert plan.matched == ["t/vip"] and plan.stopped_by == "t/vip"
    assert "approvals" not in plan.effects()
    # a stop rule that does not match stops nothing
    plan = plan_of(rules, facts={"paid_amount": Decimal("800.00"), "buyer_level": 1})
    assert plan.matched == ["t/big"] and plan.stopped_by == ""


def test_stop_only_ends_its_own_rule_set():
    first = rules_compile(
        "a",
        [
            rule("stop", ALWAYS, [{"action": "add_tags", "tags": ["a"]}], stop=True),
            rule("after", ALWAYS, [{"action": "add_tags", "tags": ["never"]}]),
        ],
    )
    second = rules_compile("b", [rule("other", ALWAYS, [{"action": "add_tags", "tags": ["b"]}])])
    assert evaluate([first, second], FACTS).effects()["tags"] == ["a", "b"]


def test_disabled_rules_are_left_out():
    rules = [rule("off", ALWAYS, [{"action": "hold", "reason": "risk"}], enabled=False)]
    assert plan_of(rules).matched == []
