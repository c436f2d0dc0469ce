"""The webhook event types, which domain changes raise them, and the ``data`` of each: the resource as the API
shows the subscription's owner (``GET /api/v1/orders/<number>/``, ``GET /api/v1/stock/?sku=``,
``GET /api/v1/aftersales/<id>/``), or nothing when the owner may not see it (that subscription gets no
delivery)."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

from django.db.models import Prefetch
from django.utils.translation import gettext_lazy as _

from aftersales.api.serializers import CaseOutputSerializer
from aftersales.selectors import case_list_for_user
from inventory.api.stock_views import sku_stock_render
from inventory.models import SKU
from orders.api.serializers import OrderDetailOutputSerializer
from orders.models import OrderEvent, OrderLine
from orders.selectors import order_list_for_user
from orders.states import Status

ORDER_CREATED = "order.created"
ORDER_PAID = "order.paid"
ORDER_STATUS_CHANGED = "order.status_changed"
ORDER_SHIPPED = "order.shipped"
ORDER_CANCELLED = "order.cancelled"
STOCK_CHANGED = "stock.changed"
AFTERSALES_UPDATED = "aftersales.updated"

EVENT_TYPES = {
    ORDER_CREATED: _("An order was created"),
    ORDER_PAID: _("An order was paid (created paid, or moved to paid)"),
    ORDER_STATUS_CHANGED: _("An order's status changed"),
    ORDER_SHIPPED: _("An order shipped"),
    ORDER_CANCELLED: _("An order was cancelled"),
    STOCK_CHANGED: _("A SKU's stock changed"),
    AFTERSALES_UPDATED: _("An after-sales case was recorded or changed"),
}

# A status an order moves to (or is created in) → the event that says so, besides order.status_changed.
STATUS_EVENTS = {Status.PAID: ORDER_PAID, Status.SHIPPED: ORDER_SHIPPED, Status.CANCELLED: ORDER_CANCELLED}


def order_event_types(*, kind: str, to_status: str) -> list[str]:
    """The webhook events one timeline event raises (updates and notes raise none)."""
    if kind == OrderEvent.Kind.CREATED:
        types = [ORDER_CREATED]
    elif kind == OrderEvent.Kind.TRANSITION:
        types = [ORDER_STATUS_CHANGED]
    else:
        return []
    if to_status in STATUS_EVENTS:
        types.append(STATUS_EVENTS[to_status])
    return types


def resource_render(*, type: str, ref: dict[str, Any], owner) -> dict[str, Any] | None:
    """The event's ``data`` as ``owner`` may see it through the API, or None when they may not see it."""
    if type == STOCK_CHANGED:
        sku = SKU.objects.filter(pk=ref["sku_id"]).first()
        if sku is None:
            return None
        data = sku_stock_render(user=owner, sku=sku)
        return data if data["locations"] else None
    if type == AFTERSALES_UPDATED:
        case = (
            case_list_for_user(owner)
            .prefetch_related("lines__sku", "decisions__actor")
            .filter(pk=ref["refund_id"])  # the case's id (the key keeps the name it was stored under)
            .first()
        )
        return CaseOutputSerializer(case).data if case is not None else None
    order = (
        order_list_for_user(owner)
        .select_related("presale")
        .prefetch_related(
            Prefetch("lines", queryset=OrderLine.objects.select_related("sku")),
            Prefetch("events", queryset=OrderEvent.objects.select_related("actor")),
        )
        .filter(pk=ref["order_id"])
        .first()
    )
    if order is None:
        return None
    return OrderDetailOutputSerializer(order, context={"request": SimpleNamespace(user=owner)}).data
