"""Import a statement file: ``manage.py import_statement FILE [--entity CODE] [--shop CODE] [--background]``.

The format is detected from the content. Prints what was found (format, lines, the file's own totals against
the parsed ones, every bad row) and exits non-zero for a file imported before or one in no known format.
"""

import json

from django.core.management.base import BaseCommand, CommandError

from config.errors import ApplicationError
from config.progress import ProgressBar
from config.tasks import enqueue_on_commit
from finance.models import LegalEntity
from finance.services.statements import statement_import, statement_summary, statement_upload
from orders.models import Shop


class Command(BaseCommand):
    help = "Import a payment/platform/bank statement file (format detected from its content)."

    def add_arguments(self, parser):
        parser.add_argument("file")
        parser.add_argument("--entity", help="legal entity code the statement belongs to")
        parser.add_argument("--shop", help="shop code, when the account is one shop's")
        parser.add_argument("--background", action="store_true", help="queue the import for the worker")
        parser.add_argument("--json", action="store_true", help="end with the import summary as one line of JSON")

    def handle(self, *args, file, entity=None, shop=None, background=False, **options):
        entity_obj = self._get(LegalEntity, entity, "legal entity") if entity else None
        shop_obj = self._get(Shop, shop, "shop") if shop else None
        try:
            with open(file, "rb") as handle:
                statement = statement_upload(
                    file=handle, filename=file.rsplit("/", 1)[-1], entity=entity_obj, shop=shop_obj
                )
        except FileNotFoundError:
            raise CommandError(f"{file}: no such file") from None
        except ApplicationError as exc:
            raise CommandError(exc.message) from None
        self.stdout.write(f"{statement.filename}: {statement.get_format_display()} (statement #{statement.pk})")
        if background:
            enqueue_on_commit("finance.tasks.statement_import", statement.pk)
            self.stdout.write("queued for the background worker")
            return
        bar = ProgressBar(100, label="import", stream=self.stderr._out)
        statement = statement_import(statement_id=statement.pk, progress=bar)
        bar(100)
        summary = statement_summary(statement, errors_limit=10**9)
        self._report(summary)
        if options["json"]:
            self.stdout.write(json.dumps(summary, default=str, ensure_ascii=False))
        if statement.status != statement.Status.IMPORTED:
            raise CommandError(statement.message or "import failed")

    def _get(self, model, code, what):
        try:
            return model.objects.get(code=code)
        except model.DoesNotExist:
            raise CommandError(f"no {what} with code {code!r}") from None

    def _report(self, s):
        out = self.stdout.write
        out(
            f"status: {s['status']}; lines: {s['lines']} of {s['rows_read']} data rows; "
            f"matched to orders: {s['matched']}"
        )
        out(f"dates: {s['first_date']} … {s['last_date']}")
        totals = s["totals"]
        out(f"principal {totals['principal']}, fees {totals['fees']}, commission {totals['commission']}")
        if totals["declared"]:
            verdict = "agree" if totals["ok"] else "DO NOT AGREE"
            out(f"the file's own totals {verdict} with its rows:")
            for key, declared in totals["declared"].items():
                parsed = totals["parsed"].get(key)
                mark = "ok" if str(parsed) == str(declared) else "≠"
                out(f"  {key}: file {declared}, parsed {parsed} {mark}")
        else:
            out("the file states no totals of its own")
        if s["error_count"]:
            out(f"{s['error_count']} rows with errors (not imported):")
            for e in s["errors"]:
                out(f"  row {e['row']}, column {e['column']}: {e['value']!r} {e['reason']}")
        for w in s["warnings"]:
            out(f"  warning: row {w['row']}, column {w['column']}: {w['value']!r} {w['reason']}")
        if s["message"]:
            out(s["message"])
