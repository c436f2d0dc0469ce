"""Carrier tracking: pushes (stored first, processed idempotently, retried, then parked) and polls, both
ending in ``tracking_events_ingest``, which moves the shipment and the order on.

Event kinds → shipment / order status:
  picked_up, in_transit, out_for_delivery → in_transit (order shipped → in_transit)
  delivered                               → delivered (order → delivered); signed far away → L4 work item
  exception                               → exception (the order keeps its status); a work item
"""

from __future__ import annotations

import datetime as dt
import logging

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from config.sweep import work_claim, work_fail, work_replay, work_sweep
from config.tasks import enqueue_on_commit
from fulfilment import geo
from fulfilment.carriers.adapters import CarrierCallFailed, TrackingUpdate, adapter_for
from fulfilment.carriers.adapters.http import tracking_update_parse
from fulfilment.carriers.library import carrier_get
from fulfilment.exceptions import TrackingPayloadInvalid
from fulfilment.models import IncidentKind, Shipment, TrackingEvent, TrackingKind, TrackingPush
from fulfilment.services.incidents import work_item_open
from fulfilment.signals import shipment_delivered
from orders.services import order_transition
from orders.states import Status

log = logging.getLogger(__name__)

POLL_EVERY = dt.timedelta(minutes=30)
POLL_BATCH = 200
SUSPICIOUS_KM = 300
TRACKED = (Shipment.Status.SHIPPED, Shipment.Status.IN_TRANSIT, Shipment.Status.EXCEPTION)
MOVING = frozenset({TrackingKind.PICKED_UP, TrackingKind.IN_TRANSIT, TrackingKind.OUT_FOR_DELIVERY})


# --- push ---------------------------------------------------------------------------------------------------


@transaction.atomic
def tracking_push_receive(*, carrier_code: str, body) -> TrackingPush:
    """Store a carrier's push as it came and queue its processing after commit. The carrier code must be
    one of ours; the body must be ``{"tracking_number", "events": [...]}`` or ``{"items": [those]}``."""
    carrier = carrier_get(carrier_code, active_only=False)
    if not isinstance(body, dict) or not (isinstance(body.get("items"), list) or body.get("tracking_number")):
        raise TrackingPayloadInvalid(
            _('A tracking push is {"tracking_number": "…", "events": […]} or {"items": [those]}.'),
            extra={"carrier": carrier.code},
        )
    push = TrackingPush.objects.create(carrier_code=carrier.code, body=body)
    enqueue_on_commit("fulfilment.tasks.tracking_push_process", push.pk)
    return push


PUSH_DUE = (TrackingPush.Status.PENDING, TrackingPush.Status.FAILED)
REPLAYABLE_PUSH = (TrackingPush.Status.PARKED, TrackingPush.Status.FAILED)


def tracking_push_process(*, push_id: int) -> str:
    """Process one stored push. Claimed by compare-and-set (``config.sweep.work_claim``) so two workers never both
    process it, and only once it is due; failures are retried by ``tracking_pushes_retry_due`` after config.retry's
    back-off and parked when the policy gives up. Returns the status."""
    claimed = work_claim(TrackingPush, push_id, due_statuses=PUSH_DUE, claimed_status=TrackingPush.Status.PROCESSING)
    push = TrackingPush.objects.filter(pk=push_id).first()
    if push is None:
        return "missing"
    if not claimed:
        return push.status
    try:
        carrier = carrier_get(push.carrier_code, active_only=False)
        items = push.body["items"] if isinstance(push.body.get("items"), list) else [push.body]
        problems = []
        for index, item in enumerate(items):
            number = str(item.get("tracking_number") or "").strip()
            shipment = Shipment.objects.filter(carrier=carrier, tracking_number=number).first() if number else None
            if shipment is None:
                problems.append(f"items[{index}].tracking_number: {number!r} is not a {carrier.code} parcel of ours")
                continue
            updates = []
            for e_index, raw in enumerate(item.get("events") or []):
                try:
                    updates.append(tracking_update_parse(number, raw))
                except ValueError as exc:
                    problems.append(f"items[{index}].events[{e_index}].{exc}")
            tracking_events_ingest(shipment=shipment, updates=updates, source="push")
        if problems:
            raise TrackingPayloadInvalid("; ".join(problems))
    except Exception as exc:  # noqa: BLE001 — every failure is recorded and retried, then parked
        return tracking_push_fail(push, exc)
    TrackingPush.objects.filter(pk=push_id, status=TrackingPush.Status.PROCESSING, claimed_at=push.claimed_at).update(
        status=TrackingPush.Status.PROCESSED, error="", processed_at=timezone.now(), claimed_at=None
    )
    return TrackingPush.Status.PROCESSED


