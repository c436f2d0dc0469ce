"""Webhook subscriptions, the delivery outbox and its sending.

Life of a delivery (one event for one subscription; its body is written once and sent unchanged — the same
event id — on every attempt)::

    pending ──claim──▶ processing ──2xx──▶ done
       ▲                   └─ error, non-2xx, timeout ─▶ failed (back-off, config.retry) ─▶ … ─▶ dead (parked)
       └── sweeper every minute (due retries), staff or partner "replay" (parked → pending, attempts from 0)

Publishing runs after the change committed (the domain apps' signals → ``on_commit`` → the publish task):
it renders each subscription's body and writes the deliveries, then queues sending them. When a delivery is
parked (``WEBHOOK_RETRY_MAX_ATTEMPTS`` attempts, more than 24 hours; or a URL refused as private) its
subscription is paused: nothing more is sent to it until it is resumed, and its owner is alerted (a
alert to the notification channels, and an e-mail to the owner). Events keep being recorded for a paused
subscription and are sent when it is resumed.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import uuid
from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from rest_framework.utils.encoders import JSONEncoder

from config.retry import retry_decide
from config.sweep import work_claim, work_replay, work_sweep
from config.tasks import enqueue_on_commit
from integrations.exceptions import WebhookDeliveryFailed, WebhookInvalid
from integrations.health import health_alert_raise
from integrations.hooks import transport
from integrations.hooks.addresses import url_target
from integrations.hooks.events import EVENT_TYPES, order_event_types, resource_render
from integrations.hooks.signing import HEADER, signature_header
from integrations.models import (
    DUE_STATUSES,
    WebhookDelivery,
    WebhookEvent,
    WebhookSubscription,
    WorkStatus,
)
from orders.models import Alert
from orders.tokens import token_scopes_apply

log = logging.getLogger(__name__)

PUBLISH_TASK = "integrations.tasks.webhooks_publish"
DELIVER_TASK = "integrations.tasks.webhook_deliver"
NOTIFY_TASK = "integrations.tasks.webhook_owner_notify"
SECRET_MIN_LENGTH = 16
# The sweeper runs every minute and takes deliveries due within the next SWEEP_LEAD seconds, so a retry goes out
# at most this much before or after its back-off says — the first one (30 s) always within a minute.
SWEEP_LEAD_SECONDS = 30

# --- subscriptions -----------------------------------------------------------------------------------------


def _events_clean(events: Iterable[str]) -> list[str]:
    events = list(events or [])
    if not events:
        raise WebhookInvalid(_("events: name at least one event type."), extra={"field": "events"})
    for index, name in enumerate(events):
        if name not in EVENT_TYPES:
            raise WebhookInvalid(
                _("events[%(index)s]: %(name)r is not an event type (one of %(types)s).")
                % {"index": index, "name": name, "types": ", ".join(EVENT_TYPES)},
                extra={"field": f"events[{index}]", "allowed": list(EVENT_TYPES)},
            )
    return sorted(set(events))


def _secret_clean(secret: str) -> str:
    if len(secret or "") < SECRET_MIN_LENGTH:
        raise WebhookInvalid(
            _("secret: use at least %(count)s characters.") % {"count": SECRET_MIN_LENGTH},
            extra={"field": "secret"},
        )
    return secret


def subscription_create(*, owner, url: str, events: Iterable[str], secret: str) -> WebhookSubscription:
    """Subscribe ``url`` to ``events``. The URL must be http(s) and resolve to public addresses only."""
    events = _events_clean(events)
    secret = _secret_clean(secret)
    url_target(url)  # network (DNS) before the transaction
    with transaction.atomic(durable=True):
        return WebhookSubscription.objects.create(owner=owner, url=url, events=events, secret=secret)


def subscription_update(
    *,
    subscription: WebhookSubscription,
    url: str | None = None,
    events: Iterable[str] | None = None,
    secret: str | None = None,
) -> WebhookSubscription:
    """Change what is given; a new URL is checked like a new subscription."""
    fields = []
    if url is not None:
        url_target(url)
        subscription.url = url
        fields.append("url")
    if events is not None:
        subscription.events = _events_clean(events)
        fields.append("events")
    if secret is not None:
        subscription.secret = _secret_clean(secret)
        fields.append("secret")
    if fields:
        with transaction.atomic(durable=True):
            subscription.save(update_fields=[*fields, "updated_at"])
    return subscription


def subscription_delete(*, subscription: WebhookSubscription) -> None:
    """Unsubscribe: the subscription and its delivery log go."""
    with transaction.atomic(durable=True):
        subscription.delete()


@transaction.atomic
def subscription_pause(*, subscription_id: int, reason: str) -> bool:
    """Stop sending to the subscription and alert its owner. False when it was already paused."""
    now = timezone.now()
    paused = WebhookSubscription.objects.filter(pk=subscription_id, is_paused=False).update(
        is_paused=True, paused_at=now, pause_reason=reason[:2000]
    )
    if not paused:
        return False
    subscription = WebhookSubscription.objects.select_related("owner").get(pk=subscription_id)
    health_alert_raise(
        shop=None,
        kind=Alert.Kind.WEBHOOK_PAUSED,
        dedup_key=f"webhook:{subscription_id}:{int(now.timestamp())}",
        message=_("Webhook %(url)s of %(owner)s paused: %(reason)s")
        % {"url": subscription.url, "owner": subscription.owner.get_username(), "reason": reason},
        data={"subscription_id": subscription_id, "owner": subscription.owner.get_username()},
    )
    enqueue_on_commit(NOTIFY_TASK, subscription_id)
    return True


def webhook_owner_notify(subscription_id: int) -> int:
    """E-mail the owner of a paused subscription (when they have an address). Returns the mails sent."""
    subscription = WebhookSubscription.objects.select_related("owner").filter(pk=subscription_id).first()
    if subscription is None or not subscription.is_paused or not subscription.owner.email:
        return 0
    return send_mail(
        subject=_("Order Hub: your webhook %(url)s is paused") % {"url": subscription.url},
        message=_(
            "Deliveries to %(url)s kept failing, so Order Hub stopped sending them: %(reason)s\n"
            "Fix the endpoint, then resume the subscription (POST /api/v1/webhooks/%(id)s/resume/); "
            "parked deliveries can be replayed from its delivery log."
        )
        % {"url": subscription.url, "reason": subscription.pause_reason, "id": subscription.pk},
        from_email=None,
        recipient_list=[subscription.owner.email],
    )


@transaction.atomic
def subscription_resume(*, subscription: WebhookSubscription) -> int:
    """Send to the subscription again: its waiting deliveries are due now. Returns how many were queued."""
    WebhookSubscription.objects.filter(pk=subscription.pk).update(is_paused=False, paused_at=None, pause_reason="")
    subscription.is_paused, subscription.paused_at, subscription.pause_reason = False, None, ""
    waiting = list(
        WebhookDelivery.objects.filter(subscription=subscription, status__in=DUE_STATUSES).values_list("pk", flat=True)
    )
    WebhookDelivery.objects.filter(pk__in=waiting).update(next_attempt_at=timezone.now())
    for pk in waiting:
        enqueue_on_commit(DELIVER_TASK, pk)
    return len(waiting)


@transaction.atomic
def delivery_replay(*, delivery: WebhookDelivery) -> bool:
    """Send a parked (or delivered) delivery again, with the same body and event id and a fresh set of
    attempts. False when it is still on its way."""
    finished = WebhookDelivery.objects.filter(pk=delivery.pk, status__in=[WorkStatus.DEAD, WorkStatus.DONE])
    changed = work_replay(finished, status=WorkStatus.PENDING)
    if changed:
        enqueue_on_commit(DELIVER_TASK, delivery.pk)
    return bool(changed)


# --- publishing --------------------------------------------------------------------------------------------


def subscribed_types() -> set[str]:
    return {name for events in WebhookSubscription.objects.values_list("events", flat=True) for name in events}


def webhooks_publish_on_commit(items: list[tuple[str, str, dict[str, Any]]]) -> None:
    """Once the current transaction commits, queue publishing ``items`` — (event type, source key, reference)
    — if anyone subscribes to them. Adds no query to the transaction."""

    def _after_commit() -> None:
        wanted = subscribed_types()
        chosen = [list(item) for item in items if item[0] in wanted]
        if chosen:
            enqueue_on_commit(PUBLISH_TASK, chosen)

    transaction.on_commit(_after_commit, robust=True)


def delivery_body(event: WebhookEvent, data: dict[str, Any]) -> str:
    """What a subscriber receives for ``event``: its id, type and time, and the resource as the owner sees it."""
    return json.dumps(
        {"id": str(event.id), "type": event.type, "created_at": timezone.localtime(event.created_at), "data": data},
        cls=JSONEncoder,
        ensure_ascii=False,
    )


def webhooks_publish(items: list[list[Any]]) -> int:
    """Record each event once (per type and source key) and a delivery for every subscription to it whose
    owner may see the resource (with their API token's limits: its shops); queue sending them. Returns the
    deliveries written."""
    subscriptions = list(WebhookSubscription.objects.select_related("owner").order_by("pk"))
    # A partner's subscription sees what their token sees: a token limited to shop A gets no event of shop B.
    token_scopes_apply(s.owner for s in subscriptions)
    written = 0
    for event_type, source_key, ref in items:
        wanted = [s for s in subscriptions if event_type in s.events and s.owner.is_active]
        if not wanted:
            continue
        bodies = []
        for subscription in wanted:
            data = resource_render(type=event_type, ref=ref, owner=subscription.owner)
            if data is not None:
                bodies.append((subscription, data))
        if not bodies:
            continue
        with transaction.atomic():
            event, _created = WebhookEvent.objects.get_or_create(
                type=event_type, source_key=source_key[:128], defaults={"id": uuid.uuid4()}
            )
            for subscription, data in bodies:
                delivery, created = WebhookDelivery.objects.get_or_create(
                    subscription=subscription, event=event, defaults={"body": delivery_body(event, data)}
                )
                if created:
                    written += 1
                    if not subscription.is_paused:
                        enqueue_on_commit(DELIVER_TASK, delivery.pk)
    return written


MISSED_WINDOW_MINUTES = 15
MISSED_GRACE_SECONDS = 60


def webhooks_publish_missed(*, now: dt.datetime | None = None, limit: int = 5000) -> int:
    """Safety net (every 5 minutes): publish order events of the last ``MISSED_WINDOW_MINUTES`` whose publishing
    after commit was lost (the process stopped between the commit and queueing it). Events younger than
    ``MISSED_GRACE_SECONDS`` are left to the normal path; publishing is idempotent either way. Stock and refund
    events have no such net (documented)."""
    from orders.models import OrderEvent

    wanted = subscribed_types()
    if not wanted:
        return 0
    now = now or timezone.now()
    rows = (
        OrderEvent.objects.filter(
            at__gte=now - dt.timedelta(minutes=MISSED_WINDOW_MINUTES),
            at__lte=now - dt.timedelta(seconds=MISSED_GRACE_SECONDS),
            kind__in=[OrderEvent.Kind.CREATED, OrderEvent.Kind.TRANSITION],
        )
        .order_by("pk")
        .values_list("pk", "kind", "to_status", "order_id")[:limit]
    )
    items = [
        [event_type, f"order_event:{pk}", {"order_id": order_id}]
        for pk, kind, to_status, order_id in rows
        for event_type in order_event_types(kind=kind, to_status=to_status)
        if event_type in wanted
    ]
    keys = {item[1] for item in items}
    published = set(WebhookEvent.objects.filter(source_key__in=keys).values_list("type", "source_key"))
    missed = [item for item in items if (item[0], item[1]) not in published]
    return webhooks_publish(missed) if missed else 0


# --- sending -----------------------------------------------------------------------------------------------


def delivery_claim(delivery_id: int) -> bool:
    """Compare-and-set: exactly one worker moves the delivery to processing. The conditions on the delivery row
    stay in the UPDATE's own WHERE (not behind a join, which Django would turn into ``id IN (SELECT …)`` that
    PostgreSQL does not re-check against the row it waited for), so a concurrent claimer re-reads the status."""
    now = timezone.now()
    return work_claim(
        WebhookDelivery,
        delivery_id,
        due_statuses=DUE_STATUSES,
        claimed_status=WorkStatus.PROCESSING,
        now=now,
        lead_seconds=SWEEP_LEAD_SECONDS,
        where=Q(subscription_id__in=WebhookSubscription.objects.filter(is_paused=False).values("pk")),
        last_attempt_at=now,
    )


def webhook_deliver(delivery_id: int) -> str:
    """Send one delivery (network outside any transaction). Returns the status it ends in."""
    if not delivery_claim(delivery_id):
        return "not_due"
    delivery = WebhookDelivery.objects.select_related("subscription", "event").get(pk=delivery_id)
    subscription = delivery.subscription
    body = delivery.body.encode("utf-8")
    try:
        target = url_target(subscription.url)  # again now: the host may resolve elsewhere than at subscribing
        reply = transport.post(
            target,
            body=body,
            headers={
                "Content-Type": "application/json; charset=utf-8",
                "User-Agent": "OrderHub-Webhooks/1",
                "X-OrderHub-Event": delivery.event.type,
                "X-OrderHub-Event-Id": str(delivery.event_id),
                "X-OrderHub-Delivery": str(delivery.pk),
                HEADER: signature_header(secret=subscription.secret, body=body),
            },
            timeout=settings.WEBHOOK_TIMEOUT_SECONDS,
        )
        if not 200 <= reply.status < 300:
            raise WebhookDeliveryFailed(
                _("%(url)s answered HTTP %(status)s: %(body)s")
                % {
                    "url": subscription.url,
                    "status": reply.status,
                    "body": reply.body[:200].decode("utf-8", "replace"),
                },
                extra={"status": reply.status},
            )
    except Exception as exc:  # noqa: BLE001 - recorded on the delivery
        return delivery_fail(delivery, exc)
    WebhookDelivery.objects.filter(pk=delivery.pk, status=WorkStatus.PROCESSING).update(
        status=WorkStatus.DONE, sent_at=timezone.now(), response_status=reply.status, last_error=""
    )
    return WorkStatus.DONE


def delivery_fail(delivery: WebhookDelivery, exc: Exception) -> str:
    attempts = WebhookDelivery.objects.filter(pk=delivery.pk).values_list("attempts", flat=True).first() or 1
    decision = retry_decide(exc, attempts=attempts, limit=settings.WEBHOOK_RETRY_MAX_ATTEMPTS)
    status = WorkStatus.DEAD if decision.give_up else WorkStatus.FAILED
    error = f"{type(exc).__name__}: {exc}"[:4000]
    log.warning("webhook delivery %s to subscription %s %s: %s", delivery.pk, delivery.subscription_id, status, exc)
    with transaction.atomic():
        WebhookDelivery.objects.filter(pk=delivery.pk, status=WorkStatus.PROCESSING).update(
            status=status,
            next_attempt_at=decision.next_attempt_at,
            last_error=error,
            response_status=(getattr(exc, "extra", None) or {}).get("status"),
        )
        if decision.give_up:
            subscription_pause(
                subscription_id=delivery.subscription_id,
                reason=_("delivery %(id)s parked after %(attempts)s attempts: %(error)s")
                % {"id": delivery.pk, "attempts": attempts, "error": error[:500]},
            )
    return status


def webhook_retry_due(*, limit: int = 500) -> int:
    """Sweeper (every minute): queue deliveries due now or within ``SWEEP_LEAD_SECONDS`` whose subscription is
    not paused, and fail claims a worker never finished."""
    return work_sweep(
        WebhookDelivery,
        due_statuses=DUE_STATUSES,
        claimed_status=WorkStatus.PROCESSING,
        claim_expiry_seconds=settings.INTEGRATIONS_CLAIM_EXPIRY_SECONDS + settings.WEBHOOK_TIMEOUT_SECONDS,
        fail=delivery_fail,
        task=DELIVER_TASK,
        lead_seconds=SWEEP_LEAD_SECONDS,
        limit=limit,
        due_where=Q(subscription__is_paused=False),
    ).queued
