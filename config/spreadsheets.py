"""The one place where exports turn values into spreadsheet cells.

Every XLSX (and CSV) export writes its values through ``cell_value``, so a value that came from outside — a
buyer's name, a remark, a platform's SKU title — cannot become a formula when a colleague opens the file
(CSV/Excel formula injection, OWASP "CSV Injection"): text starting with ``=``, ``+``, ``-``, ``@``, a tab or a
carriage return (or their full-width forms, which Excel also accepts) is written with a leading ``'``, which
spreadsheet programs read as "this is text". Numbers, dates and booleans keep their type; lazy translations
become plain text.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.utils.functional import Promise

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\n", "＝", "＋", "－", "＠")


def cell_value(value: Any) -> Any:
    """``value`` as it may be written into a cell."""
    if isinstance(value, Promise):
        value = str(value)
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def row_values(values: Iterable[Any]) -> list[Any]:
    """A row of values for ``sheet.append`` / ``csv.writer.writerow``."""
    return [cell_value(value) for value in values]


def sheet_append(sheet, values: Iterable[Any]) -> None:
    """Append one row of plain values to an openpyxl sheet."""
    sheet.append(row_values(values))
