"""Erase consignee phone, detail address and remarks of orders final for longer than the retention period.

Runs daily as the ``orders.consignees_anonymise_due`` schedule; this command runs it now (``--days`` overrides
CONSIGNEE_RETENTION_DAYS). See orders/services/pii.py for what is erased and what stays.
"""

from django.core.management.base import BaseCommand

from orders.services import consignees_anonymise_due


class Command(BaseCommand):
    help = "Anonymise consignee data of orders final for more than CONSIGNEE_RETENTION_DAYS (or --days)."

    def add_arguments(self, parser):
        parser.add_argument("--days", type=int, default=None, help="Retention period in days for this run.")

    def handle(self, *args, days=None, **options):
        count = consignees_anonymise_due(days=days)
        self.stdout.write(f"{count} orders anonymised")
