"""Writes on the shop catalogue: creating and changing shops.

A shop's platform credentials live in ``integrations.ShopConnection`` and are not stored here. The one secret
the shops API accepts — the write-only ``webhook_secret`` the platform signs its pushes with — is handed, in
the same transaction, to the function named by ``settings.ORDERS_SHOP_SECRET_SETTER`` (integrations points it
at ``connection_set_webhook_secret``), so orders never imports integrations and never keeps or returns it.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _

from config.errors import ApplicationError, Conflict
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
    webhook_secret: str | None = None,
) -> Shop:
    """Create a shop and let ``actor`` (the manager creating it) work on it; ``webhook_secret`` (if given) goes
    to the shop's platform connection (``shop_secret_set``).

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
    if webhook_secret is not None:
        shop_secret_set(shop=shop, secret=webhook_secret)
    return shop


@transaction.atomic
def shop_update(*, shop: Shop, webhook_secret: str | None = None, **changes: Any) -> Shop:
    """Change a shop's name, platform shop id, default warehouse, shipping promise or active flag, and (if
    given) its webhook secret (``shop_secret_set``; "" clears it).

    The code and the platform are fixed once a shop exists (orders, integrations and partners refer to it).
    """
    unknown = set(changes) - SHOP_UPDATABLE
    if unknown:
        raise TypeError(f"shop_update cannot change {', '.join(sorted(unknown))}")
    if changes:
        for name, value in changes.items():
            setattr(shop, name, value)
        shop.full_clean(validate_unique=False)
        shop.save(update_fields=sorted(changes))
    if webhook_secret is not None:
        shop_secret_set(shop=shop, secret=webhook_secret)
    return shop


@transaction.atomic(savepoint=False)
def shop_secret_set(*, shop: Shop, secret: str) -> None:
    """Hand the shop's webhook secret to ``settings.ORDERS_SHOP_SECRET_SETTER`` (a dotted path to a function
    taking ``shop=`` and ``secret=``), inside the caller's transaction. Write-only: nothing here keeps, logs or
    returns it. The setter may refuse (e.g. a platform that pushes nothing) with an ``ApplicationError``."""
    path = settings.ORDERS_SHOP_SECRET_SETTER or ""
    if not path:
        raise ApplicationError(
            _("webhook_secret: no channel integration is configured to keep it (settings.ORDERS_SHOP_SECRET_SETTER)."),
            code="invalid",
            extra={"field": "webhook_secret"},
        )
    import_string(path)(shop=shop, secret=secret)


def _code_taken(code: str) -> Conflict:
    return Conflict(
        _("code: a shop with code %(code)r already exists.") % {"code": code},
        code="shop_code_taken",
        extra={"code": code},
    )
