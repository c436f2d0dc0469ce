"""What every statement format shares: the parsed line, row errors, reading CSV/XLSX, money and time parsing.

A format parser turns a file into ``ParsedLine`` objects (one per money movement the provider reports),
a list of ``RowError`` for the rows it could not read (file row, column, value, reason — every other row is
kept), the totals the file declares about itself (``declared``) and the totals of what was parsed
(``parsed``), which the importer compares.

Amounts are ``Decimal`` with their sign as seen from the merchant's account: money in is positive, money
out (refunds, fees, commission, withdrawals) negative. ``amount`` is the principal (payment, refund,
settlement, withdrawal, bank movement); ``fee`` the payment-processing fee and ``commission`` the platform's
commission charged on that line, so the line's effect on the account is ``amount + fee + commission``.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any, ClassVar
from zoneinfo import ZoneInfo

from django.utils.translation import gettext as _

from config.spreadsheets import RowError, SpreadsheetInvalid

SHANGHAI = ZoneInfo("Asia/Shanghai")
# China Standard Time as a fixed offset (no daylight saving since 1991): cheaper to build and compare.
CST = dt.timezone(dt.timedelta(hours=8), "CST")
ZERO = Decimal("0.00")
CENT = Decimal("0.01")


class LineKind:
    """What a statement line is. Stored as text on ``StatementLine.kind``."""

    PAYMENT = "payment"  # the buyer paid (gateway bills: Alipay trade bill, WeChat Pay, UnionPay)
    REFUND = "refund"  # money given back to the buyer
    SETTLEMENT = "settlement"  # a platform paid an order's proceeds to the merchant (ledger, settlement export)
    COMPENSATION = "compensation"  # paid to the buyer on top of a refund (shipping compensation, 运费补偿)
    FEE = "fee"  # payment-processing fee on its own line (花呗手续费, 支付服务费)
    COMMISSION = "commission"  # platform commission on its own line (技术服务费, 佣金)
    WITHDRAWAL = "withdrawal"  # money moved from the provider account to the merchant's bank (提现)
    BANK_IN = "bank_in"  # a credit on the bank statement
    BANK_OUT = "bank_out"  # a debit on the bank statement
    OTHER = "other"  # anything else the provider lists (promotion charges, deposits, adjustments)

    ORDER_KINDS = frozenset({PAYMENT, REFUND, SETTLEMENT, COMPENSATION})
    KNOWN_ITEMS = frozenset({FEE, COMMISSION, WITHDRAWAL, BANK_IN, BANK_OUT})
    ALL = (PAYMENT, REFUND, SETTLEMENT, COMPENSATION, FEE, COMMISSION, WITHDRAWAL, BANK_IN, BANK_OUT, OTHER)


class Flow:
    """Whether a format reports buyer payments (one line per payment, same day), settlements (when the
    platform pays out, days later) or bank movements. Only payment-flow statements make a paid order
    *expected* on its payment day."""

    PAYMENT = "payment"
    SETTLEMENT = "settlement"
    BANK = "bank"


@dataclass(slots=True)
class ParsedLine:
    row: int
    kind: str
    occurred_at: dt.datetime
    amount: Decimal = ZERO
    fee: Decimal = ZERO
    commission: Decimal = ZERO
    platform_discount: Decimal = ZERO
    merchant_discount: Decimal = ZERO
    has_discounts: bool = False
    gross: Decimal | None = None
    postage: Decimal | None = None
    fee_rate: Decimal | None = None
    currency: str = "CNY"
    order_ref: str = ""
    platform_ref: str = ""
    transaction_id: str = ""
    refund_ref: str = ""
    description: str = ""
    counterparty: str = ""
    balance: Decimal | None = None
    # ``occurred_at`` as printed, when it was a plain local ``YYYY-MM-DD HH:MM:SS`` (lets the importer skip
    # re-formatting the datetime, which is slow in CPython, for millions of rows)
    occurred_text: str = ""

    @property
    def net(self) -> Decimal:
        return self.amount + self.fee + self.commission


class RowInvalid(Exception):
    """Raised inside a row function; the row is skipped and reported, the rest of the file is kept."""

    def __init__(self, column: str, value: Any, reason: str):
        super().__init__(reason)
        self.column = column
        self.value = "" if value is None else str(value)
        self.reason = reason


@dataclass
class ParseContext:
    """What a parser fills in besides the lines."""

    errors: list[RowError] = field(default_factory=list)
    declared: dict[str, Decimal | int] = field(default_factory=dict)
    parsed: dict[str, Decimal | int] = field(default_factory=dict)
    meta: dict[str, Any] = field(default_factory=dict)
    rows_read: int = 0

    def add(self, key: str, value: Decimal | int) -> None:
        self.parsed[key] = self.parsed.get(key, 0) + value

    def error(self, row: int, column: str, value: Any, reason: str) -> None:
        self.errors.append(RowError(row, column, "" if value is None else str(value), reason))


# --- cells ---------------------------------------------------------------------------------------------------

_STRIP = " \t\r\n`'\u3000\ufeff"


def clean(value: Any) -> str:
    """A cell as text: padding tabs, WeChat's leading backtick and Excel's ``="…"`` wrapper removed."""
    if value is None:
        return ""
    if not isinstance(value, str):
        if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
            return str(int(value))
        return str(value)
    text = value.strip(_STRIP)
    if text.startswith('="') and text.endswith('"'):
        text = text[2:-1].strip(_STRIP)
    return text


# Parsed amounts by their exact cell text: statements repeat the same few thousand values ("0.00" most of all).
_MONEY_CACHE: dict[str, Decimal] = {}
_MONEY_JUNK = str.maketrans("", "", ",¥￥元 \u3000")
_MONEY_RE = re.compile(r"^[+-]?\d+(\.\d+)?$")


def money(value: Any, column: str, *, required: bool = True, default: Decimal | None = ZERO) -> Decimal | None:
    """A cell as a Decimal amount with at most two places; ``RowInvalid`` says what is wrong."""
    if isinstance(value, Decimal):
        number = value
    elif isinstance(value, int | float) and not isinstance(value, bool):
        number = Decimal(repr(value)) if isinstance(value, float) else Decimal(value)
        rounded = number.quantize(CENT)
        if abs(rounded - number) < Decimal("0.000001"):  # a float stored by Excel: 69.8000000001
            number = rounded
    else:
        text = clean(value)
        if not text or text in {"-", "--", "—"}:
            if required and default is None:
                raise RowInvalid(column, value, _("is empty but an amount is required"))
            return default
        text = text.translate(_MONEY_JUNK)
        negative = text.startswith("(") and text.endswith(")")
        if negative:
            text = text[1:-1]
        if not _MONEY_RE.match(text):
            raise RowInvalid(column, value, _("is not an amount"))
        number = Decimal(text)
        if negative:
            number = -number
    if number.as_tuple().exponent < -2 and number != number.quantize(CENT):
        raise RowInvalid(column, value, _("has more than two decimal places"))
    return number.quantize(CENT)


def rate(value: Any, column: str) -> Decimal | None:
    """``0.60%`` or ``0.006`` as a fraction (0.006)."""
    text = clean(value)
    if not text:
        return None
    try:
        if text.endswith("%"):
            return Decimal(text[:-1]) / 100
        return Decimal(text)
    except InvalidOperation:
        raise RowInvalid(column, value, _("is not a rate")) from None


_CN_DATE = re.compile(r"^(\d{4})年(\d{1,2})月(\d{1,2})日\s*(.*)$")


def fast_when(text: str, column: str) -> dt.datetime:
    """``YYYY-MM-DD HH:MM:SS`` (what most bills print) without the general parser's detours."""
    if len(text) == 19 and text[4] == "-" and text[10] == " ":
        try:
            return dt.datetime.fromisoformat(text + "+08:00")
        except ValueError:
            pass
    return when(text, column)


