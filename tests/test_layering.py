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
            keyword = {k.arg: _string(k.value) for k in node.keywords if k.arg}
            if name in IMPORTERS:
                target = first or keyword.get("name")
                add(node.lineno, target, f"{name}({target!r})")
            elif name == "get_model":
                target = first or keyword.get("app_label")
                if target:
                    add(node.lineno, target.split(".")[0], f"get_model({target!r})")
            elif name in RELATIONS:
                for target in (first or keyword.get("to"), keyword.get("through")):
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


@pytest.mark.parametrize("app", APPS)
def test_each_app_imports_only_what_the_layering_allows(app):
    assert violations(app) == []


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
        "    apps.get_model(app_label='orders', model_name='Order')\n"
        "    __import__('orders.models')\n"
        "    importlib.import_module(name='orders.rules')\n"
        "class M(models.Model):\n"
        "    shop = models.ForeignKey('orders.Shop', on_delete=models.CASCADE)\n"
        "    other = models.ForeignKey(to='orders.Order', on_delete=models.CASCADE)\n"
        "    one = models.OneToOneField('orders.OrderLine', on_delete=models.CASCADE)\n"
        "    many = models.ManyToManyField('inventory.SKU', through='orders.OrderLine')\n",
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
            "get_model('orders')",
            "__import__('orders.models')",
            "import_module('orders.rules')",
            "ForeignKey('orders.Shop')",
            "ForeignKey('orders.Order')",
            "OneToOneField('orders.OrderLine')",
            "ManyToManyField('orders.OrderLine')",
        ]
    )
