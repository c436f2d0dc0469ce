"""Reconcile statements with orders: ``manage.py reconcile [--date D | --from D --to D]`` (default: yesterday).

Idempotent; keeps owners, statuses and comments people set on differences. Ends with one line of JSON
(the run's statistics).
"""

import datetime as dt
import json

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from config.errors import ApplicationError
from config.progress import ProgressBar
from finance.services.reconciliation import reconcile


def _date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise CommandError(f"{text!r} is not a date (YYYY-MM-DD)") from None


class Command(BaseCommand):
    help = "Match statement lines to orders and refunds and record the differences."

    def add_arguments(self, parser):
        parser.add_argument("--date", help="one business date, YYYY-MM-DD (default: yesterday)")
        parser.add_argument("--from", dest="date_from", help="first business date")
        parser.add_argument("--to", dest="date_to", help="last business date")

    def handle(self, *args, date=None, date_from=None, date_to=None, **options):
        if date and (date_from or date_to):
            raise CommandError("use either --date or --from/--to")
        if date:
            first = last = _date(date)
        elif date_from or date_to:
            first = _date(date_from or date_to)
            last = _date(date_to or date_from)
        else:
            first = last = timezone.localdate() - dt.timedelta(days=1)
        try:
            run = reconcile(
                date_from=first,
                date_to=last,
                progress=ProgressBar(0, label="orders", stream=self.stderr._out),
            )
        except ApplicationError as exc:
            raise CommandError(exc.message) from None
        stats = run.stats
        self.stdout.write(
            f"run #{run.pk} {first}…{last}: {stats['orders']} orders, {stats['unmatched_lines']} unmatched lines, "
            f"{stats['differences']} differences ({stats['created']} new, {stats['updated']} updated, "
            f"{stats['closed']} closed) in {stats['seconds']} s"
        )
        for kind, count in stats["by_type"].items():
            self.stdout.write(f"  {kind}: {count}")
        self.stdout.write(json.dumps({"run": run.pk, **stats}, default=str))
