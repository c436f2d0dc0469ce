"""Load the carrier library (fulfilment/data/carriers.json) into the database. Idempotent."""

from django.core.management.base import BaseCommand

from fulfilment.services import carriers_sync


class Command(BaseCommand):
    help = "Create or update carriers and their platform codes from the bundled carrier list."

    def add_arguments(self, parser):
        parser.add_argument("--overwrite-codes", action="store_true", help="Replace platform codes staff changed.")

    def handle(self, *args, **options):
        result = carriers_sync(overwrite_codes=options["overwrite_codes"])
        self.stdout.write(
            f"carriers: {result['created']} created, {result['updated']} updated, {result['codes_added']} codes added"
        )
