"""Field-mapping dictionaries: how a platform's native order (or a file's columns) becomes the standard
order.

Each adapter declares its defaults in code; staff override single entries in the back office
(``FieldMapping`` rows). A source spec is ``path[|path…] [@transform]``:

- a path walks dicts by key and lists by index: ``consigneeInfo.mobile``, ``shipping_lines.0.price``;
  ``[]`` collects from every element of a list: ``shipping_lines[].price``;
- alternatives separated by ``|`` are tried in order, the first non-empty value wins
  (``mask_post_tel|post_tel``); a ``[]`` path counts only when every element has the value, so
  ``shipping_lines[].discounted_price|shipping_lines[].price`` falls back to ``price`` when a shipping line
  has no ``discounted_price``; when no alternative is complete, the first element without a value is
  named in a ``PayloadInvalid`` (``shipping_lines[1].price``);
- ``@transform`` says how to read the value: ``text`` (default), ``yuan`` (amount in yuan, string or
  number), ``fen`` (integer cents), ``datetime`` (platform local time ``YYYY-MM-DD HH:MM:SS`` in
  Asia/Shanghai; ``0001-01-01 00:00:00`` means unset), ``epoch`` (Unix seconds), ``iso`` (ISO 8601 with
  offset), ``int``, ``bool``, ``list`` (comma-separated), ``raw`` (as is).

Amount transforms on a ``[]`` path add the values up.

Adapters read orders through the mapping compiled (``mapping_compiled``: each spec parsed once, with its
field's default transform), built again whenever the overrides are read again from the database.
"""

from __future__ import annotations

import datetime as dt
import functools
import time
from collections.abc import Callable
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any, NamedTuple, TypeVar
from zoneinfo import ZoneInfo

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from integrations.exceptions import MappingInvalid, PayloadInvalid

SHANGHAI = ZoneInfo("Asia/Shanghai")
CENT = Decimal("0.01")
TRANSFORMS = ("text", "yuan", "fen", "datetime", "epoch", "iso", "int", "bool", "list", "raw")
UNSET_DATETIMES = {"", "0001-01-01 00:00:00", "0000-00-00 00:00:00", "1970-01-01 08:00:00"}


@dataclass(frozen=True)
class Spec:
    paths: tuple[tuple[str, ...], ...]
    transform: str
    source: str


@functools.lru_cache(maxsize=4096)
def spec_parse(source: str, *, default_transform: str = "text") -> Spec:
    """Read ``path|path @transform``; raise ``MappingInvalid`` saying what is wrong. Specs are few and
    parsed again whenever a mapping is compiled, so parsed ones are kept (a bad one raises each time)."""
    text = (source or "").strip()
    transform = default_transform
    if "@" in text:
        text, _at, transform = text.rpartition("@")
        text, transform = text.strip(), transform.strip()
        if transform not in TRANSFORMS:
            raise MappingInvalid(
                _("%(source)r: unknown transform %(transform)r (one of %(join)s).")
                % {"source": source, "transform": transform, "join": ", ".join(TRANSFORMS)},
                extra={"value": source},
            )
    if not text:
        raise MappingInvalid(_("%(source)r: no source path.") % {"source": source}, extra={"value": source})
    paths = []
    for alternative in text.split("|"):
        alternative = alternative.strip()
        parts = tuple(p for p in alternative.replace("[]", ".[]").split(".") if p)
        if not parts or any(not p.replace("_", "").replace("-", "").isalnum() and p != "[]" for p in parts):
            raise MappingInvalid(
                _("%(source)r: %(alternative)r is not a path like a.b.0.c.")
                % {"source": source, "alternative": alternative},
                extra={"value": source},
            )
        paths.append(parts)
    return Spec(paths=tuple(paths), transform=transform, source=source)


def _walk(data: Any, parts: tuple[str, ...]) -> Any:
    """What ``parts`` point at in ``data`` (object keys, list indexes), ``None`` when absent; a path with
    ``[]`` gives a list, one value per element."""
    if "[]" in parts:
        return _walk_collecting(data, parts)
    for part in parts:
        if isinstance(data, dict):
            data = data.get(part)
        elif isinstance(data, list) and part.isdigit():
            position = int(part)
            data = data[position] if position < len(data) else None
        else:
            return None
        if data is None:
            return None
    return data