def tracking_push_fail(push: TrackingPush, exc: BaseException) -> str:
    """Record a failed attempt of a claimed push: retried after config.retry's back-off, or parked — only while
    this worker's claim holds (config.sweep.work_fail)."""
    status = work_fail(
        push,
        exc,
        claimed_status=TrackingPush.Status.PROCESSING,
        failed_status=TrackingPush.Status.FAILED,
        dead_status=TrackingPush.Status.PARKED,
    )
    log.warning("tracking push %s failed (attempt %s): %s", push.pk, push.attempts, exc)
    return status


def tracking_pushes_retry_due(*, limit: int = 500) -> int:
    """The sweeper: a claim whose worker never finished counts as a failed attempt; then every push due (pending —
    its task was lost — or failed and its back-off over) is processed. Returns how many were due."""
    return work_sweep(
        TrackingPush,
        due_statuses=PUSH_DUE,
        claimed_status=TrackingPush.Status.PROCESSING,
        claim_expiry_seconds=settings.FULFILMENT_TRACKING_CLAIM_EXPIRY_SECONDS,
        fail=tracking_push_fail,
        queue=_pushes_process,
        limit=limit,
    ).queued


def _pushes_process(push_ids: list[int]) -> None:
    for push_id in push_ids:
        tracking_push_process(push_id=push_id)


def tracking_push_replay(*, push: TrackingPush) -> str:
    """Staff replay a parked (or failed) push after fixing its cause: its attempts start again from 0."""
    work_replay(TrackingPush.objects.filter(pk=push.pk, status__in=REPLAYABLE_PUSH), status=TrackingPush.Status.PENDING)
    return tracking_push_process(push_id=push.pk)


# --- poll ---------------------------------------------------------------------------------------------------


def tracking_poll_due(*, now: dt.datetime | None = None, limit: int = POLL_BATCH) -> list[int]:
    now = now or timezone.now()
    due = (
        Shipment.objects.filter(status__in=TRACKED)
        .exclude(tracking_number="")
        .filter(models_q_polled_before(now - POLL_EVERY))
        .order_by("last_polled_at", "pk")
        .values_list("pk", flat=True)[:limit]
    )
    return list(due)


def models_q_polled_before(when: dt.datetime):
    from django.db.models import Q

    return Q(last_polled_at__isnull=True) | Q(last_polled_at__lt=when)


def tracking_poll_shipment(*, shipment_id: int, now: dt.datetime | None = None) -> int:
    """Ask the carrier for a parcel's events (claimed by compare-and-set on ``last_polled_at``; the call is
    made outside any transaction). Returns the number of new events."""
    now = now or timezone.now()
    claimed = (
        Shipment.objects.filter(pk=shipment_id, status__in=TRACKED)
        .filter(models_q_polled_before(now - POLL_EVERY))
        .update(last_polled_at=now)
    )
    if not claimed:
        return 0
    shipment = Shipment.objects.select_related("carrier").get(pk=shipment_id)
    try:
        updates = adapter_for(shipment.carrier).tracking_fetch(shipment.tracking_number)
    except (CarrierCallFailed, ValueError) as exc:
        log.warning("tracking poll of %s %s failed: %s", shipment.carrier.code, shipment.tracking_number, exc)
        return 0
    return tracking_events_ingest(shipment=shipment, updates=updates, source="poll")


# --- ingest -------------------------------------------------------------------------------------------------


