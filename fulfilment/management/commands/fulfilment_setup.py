"""Set up a warehouse for fulfilment: carriers loaded, the warehouse's carriers, a grid of bins (front,
middle, back zones) and a pick face for every SKU that has stock there (hottest first, by re-slotting).

    manage.py fulfilment_setup hz-main --aisles 6 --bays 10 --carriers ZTO,SF,YTO --same-city SFTC
"""

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from config.progress import ProgressBar
from fulfilment.models import Location, SKUPlacement, Zone
from fulfilment.services import carriers_sync, location_upsert, sku_place, slotting_apply, warehouse_carrier_set
from inventory.models import SKU, Warehouse


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
        carriers_sync()
        codes = [c.strip() for c in options["carriers"].split(",") if c.strip()]
        for priority, code in enumerate(codes, start=1):
            warehouse_carrier_set(
                warehouse=warehouse, carrier_code=code, priority=priority * 10, for_urgent=code == options["urgent"]
            )
        if options["urgent"] and options["urgent"] not in codes:
            warehouse_carrier_set(warehouse=warehouse, carrier_code=options["urgent"], priority=90, for_urgent=True)
        if options["same_city"]:
            warehouse_carrier_set(
                warehouse=warehouse, carrier_code=options["same_city"], priority=5, for_same_city=True
            )

        aisles, bays = options["aisles"], options["bays"]
        zones = [Zone.FRONT] * max(aisles // 3, 1) + [Zone.MIDDLE] * max(aisles // 3, 1)
        zones += [Zone.BACK] * (aisles - len(zones))
        bar = ProgressBar(aisles * bays, label="bins")
        with transaction.atomic():
            for aisle in range(1, aisles + 1):
                for bay in range(1, bays + 1):
                    zone = zones[aisle - 1]
                    location_upsert(
                        warehouse=warehouse,
                        code=f"{zone[0].upper()}{aisle:02d}-{bay:02d}",
                        zone=zone,
                        aisle=aisle,
                        bay=bay,
                    )
                    bar((aisle - 1) * bays + bay)
            bins = list(Location.objects.filter(warehouse=warehouse, is_active=True).order_by("path"))
            placed = set(SKUPlacement.objects.filter(warehouse=warehouse).values_list("sku_id", flat=True))
            skus = SKU.objects.filter(stocks__warehouse=warehouse).exclude(pk__in=placed).distinct().order_by("code")
            free = [b for b in bins if not b.placements.exists()] or bins
            for index, sku in enumerate(skus):
                sku_place(warehouse=warehouse, sku=sku, location=free[index % len(free)])
            moves = slotting_apply(warehouse=warehouse)
        placed = SKUPlacement.objects.filter(warehouse=warehouse).count()
        self.stdout.write(f"{warehouse.code}: {len(bins)} bins, {placed} SKUs placed, {len(moves)} re-slotted")
