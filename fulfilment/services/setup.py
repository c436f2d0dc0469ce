"""Set a warehouse up for fulfilment: the carrier library loaded, the warehouse's carriers, a grid of bins
(front, middle, back zones) and a pick face for every SKU with stock there, hottest SKUs re-slotted to the
front. Idempotent: run it again to add bins or pick faces; what exists is kept."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from django.db import transaction

from fulfilment.models import Location, SKUPlacement, Zone
from fulfilment.services.carriers import carriers_sync, warehouse_carrier_set
from fulfilment.services.locations import location_upsert, sku_place, slotting_apply
from inventory.models import SKU, Warehouse


def fulfilment_setup(
    *,
    warehouse: Warehouse,
    aisles: int = 6,
    bays: int = 10,
    carriers: Sequence[str] = ("ZTO", "YTO", "SF"),
    urgent: str = "SF",
    same_city: str = "SFTC",
    progress: Callable[[int, int], None] | None = None,
) -> dict[str, int]:
    """Give ``warehouse`` its carriers and an ``aisles`` × ``bays`` grid of bins with pick faces.

    ``carriers`` in order of preference (the first is the default); ``urgent`` serves urgent, cold-chain and
    insured orders (added at priority 90 when it is not among ``carriers``); ``same_city`` serves same-city
    orders. Empty ``urgent``/``same_city`` skip them. ``progress(done, total)`` is told of each bin.
    Returns the warehouse's bins, SKUs placed and re-slotted SKUs."""
    carriers_sync()
    codes = [code.strip() for code in carriers if code.strip()]
    for priority, code in enumerate(codes, start=1):
        warehouse_carrier_set(warehouse=warehouse, carrier_code=code, priority=priority * 10, for_urgent=code == urgent)
    if urgent and urgent not in codes:
        warehouse_carrier_set(warehouse=warehouse, carrier_code=urgent, priority=90, for_urgent=True)
    if same_city:
        warehouse_carrier_set(warehouse=warehouse, carrier_code=same_city, priority=5, for_same_city=True)

    zones = [Zone.FRONT] * max(aisles // 3, 1) + [Zone.MIDDLE] * max(aisles // 3, 1)
    zones += [Zone.BACK] * (aisles - len(zones))
    total = aisles * bays
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
                if progress:
                    progress((aisle - 1) * bays + bay, total)
        bins = list(Location.objects.filter(warehouse=warehouse, is_active=True).order_by("path"))
        placed = set(SKUPlacement.objects.filter(warehouse=warehouse).values_list("sku_id", flat=True))
        skus = SKU.objects.filter(stocks__warehouse=warehouse).exclude(pk__in=placed).distinct().order_by("code")
        free = [b for b in bins if not b.placements.exists()] or bins
        for index, sku in enumerate(skus):
            sku_place(warehouse=warehouse, sku=sku, location=free[index % len(free)])
        moves = slotting_apply(warehouse=warehouse)
    return {
        "bins": len(bins),
        "placed": SKUPlacement.objects.filter(warehouse=warehouse).count(),
        "reslotted": len(moves),
    }
