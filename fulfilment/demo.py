"""Fulfilment's part of the demo: the carrier library, and bins, pick faces and carriers for each demo
warehouse, so the pick/pack pages work on the demo orders straight away."""

from io import StringIO

from django.core.management import call_command

from inventory.models import Warehouse

DEMO_WAREHOUSES = ("hz-main", "gz-south", "sh-store")


def demo_seed() -> dict[str, int]:
    warehouses = Warehouse.objects.filter(code__in=DEMO_WAREHOUSES)
    for warehouse in warehouses:
        call_command("fulfilment_setup", warehouse.code, stdout=StringIO(), stderr=StringIO())
    return {"fulfilment_warehouses": len(warehouses)}
