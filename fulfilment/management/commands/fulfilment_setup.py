"""Set up a warehouse for fulfilment: carriers loaded, the warehouse's carriers, a grid of bins (front,
middle, back zones) and a pick face for every SKU that has stock there (hottest first, by re-slotting).

    manage.py fulfilment_setup hz-main --aisles 6 --bays 10 --carriers ZTO,SF,YTO --same-city SFTC
"""

from django.core.management.base import BaseCommand, CommandError

from config.progress import ProgressBar
from fulfilment.services import fulfilment_setup
from inventory.models import Warehouse


class Command(BaseCommand):
    help = "Create bins, pick faces and carriers for a warehouse (idempotent)."

    def add_arguments(self, parser):
        parser.add_argument("warehouse")
        parser.add_argument("--aisles", type=int, default=6)
        parser.add_argument("--bays", type=int, default=10)
        parser.add_argument("--carriers", default="ZTO,YTO,SF", help="Comma-separated, first is the default.")
        parser.add_argument("--urgent", default="SF")
        parser.add_argument("--same-city", default="SFTC")

    def handle(self, *args, **options):
        warehouse = Warehouse.objects.filter(code=options["warehouse"]).first()
        if warehouse is None:
            raise CommandError(f"No warehouse {options['warehouse']!r}.")
        aisles, bays = options["aisles"], options["bays"]
        result = fulfilment_setup(
            warehouse=warehouse,
            aisles=aisles,
            bays=bays,
            carriers=options["carriers"].split(","),
            urgent=options["urgent"],
            same_city=options["same_city"],
            progress=ProgressBar(aisles * bays, label="bins", stream=self.stderr._out),
        )
        self.stdout.write(
            f"{warehouse.code}: {result['bins']} bins, {result['placed']} SKUs placed, {result['reslotted']} re-slotted"
        )
