"""Messages a person reads later, stored so that each reader sees them in their own language.

A timeline reason or a reconciliation finding is written once (often by a worker running in Chinese) and read
many times, by people who chose different languages. So it is not stored translated: it is stored as its
English source text with named placeholders and the values (``message``), and translated when it is shown
(``message_render``), in the language active for the reader — page, admin, API or export.

``message(gettext_noop("review rejected: %(note)s"), note=note)`` is a ``str``: its value is the English
text, so it goes wherever text went before (a ``reason`` or ``detail`` column stays readable and searchable),
and it carries ``stored()`` — ``{"text": ..., "params": {...}}`` — for the JSON column next to it. Rows written
before a message was stored this way have no stored form: ``message_render`` shows their text as it was, unless
``message_recognise`` finds it is one of the messages the same place wrote out in English before (``Written``
says how, when the English was other than the message's own text or a value was a message itself).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from django.utils import translation
from django.utils.functional import Promise
from django.utils.translation import gettext, gettext_noop


class Message(str):
    """The English text of a message that also knows its source and values (see the module)."""

    source: str
    params: dict[str, Any]

    def __new__(cls, source: str, params: dict[str, Any]):
        english = {name: str(value) if isinstance(value, Message) else value for name, value in params.items()}
        made = super().__new__(cls, source % english if params else source)
        made.source = source
        made.params = params
        return made

    def stored(self) -> dict[str, Any]:
        params = {name: value.stored() if isinstance(value, Message) else value for name, value in self.params.items()}
        return {"text": self.source, "params": params}


def message(source: str, **params: Any) -> Message:
    """A message to store: ``source`` is English with ``%(name)s`` placeholders (marked with ``gettext_noop``
    where it is written, so it is in the catalogue); the values are text, numbers, or messages (translated with it)."""
    return Message(
        source,
        {name: value if isinstance(value, Message | int | float) else str(value) for name, value in params.items()},
    )


def message_label(label: str | Promise) -> Message:
    """A label marked with ``gettext_lazy`` (a model choice's, say) as a message, so that it is translated with the
    message it is a value of: ``message(gettext_noop("now %(status)s"), status=message_label(Status.OPEN.label))``.

    Whatever language is active, the message keeps the label's source: with translations deactivated (Django's
    ``deactivate_all``, which is there for lazy text to read as its original string) the label reads as written."""
    with translation.override(None):
        return Message(str(label), {})


LIST = gettext_noop("%(first)s; %(rest)s")


def message_list(items: Sequence[Message | str]) -> Message | str:
    """Messages one after the other as one message ("a; b; c"), listed as the reader's language lists them (an item
    may be plain text, a code say, shown as it is)."""
    first, *rest = items
    return message(LIST, first=first, rest=message_list(rest)) if rest else first


def message_restored(stored: dict[str, Any] | None, text: str) -> str:
    """The message a row stored (``stored``, its JSON column) back as a ``Message``, to be a value of another
    message; ``text`` (as written) when the row stored none."""
    if not stored or not stored.get("text"):
        return text
    params = {
        name: message_restored(value, "") if isinstance(value, dict) else value
        for name, value in (stored.get("params") or {}).items()
    }
    return Message(stored["text"], params)


def message_stored(text: str) -> dict[str, Any] | None:
    """What to keep in the JSON column for ``text``: its stored form when it is a ``message``, else nothing."""
    return text.stored() if isinstance(text, Message) else None


def message_text(text: str) -> str:
    """``text`` to show now, in the active language: a ``message`` translated, other text as it is."""
    return message_render(message_stored(text), text)


def message_render(stored: dict[str, Any] | None, fallback: str) -> str:
    """``stored`` in the active language; ``fallback`` (the text as it was written) when there is none."""
    if not stored or not stored.get("text"):
        return fallback
    params = {
        name: message_render(value, "") if isinstance(value, dict) else value
        for name, value in (stored.get("params") or {}).items()
    }
    translated = gettext(stored["text"])
    try:
        return translated % params if params else translated
    except (KeyError, ValueError, TypeError):  # a translation that lost a placeholder: the text as written
        return fallback


@dataclass(frozen=True)
class Written:
    """How rows wrote a message out in English before it was stored, when that was more than its own text with
    its values (``message_recognise``). ``source``: the message it is now. ``text``: the English it was written
    in, when that was other (same placeholders). ``parts``: what a value looked like when not just any text
    (placeholder → regular expression). ``messages``: values that were messages themselves, each with what it
    may have been (recognised in turn; a value that is none of them stays as written)."""

    source: str
    text: str = ""
    parts: Mapping[str, str] = field(default_factory=dict)
    messages: Mapping[str, Sequence[str | Written]] = field(default_factory=dict)


def message_list_written(items: Sequence[str | Written], most: int) -> tuple[str | Written, ...]:
    """How ``message_list`` of up to ``most`` of ``items`` was written out in English (for ``message_recognise``:
    the longest list first, then a single item; items hold no ";")."""
    listed: tuple[str | Written, ...] = tuple(items)
    for _more in range(most - 1):
        listed = (Written(LIST, parts={"first": "[^;]+"}, messages={"first": items, "rest": listed}), *items)
    return listed


def message_recognise(text: str, sources: Sequence[str | Written]) -> dict[str, Any] | None:
    """The stored form of ``text`` when it is one of ``sources`` written out in English (a row stored before its
    message was kept), so that it too is shown in the reader's language; else None. The first that fits wins."""
    for source in sources:
        written = source if isinstance(source, Written) else Written(source)
        found = _pattern(written.text or written.source, tuple(written.parts.items())).fullmatch(text)
        if found:
            params: dict[str, Any] = {}
            for name, value in found.groupdict().items():
                inner = message_recognise(value, written.messages[name]) if name in written.messages else None
                params[name] = inner or value
            return {"text": written.source, "params": params}
    return None


@lru_cache(maxsize=256)
def _pattern(source: str, parts: tuple[tuple[str, str], ...] = ()) -> re.Pattern[str]:
    shapes = dict(parts)
    pieces = re.split(r"%\((\w+)\)s", source)  # text, name, text, name, …, text
    regex, seen = [], set()
    for i, piece in enumerate(pieces):
        if i % 2 == 0:
            regex.append(re.escape(piece))
        elif piece in seen:  # a value the text says twice is the same value both times
            regex.append(f"(?P={piece})")
        else:
            seen.add(piece)
            regex.append(f"(?P<{piece}>{shapes.get(piece, '.+')})")
    return re.compile("".join(regex), re.S)
