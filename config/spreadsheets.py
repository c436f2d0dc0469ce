"""The one place where exports turn values into spreadsheet cells, and where uploaded tables are read.

Every XLSX (and CSV) export writes its values through ``cell_value``, so a value that came from outside — a
buyer's name, a remark, a platform's SKU title — cannot become a formula when a colleague opens the file
(CSV/Excel formula injection, OWASP "CSV Injection"): text starting with ``=``, ``+``, ``-``, ``@``, a tab or a
carriage return (or their full-width forms, which Excel also accepts) is written with a leading ``'``, which
spreadsheet programs read as "this is text". Numbers, dates and booleans keep their type; lazy translations
become plain text.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Iterable
from typing import Any

from django.utils.functional import Promise

from config.errors import ApplicationError
from config.uploads import upload_check

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


# --- reading uploaded tables -----------------------------------------------------------------------------------


class SpreadsheetInvalid(ApplicationError):
    code = "spreadsheet_invalid"


def _cell_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S")
    return str(value).strip()


def table_read(content: bytes, name: str) -> tuple[list[str], list[tuple[int, list[str]]]]:
    """(headers, [(row number, cells)]) of the first sheet / the CSV (UTF-8 or GBK); row 1 is the header row,
    empty rows are left out, every cell is text (whole numbers without ``.0``, times as ``YYYY-MM-DD HH:MM:SS``).
    The one reader of uploaded tables: order files (integrations), channel allocations (inventory)."""
    upload_check(content, name=name)  # UploadRefused: too large, or a zip bomb
    lower = name.lower()
    if lower.endswith((".xlsx", ".xlsm")):
        import openpyxl

        try:
            workbook = openpyxl.load_workbook(io.BytesIO(content), read_only=True, data_only=True)
        except Exception as exc:  # noqa: BLE001 - openpyxl raises many kinds
            raise SpreadsheetInvalid(f"{name}: not a readable XLSX file ({exc}).") from None
        sheet = workbook.worksheets[0]
        rows = [
            (index, [_cell_text(v) for v in row])
            for index, row in enumerate(sheet.iter_rows(values_only=True), start=1)
        ]
        workbook.close()
    elif lower.endswith((".csv", ".txt")):
        try:
            text = content.decode("utf-8-sig")
        except UnicodeDecodeError:
            try:
                text = content.decode("gb18030")  # GBK and its superset
            except UnicodeDecodeError:
                raise SpreadsheetInvalid(f"{name}: neither UTF-8 nor GBK text.") from None
        rows = [
            (index, [cell.strip() for cell in row]) for index, row in enumerate(csv.reader(io.StringIO(text)), start=1)
        ]
    else:
        raise SpreadsheetInvalid(f"{name}: only .xlsx and .csv files can be imported.")
    rows = [(number, cells) for number, cells in rows if any(cells)]
    if not rows:
        raise SpreadsheetInvalid(f"{name}: the file is empty.")
    (_header_number, headers), body = rows[0], rows[1:]
    return headers, body
