"""Which domain signals are buyer moments (``moments`` lists them). Every receiver here runs inside the domain's
transaction and only schedules work for after the commit (no query, nothing that can fail the transaction)."""

from __future__ import annotations

from django.db.models.signals import post_save
from django.dispatch import receiver

from aftersales.models import Case
from fulfilment.models import IncidentKind, ShipmentInterception, WorkItem
from fulfilment.signals import shipment_confirmed, shipment_delivered
from integrations.notify.moments import Moment, self_notifying_platforms
from integrations.notify.services import buyer_moments_on_commit
from orders.models import OrderEvent
from orders.signals import order_events_recorded, presale_balance_reminded
from orders.states import Status

DELAY_KINDS = frozenset({IncidentKind.NO_PICKUP, IncidentKind.STALLED, IncidentKind.CARRIER_EXCEPTION})


@receiver(order_events_recorded, dispatch_uid="integrations.notify.paid")
def _order_paid(sender, *, events, **kwargs):
    items = [
        (Moment.PAID, event.order_id, f"order_event:{event.pk}", {})
        for event in events
        if event.to_status == Status.PAID and event.kind in (OrderEvent.Kind.CREATED, OrderEvent.Kind.TRANSITION)
    ]
    if items:
        buyer_moments_on_commit(items)


@receiver(shipment_confirmed, dispatch_uid="integrations.notify.shipped")
def _shipped(sender, *, shipment_id: int, order_id: int, platform: str, **kwargs):
    if platform not in self_notifying_platforms():
        buyer_moments_on_commit([(Moment.SHIPPED, order_id, f"shipment:{shipment_id}", {"shipment_id": shipment_id})])


@receiver(shipment_delivered, dispatch_uid="integrations.notify.delivered")
def _delivered(sender, *, shipment_id: int, order_id: int, platform: str, **kwargs):
    if platform not in self_notifying_platforms():
        buyer_moments_on_commit([(Moment.DELIVERED, order_id, f"shipment:{shipment_id}", {"shipment_id": shipment_id})])


@receiver(post_save, sender=WorkItem, dispatch_uid="integrations.notify.delayed")
def _delayed(sender, *, instance: WorkItem, created: bool, **kwargs):
    """A shipping exception was caught (no pickup, no movement, a carrier-reported problem)."""
    if created and instance.kind in DELAY_KINDS:
        buyer_moments_on_commit(
            [
                (
                    Moment.DELAYED,
                    instance.order_id,
                    f"workitem:{instance.pk}",
                    {"shipment_id": instance.shipment_id, "delay_kind": instance.kind},
                )
            ]
        )


@receiver(post_save, sender=ShipmentInterception, dispatch_uid="integrations.notify.intercepted")
def _intercepted(sender, *, instance: ShipmentInterception, update_fields=None, **kwargs):
    """The carrier accepted to stop the parcel and send it back."""
    if instance.status == ShipmentInterception.Status.ACCEPTED and (update_fields is None or "status" in update_fields):
        buyer_moments_on_commit(
            [
                (
                    Moment.INTERCEPTED,
                    instance.shipment.order_id,
                    f"interception:{instance.pk}",
                    {"shipment_id": instance.shipment_id, "interception": instance.pk},
                )
            ]
        )


@receiver(post_save, sender=Case, dispatch_uid="integrations.notify.refunded")
def _refunded(sender, *, instance: Case, **kwargs):
    """An after-sales case reached ``refunded`` (executed by after-sales, or reported by the platform)."""
    if instance.status == Case.Status.REFUNDED:
        buyer_moments_on_commit([(Moment.REFUNDED, instance.order_id, f"case:{instance.pk}", {"case_id": instance.pk})])


@receiver(presale_balance_reminded, dispatch_uid="integrations.notify.presale_due")
def _presale_due(sender, *, terms_id: int, order_id: int, **kwargs):
    buyer_moments_on_commit([(Moment.PRESALE_DUE, order_id, f"presale:{terms_id}", {"terms_id": terms_id})])
