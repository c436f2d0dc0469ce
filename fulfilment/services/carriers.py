"""Writes on the carrier library: load the bundled list, set a platform's code, choose a carrier."""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _

from fulfilment import geo
from fulfilment.carriers.library import carrier_data, carrier_get
from fulfilment.exceptions import UnknownCarrier
from fulfilment.models import Carrier, CarrierPlatformCode, CodeSystem, WarehouseCarrier
from fulfilment.selectors import URGENT_TAGS


@transaction.atomic
def carriers_sync(*, overwrite_codes: bool = False) -> dict[str, int]:
    """Load fulfilment/data/carriers.json: create missing carriers and platform codes; names, kinds and
    weight limits follow the file. Codes staff have set are kept unless ``overwrite_codes``. Idempotent."""
    created = updated = codes_added = 0
    for row in carrier_data()["carriers"]:
        carrier, was_created = Carrier.objects.get_or_create(
            code=row["code"],
            defaults={"name": row["name"], "kind": row["kind"], "max_weight_grams": int(row["max_weight_kg"] * 1000)},
        )
        if was_created:
            created += 1
        else:
            changes = {"name": row["name"], "kind": row["kind"], "max_weight_grams": int(row["max_weight_kg"] * 1000)}
            if any(getattr(carrier, k) != v for k, v in changes.items()):
                for k, v in changes.items():
                    setattr(carrier, k, v)
                carrier.save()
                updated += 1
        for platform in CodeSystem.values:
            code = row.get(platform)
            if not code:
                continue
            existing = CarrierPlatformCode.objects.filter(carrier=carrier, platform=platform).first()
            if existing is None:
                CarrierPlatformCode.objects.create(carrier=carrier, platform=platform, code=code)
                codes_added += 1
            elif overwrite_codes and existing.code != code:
                existing.code = code
                existing.save()
    return {"created": created, "updated": updated, "codes_added": codes_added}


@transaction.atomic
def carrier_platform_code_set(*, carrier_code: str, platform: str, code: str) -> CarrierPlatformCode:
    """Record the code ``platform`` uses for a carrier (e.g. JD's numeric logistics id, read from JD's
    logistics-company API). The carrier must be in the library; the platform one of ``CodeSystem``."""
    carrier = carrier_get(carrier_code, active_only=False)
    if platform not in CodeSystem.values:
        raise UnknownCarrier(
            _("%(platform)r is not a platform with carrier codes.") % {"platform": platform},
            extra={"platform": platform},
        )
    code = (code or "").strip()
    if not code:
        raise UnknownCarrier(_("A platform carrier code cannot be empty."), extra={"platform": platform})
    obj, _created = CarrierPlatformCode.objects.update_or_create(
        carrier=carrier, platform=platform, defaults={"code": code}
    )
    return obj


@transaction.atomic
def warehouse_carrier_set(
    *, warehouse, carrier_code: str, priority: int = 100, for_same_city: bool = False, for_urgent: bool = False
) -> WarehouseCarrier:
    carrier = carrier_get(carrier_code)
    obj, _created = WarehouseCarrier.objects.update_or_create(
        warehouse=warehouse,
        carrier=carrier,
        defaults={"priority": priority, "for_same_city": for_same_city, "for_urgent": for_urgent, "is_active": True},
    )
    return obj


def order_is_urgent(order) -> bool:
    return order.queue == "urgent" or bool(URGENT_TAGS & set(order.tags or []))


def order_is_same_city(order, warehouse) -> bool:
    return geo.province_normalise(order.province) == geo.province_normalise(warehouse.province) and geo.same_city(
        order.city, warehouse.city
    )


def carrier_choose(*, order, warehouse, carriers: list[WarehouseCarrier] | None = None) -> Carrier:
    """The carrier an order ships with by default: the warehouse's same-city carrier for same-city orders,
    its urgent carrier for urgent / cold-chain (需冰袋) / insured (保价) orders, else its first carrier;
    SF when the warehouse has none configured. Staff can change it at the pack station (from the list)."""
    if carriers is None:
        carriers = list(
            WarehouseCarrier.objects.filter(warehouse=warehouse, is_active=True, carrier__is_active=True)
            .select_related("carrier")
            .order_by("priority", "carrier__code")
        )
    if carriers:
        if order_is_same_city(order, warehouse):
            for wc in carriers:
                if wc.for_same_city:
                    return wc.carrier
        if order_is_urgent(order):
            for wc in carriers:
                if wc.for_urgent:
                    return wc.carrier
        for wc in carriers:
            if not wc.for_same_city:
                return wc.carrier
        return carriers[0].carrier
    return carrier_get("SF")
