"""Which app may import which (docs/architecture.md): read from the source, not from what happens to run.

Every ``.py`` of each app (migrations excepted) is parsed; every way of reaching another app counts — ``import``
and ``from … import`` at module level, inside functions and under ``TYPE_CHECKING`` alike (relative imports
resolved), ``importlib.import_module("app.…")`` / ``__import__``, ``apps.get_model("app", "Model")`` /
``apps.get_model("app.Model")`` and the lazy model references of relations (``ForeignKey("app.Model")``).
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
APPS = ("config", "inventory", "orders", "aftersales", "fulfilment", "finance", "integrations")

# app → the other apps it may use. config is the shared kernel every app may import; it imports no domain app
# (its root URLconf names the apps' url modules: the one exception, below).
ALLOWED: dict[str, set[str]] = {
    "config": set(),
    "inventory": {"config"},
    "orders": {"config", "inventory"},
    "aftersales": {"config", "orders", "inventory"},
    "fulfilment": {"config", "orders", "inventory"},
    "finance": {"config", "orders", "inventory", "aftersales"},
    "integrations": {"config", "inventory", "orders", "aftersales", "fulfilment", "finance"},
}
# The root URLconf wires every app's urls (include("orders.urls") …) and nothing else.
URLCONF = {ROOT / "config" / "urls.py"}

# Known, written down, still to fix: inventory's channel stock rows (shop × SKU) point at orders' Shop with a
# database foreign key. Removing it (a plain shop id, or the rows moving to orders) is a data migration of its
# own. A listed exception that is no longer there fails ``test_known_exceptions_are_still_needed``.
KNOWN_EXCEPTIONS = {"inventory/models.py: inventory → orders (ForeignKey('orders.Shop'))"}

RELATIONS = {"ForeignKey", "OneToOneField", "ManyToManyField"}
IMPORTERS = {"import_module", "__import__"}


def _app_of(dotted: str) -> str | None:
    head = dotted.split(".", 1)[0]
    return head if head in APPS else None


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _resolve_relative(path: Path, node: ast.ImportFrom) -> str:
    package = _module_name(path).split(".")
    if path.name != "__init__.py":
        package = package[:-1]
    base = package[: len(package) - (node.level - 1)] if node.level > 1 else package
    return ".".join([*base, node.module] if node.module else base)


def _call_name(node: ast.Call) -> str:
    func = node.func
    if isinstance(func, ast.Attribute):
        return func.attr
    if isinstance(func, ast.Name):
        return func.id
    return ""


def _string(node: ast.AST | None) -> str | None:
    return node.value if isinstance(node, ast.Constant) and isinstance(node.value, str) else None


def references(path: Path) -> list[tuple[int, str, str]]:
    """(line, app, how) for every reference to an app in the file."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    found: list[tuple[int, str, str]] = []

    def add(line: int, dotted: str | None, how: str) -> None:
        app = _app_of(dotted) if dotted else None
        if app:
            found.append((line, app, how))

    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                add(node.lineno, alias.name, f"import {alias.name}")
        elif isinstance(node, ast.ImportFrom):
            module = _resolve_relative(path, node) if node.level else (node.module or "")
            add(node.lineno, module, f"from {module} import …")
        elif isinstance(node, ast.Call):
            name = _call_name(node)
            first = _string(node.args[0]) if node.args else None
            if name in IMPORTERS:
                add(node.lineno, first, f"{name}({first!r})")
            elif name == "get_model" and first:
                add(node.lineno, first.split(".")[0] if "." in first else first, f"get_model({first!r})")
            elif name in RELATIONS:
                target = first or _string(next((k.value for k in node.keywords if k.arg == "to"), None))
                if target and "." in target:
                    add(node.lineno, target.split(".")[0], f"{name}({target!r})")
    return found


def _app_files(app: str) -> list[Path]:
    return sorted(p for p in (ROOT / app).rglob("*.py") if "migrations" not in p.relative_to(ROOT).parts)


def violations(app: str) -> list[str]:
    allowed = ALLOWED[app] | {app}
    out = []
    for path in _app_files(app):
        for line, target, how in references(path):
            if target in allowed:
                continue
            if path in URLCONF and "urls" in how:
                continue
            out.append(f"{path.relative_to(ROOT)}:{line}: {app} → {target} ({how})")
    return out


def _unlisted(found: list[str]) -> list[str]:
    return [v for v in found if _without_line(v) not in KNOWN_EXCEPTIONS]


def _without_line(violation: str) -> str:
    where, rest = violation.split(": ", 1)
    return f"{where.rsplit(':', 1)[0]}: {rest}"


@pytest.mark.parametrize("app", APPS)
def test_each_app_imports_only_what_the_layering_allows(app):
    assert _unlisted(violations(app)) == []


def test_known_exceptions_are_still_needed():
    found = {_without_line(v) for app in APPS for v in violations(app)}
    assert KNOWN_EXCEPTIONS <= found, f"fixed — remove from KNOWN_EXCEPTIONS: {sorted(KNOWN_EXCEPTIONS - found)}"


def test_nothing_imports_integrations():
    users = [v for app in APPS if app != "integrations" for v in violations(app) if "→ integrations" in v]
    assert users == []


def test_the_checker_sees_every_way_of_reaching_another_app(tmp_path):
    """The checker itself: a module reaching orders in each way is caught each time."""
    sample = tmp_path / "sample.py"
    sample.write_text(
        "from typing import TYPE_CHECKING\n"
        "import importlib\n"
        "from django.apps import apps\n"
        "from django.db import models\n"
        "if TYPE_CHECKING:\n"
        "    from orders.models import Order\n"
        "def f():\n"
        "    import orders.services\n"
        "    from orders import access\n"
        "    importlib.import_module('orders.selectors')\n"
        "    apps.get_model('orders', 'Order')\n"
        "    apps.get_model('orders.Shop')\n"
        "class M(models.Model):\n"
        "    shop = models.ForeignKey('orders.Shop', on_delete=models.CASCADE)\n"
        "    other = models.ForeignKey(to='orders.Order', on_delete=models.CASCADE)\n",
        encoding="utf-8",
    )

    found = sorted(how for _line, app, how in references(sample) if app == "orders")

    assert found == sorted(
        [
            "from orders.models import …",
            "import orders.services",
            "from orders import …",
            "import_module('orders.selectors')",
            "get_model('orders')",
            "get_model('orders.Shop')",
            "ForeignKey('orders.Shop')",
            "ForeignKey('orders.Order')",
        ]
    )
