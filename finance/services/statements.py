"""Statement import: store the file (refusing a file imported before), detect its format, parse it and write
its lines in chunks, matching them to orders as they go.

``statement_upload`` is cheap and transactional: it hashes the file, refuses a duplicate, detects the
format (an unknown file is refused before anything is stored) and creates a ``pending`` Statement.
``statement_import`` does the heavy part and may run in the background (``finance.tasks``): it claims the
statement by compare-and-set (``pending`` → ``importing``, or an ``importing`` one whose worker went
silent), writes lines in chunks of ``CHUNK`` rows — each chunk its own short transaction, so progress is
visible and memory stays flat — and on any failure removes what it wrote and marks the statement failed.
On PostgreSQL the chunks are written with ``COPY``.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
from collections.abc import Callable
from decimal import Decimal
from typing import IO, Any

from django.conf import settings
from django.core.files import File
from django.db import IntegrityError, connection, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from config.spreadsheets import SpreadsheetInvalid
from finance.exceptions import EntityNotAllowed, EntityRequired, StatementDuplicate, StatementInvalid
from finance.formats import (
    FORMATS_BY_CODE,
    ParseContext,
    ParsedLine,
    normalise_ref,
    statement_open,
)
from finance.formats.base import CST, SHANGHAI, LineKind
from finance.models import LegalEntity, ShopEntity, Statement, StatementLine
from finance.services.matching import lines_match, order_ids_by_number, shops_seen

logger = logging.getLogger(__name__)

CHUNK = 5000
MAX_STORED_ERRORS = 1000
STALE_AFTER = dt.timedelta(minutes=10)
REF_MAX = 64

COLUMNS = (
    "statement_id",
    "row",
    "kind",
    "source",
    "flow",
    "occurred_at",
    "business_date",
    "currency",
    "amount",
    "fee",
    "commission",
    "platform_discount",
    "merchant_discount",
    "has_discounts",
    "gross",
    "postage",
    "fee_rate",
    "order_ref",
    "order_key",
    "platform_ref",
    "transaction_id",
    "refund_ref",
    "description",
    "counterparty",
    "order_id",
    "match_rule",
)


def file_sha256(stream: IO[bytes]) -> tuple[str, int]:
    digest = hashlib.sha256()
    size = 0
    stream.seek(0)
    for block in iter(lambda: stream.read(1024 * 1024), b""):
        digest.update(block)
        size += len(block)
    stream.seek(0)
    return digest.hexdigest(), size


def statement_duplicate_error(existing: Statement, filename: str) -> StatementDuplicate:
    when = timezone.localtime(existing.created_at).strftime("%Y-%m-%d %H:%M")
    return StatementDuplicate(
        _(
            "%(filename)s was imported before: it is byte for byte the same file as statement #%(existing_pk)s "
            "“%(existing_filename)s” uploaded %(when)s. Nothing was imported again."
        )
        % {"filename": filename, "existing_pk": existing.pk, "existing_filename": existing.filename, "when": when},
        extra={"statement_id": existing.pk, "filename": existing.filename, "sha256": existing.sha256},
    )


def _entity_for_upload(*, user, entity: LegalEntity | None, shop) -> LegalEntity | None:
    from finance.selectors import entity_list_for_user, user_sees_all_entities

    if entity is None and shop is not None:
        link = ShopEntity.objects.filter(shop=shop).select_related("entity").first()
        entity = link.entity if link else None
    if user is None or user_sees_all_entities(user):
        return entity
    visible = entity_list_for_user(user)
    if entity is not None:
        if not visible.filter(pk=entity.pk).exists():
            raise EntityNotAllowed(
                _("You may not import statements for %(entity_name)s.") % {"entity_name": entity.name},
                extra={"entity": entity.code},
            )
        return entity
    choices = list(visible[:2])
    if len(choices) == 1:
        return choices[0]
    raise EntityRequired(
        _("Choose the legal entity this statement belongs to."),
        extra={"entities": [e.code for e in visible]},
    )


def statement_upload(
    *, file: IO[bytes], filename: str, user=None, entity: LegalEntity | None = None, shop=None
) -> Statement:
    """Store an uploaded statement file as a pending Statement, or refuse it.

    Raises ``StatementDuplicate`` (409) for a file imported before, ``StatementInvalid`` (400) for a file
    in no known format, ``EntityRequired``/``EntityNotAllowed`` when the legal entity is missing or not
    the user's.
    """
    sha256, size = file_sha256(file)
    existing = Statement.objects.filter(sha256=sha256).first()
    if existing is not None:
        raise statement_duplicate_error(existing, filename)
    try:
        reader = statement_open(file)
    except SpreadsheetInvalid as exc:
        raise StatementInvalid(
            _("%(filename)s: %(exc_message)s") % {"filename": filename, "exc_message": exc.message},
            extra={"filename": filename, **exc.extra},
        ) from None
    fmt = reader.format
    file.seek(0)
    entity = _entity_for_upload(user=user, entity=entity, shop=shop)
    statement = Statement(
        entity=entity,
        shop=shop,
        filename=filename[:255],
        sha256=sha256,
        size=size,
        format=fmt.code,
        source=fmt.source,
        flow=fmt.flow,
        uploaded_by=user if user is not None and user.is_authenticated else None,
    )
    try:
        with transaction.atomic():
            statement.file.save(filename.rsplit("/", 1)[-1], File(file), save=False)
            statement.save()
    except IntegrityError:
        existing = Statement.objects.filter(sha256=sha256).first()
        if existing is None:
            raise
        statement.file.delete(save=False)
        raise statement_duplicate_error(existing, filename) from None
    return statement


def statement_claim(*, statement_id: int) -> bool:
    """Take the statement for importing: pending, or importing but silent for ``STALE_AFTER`` (a worker
    died). Exactly one caller wins."""
    now = timezone.now()
    claimed = (
        Statement.objects.filter(pk=statement_id)
        .filter(
            Q(status=Statement.Status.PENDING)
            | Q(status=Statement.Status.IMPORTING, heartbeat_at__lt=now - STALE_AFTER)
        )
        .update(status=Statement.Status.IMPORTING, progress=0, heartbeat_at=now, message="")
    )
    return claimed == 1


def statement_import(*, statement_id: int, progress: Callable[[int, int], None] | None = None) -> Statement:
    """Parse a claimed (or claimable) statement and write its lines. Idempotent: a statement that is
    already imported, failed, or being imported by a live worker is returned as it is."""
    if not statement_claim(statement_id=statement_id):
        return Statement.objects.get(pk=statement_id)
    statement = Statement.objects.select_related("shop", "entity").get(pk=statement_id)
    statement_lines_delete(statement_id=statement.pk)  # leftovers of a worker that died
    try:
        summary = _import_lines(statement, progress)
    except Exception as exc:
        statement_lines_delete(statement_id=statement.pk)
        message = exc.message if isinstance(exc, SpreadsheetInvalid) else _("Import failed: %(error)s") % {"error": exc}
        Statement.objects.filter(pk=statement.pk).update(
            status=Statement.Status.FAILED, message=message[:2000], heartbeat_at=timezone.now()
        )
        if not isinstance(exc, SpreadsheetInvalid):
            logger.exception("statement %s import failed", statement.pk)
            raise
        statement.refresh_from_db()
        return statement
    _finish(statement, summary)
    statement.refresh_from_db()
    return statement


def statement_lines_delete(*, statement_id: int) -> int:
    """Delete a statement's lines with one DELETE (the ORM would load every row to send signals)."""
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {StatementLine._meta.db_table} WHERE statement_id = %s", [statement_id])
        return cursor.rowcount


