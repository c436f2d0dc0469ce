"""Check that every stock level equals the sum of its ledger rows and that reserved equals the active
reservations. Exits non-zero (and lists the rows) on any mismatch; ends with one line of JSON."""

import json

from django.core.management.base import BaseCommand, CommandError

from inventory.models import Stock
from inventory.selectors import sku_get, stock_ledger_mismatches


class Command(BaseCommand):
    help = "Verify that the stock ledger sums equal the stock levels (exit status 1 on mismatch)."

    def add_arguments(self, parser):
        parser.add_argument("--sku", action="append", default=[], help="Only this SKU code (repeatable).")

    def handle(self, *args, sku, **options):
        sku_ids = [sku_get(code=code).pk for code in sku] or None
        problems = stock_ledger_mismatches(sku_ids=sku_ids)
        checked = Stock.objects.filter(sku_id__in=sku_ids).count() if sku_ids else Stock.objects.count()
        for p in problems:
            self.stderr.write(
                f"MISMATCH {p['sku']} @ {p['warehouse']} ({p['pool']}): on hand {p['on_hand']} vs ledger "
                f"{p['ledger_on_hand']}; reserved {p['reserved']} vs ledger {p['ledger_reserved']} vs active "
                f"reservations {p['active_reservations']}"
            )
        summary = {"stock_rows": checked, "mismatches": len(problems)}
        self.stdout.write(f"{checked} stock rows checked, {len(problems)} mismatches")
        self.stdout.write(json.dumps(summary))
        if problems:
            raise CommandError(f"stock ledger and levels disagree on {len(problems)} rows")