def _walk_collecting(data: Any, parts: tuple[str, ...]) -> Any:
    """``_walk`` for a path with ``[]``: the part before it, then the rest from each element."""
    index = parts.index("[]")
    data = _walk(data, parts[:index]) if index else data
    if not isinstance(data, list):
        return None
    rest = parts[index + 1 :]
    return [_walk(item, rest) for item in data]


def _empty(value: Any) -> bool:
    return value is None or value == "" or value == [] or value == {}


def extract(data: Any, spec: Spec, *, field: str) -> Any:
    """The value ``spec`` points at in ``data``, transformed; ``None`` when absent."""
    gap: tuple[tuple[str, ...], int] | None = None
    for parts in spec.paths:
        value = _walk(data, parts)
        if _empty(value):
            continue
        if "[]" in parts:
            missing = _gap(value)
            if missing is not None:
                gap = gap or (parts, missing)
                continue
        return convert(value, spec.transform, field=field, source=spec.source)
    if gap is not None:
        _gap_raise(gap, field=field, source=spec.source)
    return None


def _gap(collected: Any) -> int | None:
    """The position of the first element of a ``[]`` path's list that has no value (``None`` or ``""``), or
    ``None`` when every element has one. An element that is itself a list (a nested ``[]``) is complete when
    all of its elements are; an empty inner list is a complete "nothing" (a line without discounts)."""
    if not isinstance(collected, list):
        return None
    for position, item in enumerate(collected):
        if item is None or item == "" or (isinstance(item, list) and _gap(item) is not None):
            return position
    return None


def _gap_raise(gap: tuple[tuple[str, ...], int], *, field: str, source: str) -> None:
    parts, position = gap
    path = ".".join(parts).replace(".[]", f"[{position}]", 1).replace(".[]", "[]")
    raise PayloadInvalid(
        _("%(where)s: %(path)s has no value (no alternative has one for every element).")
        % {"where": _where(field, source), "path": path},
        extra={"field": field, "path": path},
    )


def convert(value: Any, transform: str, *, field: str, source: str = "") -> Any:
    if isinstance(value, list) and transform in _SUMMED:
        parts = [convert(v, transform, field=field, source=source) for v in value if not _empty(v)]
        return sum(parts, Decimal("0") if transform != "int" else 0)
    read = _READ.get(transform)
    try:
        if read is not None:
            return read(value)
    except _UNREADABLE:
        raise PayloadInvalid(
            _("%(where)s: %(value)r is not %(expected)s.")
            % {"where": _where(field, source), "value": value, "expected": _KIND[transform]},
            extra={"field": field, "value": str(value)},
        ) from None
    raise MappingInvalid(
        _("%(where)s: unknown transform %(transform)r.") % {"where": _where(field, source), "transform": transform}
    )


def _where(field: str, source: str) -> str:
    return f"{field} ({source})" if source else field


def _summed(values: list[Any], transform: str) -> Any:
    """``convert`` of a list for an amount transform, without the field's name: the values added up."""
    read = _READ[transform]
    parts = [_summed(v, transform) if isinstance(v, list) else read(v) for v in values if not _empty(v)]
    return sum(parts, Decimal("0") if transform != "int" else 0)


_KIND = {
    "text": gettext_lazy("text"),
    "yuan": gettext_lazy("an amount in yuan"),
    "fen": gettext_lazy("an amount in fen (whole number)"),
    "datetime": gettext_lazy("a date and time (YYYY-MM-DD HH:MM:SS)"),
    "epoch": gettext_lazy("a Unix time in seconds"),
    "iso": gettext_lazy("an ISO 8601 date and time"),
    "int": gettext_lazy("a whole number"),
    "bool": gettext_lazy("yes/no"),
    "list": gettext_lazy("a list"),
    "raw": gettext_lazy("a value"),
}


def _remembered(read: Callable[[Any], Decimal]) -> Callable[[Any], Decimal]:
    """``read`` for amounts, remembering what each text or number read as: prices and fees repeat from order
    to order, and a dictionary look-up is cheaper than a Decimal parse. Keyed by type and value, since 1,
    1.0 and True are equal keys that read differently; zero floats are not kept (-0.0 == 0.0, and they read
    as -0.00 and 0.00)."""
    known: dict[tuple[type, Any], Decimal] = {}

    @functools.wraps(read)
    def remembered(value: Any) -> Decimal:
        kind = value.__class__
        if kind is not str and kind is not int and (kind is not float or not value):
            return read(value)
        key = (kind, value)
        amount = known.get(key)
        if amount is None:
            amount = read(value)
            if len(known) < 100_000:
                known[key] = amount
        return amount

    return remembered


