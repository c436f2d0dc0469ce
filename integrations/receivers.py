"""What integrations listens to in the domain apps, to carry it out to the platforms."""

from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from fulfilment.signals import shipment_confirmed
from integrations.models import ShopConnection
from integrations.outbox import ship_confirmation_enqueue
from integrations.services import push_connections_forget
from orders.models import Order, Shop


@receiver(shipment_confirmed, dispatch_uid="integrations.ship_confirmation")
def _shipment_confirmed(sender, *, order_id: int, platform_carrier_code: str, tracking_number: str, **kwargs):
    """A shipment left the warehouse: queue the platform's ship confirmation in the same transaction."""
    order = Order.objects.select_related("shop").get(pk=order_id)
    ship_confirmation_enqueue(order=order, carrier_code=platform_carrier_code, tracking_number=tracking_number)


# A changed secret, a connection switched off, a shop renamed: forget the connections kept for pushes.
for _model in (ShopConnection, Shop):
    post_save.connect(
        push_connections_forget, sender=_model, dispatch_uid=f"integrations.forget.save.{_model.__name__}"
    )
    post_delete.connect(
        push_connections_forget, sender=_model, dispatch_uid=f"integrations.forget.delete.{_model.__name__}"
    )