class _Writer:
    """Writes line tuples: COPY on PostgreSQL, bulk INSERT elsewhere."""

    def __init__(self):
        self.postgres = connection.vendor == "postgresql"

    def write(self, rows: list[tuple]) -> None:
        if not rows:
            return
        if self.postgres:
            with connection.cursor() as cursor:
                sql = f"COPY {StatementLine._meta.db_table} ({', '.join(COLUMNS)}) FROM STDIN"
                with cursor.cursor.copy(sql) as copy:
                    copy.write(_copy_text(rows))
        else:
            StatementLine.objects.bulk_create(
                [StatementLine(**dict(zip(COLUMNS, row, strict=True))) for row in rows], batch_size=500
            )


_NEEDS_ESCAPE = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


def _copy_text(rows: list[tuple]) -> str:
    """Rows (in ``COLUMNS`` order) in PostgreSQL's COPY text format: tab-separated, a backslash-N for NULL,
    backslash escapes in text. Formatting whole rows in one f-string is several times faster than ``write_row``."""
    esc = _NEEDS_ESCAPE
    nul = "\\N"
    out = []
    append = out.append
    for r in rows:
        gross, postage, rate, order_id = r[14], r[15], r[16], r[24]
        append(
            f"{r[0]}\t{r[1]}\t{r[2]}\t{r[3]}\t{r[4]}\t{r[5]}\t{r[6]}\t{r[7]}\t{r[8]}\t"
            f"{r[9]}\t{r[10]}\t{r[11]}\t{r[12]}\t{'t' if r[13] else 'f'}\t{nul if gross is None else gross}\t"
            f"{nul if postage is None else postage}\t{nul if rate is None else rate}\t{r[17].translate(esc)}\t"
            f"{r[18].translate(esc)}\t{r[19].translate(esc)}\t{r[20].translate(esc)}\t{r[21].translate(esc)}\t"
            f"{r[22].translate(esc)}\t{r[23].translate(esc)}\t{nul if order_id is None else order_id}\t{r[25]}\n"
        )
    return "".join(out)


