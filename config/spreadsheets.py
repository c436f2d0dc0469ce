"""The one place where exports turn values into spreadsheet cells, and where uploaded tables are read.

Every XLSX (and CSV) export writes its values through ``cell_value``, so a value that came from outside — a
buyer's name, a remark, a platform's SKU title — cannot become a formula when a colleague opens the file
(CSV/Excel formula injection, OWASP "CSV Injection"): text starting with ``=``, ``+``, ``-``, ``@``, a tab or a
carriage return (or their full-width forms, which Excel also accepts) is written with a leading ``'``, which
spreadsheet programs read as "this is text". Numbers, dates and booleans keep their type; lazy translations
become plain text.
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import io
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import IO, Any

from django.utils.functional import Promise
from django.utils.translation import gettext as _

from config.errors import ApplicationError
from config.uploads import UploadRefused, upload_check

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
#
# The one reader of uploaded CSV/XLSX files: order files (integrations), channel allocations (inventory),
# statements (finance). ``rows_open`` streams any size of file row by row; ``table_read`` reads a small upload
# whole, as text. A row that cannot be used is reported as one ``RowError`` (row, column, value, why).


class SpreadsheetInvalid(ApplicationError):
    """The file as a whole cannot be read (not CSV/XLSX, encoding, a damaged workbook, empty)."""

    code = "spreadsheet_invalid"


@dataclass(slots=True)
class RowError:
    """One cell (or row) of an uploaded file that cannot be used: the row number in the file (1 = the first
    line), the column's header, the value as the file has it, and why."""

    row: int
    column: str
    value: str
    reason: str

    def as_dict(self) -> dict[str, Any]:
        return {"row": self.row, "column": self.column, "value": self.value, "reason": self.reason}

    def __str__(self) -> str:
        where = (
            _("row %(row)s, column %(column)s") % {"row": self.row, "column": self.column}
            if self.column
            else _("row %(row)s") % {"row": self.row}
        )
        value = f" {self.value!r}" if self.value else ""
        return f"{where}:{value} {self.reason}"


XLSX_MAGIC = b"PK\x03\x04"
XLS_MAGIC = b"\xd0\xcf\x11\xe0"


def sniff_encoding(head: bytes) -> str:
    """UTF-8 (with or without BOM) when the head decodes as UTF-8, otherwise GB18030 (a superset of GBK,
    which Alipay, most Chinese banks and platform back offices use)."""
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    try:
        codecs.getincrementaldecoder("utf-8")().decode(head, final=False)
        return "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        codecs.getincrementaldecoder("gb18030")().decode(head, final=False)
        return "gb18030"
    except UnicodeDecodeError:
        raise SpreadsheetInvalid(_("The file is neither UTF-8 nor GBK/GB18030 text, nor an Excel workbook.")) from None


class Position:
    """How far through the file the reader is, as a fraction (for progress bars)."""

    def __init__(self, stream: IO[bytes] | None = None):
        self.stream = stream
        self.size = 0
        if stream is not None:
            stream.seek(0, io.SEEK_END)
            self.size = stream.tell()
            stream.seek(0)
        self.row = 0
        self.rows = 0

    def fraction(self) -> float:
        if self.stream is not None and self.size:
            try:
                return min(1.0, self.stream.tell() / self.size)
            except (OSError, ValueError):
                return 0.0
        return min(1.0, self.row / self.rows) if self.rows else 0.0


def rows_open(stream: IO[bytes]) -> tuple[str, Iterator[tuple[int, list[Any]]], Position]:
    """``(kind, rows, position)`` for a CSV or XLSX file, told apart by content (the name is not trusted):
    each row is ``(row number in the file, cells)`` with the cells as the file has them (XLSX: numbers,
    datetimes, ``None``)."""
    try:
        upload_check(stream, name=getattr(stream, "name", None) or "file")  # too large, or a zip bomb
    except UploadRefused as refused:
        raise SpreadsheetInvalid(refused.message, extra=refused.extra) from None
    return _rows_detect(stream)


