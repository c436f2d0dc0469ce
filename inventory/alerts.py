"""How many safety-stock alerts are open, for inventory's pages. The alerts are orders' (the one alert model,
raised from ``inventory.signals.safety_stock_changed``), which inventory may not import: orders registers the
reader when the apps are ready (orders/receivers.py)."""

from __future__ import annotations

from collections.abc import Callable

_reader: Callable[[], int] | None = None


def open_safety_alerts_reader_register(reader: Callable[[], int]) -> None:
    global _reader
    _reader = reader


def open_safety_alerts_count() -> int:
    return _reader() if _reader is not None else 0
