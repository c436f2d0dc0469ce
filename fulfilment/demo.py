"""Fulfilment's part of the demo: the carrier library, and bins, pick faces and carriers for each demo
warehouse, so the pick/pack pages work on the demo orders straight away."""

from fulfilment.services import fulfilment_setup
from inventory.models import Warehouse

DEMO_WAREHOUSES = ("hz-main", "gz-south", "sh-store")


def demo_seed() -> dict[str, int]:
    warehouses = Warehouse.objects.filter(code__in=DEMO_WAREHOUSES)
    for warehouse in warehouses:
        fulfilment_setup(warehouse=warehouse)
    return {"fulfilment_warehouses": len(warehouses)}
