"""Rules in words, for the editor and the preview (and the data the condition builder offers)."""

from __future__ import annotations

from typing import Any

from orders.rules.actions import ACTIONS, SERVICES, SUGGESTED_TAGS, Context, carrier_names
from orders.rules.facts import FACTS, fact_choices
from orders.rules.operators import NONE, OPERATORS, operators_for

RULE_KEY_ORDER = ("id", "name", "priority", "stop", "enabled", "note", "when", "then")
LEAF_KEY_ORDER = ("fact", "days", "op", "value")


def rules_pretty(rules: Any) -> Any:
    """The rules with keys in reading order (id, name, … when, then; fact, days, op, value; action first).
    PostgreSQL's jsonb keeps keys in its own order; this only changes how the JSON is shown."""
    if not isinstance(rules, list):
        return rules
    return [_rule_pretty(rule) if isinstance(rule, dict) else rule for rule in rules]


def _ordered(node: dict, order: tuple[str, ...]) -> dict:
    return {**{k: node[k] for k in order if k in node}, **{k: v for k, v in node.items() if k not in order}}


def _rule_pretty(rule: dict) -> dict:
    out = _ordered(rule, RULE_KEY_ORDER)
    if "when" in out:
        out["when"] = _node_pretty(out["when"])
    if isinstance(out.get("then"), list):
        out["then"] = [_ordered(a, ("action",)) if isinstance(a, dict) else a for a in out["then"]]
    return out


def _node_pretty(node: Any) -> Any:
    if not isinstance(node, dict):
        return node
    for key in ("all", "any"):
        if key in node and isinstance(node[key], list):
            return {key: [_node_pretty(child) for child in node[key]]}
    if "not" in node:
        return {"not": _node_pretty(node["not"])}
    return _ordered(node, LEAF_KEY_ORDER)


def condition_describe(node: Any) -> str:
    if not isinstance(node, dict):
        return "?"
    if "all" in node:
        parts = [condition_describe(child) for child in node["all"]]
        return " and ".join(_wrap(p) for p in parts) if parts else "always"
    if "any" in node:
        parts = [condition_describe(child) for child in node["any"]]
        return " or ".join(_wrap(p) for p in parts) if parts else "never"
    if "not" in node:
        return f"not {_wrap(condition_describe(node['not']))}"
    fact = FACTS.get(node.get("fact"))
    op = OPERATORS.get(node.get("op"))
    if fact is None or op is None:
        return "?"
    label = str(fact.label).replace(" N ", f" {node.get('days')} ") if fact.param else str(fact.label)
    if op.value == NONE:
        return f"{label} {op.label}"
    value = node.get("value")
    shown = " / ".join(str(v) for v in value) if isinstance(value, list) else str(value)
    return f"{label} {op.label} {shown}"


def _wrap(text: str) -> str:
    return f"({text})" if " and " in text or " or " in text else text


def action_describe(action: dict[str, Any]) -> str:
    spec = ACTIONS.get(action.get("action"))
    if spec is None:
        return "?"
    params = []
    for param in spec.params:
        value = action.get(param.name)
        if value in (None, "", []):
            continue
        params.append(", ".join(value) if isinstance(value, list) else str(value))
    return f"{spec.label}: {'; '.join(params)}" if params else str(spec.label)


def rule_describe(rule: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": rule.get("id"),
        "name": rule.get("name"),
        "priority": rule.get("priority", 0),
        "stop": rule.get("stop", False),
        "enabled": rule.get("enabled", True),
        "when": condition_describe(rule.get("when")),
        "then": [action_describe(a) for a in rule.get("then", [])],
    }


def builder_spec(ctx: Context) -> dict[str, Any]:
    """Everything the condition builder offers — the same whitelists the server validates against."""
    return {
        "facts": [
            {
                "name": f.name,
                "type": f.type,
                "label": str(f.label),
                "help": str(f.help),
                "param": f.param,
                "choices": [c for c, _label in fact_choices(f)] or (sorted(ctx.shops) if f.name == "shop" else []),
            }
            for f in FACTS.values()
        ],
        "operators": {
            fact_type: [{"name": op.name, "label": str(op.label), "value": op.value} for op in operators_for(fact_type)]
            for fact_type in sorted({f.type for f in FACTS.values()})
        },
        "actions": [
            {
                "name": spec.name,
                "label": str(spec.label),
                "params": [
                    {
                        "name": p.name,
                        "kind": p.kind,
                        "required": p.required,
                        "choices": [str(c) for c in p.choices(ctx)] if p.choices else [],
                        "low": p.low,
                        "high": p.high,
                    }
                    for p in spec.params
                ],
            }
            for spec in ACTIONS.values()
        ],
        "suggested_tags": list(SUGGESTED_TAGS),
        "services": list(SERVICES),
        "carriers": carrier_names(),
    }
