"""The four exception levels, each creating a work item and an alert (orders' one alert model, kind
``shipping_incident``, keyed by the work item; red from level 3):

L1 no pickup scan within 24 h of shipping · L2 no movement for 48 h · L3 delivered but the platform not
updated within 2 h · L4 signed far from the address (raised at ingest). Carrier-reported exceptions are
work items too (level 2). ``incidents_scan`` (every 15 minutes) opens what is due and resolves what has
cleared by itself; staff resolve the rest. One open work item per parcel and kind (a partial unique
index), so scanning again never duplicates.
"""

from __future__ import annotations

import datetime as dt

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from config.errors import ApplicationError
from fulfilment.carriers.library import PLATFORMS_NOT_CONFIRMED
from fulfilment.models import IncidentKind, Shipment, WorkItem
from fulfilment.models.incidents import LEVELS
from orders.models import Alert
from orders.services.alerts import alert_raise, alert_resolve

NO_PICKUP_AFTER = dt.timedelta(hours=24)
STALLED_AFTER = dt.timedelta(hours=48)
PLATFORM_LAG = dt.timedelta(hours=2)


def work_item_open(*, shipment: Shipment, kind: str, detail: str) -> WorkItem | None:
    """Open a work item with its alert, unless one of this kind is already open for the parcel."""
    if WorkItem.objects.filter(shipment=shipment, kind=kind, status=WorkItem.Status.OPEN).exists():
        return None
    level = LEVELS[kind]
    try:
        with transaction.atomic():
            item = WorkItem.objects.create(
                kind=kind, level=level, shipment=shipment, order_id=shipment.order_id, detail=detail[:255]
            )
            message = _alert_message(kind=kind, shipment=shipment, detail=detail)
            alert_raise(
                kind=Alert.Kind.SHIPPING_INCIDENT,
                key=incident_alert_key(item.pk),
                severity=Alert.Severity.CRITICAL if level >= 3 else Alert.Severity.WARNING,
                title=message,
                message=message,
                order=shipment.order,
                detail={
                    "level": level,
                    "incident": kind,
                    "work_item_id": item.pk,
                    "shipment_id": shipment.pk,
                    "tracking_number": shipment.tracking_number,
                },
            )
    except IntegrityError:
        return None  # opened concurrently
    return item


def incident_alert_key(work_item_id: int) -> str:
    return f"incident:{work_item_id}"


def _alert_message(*, kind: str, shipment: Shipment, detail: str) -> str:
    carrier = shipment.carrier.code if shipment.carrier_id else ""
    return f"{IncidentKind(kind).label}: {shipment.order.number} {carrier} {shipment.tracking_number} — {detail}"[:255]


@transaction.atomic
def work_item_resolve(*, item: WorkItem, actor=None, resolution: str = "") -> WorkItem:
    item = WorkItem.objects.select_for_update().get(pk=item.pk)
    if item.status == WorkItem.Status.RESOLVED:
        return item
    if actor is not None and not (resolution or "").strip():
        raise ApplicationError(_("Say what was done to resolve it."), code="resolution_required")
    item.status = WorkItem.Status.RESOLVED
    item.resolved_at = timezone.now()
    item.resolved_by = actor if getattr(actor, "is_authenticated", False) else None
    item.resolution = (resolution or "")[:255]
    item.save()
    alert_resolve(keys=[incident_alert_key(item.pk)], now=item.resolved_at)
    return item


def incidents_scan(*, now: dt.datetime | None = None) -> dict[str, int]:
    """Open the work items that are due and auto-resolve those whose cause cleared. Idempotent."""
    now = now or timezone.now()
    opened = {kind: 0 for kind in IncidentKind.values}

    no_pickup = Shipment.objects.filter(
        status=Shipment.Status.SHIPPED, picked_up_at__isnull=True, shipped_at__lt=now - NO_PICKUP_AFTER
    ).select_related("order", "carrier")
    for s in no_pickup:
        hours = (now - s.shipped_at).total_seconds() / 3600
        if work_item_open(
            shipment=s, kind=IncidentKind.NO_PICKUP, detail=f"shipped {hours:.0f} h ago, no carrier scan yet"
        ):
            opened[IncidentKind.NO_PICKUP] += 1

    stalled = Shipment.objects.filter(
        status__in=[Shipment.Status.IN_TRANSIT, Shipment.Status.EXCEPTION],
        last_event_at__lt=now - STALLED_AFTER,
    ).select_related("order", "carrier")
    for s in stalled:
        hours = (now - s.last_event_at).total_seconds() / 3600
        if work_item_open(shipment=s, kind=IncidentKind.STALLED, detail=f"no tracking movement for {hours:.0f} h"):
            opened[IncidentKind.STALLED] += 1

    not_updated = (
        Shipment.objects.filter(
            status=Shipment.Status.DELIVERED, platform_delivered_at__isnull=True, delivered_at__lt=now - PLATFORM_LAG
        )
        .exclude(order__shop__platform__in=PLATFORMS_NOT_CONFIRMED)
        .select_related("order__shop", "carrier")
    )
    for s in not_updated:
        hours = (now - s.delivered_at).total_seconds() / 3600
        if work_item_open(
            shipment=s,
            kind=IncidentKind.PLATFORM_NOT_UPDATED,
            detail=f"delivered {hours:.1f} h ago, {s.order.shop.get_platform_display()} still not showing it",
        ):
            opened[IncidentKind.PLATFORM_NOT_UPDATED] += 1

    resolved = _auto_resolve(now)
    return {"opened": sum(opened.values()), "resolved": resolved, **{f"opened_{k}": v for k, v in opened.items()}}


def _auto_resolve(now: dt.datetime) -> int:
    cleared = (
        Q(kind=IncidentKind.NO_PICKUP, shipment__picked_up_at__isnull=False)
        | Q(kind=IncidentKind.STALLED, shipment__last_event_at__gte=now - STALLED_AFTER)
        | Q(kind=IncidentKind.STALLED, shipment__status=Shipment.Status.DELIVERED)
        | Q(kind=IncidentKind.PLATFORM_NOT_UPDATED, shipment__platform_delivered_at__isnull=False)
    )
    count = 0
    for item in WorkItem.objects.filter(status=WorkItem.Status.OPEN).filter(cleared):
        work_item_resolve(item=item, resolution="cleared by itself")
        count += 1
    return count
