"""What a matched rule may do — a fixed whitelist — and how the actions of all matched rules combine.

Rules run from the highest priority down; a rule's actions are added to one ``Plan``:
- ``hold``: the first matching rule's hold wins (reason and note);
- ``require_approval``: every distinct role is added as the next approval tier, in the order met;
- ``add_tags`` / ``add_services``: the union, in the order met;
- ``set_queue`` / ``set_priority`` / ``set_warehouse`` / ``set_carrier``: the first matching rule that sets
  the value wins — a higher-priority rule is not overridden by a lower one.

Services (保价, 上门安装 …) and the carrier are not columns of ``Order``: they are kept on the order's
``OrderRuleResult`` (``services``, ``carrier``) where fulfilment reads them; see docs/rules.md.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.utils.module_loading import import_string
from django.utils.translation import gettext_lazy as _

from orders.models import Queue
from orders.roles import ROLE_LABELS
from orders.states import HoldReason

# The hold reasons a rule may use; out_of_stock, presale and refund belong to their own flows.
RULE_HOLD_REASONS = (HoldReason.RISK, HoldReason.APPROVAL, HoldReason.MANUAL, HoldReason.ADDRESS)
SUGGESTED_TAGS = ("需配赠品", "需配试用装", "需定制刻字", "需质检", "需手工包装", "加急", "需冰袋", "需核对备注")
SERVICES = ("保价", "上门安装", "送货上楼", "开箱验货", "签收回单")


def carrier_names() -> dict[str, str]:
    """Order Hub's carrier codes and names, from the one carrier library (fulfilment's, reached through
    ``settings.ORDERS_CARRIER_NAMES``: orders does not import fulfilment)."""
    return import_string(settings.ORDERS_CARRIER_NAMES)()


MAX_TAG_LENGTH = 20
MAX_NOTE_LENGTH = 200


class Plan:
    """The combined outcome of the rules that matched one order."""

    __slots__ = (
        "matched",
        "stopped_by",
        "hold",
        "approvals",
        "tags",
        "services",
        "queue",
        "priority",
        "warehouse",
        "carrier",
    )

    def __init__(self) -> None:
        self.matched: list[str] = []  # "<rule set code>/<rule id>", in evaluation order
        self.stopped_by: str = ""
        self.hold: tuple[str, str, str] | None = None  # (reason, note, rule)
        self.approvals: list[tuple[str, str]] = []  # (role, rule)
        self.tags: dict[str, str] = {}  # tag -> rule
        self.services: dict[str, str] = {}
        self.queue: tuple[str, str] | None = None  # (value, rule)
        self.priority: tuple[int, str] | None = None
        self.warehouse: tuple[str, str] | None = None
        self.carrier: tuple[str, str] | None = None

    @property
    def needs_review(self) -> bool:
        return self.hold is not None or bool(self.approvals)

    def effects(self) -> dict[str, Any]:
        """What the plan does, JSON-safe and comparable (used for previews and stored on the order)."""
        out: dict[str, Any] = {}
        if self.hold:
            out["hold"] = {"reason": self.hold[0], "note": self.hold[1]}
        if self.approvals:
            out["approvals"] = [role for role, _rule in self.approvals]
        if self.tags:
            out["tags"] = list(self.tags)
        if self.services:
            out["services"] = list(self.services)
        for name in ("queue", "priority", "warehouse", "carrier"):
            value = getattr(self, name)
            if value is not None:
                out[name] = value[0]
        return out

    def sources(self) -> dict[str, Any]:
        """Which rule produced each effect."""
        out: dict[str, Any] = {}
        if self.hold:
            out["hold"] = self.hold[2]
        if self.approvals:
            out["approvals"] = [rule for _role, rule in self.approvals]
        if self.tags:
            out["tags"] = dict(self.tags)
        if self.services:
            out["services"] = dict(self.services)
        for name in ("queue", "priority", "warehouse", "carrier"):
            value = getattr(self, name)
            if value is not None:
                out[name] = value[1]
        return out


Apply = Callable[[Plan, str], None]


@dataclass
class Context:
    """What validation checks references against (codes that exist now)."""

    warehouses: frozenset[str] = frozenset()
    shops: frozenset[str] = frozenset()
    roles: frozenset[str] = field(default_factory=lambda: frozenset(ROLE_LABELS))


@dataclass(frozen=True)
class Param:
    name: str
    kind: str  # "choice", "text", "int", "choices" (a list from the choices), "texts"
    required: bool = True
    choices: Callable[[Context], Any] | None = None
    max_length: int = 0
    low: int = 0
    high: int = 0


@dataclass(frozen=True)
class ActionSpec:
    name: str
    label: Any
    params: tuple[Param, ...]
    make: Callable[[dict[str, Any]], Apply]


def _hold(p):
    reason, note = p["reason"], p.get("note", "")

    def apply(plan: Plan, rule: str) -> None:
        if plan.hold is None:
            plan.hold = (reason, note, rule)

    return apply


def _approval(p):
    role = p["role"]

    def apply(plan: Plan, rule: str) -> None:
        if all(existing != role for existing, _rule in plan.approvals):
            plan.approvals.append((role, rule))

    return apply


def _add(attr: str, key: str):
    def make(p):
        values = tuple(p[key])

        def apply(plan: Plan, rule: str) -> None:
            bucket = getattr(plan, attr)
            for value in values:
                bucket.setdefault(value, rule)

        return apply

    return make


def _set(attr: str, key: str):
    def make(p):
        value = p[key]

        def apply(plan: Plan, rule: str) -> None:
            if getattr(plan, attr) is None:
                setattr(plan, attr, (value, rule))

        return apply

    return make


_NOTE = Param("note", "text", required=False, max_length=MAX_NOTE_LENGTH)

ACTIONS: dict[str, ActionSpec] = {
    spec.name: spec
    for spec in [
        ActionSpec(
            "hold",
            _("Hold for manual review"),
            (Param("reason", "choice", choices=lambda ctx: RULE_HOLD_REASONS), _NOTE),
            _hold,
        ),
        ActionSpec(
            "require_approval",
            _("Require approval by a role"),
            (Param("role", "choice", choices=lambda ctx: sorted(ctx.roles)), _NOTE),
            _approval,
        ),
        ActionSpec(
            "add_tags", _("Add tags"), (Param("tags", "texts", max_length=MAX_TAG_LENGTH),), _add("tags", "tags")
        ),
        ActionSpec(
            "add_services",
            _("Add services"),
            (Param("services", "choices", choices=lambda ctx: SERVICES),),
            _add("services", "services"),
        ),
        ActionSpec(
            "set_queue",
            _("Set queue"),
            (Param("queue", "choice", choices=lambda ctx: Queue.values),),
            _set("queue", "queue"),
        ),
        ActionSpec(
            "set_priority",
            _("Set priority"),
            (Param("priority", "int", low=-100, high=100),),
            _set("priority", "priority"),
        ),
        ActionSpec(
            "set_warehouse",
            _("Ship from warehouse"),
            (Param("warehouse", "choice", choices=lambda ctx: sorted(ctx.warehouses)),),
            _set("warehouse", "warehouse"),
        ),
        ActionSpec(
            "set_carrier",
            _("Choose carrier"),
            (Param("carrier", "choice", choices=lambda ctx: list(carrier_names())),),
            _set("carrier", "carrier"),
        ),
    ]
}


def action_validate(raw: Any, path: str, ctx: Context, errors: list[dict[str, str]]) -> dict[str, Any] | None:
    """Check one action against the whitelist; return it normalised, or None after adding its errors."""
    if not isinstance(raw, dict):
        errors.append({"path": path, "message": 'an action is an object such as {"action": "add_tags", …}'})
        return None
    name = raw.get("action")
    spec = ACTIONS.get(name) if isinstance(name, str) else None
    if spec is None:
        errors.append(
            {"path": f"{path}.action", "message": f"{name!r} is not an action (use one of {', '.join(ACTIONS)})"}
        )
        return None
    out: dict[str, Any] = {"action": name}
    known = {"action"} | {p.name for p in spec.params}
    for extra in sorted(set(raw) - known):
        errors.append({"path": f"{path}.{extra}", "message": f"{name} takes no {extra!r}"})
    before = len(errors)
    for param in spec.params:
        where = f"{path}.{param.name}"
        if param.name not in raw or raw[param.name] in (None, ""):
            if param.required:
                errors.append({"path": where, "message": f"{name} needs {param.name}"})
            continue
        value = _param_value(param, raw[param.name], where, ctx, errors)
        if value is not None:
            out[param.name] = value
    return out if len(errors) == before else None


def _param_value(param: Param, value: Any, where: str, ctx: Context, errors: list) -> Any:
    if param.kind == "choice":
        allowed = list(param.choices(ctx)) if param.choices else []
        if not isinstance(value, str) or value not in allowed:
            shown = ", ".join(str(a) for a in allowed) or "(none available)"
            errors.append({"path": where, "message": f"{value!r} is not one of: {shown}"})
            return None
        return value
    if param.kind == "text":
        if not isinstance(value, str) or len(value) > param.max_length:
            errors.append({"path": where, "message": f"must be text of at most {param.max_length} characters"})
            return None
        return value.strip()
    if param.kind == "int":
        if isinstance(value, bool) or not isinstance(value, int) or not param.low <= value <= param.high:
            errors.append({"path": where, "message": f"{value!r} must be a whole number {param.low}…{param.high}"})
            return None
        return value
    # lists
    if not isinstance(value, list) or not value or len(value) > 20:
        errors.append({"path": where, "message": "must be a list of 1 to 20 values"})
        return None
    out = []
    allowed = list(param.choices(ctx)) if param.choices else None
    for index, item in enumerate(value):
        item_where = f"{where}[{index}]"
        if not isinstance(item, str) or not item.strip():
            errors.append({"path": item_where, "message": f"{item!r} must be non-empty text"})
        elif allowed is not None and item not in allowed:
            errors.append({"path": item_where, "message": f"{item!r} is not one of: {', '.join(allowed)}"})
        elif param.max_length and len(item.strip()) > param.max_length:
            errors.append({"path": item_where, "message": f"{item!r} is longer than {param.max_length} characters"})
        elif item.strip() not in out:
            out.append(item.strip())
    return out if len(out) else None
