"""``{% order_shipments order %}``: an order's parcels for the order page — carrier, waybill number, the full
track, the open exceptions and the ETA (the order page is the orders app's; it asks fulfilment through this
tag, never by importing it)."""

from django import template
from django.db.models import Prefetch

from fulfilment.eta.selectors import eta_model, shipment_eta
from fulfilment.models import Shipment, TrackingEvent, WorkItem

register = template.Library()


@register.inclusion_tag("fulfilment/_order_shipments.html")
def order_shipments(order):
    shipments = list(
        Shipment.objects.filter(order=order)
        .select_related("carrier", "warehouse", "waybill_account", "order")
        .prefetch_related(
            Prefetch("events", queryset=TrackingEvent.objects.order_by("-occurred_at", "-pk")),
            Prefetch("work_items", queryset=WorkItem.objects.filter(status=WorkItem.Status.OPEN)),
        )
        .order_by("-packed_at")
    )
    model = eta_model() if shipments else None
    return {
        "parcels": [
            {
                "shipment": s,
                "events": list(s.events.all()),
                "exceptions": list(s.work_items.all()),
                "eta": shipment_eta(shipment=s, model=model),
            }
            for s in shipments
        ]
    }
