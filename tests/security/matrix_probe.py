"""Shared by the access matrix: the cast, the objects the URLs name, and how a URL pattern is requested."""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.urls import URLPattern, URLResolver, get_resolver

ROLES = ("anon", "cs", "wh", "fin", "mgr", "adm")


@dataclass(frozen=True)
class Route:
    name: str  # "namespace:name" or the route itself when unnamed
    route: str  # the pattern, e.g. "orders/<str:number>/"


def routes() -> list[Route]:
    found: dict[str, Route] = {}

    def walk(patterns, prefix="", namespace=""):
        for pattern in patterns:
            text = prefix + str(pattern.pattern)
            if isinstance(pattern, URLResolver):
                ns = pattern.namespace or namespace
                ns = f"{namespace}:{pattern.namespace}" if namespace and pattern.namespace else ns
                walk(pattern.url_patterns, text, ns)
            elif isinstance(pattern, URLPattern):
                name = f"{namespace}:{pattern.name}" if namespace and pattern.name else (pattern.name or text)
                found.setdefault(name, Route(name=name, route=text))

    walk(get_resolver().url_patterns)
    return sorted(found.values(), key=lambda r: r.route)


def fill(route: str, values: dict[str, str]) -> str:
    """The route with its parameters replaced by ``values[name]`` (or a per-converter default)."""
    defaults = {"int": "999999", "slug": "no-such-thing", "str": "no-such-thing", "path": "no/such/thing"}

    def one(match):
        converter, name = match.group(1) or "str", match.group(2)
        return values.get(name, defaults.get(converter, "no-such-thing"))

    path = re.sub(r"<(?:(\w+):)?(\w+)>", one, route)
    path = path.replace("^", "").replace("$", "")
    path = re.sub(r"\(\?P<(\w+)>[^)]*\)", lambda m: values.get(m.group(1), "x"), path)
    path = path.replace(".*", "")
    return "/" + path
