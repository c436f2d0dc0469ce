"""Writes on the catalogue: creating and changing warehouses and SKUs.

Quantities are not touched here (that is stock, in ``inventory.services``).
"""

from __future__ import annotations

from typing import Any

from django.db import IntegrityError, models, transaction
from django.utils.translation import gettext as _
from guardian.shortcuts import assign_perm

from config.errors import ApplicationError, Conflict
from inventory.models import SKU, Warehouse

WAREHOUSE_ACCESS = "inventory.access_warehouse"
WAREHOUSE_UPDATABLE = frozenset({"name", "kind", "province", "city", "address", "priority", "is_active"})
SKU_UPDATABLE = frozenset(
    {
        "barcode",
        "name",
        "weight_grams",
        "is_fragile",
        "is_cold_chain",
        "is_presale",
        "category",
        "attributes",
        "is_active",
    }
)
# Codes are addressed in URLs (/api/v1/skus/<code>/): no slash, no whitespace.
SKU_CODE_FORBIDDEN = frozenset("/\\?#%") | frozenset(" \t\r\n")


class SKUCodeInvalid(ApplicationError):
    code = "sku_code_invalid"
    status = 400


@transaction.atomic
def warehouse_create(*, actor, code: str, name: str, **fields: Any) -> Warehouse:
    """Create a warehouse (or store, or in-transit location) and let ``actor`` work on it.

    ``fields``: kind, province, city, address, priority, is_active.
    """
    _check_fields(fields, WAREHOUSE_UPDATABLE - {"name"}, "warehouse_create")
    warehouse = Warehouse(code=code, name=name, **fields)
    _insert(warehouse, what="warehouse")
    if actor is not None:
        assign_perm(WAREHOUSE_ACCESS, actor, warehouse)
    return warehouse


@transaction.atomic
def warehouse_update(*, warehouse: Warehouse, **changes: Any) -> Warehouse:
    """Change a warehouse's name, kind, place, priority or active flag; its code is fixed."""
    _check_fields(changes, WAREHOUSE_UPDATABLE, "warehouse_update")
    return _update(warehouse, changes)


@transaction.atomic
def sku_create(*, code: str, name: str, **fields: Any) -> SKU:
    """Create a SKU. ``fields``: barcode, weight_grams, is_fragile, is_cold_chain, is_presale, category,
    attributes, is_active."""
    _check_fields(fields, SKU_UPDATABLE - {"name"}, "sku_create")
    bad = sorted(set(code) & SKU_CODE_FORBIDDEN)
    if bad:
        raise SKUCodeInvalid(
            f"code: {code!r} contains {''.join(bad)!r}; SKU codes are used in URLs and may not contain "
            "slashes, spaces, '?', '#' or '%'.",
            extra={"field": "code", "value": code},
        )
    sku = SKU(code=code, name=name, **fields)
    _insert(sku, what="SKU")
    return sku


@transaction.atomic
def sku_update(*, sku: SKU, **changes: Any) -> SKU:
    """Change a SKU's barcode, name, weight, handling flags, category, attributes or active flag; its code
    is fixed (orders refer to it)."""
    _check_fields(changes, SKU_UPDATABLE, "sku_update")
    return _update(sku, changes)


def _check_fields(fields: dict[str, Any], allowed: frozenset[str], where: str) -> None:
    unknown = set(fields) - allowed
    if unknown:
        raise TypeError(f"{where} cannot set {', '.join(sorted(unknown))}")


def _insert(obj: models.Model, *, what: str) -> None:
    model = type(obj)
    if model.objects.filter(code=obj.code).exists():
        raise _code_taken(what, obj.code)
    obj.full_clean(validate_unique=False)
    try:
        with transaction.atomic():
            obj.save()
    except IntegrityError:  # created concurrently under the same code
        raise _code_taken(what, obj.code) from None


def _update(obj, changes: dict[str, Any]):
    if not changes:
        return obj
    for name, value in changes.items():
        setattr(obj, name, value)
    obj.full_clean(validate_unique=False)
    obj.save(update_fields=sorted(changes))
    return obj


def _code_taken(what: str, code: str) -> Conflict:
    return Conflict(
        _("code: a %(what)s with code %(code)r already exists.") % {"what": what, "code": code},
        code=f"{what.lower()}_code_taken",
        extra={"code": code},
    )
