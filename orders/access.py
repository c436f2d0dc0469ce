"""Granting users (or groups) access to particular shops, with django-guardian. Warehouses are granted by
inventory (``inventory.access``), re-exported here so callers grant both from one place."""

from django.db import transaction
from guardian.shortcuts import assign_perm, remove_perm

from inventory.access import WAREHOUSE_ACCESS, warehouse_access_grant, warehouse_access_revoke
from orders.models import Shop

SHOP_ACCESS = "orders.access_shop"

__all__ = [
    "SHOP_ACCESS",
    "WAREHOUSE_ACCESS",
    "shop_access_grant",
    "shop_access_revoke",
    "warehouse_access_grant",
    "warehouse_access_revoke",
]


@transaction.atomic(savepoint=False)
def shop_access_grant(*, who, shops) -> None:
    """Let a user or group work on the orders of these shops."""
    for shop in _many(shops, Shop):
        assign_perm(SHOP_ACCESS, who, shop)


@transaction.atomic(savepoint=False)
def shop_access_revoke(*, who, shops) -> None:
    for shop in _many(shops, Shop):
        remove_perm(SHOP_ACCESS, who, shop)


def _many(objs, model):
    if isinstance(objs, model):
        return [objs]
    return list(objs)