def _import_lines(statement: Statement, progress: Callable[[int, int], None] | None) -> dict[str, Any]:
    fmt_class = FORMATS_BY_CODE.get(statement.format)
    ctx = ParseContext()
    totals = {"amount": Decimal("0.00"), "fee": Decimal("0.00"), "commission": Decimal("0.00")}
    first: dt.date | None = None
    last: dt.date | None = None
    written = 0
    writer = _Writer()
    with statement.file.open("rb") as handle:
        raw = getattr(handle, "file", handle)
        reader = statement_open(raw)
        if fmt_class is not None and reader.code != fmt_class.code:
            raise SpreadsheetInvalid(
                _("The stored file now reads as %(reader_format_label)s, not %(fmt_class_label)s.")
                % {"reader_format_label": reader.format.label, "fmt_class_label": fmt_class.label}
            )
        source, flow, statement_id = reader.format.source, reader.format.flow, statement.pk
        chunk: list[ParsedLine] = []
        last_percent = -1
        shops: set[int] = set()
        matched = [0]

        def flush() -> None:
            nonlocal written, first, last, last_percent
            rows = _rows(statement_id, source, flow, chunk, ctx, as_text=writer.postgres, shops=shops)
            if rows:
                matched[0] += sum(1 for r in rows if r[24] is not None)
                dates = [r[6] for r in rows]
                low, high = min(dates), max(dates)
                if isinstance(low, str):
                    low, high = dt.date.fromisoformat(low), dt.date.fromisoformat(high)
                first = low if first is None or low < first else first
                last = high if last is None or high > last else last
                for r in rows:
                    totals["amount"] += r[8]
                    totals["fee"] += r[9]
                    totals["commission"] += r[10]
            writer.write(rows)
            written += len(rows)
            chunk.clear()
            percent = min(99, int(reader.position.fraction() * 100))
            if percent != last_percent:
                last_percent = percent
                Statement.objects.filter(pk=statement_id).update(progress=percent, heartbeat_at=timezone.now())
            if progress:
                progress(percent, 100)

        for line in reader.lines(ctx):
            chunk.append(line)
            if len(chunk) >= CHUNK:
                flush()
        flush()
    return {
        "ctx": ctx,
        "written": written,
        "totals": totals,
        "first": first,
        "last": last,
        "container": reader.container,
        "shops": shops,
        "matched": matched[0],
    }


