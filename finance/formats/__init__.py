"""Statement formats: detect a file's format from its content and parse it by header name.

    reader = statement_open(stream)           # SpreadsheetInvalid when no known format fits
    ctx = ParseContext()
    for line in reader.lines(ctx): ...        # ParsedLine objects; ctx.errors holds the bad rows
    ctx.declared / ctx.parsed                 # the file's own totals and ours

Detection looks at the first rows for a header row that carries a format's signature columns; the
filename is never trusted.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext as _

from config.spreadsheets import Position, SpreadsheetInvalid, rows_open
from finance.formats.alipay import AlipayAccountLedger, AlipayTradeBill
from finance.formats.bank import BankStatement
from finance.formats.base import (
    Flow,
    LineKind,
    ParseContext,
    ParsedLine,
    StatementFormat,
    clean,
    normalise_ref,
)
from finance.formats.platforms import DouyinSettlement, JDSettlement, PinduoduoLedger, TaobaoSettlement
from finance.formats.unionpay import UnionPayTradeDetails
from finance.formats.wechat import WeChatPayTradeBill

FORMATS: tuple[type[StatementFormat], ...] = (
    AlipayTradeBill,
    AlipayAccountLedger,
    WeChatPayTradeBill,
    UnionPayTradeDetails,
    TaobaoSettlement,
    JDSettlement,
    PinduoduoLedger,
    DouyinSettlement,
    BankStatement,
)
FORMATS_BY_CODE = {fmt.code: fmt for fmt in FORMATS}
FORMAT_CHOICES = [(fmt.code, fmt.label) for fmt in FORMATS]
SOURCES = sorted({fmt.source for fmt in FORMATS})
HEADER_SEARCH_ROWS = 60


@dataclass
class StatementReader:
    format: StatementFormat
    container: str  # "csv/gb18030", "csv/utf-8", "xlsx"
    preamble: list[str]
    _rows: Iterator[tuple[int, list[Any]]]
    position: Position

    @property
    def code(self) -> str:
        return self.format.code

    def lines(self, ctx: ParseContext) -> Iterator[ParsedLine]:
        self.format.preamble(self.preamble, ctx)
        return self.format.parse(self._rows, ctx)


def statement_open(stream: io.BufferedIOBase) -> StatementReader:
    """Find the header row and the format it belongs to; the returned reader continues after the header."""
    container, rows, position = rows_open(stream)
    preamble: list[str] = []
    closest: tuple[int, type[StatementFormat], list[str], int] | None = None
    scanned = 0
    for number, cells in rows:
        first = clean(cells[0]) if cells else ""
        if first.startswith("#"):
            preamble.append(",".join(clean(c) for c in cells if clean(c)))
            continue
        if not any(clean(c) for c in cells):
            continue
        candidates = [fmt for fmt in FORMATS if fmt.matches(cells)]
        if candidates:
            chosen = max(candidates, key=lambda fmt: len(fmt.signature))
            return StatementReader(chosen(cells, number), container, preamble, rows, position)
        preamble.append(",".join(clean(c) for c in cells if clean(c)))
        for fmt in FORMATS:
            missing = fmt.missing_for(cells)
            present = len([c for c in fmt.columns if c.required]) - len(missing)
            if present >= 2 and (closest is None or len(missing) < closest[0]):
                closest = (len(missing), fmt, missing, number)
        scanned += 1
        if scanned >= HEADER_SEARCH_ROWS:
            break
    if closest is not None:
        _n, fmt, missing, number = closest
        raise SpreadsheetInvalid(
            _(
                "Not a statement format Order Hub knows. The closest is %(format)s, but its header (row %(row)s) "
                "lacks the columns %(missing)s."
            )
            % {"format": fmt.label, "row": number, "missing": ", ".join(missing)},
            extra={"closest_format": fmt.code, "row": number, "missing_columns": missing},
        )
    raise SpreadsheetInvalid(
        _(
            "Not a statement format Order Hub knows: no header row with known column names in the first "
            "%(rows)s rows. Known formats: %(known)s."
        )
        % {"rows": HEADER_SEARCH_ROWS, "known": ", ".join(str(fmt.label) for fmt in FORMATS)},
        extra={"known_formats": [fmt.code for fmt in FORMATS]},
    )


__all__ = [
    "FORMATS",
    "FORMATS_BY_CODE",
    "FORMAT_CHOICES",
    "SOURCES",
    "Flow",
    "LineKind",
    "ParseContext",
    "ParsedLine",
    "StatementReader",
    "normalise_ref",
    "statement_open",
]
