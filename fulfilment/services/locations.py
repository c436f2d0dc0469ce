"""Writes on bins and SKU placement, including re-slotting the hottest SKUs into the front zone."""

from __future__ import annotations

import datetime as dt
import re

from django.db import transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from config.errors import ApplicationError
from fulfilment.models import Location, SKUPlacement, Zone
from fulfilment.models.locations import ZONE_RANK

CODE_SHAPE = re.compile(r"^[A-Z0-9][A-Z0-9-]{0,31}$")


def location_path(*, zone: str, aisle: int, bay: int, level: int) -> str:
    """The walking-order key: zone (front first), aisle, then the bay in S-shape — up odd aisles, down
    even ones, so the picker never walks back to the start of an aisle — then level."""
    bay_key = bay if aisle % 2 == 1 else 999 - bay
    return f"{ZONE_RANK[zone]}-{aisle:03d}-{bay_key:03d}-{level:02d}"


@transaction.atomic
def location_upsert(*, warehouse, code: str, zone: str, aisle: int, bay: int, level: int = 1) -> Location:
    code = (code or "").strip().upper()
    if not CODE_SHAPE.match(code):
        raise ApplicationError(
            _("Location code %(code)r: use capital letters, digits and dashes.") % {"code": code},
            code="location_invalid",
        )
    if zone not in Zone.values:
        raise ApplicationError(
            _("Zone %(zone)r is not one of %(value)s.") % {"zone": zone, "value": ", ".join(Zone.values)},
            code="location_invalid",
        )
    path = location_path(zone=zone, aisle=aisle, bay=bay, level=level)
    location, _created = Location.objects.update_or_create(
        warehouse=warehouse,
        code=code,
        defaults={"zone": zone, "aisle": aisle, "bay": bay, "level": level, "path": path, "is_active": True},
    )
    return location


@transaction.atomic
def sku_place(*, warehouse, sku, location: Location) -> SKUPlacement:
    if location.warehouse_id != warehouse.pk:
        raise ApplicationError(
            _("Location %(location_code)s is not in %(warehouse_code)s.")
            % {"location_code": location.code, "warehouse_code": warehouse.code},
            code="location_invalid",
        )
    placement, _created = SKUPlacement.objects.update_or_create(
        warehouse=warehouse, sku=sku, defaults={"location": location}
    )
    return placement


def sku_velocity(*, warehouse, days: int = 30, now: dt.datetime | None = None) -> dict[int, int]:
    """Units per SKU that left ``warehouse`` in the last ``days`` days (shipped orders)."""
    from orders.models import OrderLine

    since = (now or timezone.now()) - dt.timedelta(days=days)
    rows = (
        OrderLine.objects.filter(
            order__warehouse=warehouse,
            order__shipments__shipped_at__gte=since,
        )
        .values("sku_id")
        .annotate(units=Sum("quantity"))
    )
    return {r["sku_id"]: int(r["units"]) for r in rows}


@transaction.atomic
def slotting_apply(*, warehouse, days: int = 30, now: dt.datetime | None = None) -> list[dict]:
    """Re-slot the warehouse: the placed SKUs, hottest first (units shipped in ``days`` days, then code),
    take the bins in walking order, so the fastest movers sit in the front zone nearest the pack
    stations. Returns the moves (sku, from, to) for the floor to carry out."""
    placements = list(
        SKUPlacement.objects.select_for_update()
        .filter(warehouse=warehouse)
        .select_related("sku", "location")
        .order_by("pk")
    )
    if not placements:
        return []
    velocity = sku_velocity(warehouse=warehouse, days=days, now=now)
    ranked = sorted(placements, key=lambda p: (-velocity.get(p.sku_id, 0), p.sku.code))
    empty = Location.objects.filter(warehouse=warehouse, is_active=True, placements__isnull=True)
    bins = sorted({p.location for p in placements} | set(empty), key=lambda loc: loc.path)
    moves = []
    for placement, location in zip(ranked, bins, strict=False):
        if placement.location_id != location.pk:
            moves.append(
                {"sku": placement.sku.code, "from": placement.location.code, "to": location.code, "zone": location.zone}
            )
            placement.location = location
            placement.save(update_fields=["location", "updated_at"])
    return moves