@_remembered
def yuan(value: Any) -> Decimal:
    """An amount in yuan as Decimal with two places. Floats (PDD sends numbers) go through ``str``, so
    ``79.8`` is 79.80, never 79.7999…; more than two decimals is an error, not a rounding."""
    if isinstance(value, bool):
        raise ValueError
    text = str(value).strip().replace(",", "").lstrip("¥￥")
    amount = Decimal(text)
    if not amount.is_finite():
        raise ValueError
    rounded = amount.quantize(CENT, rounding=ROUND_HALF_UP)
    if rounded != amount:
        raise ValueError
    return rounded


def local_datetime(value: Any) -> dt.datetime | None:
    text = str(value).strip()
    if text in UNSET_DATETIMES:
        return None
    if len(text) == 19 and text[4] == "-" and text[10] == " ":  # the common form, read without strptime
        naive = dt.datetime.fromisoformat(text)
        return dt.datetime.combine(naive.date(), naive.time(), SHANGHAI)  # = replace(tzinfo=…), 5× faster
    for fmt in ("%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M", "%Y/%m/%d %H:%M:%S", "%Y/%m/%d %H:%M", "%Y-%m-%d"):
        try:
            return dt.datetime.strptime(text, fmt).replace(tzinfo=SHANGHAI)
        except ValueError:
            continue
    if isinstance(value, dt.datetime):  # openpyxl hands cells back as datetime
        return value if value.tzinfo else value.replace(tzinfo=SHANGHAI)
    raise ValueError(text)


def _raw(value: Any) -> Any:
    return value


def _text(value: Any) -> str:
    return value if isinstance(value, str) else str(value)


@_remembered
def _fen(value: Any) -> Decimal:
    if isinstance(value, float) and not value.is_integer():
        raise ValueError
    return (Decimal(int(Decimal(str(value)))) / 100).quantize(CENT)


def _int(value: Any) -> int:
    return int(str(value).strip())


def _bool(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    return str(value).strip().lower() in ("1", "true", "yes", "y", "是")


def _list(value: Any) -> list[str]:
    if isinstance(value, list):
        return [str(v).strip() for v in value if str(v).strip()]
    return [part.strip() for part in str(value).replace("，", ",").split(",") if part.strip()]


def _epoch(value: Any) -> dt.datetime | None:
    seconds = int(value)
    return dt.datetime.fromtimestamp(seconds, tz=dt.UTC) if seconds > 0 else None


def _iso(value: Any) -> dt.datetime:
    parsed = dt.datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=SHANGHAI)


# How each transform reads a value; a value it cannot read raises one of _UNREADABLE, which ``convert``
# words as "<field> (<source>): <value> is not <kind>". Amount transforms add a list's values up.
_READ: dict[str, Callable[[Any], Any]] = {
    "text": _text,
    "yuan": yuan,
    "fen": _fen,
    "datetime": local_datetime,
    "epoch": _epoch,
    "iso": _iso,
    "int": _int,
    "bool": _bool,
    "list": _list,
    "raw": _raw,
}
_SUMMED = frozenset({"yuan", "fen", "int"})
_UNREADABLE = (ValueError, TypeError, InvalidOperation, OverflowError)


# --- effective mappings: defaults in code, overrides in the database ---------------------------------------

_CACHE: dict[str, tuple[float, dict[str, dict[str, str]]]] = {}
CACHE_SECONDS = 10.0


def overrides_for(profile: str) -> dict[str, dict[str, str]]:
    """Staff overrides for ``profile`` by section, cached for a few seconds per process."""
    from integrations.models import FieldMapping

    now = time.monotonic()
    cached = _CACHE.get(profile)
    if cached and now - cached[0] < CACHE_SECONDS:
        return cached[1]
    found: dict[str, dict[str, str]] = {}
    for section, key, value in FieldMapping.objects.filter(profile=profile).values_list("section", "key", "value"):
        found.setdefault(section, {})[key] = value
    _CACHE[profile] = (now, found)
    return found


def overrides_forget() -> None:
    _CACHE.clear()
    _COMPILED.clear()


def mapping_effective(profile: str, defaults: dict[str, dict[str, str]]) -> dict[str, dict[str, str]]:
    """Defaults with the staff overrides laid over them, section by section."""
    return _merged(defaults, overrides_for(profile))


