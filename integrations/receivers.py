"""What integrations listens to in the domain apps, to carry it out to the platforms."""

from django.dispatch import receiver

from fulfilment.signals import shipment_confirmed
from integrations.outbox import ship_confirmation_enqueue
from orders.models import Order


@receiver(shipment_confirmed, dispatch_uid="integrations.ship_confirmation")
def _shipment_confirmed(sender, *, order_id: int, platform_carrier_code: str, tracking_number: str, **kwargs):
    """A shipment left the warehouse: queue the platform's ship confirmation in the same transaction."""
    order = Order.objects.select_related("shop").get(pk=order_id)
    ship_confirmation_enqueue(order=order, carrier_code=platform_carrier_code, tracking_number=tracking_number)
