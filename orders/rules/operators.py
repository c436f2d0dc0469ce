"""The comparisons a condition may use — a fixed whitelist — and which fact types each one applies to.

Each operator turns (fact key, already-coerced value) into a predicate ``facts -> bool``. Values are coerced
and normalised once, when the rule set is compiled, never per order.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext_lazy as _

from orders.rules.facts import BOOL, CHOICE, INT, LIST, MONEY, TEXT

Predicate = Callable[[dict[str, Any]], bool]

NONE = "none"  # the operator takes no value
SCALAR = "scalar"
MANY = "list"  # a non-empty list of values
PAIR = "pair"  # [low, high], inclusive

NUMBERS = frozenset({MONEY, INT})


@dataclass(frozen=True)
class Operator:
    name: str
    label: Any
    types: frozenset[str]
    value: str
    make: Callable[[str, Any], Predicate]


def _eq(key, v):
    return lambda f: f[key] == v


def _ne(key, v):
    return lambda f: f[key] != v


def _gt(key, v):
    return lambda f: f[key] > v


def _gte(key, v):
    return lambda f: f[key] >= v


def _lt(key, v):
    return lambda f: f[key] < v


def _lte(key, v):
    return lambda f: f[key] <= v


def _between(key, v):
    low, high = v
    return lambda f: low <= f[key] <= high


def _in(key, v):
    values = frozenset(v)
    return lambda f: f[key] in values


def _not_in(key, v):
    values = frozenset(v)
    return lambda f: f[key] not in values


def _contains(key, v):
    return lambda f: v in f[key]


def _not_contains(key, v):
    return lambda f: v not in f[key]


def _starts_with(key, v):
    return lambda f: f[key].startswith(v)


def _contains_any(key, v):
    words = tuple(v)

    def predicate(f):
        text = f[key]
        for word in words:
            if word in text:
                return True
        return False

    return predicate


def _contains_none(key, v):
    match = _contains_any(key, v)
    return lambda f: not match(f)


def _empty(key, _v):
    return lambda f: not f[key]


def _not_empty(key, _v):
    return lambda f: bool(f[key])


def _is_true(key, _v):
    return lambda f: f[key] is True


def _is_false(key, _v):
    return lambda f: f[key] is False


def _has(key, v):
    return lambda f: v in f[key]


def _has_any(key, v):
    values = frozenset(v)
    return lambda f: not values.isdisjoint(f[key])


def _has_all(key, v):
    values = frozenset(v)
    return lambda f: values <= f[key]


def _has_none(key, v):
    values = frozenset(v)
    return lambda f: values.isdisjoint(f[key])


_ORDERED = NUMBERS
_EQUATABLE = NUMBERS | {TEXT, CHOICE}

OPERATORS: dict[str, Operator] = {
    op.name: op
    for op in [
        Operator("eq", _("equals"), frozenset(_EQUATABLE), SCALAR, _eq),
        Operator("ne", _("does not equal"), frozenset(_EQUATABLE), SCALAR, _ne),
        Operator("gt", _("greater than"), _ORDERED, SCALAR, _gt),
        Operator("gte", _("at least"), _ORDERED, SCALAR, _gte),
        Operator("lt", _("less than"), _ORDERED, SCALAR, _lt),
        Operator("lte", _("at most"), _ORDERED, SCALAR, _lte),
        Operator("between", _("between (inclusive)"), _ORDERED, PAIR, _between),
        Operator("in", _("is one of"), frozenset(_EQUATABLE), MANY, _in),
        Operator("not_in", _("is none of"), frozenset(_EQUATABLE), MANY, _not_in),
        Operator("contains", _("contains"), frozenset({TEXT}), SCALAR, _contains),
        Operator("not_contains", _("does not contain"), frozenset({TEXT}), SCALAR, _not_contains),
        Operator("contains_any", _("contains any of"), frozenset({TEXT}), MANY, _contains_any),
        Operator("contains_none", _("contains none of"), frozenset({TEXT}), MANY, _contains_none),
        Operator("starts_with", _("starts with"), frozenset({TEXT}), SCALAR, _starts_with),
        Operator("is_empty", _("is empty"), frozenset({TEXT, LIST, CHOICE}), NONE, _empty),
        Operator("not_empty", _("is not empty"), frozenset({TEXT, LIST, CHOICE}), NONE, _not_empty),
        Operator("is_true", _("is yes"), frozenset({BOOL}), NONE, _is_true),
        Operator("is_false", _("is no"), frozenset({BOOL}), NONE, _is_false),
        Operator("has", _("includes"), frozenset({LIST}), SCALAR, _has),
        Operator("has_any", _("includes any of"), frozenset({LIST}), MANY, _has_any),
        Operator("has_all", _("includes all of"), frozenset({LIST}), MANY, _has_all),
        Operator("has_none", _("includes none of"), frozenset({LIST}), MANY, _has_none),
    ]
}


def operators_for(fact_type: str) -> list[Operator]:
    return [op for op in OPERATORS.values() if fact_type in op.types]