def _merged(defaults: dict[str, dict[str, str]], overrides: dict[str, dict[str, str]]) -> dict[str, dict[str, str]]:
    merged = {section: dict(entries) for section, entries in defaults.items()}
    for section, entries in overrides.items():
        merged.setdefault(section, {}).update(entries)
    return merged


# --- compiled mappings: parsed once, read for every order ----------------------------------------------------

Compiled = TypeVar("Compiled")
_COMPILED: dict[tuple[str, Callable[..., Any]], tuple[object, object, Any]] = {}


def mapping_compiled(
    profile: str,
    defaults: dict[str, dict[str, str]],
    build: Callable[[dict[str, dict[str, str]]], Compiled],
) -> Compiled:
    """``build(mapping_effective(profile, defaults))``, kept while it stays the same: until ``overrides_for``
    reads the overrides again (after ``CACHE_SECONDS`` or ``overrides_forget``) or other defaults are given.
    So staff edits take effect as soon as they do for ``mapping_effective``, and orders are read without
    merging dictionaries or parsing specs."""
    overrides = overrides_for(profile)
    cached = _COMPILED.get((profile, build))
    if cached is not None and cached[0] is overrides and cached[1] is defaults:
        return cached[2]
    compiled = build(_merged(defaults, overrides))
    _COMPILED[(profile, build)] = (overrides, defaults, compiled)
    return compiled


class FieldRead(NamedTuple):
    """One entry of a mapping section, parsed: ``paths`` are the alternatives, a single key as a str and a
    longer path as its parts; ``read`` is the transform's reader, ``None`` when the source does not parse
    (reading the field then raises the parser's ``MappingInvalid``)."""

    name: str
    paths: tuple[str | tuple[str, ...], ...]
    read: Callable[[Any], Any] | None
    summed: bool
    transform: str
    source: str


def fields_compile(
    entries: dict[str, str], transforms: dict[str, str], *, skip_blank: bool = True
) -> tuple[FieldRead, ...]:
    """The entries of a section (field → source spec), each parsed with its field's default transform
    (``transforms``, else ``text``). A blank source is left out when ``skip_blank``; a source that does not
    parse stays in its place and raises when an order is read, as it would have raised unparsed."""
    fields = []
    for name, source in entries.items():
        if skip_blank and not source:
            continue
        transform = transforms.get(name, "text")
        try:
            spec = spec_parse(source, default_transform=transform)
        except MappingInvalid:
            fields.append(FieldRead(name, (), None, False, transform, source))
            continue
        paths = tuple(parts[0] if len(parts) == 1 and parts[0] != "[]" else parts for parts in spec.paths)
        fields.append(
            FieldRead(name, paths, _READ[spec.transform], spec.transform in _SUMMED, spec.transform, spec.source)
        )
    return tuple(fields)


def fields_read(data: Any, fields: tuple[FieldRead, ...], prefix: str = "") -> dict[str, Any]:
    """``{name: extract(data, spec, field=prefix + name)}`` for the compiled ``fields``, in their order and
    with the same values and errors; the field's label is put together only for an error."""
    values: dict[str, Any] = {}
    keyed = isinstance(data, dict)
    for name, paths, read, summed, transform, source in fields:
        if read is None:
            spec_parse(source, default_transform=transform)  # raises MappingInvalid, as it did when compiled
        value = None
        gap = None
        for path in paths:
            if path.__class__ is str and keyed:
                found = data.get(path)  # the common path: one key of an object
            else:
                found = _walk(data, (path,) if path.__class__ is str else path)
            if found is None:
                continue
            kind = found.__class__  # _empty(found), with the common kinds decided by their truth or at once
            if kind is str or kind is list or kind is dict:
                if not found:
                    continue
            elif kind is not int and kind is not float and _empty(found):
                continue
            if kind is list and path.__class__ is tuple and "[]" in path:
                missing = _gap(found)
                if missing is not None:  # a collected list with a hole: try the next alternative
                    gap = gap or (path, missing)
                    continue
            try:
                value = _summed(found, transform) if summed and isinstance(found, list) else read(found)
            except _UNREADABLE:
                convert(found, transform, field=prefix + name, source=source)  # words the error and raises it
                raise
            break
        else:
            if gap is not None:
                _gap_raise(gap, field=prefix + name, source=source)
        values[name] = value
    return values