def _rows_detect(stream: IO[bytes]) -> tuple[str, Iterator[tuple[int, list[Any]]], Position]:
    head = stream.read(65536)
    stream.seek(0)
    if head.startswith(XLS_MAGIC):
        raise SpreadsheetInvalid(_("Old-style .xls workbooks are not supported: save the file as .xlsx or CSV."))
    if head.startswith(XLSX_MAGIC):
        position = Position()
        return "xlsx", _xlsx_rows(stream, position), position
    if not head.strip():
        raise SpreadsheetInvalid(_("The file is empty."))
    encoding = sniff_encoding(head)
    position = Position(stream)
    return f"csv/{encoding}", _csv_rows(stream, encoding), position


def _csv_rows(stream: IO[bytes], encoding: str) -> Iterator[tuple[int, list[str]]]:
    text = io.TextIOWrapper(stream, encoding=encoding, newline="")
    reader = csv.reader(text)
    try:
        for cells in reader:
            yield reader.line_num, cells
    except UnicodeDecodeError as exc:
        row = reader.line_num + 1
        raise SpreadsheetInvalid(
            _("Row %(row)s: bytes that are not valid %(encoding)s text (%(why)s).")
            % {"row": row, "encoding": encoding, "why": exc.reason},
            extra={"row": row},
        ) from None
    except csv.Error as exc:
        raise SpreadsheetInvalid(
            _("Row %(row)s: %(why)s.") % {"row": reader.line_num, "why": exc}, extra={"row": reader.line_num}
        ) from None
    finally:
        try:
            text.detach()  # leave the caller's file open
        except ValueError:  # the caller closed it first
            pass


def _xlsx_rows(stream: IO[bytes], position: Position) -> Iterator[tuple[int, list[Any]]]:
    import openpyxl

    try:
        workbook = openpyxl.load_workbook(stream, read_only=True, data_only=True)
    except Exception as exc:  # noqa: BLE001 - openpyxl raises many kinds for a damaged zip
        raise SpreadsheetInvalid(_("Not a readable XLSX workbook (%(why)s).") % {"why": exc}) from None
    try:
        sheet = workbook.worksheets[0]
        position.rows = sheet.max_row or 0
        for number, cells in enumerate(sheet.iter_rows(values_only=True), start=1):
            position.row = number
            yield number, list(cells)
    finally:
        workbook.close()


def _cell_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S")
    return str(value).strip()


def table_read(content: bytes, name: str) -> tuple[list[str], list[tuple[int, list[str]]]]:
    """(headers, [(row number, cells)]) of the first sheet / the CSV (UTF-8 or GBK) of a small upload, read
    whole with ``rows_open``: row 1 is the header row, empty rows are left out, every cell is text (whole
    numbers without ``.0``, times as ``YYYY-MM-DD HH:MM:SS``). Errors name the file."""
    if not name.lower().endswith((".xlsx", ".xlsm", ".csv", ".txt")):
        raise SpreadsheetInvalid(_("%(name)s: only .xlsx and .csv files can be imported.") % {"name": name})
    upload_check(content, name=name)  # UploadRefused: too large, or a zip bomb
    try:
        _kind, rows, _position = _rows_detect(io.BytesIO(content))
        if name.lower().endswith((".xlsx", ".xlsm")) and _kind != "xlsx":
            raise SpreadsheetInvalid(_("Not a readable XLSX workbook (%(why)s).") % {"why": _("not a zip file")})
        read = [(number, [_cell_text(value) for value in cells]) for number, cells in rows]
    except SpreadsheetInvalid as exc:
        raise SpreadsheetInvalid(
            _("%(name)s: %(exc_message)s") % {"name": name, "exc_message": exc.message}, extra=exc.extra
        ) from None
    read = [(number, cells) for number, cells in read if any(cells)]
    if not read:
        raise SpreadsheetInvalid(_("%(name)s: the file is empty.") % {"name": name})
    (_header_number, headers), body = read[0], read[1:]
    return headers, body