def _rows(
    statement_id: int,
    source: str,
    flow: str,
    lines: list[ParsedLine],
    ctx: ParseContext,
    *,
    as_text: bool,
    shops: set[int] | None = None,
) -> list[tuple]:
    """The chunk as insert tuples (order ids resolved by order number); rows that do not fit are reported.
    With ``as_text`` the time and date are ISO text, ready for COPY."""
    keys = [normalise_ref(line.order_ref) for line in lines]
    found = order_ids_by_number(keys, shops=shops)
    get = found.get
    known_items = LineKind.KNOWN_ITEMS
    rows = []
    append = rows.append
    for line, key in zip(lines, keys, strict=True):
        if (
            len(line.order_ref) > REF_MAX
            or len(line.platform_ref) > REF_MAX
            or len(line.transaction_id) > REF_MAX
            or len(line.refund_ref) > REF_MAX
        ):
            name, value = next(
                (n, v)
                for n, v in (
                    ("order_ref", line.order_ref),
                    ("platform_ref", line.platform_ref),
                    ("transaction_id", line.transaction_id),
                    ("refund_ref", line.refund_ref),
                )
                if len(v) > REF_MAX
            )
            ctx.error(line.row, name, value, f"is longer than {REF_MAX} characters")
            continue
        order_id = get(key)
        text = line.occurred_text
        if text and as_text:  # COPY: the source text, local time, and its date part
            occurred, day = text + "+08", text[:10]
        else:
            occurred = line.occurred_at
            day = occurred.date() if occurred.tzinfo is CST else occurred.astimezone(SHANGHAI).date()
            if as_text:
                occurred, day = occurred.isoformat(), day.isoformat()
        append(
            (
                statement_id,
                line.row,
                line.kind,
                source,
                flow,
                occurred,
                day,
                line.currency[:3],
                line.amount,
                line.fee,
                line.commission,
                line.platform_discount,
                line.merchant_discount,
                line.has_discounts,
                line.gross,
                line.postage,
                line.fee_rate,
                line.order_ref,
                key,
                line.platform_ref,
                line.transaction_id,
                line.refund_ref,
                line.description[:200],
                line.counterparty[:100],
                order_id,
                "number" if order_id else ("known_item" if line.kind in known_items else ""),
            )
        )
    return rows


def _totals_check(declared: dict, parsed: dict) -> tuple[bool | None, dict, dict]:
    def plain(values: dict) -> dict:
        return {k: (str(v) if isinstance(v, Decimal) else v) for k, v in values.items()}

    if not declared:
        return None, {}, plain(parsed)
    ok = all(Decimal(str(parsed.get(key, 0))) == Decimal(str(value)) for key, value in declared.items())
    return ok, plain(declared), plain({key: parsed.get(key, 0) for key in sorted(set(declared) | set(parsed))})


ANALYZE_AFTER = 10_000


