"""Granting users (or groups) access to particular shops and warehouses, with django-guardian."""

from django.db import transaction
from guardian.shortcuts import assign_perm, remove_perm

from inventory.models import Warehouse
from orders.models import Shop

SHOP_ACCESS = "orders.access_shop"
WAREHOUSE_ACCESS = "inventory.access_warehouse"


@transaction.atomic(savepoint=False)
def shop_access_grant(*, who, shops) -> None:
    """Let a user or group work on the orders of these shops."""
    for shop in _many(shops, Shop):
        assign_perm(SHOP_ACCESS, who, shop)


@transaction.atomic(savepoint=False)
def shop_access_revoke(*, who, shops) -> None:
    for shop in _many(shops, Shop):
        remove_perm(SHOP_ACCESS, who, shop)


@transaction.atomic(savepoint=False)
def warehouse_access_grant(*, who, warehouses) -> None:
    """Let a user or group work on the orders and stock of these warehouses."""
    for warehouse in _many(warehouses, Warehouse):
        assign_perm(WAREHOUSE_ACCESS, who, warehouse)


@transaction.atomic(savepoint=False)
def warehouse_access_revoke(*, who, warehouses) -> None:
    for warehouse in _many(warehouses, Warehouse):
        remove_perm(WAREHOUSE_ACCESS, who, warehouse)


def _many(objs, model):
    if isinstance(objs, model):
        return [objs]
    return list(objs)
