"""Reads for ETAs: the delivered history as samples, one parcel's estimate, and the latest backtest for the
command center."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.core.cache import cache
from django.utils import timezone

from fulfilment.eta.model import Estimate, EtaModel, Sample
from fulfilment.models import EtaBacktest, Shipment

CACHE_KEY = "fulfilment:eta-model"
CACHE_SECONDS = 3600
HISTORY_DAYS = 180


def eta_history(*, since: dt.datetime | None = None) -> list[Sample]:
    since = since or timezone.now() - dt.timedelta(days=HISTORY_DAYS)
    rows = Shipment.objects.filter(
        status=Shipment.Status.DELIVERED, shipped_at__gte=since, delivered_at__isnull=False
    ).values_list(
        "carrier__code",
        "warehouse__province",
        "order__province",
        "waybill_account__product_code",
        "shipped_at",
        "delivered_at",
    )
    return [
        Sample(
            carrier,
            origin or "",
            destination or "",
            service or "",
            shipped,
            (delivered - shipped).total_seconds() / 3600,
        )
        for carrier, origin, destination, service, shipped, delivered in rows
        if delivered > shipped
    ]


def eta_model() -> EtaModel:
    """The model fitted on the last ``HISTORY_DAYS`` of deliveries, kept for an hour in the cache."""
    model = cache.get(CACHE_KEY)
    if model is None:
        model = EtaModel(eta_history())
        cache.set(CACHE_KEY, model, CACHE_SECONDS)
    return model


@dataclass(frozen=True)
class ShipmentEta:
    expected: dt.datetime
    earliest: dt.datetime
    latest: dt.datetime
    basis: str
    samples: int


def shipment_eta(*, shipment: Shipment, model: EtaModel | None = None) -> ShipmentEta | None:
    """When the parcel should arrive, with a range; None once delivered or cancelled."""
    if shipment.status in (Shipment.Status.DELIVERED, Shipment.Status.CANCELLED):
        return None
    model = model or eta_model()
    handed_over = shipment.shipped_at or timezone.now()
    account = shipment.waybill_account
    estimate: Estimate = model.estimate(
        carrier=shipment.carrier.code,
        origin=shipment.warehouse.province,
        destination=shipment.order.province,
        service=account.product_code if account else "",
        shipped_at=handed_over,
        kind=shipment.carrier.kind,
    )
    expected, earliest, latest = estimate.at(handed_over)
    return ShipmentEta(expected, earliest, latest, estimate.basis, estimate.samples)


def eta_accuracy_latest() -> EtaBacktest | None:
    """The latest backtest of the ETA (for the command center): error in hours, coverage, simulated or not."""
    return EtaBacktest.objects.order_by("-run_at", "-pk").first()
