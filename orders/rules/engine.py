"""Validation, compilation and evaluation of rule sets.

A rule set is JSON (stored on ``RuleSetVersion.rules``), a list of rules::

    {"id": "big-order-approval", "name": "金额大于500需主管审批", "priority": 50, "stop": false,
     "enabled": true,
     "when": {"all": [{"fact": "paid_amount", "op": "gt", "value": "500"}]},
     "then": [{"action": "require_approval", "role": "主管"}]}

``when`` is a tree of ``{"all": [...]}``, ``{"any": [...]}``, ``{"not": {...}}`` and leaves
``{"fact", "op", "value"}`` (history facts also take ``"days"``). Every fact, operator and action is looked up
in a whitelist (``facts.FACTS``, ``operators.OPERATORS``, ``actions.ACTIONS``); values are coerced to the
fact's type at compile time; nothing a user writes is ever evaluated as code. Compiled rules are plain
closures over a facts dict, so evaluating a 20-rule set takes microseconds.

Rules run from the highest ``priority`` down (ties: the order they are listed in). A matching rule with
``stop`` ends its rule set's evaluation; the rules after it are not looked at.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from orders.rules.actions import ACTIONS, Context, Plan, action_validate
from orders.rules.exceptions import RuleSetInvalid
from orders.rules.facts import BOOL, CHOICE, FACTS, HISTORY_MAX_DAYS, INT, MONEY, normalizer
from orders.rules.operators import MANY, NONE, OPERATORS, PAIR, SCALAR, Predicate

RULE_ID = re.compile(r"^[a-z0-9][a-z0-9_-]{0,39}$")
MAX_RULES = 200
MAX_DEPTH = 8
MAX_NODES = 100
MAX_LIST = 50
MAX_TEXT = 100
MAX_ACTIONS = 10
RULE_KEYS = {"id", "name", "enabled", "priority", "stop", "when", "then", "note"}


def rules_hash(rules: Any) -> str:
    """The fingerprint of a rule set's content: previews are tied to it."""
    canonical = json.dumps(rules, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()


# --- validation --------------------------------------------------------------------------------------------


def rules_validate(raw: Any, ctx: Context | None = None) -> list[dict[str, Any]]:
    """Check a whole rule set; return it normalised (defaults filled in) or raise ``RuleSetInvalid``.

    Every problem is reported with its path, e.g. ``rules[2].when.all[1].op``.
    """
    ctx = ctx or Context()
    errors: list[dict[str, str]] = []
    if not isinstance(raw, list):
        raise RuleSetInvalid([{"path": "rules", "message": "a rule set is a list of rules"}])
    if len(raw) > MAX_RULES:
        errors.append({"path": "rules", "message": f"at most {MAX_RULES} rules per set"})
    seen: set[str] = set()
    out = []
    for index, rule in enumerate(raw[:MAX_RULES]):
        path = f"rules[{index}]"
        if not isinstance(rule, dict):
            errors.append({"path": path, "message": "a rule is an object with id, name, when and then"})
            continue
        out.append(_rule_validate(rule, path, ctx, errors, seen))
    if errors:
        raise RuleSetInvalid(errors)
    return out


def _rule_validate(rule: dict, path: str, ctx: Context, errors: list, seen: set[str]) -> dict[str, Any]:
    for extra in sorted(set(rule) - RULE_KEYS):
        errors.append(
            {"path": f"{path}.{extra}", "message": f"unknown key (a rule has {', '.join(sorted(RULE_KEYS))})"}
        )
    rule_id = rule.get("id")
    if not isinstance(rule_id, str) or not RULE_ID.match(rule_id):
        errors.append({"path": f"{path}.id", "message": f"{rule_id!r}: use 1-40 lowercase letters, digits, - or _"})
    elif rule_id in seen:
        errors.append({"path": f"{path}.id", "message": f"{rule_id!r} is used by another rule in this set"})
    else:
        seen.add(rule_id)
    name = rule.get("name", "")
    if not isinstance(name, str) or not name.strip() or len(name) > 100:
        errors.append({"path": f"{path}.name", "message": "a rule needs a name of 1-100 characters"})
    note = rule.get("note", "")
    if not isinstance(note, str) or len(note) > 500:
        errors.append({"path": f"{path}.note", "message": "a note is text of at most 500 characters"})
    priority = rule.get("priority", 0)
    if isinstance(priority, bool) or not isinstance(priority, int) or not -1000 <= priority <= 1000:
        errors.append({"path": f"{path}.priority", "message": f"{priority!r} must be a whole number -1000…1000"})
    for flag in ("enabled", "stop"):
        if flag in rule and not isinstance(rule[flag], bool):
            errors.append({"path": f"{path}.{flag}", "message": "must be true or false"})
    if "when" not in rule:
        errors.append({"path": f"{path}.when", "message": 'a rule needs a condition ({"all": []} matches every order)'})
    else:
        _node_validate(rule["when"], f"{path}.when", ctx, errors, depth=1, count=[0])
    then = rule.get("then")
    if not isinstance(then, list) or not then or len(then) > MAX_ACTIONS:
        errors.append({"path": f"{path}.then", "message": f"a rule needs a list of 1 to {MAX_ACTIONS} actions"})
        actions = []
    else:
        actions = [action_validate(a, f"{path}.then[{i}]", ctx, errors) for i, a in enumerate(then)]
    return {
        "id": rule_id,
        "name": name.strip() if isinstance(name, str) else name,
        "enabled": rule.get("enabled", True),
        "priority": priority,
        "stop": rule.get("stop", False),
        "when": rule.get("when"),
        "then": [a for a in actions if a],
        **({"note": note} if note else {}),
    }


def _node_validate(node: Any, path: str, ctx: Context, errors: list, *, depth: int, count: list[int]) -> None:
    count[0] += 1
    if count[0] > MAX_NODES:
        if count[0] == MAX_NODES + 1:
            errors.append({"path": path, "message": f"a condition has at most {MAX_NODES} parts"})
        return
    if depth > MAX_DEPTH:
        errors.append({"path": path, "message": f"conditions nest at most {MAX_DEPTH} levels deep"})
        return
    if not isinstance(node, dict):
        errors.append({"path": path, "message": 'a condition is {"all": […]}, {"any": […]}, {"not": …} or a fact test'})
        return
    groups = [k for k in ("all", "any", "not") if k in node]
    if groups:
        if len(node) != 1:
            errors.append({"path": path, "message": f"{groups[0]!r} must be the only key of its object"})
            return
        key = groups[0]
        if key == "not":
            _node_validate(node["not"], f"{path}.not", ctx, errors, depth=depth + 1, count=count)
            return
        children = node[key]
        if not isinstance(children, list):
            errors.append({"path": f"{path}.{key}", "message": "must be a list of conditions"})
            return
        for index, child in enumerate(children):
            _node_validate(child, f"{path}.{key}[{index}]", ctx, errors, depth=depth + 1, count=count)
        return
    _leaf_validate(node, path, ctx, errors)


def _leaf_validate(node: dict, path: str, ctx: Context, errors: list) -> None:
    fact_name = node.get("fact")
    fact = FACTS.get(fact_name) if isinstance(fact_name, str) else None
    if fact is None:
        errors.append({"path": f"{path}.fact", "message": f"{fact_name!r} is not a fact (see the fact list)"})
        return
    allowed_keys = {"fact", "op", "value"} | ({"days"} if fact.param else set())
    for extra in sorted(set(node) - allowed_keys):
        errors.append({"path": f"{path}.{extra}", "message": f"a test of {fact.name} takes no {extra!r}"})
    if fact.param:
        days = node.get("days")
        if isinstance(days, bool) or not isinstance(days, int) or not 1 <= days <= HISTORY_MAX_DAYS:
            errors.append({"path": f"{path}.days", "message": f"{fact.name} needs days, 1…{HISTORY_MAX_DAYS}"})
    op_name = node.get("op")
    op = OPERATORS.get(op_name) if isinstance(op_name, str) else None
    if op is None or fact.type not in op.types:
        usable = ", ".join(o.name for o in OPERATORS.values() if fact.type in o.types)
        errors.append(
            {"path": f"{path}.op", "message": f"{op_name!r} is not an operator for {fact.name} (use {usable})"}
        )
        return
    _value_coerce(fact, op, node.get("value"), f"{path}.value", ctx, errors)


def _value_coerce(fact, op, value: Any, path: str, ctx: Context, errors: list) -> Any:
    """The value of a leaf in the fact's type (``Decimal`` for money, normalised text …), or None + an error."""
    if op.value == NONE:
        if value not in (None, "", []):
            errors.append({"path": path, "message": f"{op.name} takes no value"})
        return None
    if op.value == SCALAR:
        return _one(fact, value, path, ctx, errors)
    if not isinstance(value, list):
        errors.append({"path": path, "message": f"{op.name} needs a list of values"})
        return None
    if op.value == PAIR:
        if len(value) != 2:
            errors.append({"path": path, "message": "between needs [low, high]"})
            return None
        low, high = (_one(fact, v, f"{path}[{i}]", ctx, errors) for i, v in enumerate(value))
        if low is not None and high is not None and low > high:
            errors.append({"path": path, "message": f"low {value[0]} is above high {value[1]}"})
            return None
        return (low, high)
    if not value or len(value) > MAX_LIST:
        errors.append({"path": path, "message": f"{op.name} needs 1 to {MAX_LIST} values"})
        return None
    items = [_one(fact, v, f"{path}[{i}]", ctx, errors) for i, v in enumerate(value)]
    return None if any(i is None for i in items) else items


def _one(fact, value: Any, path: str, ctx: Context, errors: list) -> Any:
    if fact.type == MONEY:
        if isinstance(value, bool) or not isinstance(value, (int, float, str)):
            errors.append({"path": path, "message": f"{value!r} is not an amount"})
            return None
        try:
            amount = Decimal(str(value).strip())
        except InvalidOperation:
            errors.append({"path": path, "message": f"{value!r} is not an amount"})
            return None
        if not amount.is_finite() or amount.as_tuple().exponent < -2:
            errors.append({"path": path, "message": f"{value!r} is not an amount with at most two decimals"})
            return None
        return amount
    if fact.type == INT:
        if isinstance(value, bool):
            errors.append({"path": path, "message": f"{value!r} is not a whole number"})
            return None
        try:
            number = int(value) if isinstance(value, (int, str)) else None
        except ValueError:
            number = None
        if number is None:
            errors.append({"path": path, "message": f"{value!r} is not a whole number"})
            return None
        return number
    if fact.type == BOOL:
        errors.append({"path": path, "message": "yes/no facts are tested with is_true or is_false"})
        return None
    if not isinstance(value, str) or not value.strip() or len(value) > MAX_TEXT:
        errors.append({"path": path, "message": f"{value!r} must be text of 1-{MAX_TEXT} characters"})
        return None
    if fact.type == CHOICE and fact.name == "shop" and ctx.shops and value not in ctx.shops:
        errors.append({"path": path, "message": f"no shop with code {value!r}"})
        return None
    if fact.type == CHOICE and fact.name == "platform":
        from orders.models import Platform

        if value not in Platform.values:
            errors.append({"path": path, "message": f"{value!r} is not a platform ({', '.join(Platform.values)})"})
            return None
    return normalizer(fact)(value)


# --- compilation and evaluation ----------------------------------------------------------------------------


@dataclass(frozen=True)
class CompiledRule:
    ref: str  # "<rule set code>/<rule id>"
    name: str
    priority: int
    stop: bool
    predicate: Predicate
    actions: tuple


@dataclass(frozen=True)
class CompiledRuleSet:
    code: str
    rules: tuple[CompiledRule, ...]
    history_keys: frozenset[str]


def rules_compile(code: str, rules: Sequence[dict[str, Any]], ctx: Context | None = None) -> CompiledRuleSet:
    """Validate and compile a rule set. Disabled rules are left out."""
    normalised = rules_validate(list(rules), ctx or Context(warehouses=_all_referenced_warehouses(rules)))
    history: set[str] = set()
    compiled = []
    ordered = sorted(enumerate(normalised), key=lambda pair: (-pair[1]["priority"], pair[0]))
    for _index, rule in ordered:
        if not rule["enabled"]:
            continue
        predicate = _node_compile(rule["when"], history)
        actions = tuple(ACTIONS[a["action"]].make(a) for a in rule["then"])
        compiled.append(
            CompiledRule(f"{code}/{rule['id']}", rule["name"], rule["priority"], rule["stop"], predicate, actions)
        )
    return CompiledRuleSet(code, tuple(compiled), frozenset(history))


def _all_referenced_warehouses(rules) -> frozenset[str]:
    """Compiling stored rules re-checks their shape, not whether a warehouse still exists (that is checked
    when a version is saved, and a retired warehouse shows up in the preview)."""
    codes = set()
    for rule in rules if isinstance(rules, list) else ():
        for action in rule.get("then", ()) if isinstance(rule, dict) else ():
            if isinstance(action, dict) and isinstance(action.get("warehouse"), str):
                codes.add(action["warehouse"])
    return frozenset(codes)


def _node_compile(node: dict[str, Any], history: set[str]) -> Predicate:
    if "all" in node:
        children = tuple(_node_compile(child, history) for child in node["all"])
        if not children:
            return lambda f: True
        if len(children) == 1:
            return children[0]

        def all_of(f):
            for child in children:
                if not child(f):
                    return False
            return True

        return all_of
    if "any" in node:
        children = tuple(_node_compile(child, history) for child in node["any"])
        if not children:
            return lambda f: False
        if len(children) == 1:
            return children[0]

        def any_of(f):
            for child in children:
                if child(f):
                    return True
            return False

        return any_of
    if "not" in node:
        inner = _node_compile(node["not"], history)
        return lambda f: not inner(f)
    fact = FACTS[node["fact"]]
    op = OPERATORS[node["op"]]
    key = fact.key(node.get("days"))
    if fact.param:
        history.add(key)
    errors: list = []
    value = _value_coerce(fact, op, node.get("value"), "", Context(), errors)
    if op.value == MANY and value is not None:
        value = tuple(value)
    return op.make(key, value)


def evaluate(rule_sets: Sequence[CompiledRuleSet], facts: dict[str, Any]) -> Plan:
    """Run the rule sets over one order's facts and combine what the matching rules do."""
    plan = Plan()
    for rule_set in rule_sets:
        for rule in rule_set.rules:
            if rule.predicate(facts):
                plan.matched.append(rule.ref)
                for apply in rule.actions:
                    apply(plan, rule.ref)
                if rule.stop:
                    plan.stopped_by = rule.ref
                    break
    return plan


def history_keys(rule_sets: Sequence[CompiledRuleSet]) -> frozenset[str]:
    keys: set[str] = set()
    for rule_set in rule_sets:
        keys |= rule_set.history_keys
    return frozenset(keys)
