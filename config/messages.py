"""Messages a person reads later, stored so that each reader sees them in their own language.

A timeline reason or a reconciliation finding is written once (often by a worker running in Chinese) and read
many times, by people who chose different languages. So it is not stored translated: it is stored as its
English source text with named placeholders and the values (``message``), and translated when it is shown
(``message_render``), in the language active for the reader — page, admin, API or export.

``message(gettext_noop("review rejected: %(note)s"), note=note)`` is a ``str``: its value is the English
text, so it goes wherever text went before (a ``reason`` or ``detail`` column stays readable and searchable),
and it carries ``stored()`` — ``{"text": ..., "params": {...}}`` — for the JSON column next to it. Rows written
before a message was stored this way have no stored form: ``message_render`` shows their text as it was, unless
``message_recognise`` finds it is one of the messages the same place wrote out in English before.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import lru_cache
from typing import Any

from django.utils import translation
from django.utils.functional import Promise
from django.utils.translation import gettext


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


def message_stored(text: str) -> dict[str, Any] | None:
    """What to keep in the JSON column for ``text``: its stored form when it is a ``message``, else nothing."""
    return text.stored() if isinstance(text, Message) else None


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


def message_recognise(text: str, sources: Sequence[str]) -> dict[str, Any] | None:
    """The stored form of ``text`` when it is one of ``sources`` written out in English (a row stored before its
    message was kept), so that it too is shown in the reader's language; else None."""
    for source in sources:
        found = _pattern(source).fullmatch(text)
        if found:
            return {"text": source, "params": found.groupdict()}
    return None


@lru_cache(maxsize=256)
def _pattern(source: str) -> re.Pattern[str]:
    parts = re.split(r"%\((\w+)\)s", source)  # text, name, text, name, …, text
    return re.compile(
        "".join(re.escape(part) if i % 2 == 0 else f"(?P<{part}>.+)" for i, part in enumerate(parts)), re.S
    )