def when(value: Any, column: str, *, time_value: Any = None) -> dt.datetime:
    """A cell as an aware datetime in Asia/Shanghai (the providers' time zone)."""
    if isinstance(value, dt.datetime):
        moment = value
    elif isinstance(value, dt.date):
        moment = dt.datetime.combine(value, dt.time())
    else:
        text = clean(value)
        if not text:
            raise RowInvalid(column, value, _("is empty but a date/time is required"))
        match = _CN_DATE.match(text)
        if match:
            year, month, day, rest = match.groups()
            text = f"{year}-{int(month):02d}-{int(day):02d} {rest}".strip()
        text = text.replace("/", "-").replace("T", " ")
        if len(text) in (8, 14) and text.isdigit():  # 20261111 or 20261111235959
            text = f"{text[:4]}-{text[4:6]}-{text[6:8]}" + (
                f" {text[8:10]}:{text[10:12]}:{text[12:14]}" if len(text) == 14 else ""
            )
        try:
            moment = dt.datetime.fromisoformat(text)
        except ValueError:
            try:
                moment = dt.datetime.fromisoformat(_pad_date(text))
            except ValueError:
                raise RowInvalid(column, value, _("is not a date/time (expected YYYY-MM-DD HH:MM:SS)")) from None
    if time_value is not None and moment.time() == dt.time():
        tv = time_value if isinstance(time_value, dt.time) else None
        if tv is None:
            ttext = clean(time_value)
            if ttext:
                try:
                    tv = dt.time.fromisoformat(ttext if ":" in ttext else f"{ttext[:2]}:{ttext[2:4]}:{ttext[4:6]}")
                except ValueError:
                    raise RowInvalid("time", time_value, _("is not a time (expected HH:MM:SS)")) from None
        if tv is not None:
            moment = dt.datetime.combine(moment.date(), tv)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=SHANGHAI)
    return moment


