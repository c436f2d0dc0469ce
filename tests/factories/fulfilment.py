"""Fulfilment rows for tests that read them (lists, the partner API, reports): a parcel of an order, its
tracking events, an e-waybill account. Work on the floor itself — waves, picking, packing, labels, shipping — is
made through ``fulfilment.services`` (``tests/fulfilment/conftest.py``: ``floor``, ``approved_order``,
``picked``), never by writing rows.

Carriers are the library's (``carriers_sync``); ``library_carrier("SF")`` loads the library the first time.
"""

import factory
from django.utils import timezone

from fulfilment.carriers.library import carrier_get
from fulfilment.models import Carrier, Shipment, TrackingEvent, WaybillAccount, WaybillProvider
from fulfilment.services import carriers_sync


def library_carrier(code: str = "ZTO") -> Carrier:
    """The library's carrier of this standard code (ZTO, SF, JD, …)."""
    if not Carrier.objects.filter(code=code).exists():
        carriers_sync()
    return carrier_get(code, active_only=False)


class ShipmentFactory(factory.django.DjangoModelFactory):
    """A parcel of ``order`` (required) from the order's warehouse by ZTO:
    ``ShipmentFactory(order=order, carrier=library_carrier("SF"), status=Shipment.Status.IN_TRANSIT)``."""

    class Meta:
        model = Shipment

    warehouse = factory.LazyAttribute(lambda shipment: shipment.order.warehouse)
    carrier = factory.LazyFunction(library_carrier)
    weight_grams = 500


class TrackingEventFactory(factory.django.DjangoModelFactory):
    """One carrier scan of ``shipment`` (required), pushed now unless told."""

    class Meta:
        model = TrackingEvent

    external_id = factory.Sequence(lambda n: f"ev-{n}")
    kind = "in_transit"
    occurred_at = factory.LazyFunction(timezone.now)
    source = "push"


class WaybillAccountFactory(factory.django.DjangoModelFactory):
    """An e-waybill account: the sandbox service for ZTO unless told
    (``WaybillAccountFactory(provider=WaybillProvider.CAINIAO, shop=shop)``)."""

    class Meta:
        model = WaybillAccount

    provider = WaybillProvider.SANDBOX
    carrier = factory.LazyFunction(library_carrier)
    account_number = factory.Sequence(lambda n: f"K-{n}")
