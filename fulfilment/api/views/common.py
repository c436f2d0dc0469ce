"""What every floor view shares: who may work the warehouse floor."""

from __future__ import annotations

from rest_framework import permissions

from fulfilment import selectors


class FloorPermission(permissions.BasePermission):
    """Floor work needs ``orders.change_order`` (the 仓库 role has it); which warehouses is scoped in the
    selectors."""

    message = "Picking, packing and shipping need the warehouse role."

    def has_permission(self, request, view):
        return selectors.user_works_floor(request.user)