def _pad_date(text: str) -> str:
    """``2026-1-5 8:03:00`` → ``2026-01-05 08:03:00``."""
    date_part, _sep, time_part = text.partition(" ")
    pieces = date_part.split("-")
    if len(pieces) != 3:
        raise ValueError(text)
    date_part = "-".join(p.zfill(2) for p in pieces)
    if time_part:
        time_part = ":".join(p.zfill(2) for p in time_part.split(":"))
        return f"{date_part} {time_part}"
    return date_part


def normalise_ref(value: str) -> str:
    """An order reference as a match key: letters and digits only, upper case (``OH20261111-000101`` →
    ``OH20261111000101``)."""
    if not value:
        return ""
    if value.isalnum() and value.isascii():
        return value.upper()
    dropped = value.translate(_REF_PUNCTUATION)
    if dropped.isalnum() and dropped.isascii():
        return dropped.upper()
    return "".join(ch for ch in value if ch.isalnum()).upper()


_REF_PUNCTUATION = str.maketrans("", "", "-_ /.#")


# --- formats ---------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Column:
    """A column by its header name; ``aliases`` are the other names providers use for it."""

    name: str
    aliases: tuple[str, ...] = ()
    required: bool = True

    @property
    def names(self) -> tuple[str, ...]:
        return (self.name, *self.aliases)


def header_key(text: Any) -> str:
    """Header cells compared without spaces, full-width brackets or the unit: ``订单金额（元）`` ≡ ``订单金额(元)``."""
    value = clean(text).replace("（", "(").replace("）", ")").replace(" ", "")
    return value


def cached_money(raw: Any, column: str, *, required: bool = False) -> Decimal:
    """``money`` with the cache of cell texts (most amounts repeat)."""
    if raw.__class__ is str and raw:
        value = _MONEY_CACHE.get(raw)
        if value is not None:
            return value
        value = money(raw, column, required=required, default=None if required else ZERO)
        if len(_MONEY_CACHE) < 250_000:
            _MONEY_CACHE[raw] = value  # type: ignore[assignment]
        return value  # type: ignore[return-value]
    return money(raw, column, required=required, default=None if required else ZERO)  # type: ignore[return-value]


