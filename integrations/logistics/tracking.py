"""Tracking through the aggregators: every shipment is subscribed with Kuaidi100 (KDNiao when Kuaidi100
refuses it or is not connected); their signed callbacks are stored first, then processed into fulfilment's
tracking events (``tracking_events_ingest``: events keyed per parcel, so duplicates change nothing, and
the parcel's state is worked out from all its events in time order, so a late old event changes nothing).
A subscription or callback is claimed by one worker first (``config.sweep``); failures are retried after
config.retry's back-off and parked when the policy gives up, where staff replay them (admin)."""

from __future__ import annotations

import logging

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from config.sweep import work_claim, work_fail, work_replay, work_sweep
from config.tasks import enqueue_on_commit
from fulfilment.models import Carrier, CarrierPlatformCode, Shipment
from fulfilment.services import tracking_events_ingest
from integrations.exceptions import ParcelNotKnown, PlatformError
from integrations.logistics.kdniao import client as kdniao
from integrations.logistics.kuaidi100 import tracking as kuaidi100
from integrations.logistics.models import LogisticsConnection, TrackingCallback, TrackingSubscription
from integrations.logistics.sf import tracking as sf

log = logging.getLogger(__name__)

SUBSCRIBE_TASK = "integrations.tasks.tracking_subscribe"
PROCESS_TASK = "integrations.tasks.tracking_callback_process"
OWN_CODE = "carrier"  # a carrier's own push names the parcel by our code for the carrier
SF_CARRIER = "SF"
SUBSCRIPTION_DUE = (TrackingSubscription.Status.PENDING, TrackingSubscription.Status.FAILED)
CALLBACK_DUE = (TrackingCallback.Status.PENDING, TrackingCallback.Status.FAILED)
REPLAYABLE_SUBSCRIPTION = (TrackingSubscription.Status.PARKED, TrackingSubscription.Status.FAILED)
REPLAYABLE_CALLBACK = (TrackingCallback.Status.PARKED, TrackingCallback.Status.FAILED)
Service = LogisticsConnection.Service


def callback_url(service: str) -> str:
    return f"{settings.INTEGRATIONS_TRACKING_CALLBACK_BASE_URL.rstrip('/')}/webhooks/logistics/{service}/"


@transaction.atomic(savepoint=False)
def tracking_subscription_create(*, shipment_id: int) -> TrackingSubscription | None:
    """In the transaction that ships the parcel: remember to subscribe it (once), sent after commit."""
    if not LogisticsConnection.objects.filter(
        is_enabled=True, service__in=[Service.KUAIDI100, Service.KDNIAO]
    ).exists():
        return None
    subscription, created = TrackingSubscription.objects.get_or_create(shipment_id=shipment_id)
    if created:
        enqueue_on_commit(SUBSCRIBE_TASK, subscription.pk)
    return subscription


def _code(carrier_id: int, system: str) -> str:
    return (
        CarrierPlatformCode.objects.filter(carrier_id=carrier_id, platform=system)
        .values_list("code", flat=True)
        .first()
        or ""
    )


def tracking_subscribe(*, subscription_id: int) -> str:
    """Subscribe one parcel: Kuaidi100 first, then KDNiao. Network outside transactions; claimed by compare-and-set
    once due (``config.sweep.work_claim``), so two workers never both subscribe it."""
    claimed = work_claim(
        TrackingSubscription,
        subscription_id,
        due_statuses=SUBSCRIPTION_DUE,
        claimed_status=TrackingSubscription.Status.PROCESSING,
    )
    subscription = TrackingSubscription.objects.filter(pk=subscription_id).first()
    if subscription is None or not claimed:
        return subscription.status if subscription else "missing"
    shipment = Shipment.objects.select_related("order").get(pk=subscription.shipment_id)
    reasons = []
    for connection in LogisticsConnection.objects.filter(
        is_enabled=True, service__in=[Service.KUAIDI100, Service.KDNIAO]
    ).order_by("-service"):  # kuaidi100 before kdniao
        try:
            if connection.service == Service.KUAIDI100:
                company = _code(shipment.carrier_id, "kuaidi100")
                if not company:
                    reasons.append(_("kuaidi100: no Kuaidi100 code for the carrier"))
                    continue
                ok, message = kuaidi100.subscribe(
                    base_url=connection.base_url,
                    form=kuaidi100.subscribe_form(
                        key=connection.key,
                        company=company,
                        number=shipment.tracking_number,
                        callback_url=callback_url(Service.KUAIDI100),
                        salt=connection.callback_salt,
                        phone=shipment.order.consignee_phone if "*" not in shipment.order.consignee_phone else "",
                    ),
                )
            else:
                shipper = _code(shipment.carrier_id, "kdniao")
                if not shipper:
                    reasons.append(_("kdniao: no KDNiao code for the carrier"))
                    continue
                ok, message = kdniao.subscribe(
                    base_url=connection.base_url,
                    business_id=connection.key,
                    api_key=connection.secret,
                    shipper=shipper,
                    number=shipment.tracking_number,
                    phone=shipment.order.consignee_phone if "*" not in shipment.order.consignee_phone else "",
                )
        except PlatformError as exc:
            ok, message = False, str(exc)
        if ok:
            TrackingSubscription.objects.filter(pk=subscription.pk).exclude(
                status=TrackingSubscription.Status.SUBSCRIBED
            ).update(
                status=TrackingSubscription.Status.SUBSCRIBED,
                service=connection.service,
                error="",
                subscribed_at=timezone.now(),
                claimed_at=None,
            )
            return TrackingSubscription.Status.SUBSCRIBED
        reasons.append(f"{connection.service}: {message}")
    return tracking_subscription_fail(
        subscription, PlatformError("; ".join(reasons) or _("no tracking aggregator is connected"))
    )


