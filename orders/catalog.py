"""Writes on the shop catalogue: creating and changing shops.

A shop's platform credentials live in ``integrations.ShopConnection`` and are not touched here.
"""

from __future__ import annotations

from typing import Any

from django.db import IntegrityError, transaction

from config.errors import Conflict
from inventory.models import Warehouse
from orders.access import shop_access_grant
from orders.models import Shop

SHOP_UPDATABLE = frozenset({"name", "platform_shop_id", "default_warehouse", "ship_within_hours", "is_active"})


@transaction.atomic
def shop_create(
    *,
    actor,
    code: str,
    name: str,
    platform: str,
    platform_shop_id: str = "",
    default_warehouse: Warehouse | None = None,
    ship_within_hours: int = 48,
    is_active: bool = True,
) -> Shop:
    """Create a shop and let ``actor`` (the manager creating it) work on it.

    Raises ``Conflict`` (``shop_code_taken``) when the code is in use, ``ValidationError`` for bad values.
    """
    shop = Shop(
        code=code,
        name=name,
        platform=platform,
        platform_shop_id=platform_shop_id,
        default_warehouse=default_warehouse,
        ship_within_hours=ship_within_hours,
        is_active=is_active,
    )
    if Shop.objects.filter(code=code).exists():
        raise _code_taken(code)
    shop.full_clean(validate_unique=False)
    try:
        with transaction.atomic():
            shop.save()
    except IntegrityError:  # created concurrently under the same code
        raise _code_taken(code) from None
    if actor is not None:
        shop_access_grant(who=actor, shops=shop)
    return shop


@transaction.atomic
def shop_update(*, shop: Shop, **changes: Any) -> Shop:
    """Change a shop's name, platform shop id, default warehouse, shipping promise or active flag.

    The code and the platform are fixed once a shop exists (orders, integrations and partners refer to it).
    """
    unknown = set(changes) - SHOP_UPDATABLE
    if unknown:
        raise TypeError(f"shop_update cannot change {', '.join(sorted(unknown))}")
    if not changes:
        return shop
    for name, value in changes.items():
        setattr(shop, name, value)
    shop.full_clean(validate_unique=False)
    shop.save(update_fields=sorted(changes))
    return shop


def _code_taken(code: str) -> Conflict:
    return Conflict(f"code: a shop with code {code!r} already exists.", code="shop_code_taken", extra={"code": code})
