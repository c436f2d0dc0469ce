"""Shipping confirmation: the order moves to shipped (inventory turns its reservation into a deduction in
the same transaction), and ``shipment_confirmed`` tells integrations to push the tracking number with the
platform's carrier code through its outbox."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from config.messages import message
from fulfilment.carriers.library import carrier_platform_code
from fulfilment.exceptions import ShipmentStateError
from fulfilment.models import Shipment
from fulfilment.signals import shipment_confirmed
from orders.services import order_transition
from orders.states import Status

SHIPPED_OR_LATER = (
    Shipment.Status.SHIPPED,
    Shipment.Status.IN_TRANSIT,
    Shipment.Status.DELIVERED,
    Shipment.Status.EXCEPTION,
)


@transaction.atomic(durable=True)
def shipment_ship(*, shipment: Shipment, actor=None, system: str = "", at: dt.datetime | None = None) -> Shipment:
    """Confirm that a labelled parcel left the warehouse. Repeating it changes nothing."""
    shipment = Shipment.objects.select_for_update().select_related("order__shop", "carrier").get(pk=shipment.pk)
    if shipment.status in SHIPPED_OR_LATER:
        return shipment
    if shipment.status != Shipment.Status.LABELLED:
        raise ShipmentStateError(
            _("Print the label before shipping: this parcel is %(s)s.") % {"s": shipment.get_status_display()},
            extra={"status": shipment.status, "block_reason": shipment.block_reason},
        )
    order = shipment.order
    platform = order.shop.platform
    platform_code = carrier_platform_code(carrier=shipment.carrier, platform=platform)
    now = at or timezone.now()
    order_transition(
        order=order,
        to_status=Status.SHIPPED,
        actor=actor,
        system=system or ("" if actor else "fulfilment"),
        reason=message(
            gettext_noop("shipped with %(carrier)s, tracking number %(tracking)s"),
            carrier=shipment.carrier.code,
            tracking=shipment.tracking_number,
        ),
        at=now,
    )
    shipment.status = Shipment.Status.SHIPPED
    shipment.shipped_at = now
    shipment.save(update_fields=["status", "shipped_at"])
    shipment_confirmed.send(
        sender=Shipment,
        shipment_id=shipment.pk,
        order_id=order.pk,
        order_number=order.number,
        shop_id=order.shop_id,
        platform=platform,
        carrier_code=shipment.carrier.code,
        platform_carrier_code=platform_code,
        tracking_number=shipment.tracking_number,
        shipped_at=now,
    )
    return shipment


@transaction.atomic
def shipment_platform_confirmed(*, shipment_id: int, at: dt.datetime | None = None) -> bool:
    """Integrations: the platform accepted the ship confirmation. Idempotent (the first time is kept)."""
    return bool(
        Shipment.objects.filter(pk=shipment_id, platform_confirmed_at__isnull=True).update(
            platform_confirmed_at=at or timezone.now()
        )
    )


@transaction.atomic
def shipment_platform_delivered(*, shipment_id: int, at: dt.datetime | None = None) -> bool:
    """Integrations: the platform now shows the parcel delivered (clears the level-3 exception)."""
    return bool(
        Shipment.objects.filter(pk=shipment_id, platform_delivered_at__isnull=True).update(
            platform_delivered_at=at or timezone.now()
        )
    )
