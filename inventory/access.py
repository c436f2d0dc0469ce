"""Granting users (or groups) access to particular warehouses, with django-guardian: they then work on the
stock and orders of those warehouses (orders' selectors read the same grant)."""

from django.db import transaction
from guardian.shortcuts import assign_perm, remove_perm

from inventory.models import Warehouse

WAREHOUSE_ACCESS = "inventory.access_warehouse"


@transaction.atomic(savepoint=False)
def warehouse_access_grant(*, who, warehouses) -> None:
    """Let a user or group work on the orders and stock of these warehouses."""
    for warehouse in _many(warehouses):
        assign_perm(WAREHOUSE_ACCESS, who, warehouse)


@transaction.atomic(savepoint=False)
def warehouse_access_revoke(*, who, warehouses) -> None:
    for warehouse in _many(warehouses):
        remove_perm(WAREHOUSE_ACCESS, who, warehouse)


def _many(warehouses) -> list[Warehouse]:
    return [warehouses] if isinstance(warehouses, Warehouse) else list(warehouses)