@transaction.atomic
def tracking_events_ingest(*, shipment: Shipment, updates: list[TrackingUpdate], source: str) -> int:
    """Record new events (known ones are skipped) and move the shipment and order on. Returns how many
    events were new."""
    shipment = Shipment.objects.select_for_update().select_related("order__shop", "carrier").get(pk=shipment.pk)
    known = set(TrackingEvent.objects.filter(shipment=shipment).values_list("external_id", flat=True))
    new = []
    for update in updates:
        if update.external_id in known:
            continue
        known.add(update.external_id)
        new.append(
            TrackingEvent(
                shipment=shipment,
                external_id=update.external_id,
                kind=update.kind,
                description=update.description,
                province=geo.province_normalise(update.province) or update.province,
                city=update.city,
                occurred_at=update.occurred_at,
                source=source,
            )
        )
    if not new:
        return 0
    for event in new:
        event.save()  # one by one so simple-history records each
    _shipment_follow(shipment)
    return len(new)


def _shipment_follow(shipment: Shipment) -> None:
    events = list(TrackingEvent.objects.filter(shipment=shipment).order_by("occurred_at", "pk"))
    if not events:
        return
    order = shipment.order
    was = shipment.status
    shipment.picked_up_at = events[0].occurred_at
    shipment.last_event_at = events[-1].occurred_at
    delivered = next((e for e in events if e.kind == TrackingKind.DELIVERED), None)
    latest = events[-1]
    if delivered is not None:
        shipment.status = Shipment.Status.DELIVERED
        shipment.delivered_at = delivered.occurred_at
        shipment.delivered_province = delivered.province
        shipment.delivered_city = delivered.city
    elif latest.kind == TrackingKind.EXCEPTION:
        shipment.status = Shipment.Status.EXCEPTION
    elif latest.kind in MOVING:
        shipment.status = Shipment.Status.IN_TRANSIT
    shipment.save(
        update_fields=[
            "picked_up_at",
            "last_event_at",
            "status",
            "delivered_at",
            "delivered_province",
            "delivered_city",
        ]
    )
    if shipment.status == Shipment.Status.DELIVERED:
        if was != Shipment.Status.DELIVERED:
            shipment_delivered.send(
                sender=Shipment,
                shipment_id=shipment.pk,
                order_id=order.pk,
                shop_id=order.shop_id,
                platform=order.shop.platform,
                carrier_code=shipment.carrier.code,
                tracking_number=shipment.tracking_number,
                delivered_at=shipment.delivered_at,
            )
        if order.status in (Status.SHIPPED, Status.IN_TRANSIT):
            order_transition(
                order=order,
                to_status=Status.DELIVERED,
                system="tracking",
                reason=delivered.description[:200],
                at=delivered.occurred_at,
            )
        suspicious = delivery_suspicion(shipment=shipment)
        if suspicious:
            work_item_open(shipment=shipment, kind=IncidentKind.SUSPICIOUS_DELIVERY, detail=suspicious)
    elif shipment.status == Shipment.Status.IN_TRANSIT:
        if order.status == Status.SHIPPED:
            order_transition(
                order=order,
                to_status=Status.IN_TRANSIT,
                system="tracking",
                reason=latest.description[:200],
                at=latest.occurred_at,
            )
    elif shipment.status == Shipment.Status.EXCEPTION:
        work_item_open(
            shipment=shipment,
            kind=IncidentKind.CARRIER_EXCEPTION,
            detail=f"{shipment.carrier_id and shipment.carrier.code} reports: {latest.description or 'exception'}",
        )


def delivery_suspicion(*, shipment: Shipment) -> str:
    """Why a delivery looks suspicious (signed in a province far from the address), or ``""``."""
    order = shipment.order
    signed = shipment.delivered_province
    if not signed or not geo.province_normalise(order.province):
        return ""
    if geo.ring(signed, order.province) == 0:
        return ""
    km = geo.distance_km(signed, order.province)
    if geo.ring(signed, order.province) == 1 and (km or 0) <= SUSPICIOUS_KM:
        return ""
    where = f"{signed}{shipment.delivered_city}"
    return f"signed in {where}, about {km:.0f} km from the address in {order.province}{order.city}"