def _finish(statement: Statement, summary: dict[str, Any]) -> None:
    ctx: ParseContext = summary["ctx"]
    if connection.vendor == "postgresql" and summary["written"] >= ANALYZE_AFTER:
        with connection.cursor() as cursor:  # fresh statistics, or the matching joins get nested-loop plans
            cursor.execute(f"ANALYZE {StatementLine._meta.db_table}")
    counts = lines_match(statement_id=statement.pk, shop_id=statement.shop_id)
    late = counts["number"] + counts["external_id"] + counts["transaction"]
    matched = summary["matched"] + late
    # shops of the orders matched while writing; a query only if the set-based rules matched more lines
    seen = shops_seen(statement_id=statement.pk) if late else sorted(summary["shops"])
    entity_id = statement.entity_id
    if entity_id is None and seen:
        entities = set(ShopEntity.objects.filter(shop_id__in=seen).values_list("entity_id", flat=True))
        if len(entities) == 1:
            entity_id = entities.pop()
    totals_ok, declared, parsed = _totals_check(ctx.declared, ctx.parsed)
    errors = [e.as_dict() for e in ctx.errors]
    message = ""
    if totals_ok is False:
        wrong = [k for k, v in declared.items() if Decimal(str(parsed.get(k, 0))) != Decimal(str(v))]
        columns = ", ".join(wrong)
        message = (
            _(
                "The file's own totals do not agree with its rows (%(columns)s); %(count)s rows with errors were "
                "not imported."
            )
            % {"columns": columns, "count": len(errors)}
            if errors
            else _("The file's own totals do not agree with its rows (%(columns)s).") % {"columns": columns}
        )
    meta = ctx.meta
    Statement.objects.filter(pk=statement.pk).update(
        status=Statement.Status.IMPORTED,
        progress=100,
        heartbeat_at=timezone.now(),
        imported_at=timezone.now(),
        line_count=summary["written"],
        rows_read=ctx.rows_read,
        matched_count=matched,
        error_count=len(errors),
        errors=errors[:MAX_STORED_ERRORS],
        warnings=meta.get("warnings", [])[:MAX_STORED_ERRORS],
        declared_totals=declared,
        parsed_totals=parsed,
        totals_ok=totals_ok,
        amount_total=summary["totals"]["amount"],
        fee_total=summary["totals"]["fee"],
        commission_total=summary["totals"]["commission"],
        first_date=summary["first"],
        last_date=summary["last"],
        account=str(meta.get("account", ""))[:64],
        period_start=meta.get("period_start"),
        period_end=meta.get("period_end"),
        shops_seen=seen,
        entity_id=entity_id,
        message=message,
    )
    logger.info("statement %s imported: %s lines, matching %s", statement.pk, summary["written"], counts)


def statement_import_file(
    *,
    path_or_file: str | IO[bytes],
    filename: str | None = None,
    user=None,
    entity: LegalEntity | None = None,
    shop=None,
    progress: Callable[[int, int], None] | None = None,
) -> Statement:
    """Upload and import at once (management command, small API uploads)."""
    if isinstance(path_or_file, str):
        with open(path_or_file, "rb") as handle:
            statement = statement_upload(
                file=handle, filename=filename or path_or_file.rsplit("/", 1)[-1], user=user, entity=entity, shop=shop
            )
    else:
        statement = statement_upload(
            file=path_or_file, filename=filename or "statement", user=user, entity=entity, shop=shop
        )
    return statement_import(statement_id=statement.pk, progress=progress)


def statement_retry(*, statement: Statement) -> Statement:
    """Put a failed statement back in the queue (after, say, fixing a bug or adding a format alias)."""
    Statement.objects.filter(pk=statement.pk, status=Statement.Status.FAILED).update(
        status=Statement.Status.PENDING, progress=0, message=""
    )
    statement.refresh_from_db()
    return statement


def statement_summary(statement: Statement, *, errors_limit: int = 50) -> dict[str, Any]:
    """What the API and the page show after an upload."""
    fmt = FORMATS_BY_CODE.get(statement.format)
    return {
        "id": statement.pk,
        "filename": statement.filename,
        "format": statement.format,
        "format_label": fmt.label if fmt else "",
        "source": statement.source,
        "status": statement.status,
        "progress": statement.progress,
        "entity": statement.entity.code if statement.entity_id else None,
        "shop": statement.shop.code if statement.shop_id else None,
        "lines": statement.line_count,
        "rows_read": statement.rows_read,
        "matched": statement.matched_count,
        "first_date": statement.first_date,
        "last_date": statement.last_date,
        "totals": {
            "principal": str(statement.amount_total),
            "fees": str(statement.fee_total),
            "commission": str(statement.commission_total),
            "declared": statement.declared_totals,
            "parsed": statement.parsed_totals,
            "ok": statement.totals_ok,
        },
        "error_count": statement.error_count,
        "errors": statement.errors[:errors_limit],
        "warnings": statement.warnings[:errors_limit],
        "message": statement.message,
    }


def sync_import_max_bytes() -> int:
    return settings.FINANCE_SYNC_IMPORT_MAX_BYTES


__all__ = [
    "statement_claim",
    "statement_import",
    "statement_import_file",
    "statement_retry",
    "statement_summary",
    "statement_upload",
    "sync_import_max_bytes",
]