class StatementFormat:
    """One file format. Subclasses set the class attributes and implement ``parse_row``."""

    code: ClassVar[str]
    label: ClassVar[str]
    source: ClassVar[str]  # the money provider or platform: alipay, wechat, unionpay, taobao, jd, pdd, douyin, bank
    flow: ClassVar[str] = Flow.PAYMENT
    columns: ClassVar[tuple[Column, ...]]
    # Columns that must all be present for the content to be recognised as this format.
    signature: ClassVar[tuple[str, ...]]
    documented: ClassVar[str] = ""

    def __init__(self, header: list[Any], header_row: int):
        self.header_row = header_row
        keys = [header_key(h) for h in header]
        self.index: dict[str, int] = {}
        for column in self.columns:
            for name in column.names:
                key = header_key(name)
                if key in keys:
                    self.index[column.name] = keys.index(key)
                    break
        missing = [c.name for c in self.columns if c.required and c.name not in self.index]
        if missing:
            raise SpreadsheetInvalid(
                _("%(label)s: the header row (row %(header_row)s) lacks the columns %(columns)s.")
                % {"label": self.label, "header_row": header_row, "columns": ", ".join(missing)},
                extra={"row": header_row, "missing_columns": missing},
            )
        self.width = len(header)
        # Columns a ``合计`` row may total: their printed values are summed row by row to compare.
        self._sums = [(column, key) for column, key in self.summary_columns() if column in self.index]

    @classmethod
    def matches(cls, header: list[Any]) -> bool:
        keys = {header_key(h) for h in header}
        by_name = {c.name: c.names for c in cls.columns}
        return all(any(header_key(n) in keys for n in by_name.get(name, (name,))) for name in cls.signature)

    @classmethod
    def missing_for(cls, header: list[Any]) -> list[str]:
        keys = {header_key(h) for h in header}
        return [c.name for c in cls.columns if c.required and not any(header_key(n) in keys for n in c.names)]

    def cell(self, cells: list[Any], name: str) -> Any:
        i = self.index.get(name)
        if i is None or i >= len(cells):
            return None
        return cells[i]

    def text(self, cells: list[Any], name: str) -> str:
        return clean(self.cell(cells, name))

    def money(self, cells: list[Any], name: str, *, required: bool = False) -> Decimal:
        i = self.index.get(name)
        raw = cells[i] if i is not None and i < len(cells) else None
        if isinstance(raw, str) and raw:
            cached = _MONEY_CACHE.get(raw)
            if cached is not None:
                return cached
        value = money(raw, name, required=required, default=None if required else ZERO)
        if isinstance(raw, str) and raw and value is not None and len(_MONEY_CACHE) < 250_000:
            _MONEY_CACHE[raw] = value  # type: ignore[assignment]
        return value  # type: ignore[return-value]

    def money_or_none(self, cells: list[Any], name: str) -> Decimal | None:
        if name not in self.index:
            return None
        return money(self.cell(cells, name), name, required=False, default=None)

    def when(self, cells: list[Any], name: str, *, time_name: str | None = None) -> dt.datetime:
        time_value = self.cell(cells, time_name) if time_name else None
        return when(self.cell(cells, name), name, time_value=time_value)

    # --- the file walk ---

    def parse(self, rows: Iterable[tuple[int, list[Any]]], ctx: ParseContext) -> Iterator[ParsedLine]:
        """Yield the lines of the data rows after the header; comment and summary rows go to
        ``comment``/``summary``; a row that cannot be read is reported and skipped."""
        parse_row = self.parse_row
        sums = self._sums
        read = 0
        for number, cells in rows:
            first = clean(cells[0]) if cells else ""
            if first[:1] == "#":
                self.comment(number, first if len(cells) == 1 else ",".join(clean(c) for c in cells), ctx)
                continue
            if not first and not any(clean(c) for c in cells):
                continue
            if self.is_summary(first, cells):
                self.summary(number, cells, rows, ctx)
                continue
            read += 1
            try:
                line = parse_row(number, cells, ctx)
            except RowInvalid as exc:
                ctx.error(number, exc.column, exc.value, exc.reason)
                continue
            if line is None:
                continue
            for column, key in sums:
                ctx.add(key, self.money(cells, column))
            yield line
        ctx.rows_read += read
        self.finish(ctx)

    def finish(self, ctx: ParseContext) -> None:
        """After the last row (formats that keep running totals of their own publish them here)."""

    def parse_row(self, number: int, cells: list[Any], ctx: ParseContext) -> ParsedLine | None:
        raise NotImplementedError

    def comment(self, number: int, text: str, ctx: ParseContext) -> None:
        """A ``#`` line after the header (footer totals, export time)."""

    def is_summary(self, first: str, cells: list[Any]) -> bool:
        """A totals row such as ``合计`` / ``总计``."""
        return first in ("合计", "总计", "合计：", "总计：")

    def summary(self, number: int, cells: list[Any], rows: Iterator[tuple[int, list[Any]]], ctx: ParseContext):
        """A ``合计`` row: the file's own totals of its amount columns, by header name."""
        for column, key in self.summary_columns():
            value = self.cell(cells, column)
            if clean(value):
                try:
                    ctx.declared[key] = money(value, column)  # type: ignore[assignment]
                except RowInvalid as exc:
                    ctx.error(number, exc.column, exc.value, _("totals row: %(reason)s") % {"reason": exc.reason})

    def summary_columns(self) -> list[tuple[str, str]]:
        return []

    def preamble(self, lines: list[str], ctx: ParseContext) -> None:
        """The ``#`` lines before the header (account, period)."""


_BRACKETED = re.compile(r"\[([^\]]*)\]")


def preamble_account_and_period(lines: list[str], ctx: ParseContext) -> None:
    """Alipay-style ``#账号：[…]`` and ``#起始日期：[…]   终止日期：[…]`` lines."""
    for line in lines:
        if "账号" in line:
            found = _BRACKETED.search(line)
            if found:
                ctx.meta["account"] = found.group(1)
        if "起始日期" in line:
            found = _BRACKETED.findall(line)
            if len(found) >= 2:
                try:
                    ctx.meta["period_start"] = when(found[0], "起始日期")
                    ctx.meta["period_end"] = when(found[1], "终止日期")
                except RowInvalid:
                    pass