def tracking_subscription_fail(subscription: TrackingSubscription, exc: BaseException) -> str:
    """Record a failed attempt of a claimed subscription: retried after config.retry's back-off, or parked."""
    return work_fail(
        subscription,
        exc,
        claimed_status=TrackingSubscription.Status.PROCESSING,
        failed_status=TrackingSubscription.Status.FAILED,
        dead_status=TrackingSubscription.Status.PARKED,
    )


# --- callbacks ----------------------------------------------------------------------------------------------


@transaction.atomic
def tracking_callback_receive(*, service: str, body: dict) -> TrackingCallback:
    """Store a verified callback as it came and process it after commit."""
    callback = TrackingCallback.objects.create(service=service, body=body)
    enqueue_on_commit(PROCESS_TASK, callback.pk)
    return callback


def _parcels(callback: TrackingCallback):
    if callback.service == Service.KUAIDI100:
        company, number, updates = kuaidi100.callback_updates(callback.body)
        return [("kuaidi100", company, number, updates)]
    if callback.service == Service.SF:  # SF's own push: parcels of our carrier SF
        return [(OWN_CODE, SF_CARRIER, number, updates) for number, updates in sf.push_updates(callback.body)]
    return [("kdniao", shipper, number, updates) for shipper, number, updates in kdniao.push_updates(callback.body)]


def tracking_callback_process(*, callback_id: int) -> str:
    """Process one stored callback into fulfilment's tracking events. Claimed by compare-and-set once due
    (``config.sweep.work_claim``), so two workers never both process it."""
    claimed = work_claim(
        TrackingCallback, callback_id, due_statuses=CALLBACK_DUE, claimed_status=TrackingCallback.Status.PROCESSING
    )
    callback = TrackingCallback.objects.filter(pk=callback_id).first()
    if callback is None or not claimed:
        return callback.status if callback else "missing"
    try:
        problems = []
        for system, code, number, updates in _parcels(callback):
            if system == OWN_CODE:
                carrier_ids = Carrier.objects.filter(code=code).values_list("pk", flat=True)
            else:
                carrier_ids = CarrierPlatformCode.objects.filter(platform=system, code=code).values_list(
                    "carrier_id", flat=True
                )
            shipment = Shipment.objects.filter(carrier_id__in=list(carrier_ids), tracking_number=number).first()
            if shipment is None:
                problems.append(f"{number} ({system} {code}) is not a parcel of ours")
                continue
            tracking_events_ingest(shipment=shipment, updates=updates, source="push")
        if problems:
            raise ParcelNotKnown("; ".join(problems))
    except Exception as exc:  # noqa: BLE001 — recorded, retried, then parked
        return tracking_callback_fail(callback, exc)
    TrackingCallback.objects.filter(pk=callback.pk).exclude(status=TrackingCallback.Status.PROCESSED).update(
        status=TrackingCallback.Status.PROCESSED, error="", processed_at=timezone.now(), claimed_at=None
    )
    return TrackingCallback.Status.PROCESSED


def tracking_callback_fail(callback: TrackingCallback, exc: BaseException) -> str:
    """Record a failed attempt of a claimed callback: retried after config.retry's back-off, or parked."""
    log.warning("tracking callback %s failed (attempt %s): %s", callback.pk, callback.attempts, exc)
    return work_fail(
        callback,
        exc,
        claimed_status=TrackingCallback.Status.PROCESSING,
        failed_status=TrackingCallback.Status.FAILED,
        dead_status=TrackingCallback.Status.PARKED,
    )


def tracking_work_retry(*, now=None) -> dict[str, int]:
    """The sweeper: a claim whose worker never finished counts as a failed attempt; then every subscription and
    callback due (pending — its task was lost — or failed and its back-off over) is queued. Returns how many of
    each were queued."""
    queued = {}
    for name, model, due, fail, task in (
        ("subscriptions", TrackingSubscription, SUBSCRIPTION_DUE, tracking_subscription_fail, SUBSCRIBE_TASK),
        ("callbacks", TrackingCallback, CALLBACK_DUE, tracking_callback_fail, PROCESS_TASK),
    ):
        queued[name] = work_sweep(
            model,
            due_statuses=due,
            claimed_status=model.Status.PROCESSING,
            claim_expiry_seconds=settings.INTEGRATIONS_TRACKING_CLAIM_EXPIRY_SECONDS,
            fail=fail,
            task=task,
            now=now,
        ).queued
    return queued


def tracking_callback_replay(*, callback: TrackingCallback) -> str:
    """Staff process a parked (or failed) callback again: its attempts start again from 0."""
    stopped = TrackingCallback.objects.filter(pk=callback.pk, status__in=REPLAYABLE_CALLBACK)
    work_replay(stopped, status=TrackingCallback.Status.FAILED)
    return tracking_callback_process(callback_id=callback.pk)


def tracking_subscription_replay(*, subscription: TrackingSubscription) -> str:
    """Staff subscribe a parked (or failed) parcel again: its attempts start again from 0."""
    stopped = TrackingSubscription.objects.filter(pk=subscription.pk, status__in=REPLAYABLE_SUBSCRIPTION)
    work_replay(stopped, status=TrackingSubscription.Status.FAILED)
    return tracking_subscribe(subscription_id=subscription.pk)
