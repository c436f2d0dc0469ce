"""Recording moments as buyer messages, and sending them.

Life of a message (one per moment, source and channel; see ``models.BuyerMessage``)::

    (moment recorded) ─▶ pending ──claim──▶ processing ──provider ok──▶ sent
                          │  ▲                  └─ error ─▶ failed (back-off, config.retry) ─▶ … ─▶ dead (parked)
                          │  └── sweeper every minute (due retries); staff "replay" (dead → pending, attempts 0)
                          └─▶ opted_out (buyer opted out) · rate_limited (too many to this phone this hour)

Recording runs after the domain change committed (``receivers`` → on commit → the record task): for a shop
on a platform that tells its own buyers nothing is recorded; for each channel the order has an address for and
an active template, the template is filled and the message written. A lot's pending messages are then sent by
send tasks of up to ``SEND_BATCH`` messages each, not one task per message: at a peak every paid order of an
own-website or Shopify shop writes one, and a task's own cost (queueing, claiming, its result row) outweighed the
message's. Both run on the cluster ``NOTIFY_CLUSTER`` names, when it names one. Sending calls the provider outside
any transaction, one message at a time; the outcome is saved on
the message (kept in its history).
"""

from __future__ import annotations

import datetime as dt
import logging
import time
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone, translation

from config.retry import retry_decide
from config.sweep import work_claim, work_replay, work_sweep
from config.tasks import enqueue_on_commit
from config.workers import stop_requested
from integrations.exceptions import NotifyProviderError, NotifyTemplateInvalid
from integrations.notify.models import BuyerMessage, BuyerOptOut, NotificationTemplate
from integrations.notify.moments import Channel, self_notifying_platforms
from integrations.notify.providers import provider_module, provider_name
from integrations.notify.rendering import address_normalise, fill, order_values, recipient_of, template_check
from orders.models import Order

log = logging.getLogger(__name__)

RECORD_TASK = "integrations.tasks.buyer_moments_record"
SEND_TASK = "integrations.tasks.buyer_messages_send"
SEND_BATCH = 50  # messages one send task takes
SEND_SECONDS = 20  # then it hands the rest to a new task (django-q2's task timeout is 60 s; a provider may be slow)
SWEEP_LEAD_SECONDS = 30
# SMS and WeChat go out from templates approved at the provider: without its code nothing can be sent.
NEEDS_CODE = (Channel.SMS, Channel.WECHAT)


# --- templates and opt-outs ----------------------------------------------------------------------------------


def notification_template_save(*, template: NotificationTemplate) -> NotificationTemplate:
    """Save a template a manager edited, after checking every placeholder can be filled."""
    template_check(body=template.body, subject=template.subject, params=template.params)
    with transaction.atomic():
        template.save()
    return template


def notification_templates_ensure() -> int:
    """Add the default templates (``defaults``) that are missing; returns how many were added. The migration
    writes them at install; this puts back any a test database or an operator removed."""
    from integrations.notify.defaults import default_rows

    added = 0
    for row in default_rows():
        _template, created = NotificationTemplate.objects.get_or_create(
            moment=row["moment"], channel=row["channel"], shop=None, defaults=row
        )
        added += created
    return added


def template_for(*, moment: str, channel: str, shop_id: int) -> NotificationTemplate | None:
    """The shop's own template for the moment and channel, else the one for every shop."""
    found = {
        t.shop_id: t
        for t in NotificationTemplate.objects.filter(moment=moment, channel=channel).filter(
            Q(shop_id=shop_id) | Q(shop=None)
        )
    }
    return found.get(shop_id) or found.get(None)


def buyer_opt_out(*, channel: str, address: str, reason: str = "") -> BuyerOptOut:
    """The buyer at ``address`` gets no more messages on ``channel`` (idempotent)."""
    address = address_normalise(channel, address)
    opt_out, _created = BuyerOptOut.objects.get_or_create(
        channel=channel, address=address, defaults={"reason": reason[:200]}
    )
    return opt_out


def buyer_opt_in(*, channel: str, address: str) -> int:
    """Undo an opt-out; returns how many were removed (0 or 1)."""
    deleted, _detail = BuyerOptOut.objects.filter(channel=channel, address=address_normalise(channel, address)).delete()
    return deleted


def is_opted_out(*, channel: str, address: str) -> bool:
    return BuyerOptOut.objects.filter(channel=channel, address=address_normalise(channel, address)).exists()


# --- recording moments ---------------------------------------------------------------------------------------


def buyer_moments_on_commit(items: list[tuple[str, int, str, dict[str, Any]]]) -> None:
    """Once the current transaction commits, queue recording ``items`` — (moment, order id, source key, extra
    values) — for orders whose platform does not tell its buyers itself. Adds no query to the transaction."""

    def _after_commit() -> None:
        order_ids = {item[1] for item in items}
        wanted = set(
            Order.objects.filter(pk__in=order_ids)
            .exclude(shop__platform__in=self_notifying_platforms())
            .values_list("pk", flat=True)
        )
        chosen = [list(item) for item in items if item[1] in wanted]
        if chosen:
            enqueue_on_commit(RECORD_TASK, chosen, cluster=settings.NOTIFY_CLUSTER or None)

    transaction.on_commit(_after_commit, robust=True)


def buyer_moments_record(items: list[list]) -> int:
    """Record moments — [moment, order id, source key, extra values] — as buyer messages (the record task's lot)
    and queue sending the pending ones together. Returns how many messages were written."""
    written: list[BuyerMessage] = []
    for moment, order_id, source_key, extra in items:
        written += _moment_messages_write(moment=moment, order_id=order_id, source_key=source_key, extra=extra)
    buyer_messages_send_queue([m.pk for m in written if m.status == BuyerMessage.Status.PENDING])
    return len(written)


def buyer_moment_record(
    *, moment: str, order_id: int, source_key: str, extra: dict[str, Any] | None = None
) -> list[int]:
    """Write the messages of one moment of one order (one per channel the buyer can be reached on and that has
    an active template) and queue sending them. Idempotent per (moment, source, channel). Returns the ids of
    messages written now."""
    written = _moment_messages_write(moment=moment, order_id=order_id, source_key=source_key, extra=extra)
    buyer_messages_send_queue([m.pk for m in written if m.status == BuyerMessage.Status.PENDING])
    return [m.pk for m in written]


def _moment_messages_write(
    *, moment: str, order_id: int, source_key: str, extra: dict[str, Any] | None
) -> list[BuyerMessage]:
    order = Order.objects.select_related("shop").filter(pk=order_id).first()
    if order is None or order.shop.platform in self_notifying_platforms():
        return []
    with translation.override(settings.LANGUAGE_CODE):  # buyers read Chinese, whoever triggered it
        values = order_values(order, extra or {})
    written = []
    for channel in Channel.values:
        recipient = recipient_of(order, channel)
        if not recipient:
            continue
        template = template_for(moment=moment, channel=channel, shop_id=order.shop_id)
        if template is None or not template.is_active or (channel in NEEDS_CODE and not template.code):
            continue
        message = _message_write(order, moment, channel, recipient, source_key, template, values)
        if message is not None:
            written.append(message)
    return written


def _message_write(order, moment, channel, recipient, source_key, template, values) -> BuyerMessage | None:
    fields: dict[str, Any] = {
        "order": order,
        "shop_id": order.shop_id,
        "provider": provider_name(channel),
        "recipient": recipient,
        "template": template,
        "code": template.code,
    }
    try:
        template_check(body=template.body, subject=template.subject, params=template.params)
        fields.update(
            subject=fill(template.subject, values)[:200],
            text=fill(template.body, values),
            params={str(k): fill(str(v), values) for k, v in (template.params or {}).items()},
        )
    except NotifyTemplateInvalid as exc:
        fields.update(text=template.body, status=BuyerMessage.Status.DEAD, error_code=exc.code, last_error=exc.message)
    if fields.get("status") is None and is_opted_out(channel=channel, address=recipient):
        fields["status"] = BuyerMessage.Status.OPTED_OUT
    try:
        with transaction.atomic():
            message, created = BuyerMessage.objects.get_or_create(
                moment=moment, source_key=source_key[:64], channel=channel, defaults=fields
            )
    except IntegrityError:  # recorded at the same moment by another worker
        return None
    return message if created else None


# --- sending -------------------------------------------------------------------------------------------------


def buyer_messages_send_queue(message_ids: list[int]) -> None:
    """Queue sending ``message_ids`` once the transaction commits, ``SEND_BATCH`` to a task."""
    for start in range(0, len(message_ids), SEND_BATCH):
        enqueue_on_commit(SEND_TASK, message_ids[start : start + SEND_BATCH], cluster=settings.NOTIFY_CLUSTER or None)


def buyer_messages_send(message_ids: list[int]) -> dict[str, int]:
    """Send messages one after the other (the send task). After ``SEND_SECONDS``, or when its worker is asked to
    stop, it queues the ones it has not reached as a new task and returns; it always sends at least one, so a
    slow provider cannot keep a lot moving without progress. Returns how many ended in each status."""
    deadline = time.monotonic() + SEND_SECONDS
    counts: dict[str, int] = {}
    for index, message_id in enumerate(message_ids):
        if index and (time.monotonic() > deadline or stop_requested()):
            buyer_messages_send_queue(message_ids[index:])
            break
        status = buyer_message_send(message_id)
        counts[status] = counts.get(status, 0) + 1
    return counts


def buyer_message_claim(message_id: int) -> bool:
    """Compare-and-set: exactly one worker moves a due message to processing."""
    return work_claim(
        BuyerMessage,
        message_id,
        due_statuses=BuyerMessage.DUE,
        claimed_status=BuyerMessage.Status.PROCESSING,
        lead_seconds=SWEEP_LEAD_SECONDS,
    )


def phone_over_limit(message: BuyerMessage, *, now: dt.datetime) -> bool:
    """Whether the phone already got ``NOTIFY_PHONE_MAX_PER_HOUR`` messages in the last hour."""
    if message.channel != Channel.SMS:
        return False
    sent = (
        BuyerMessage.objects.filter(
            channel=Channel.SMS,
            recipient=message.recipient,
            status=BuyerMessage.Status.SENT,
            sent_at__gte=now - dt.timedelta(hours=1),
        )
        .exclude(pk=message.pk)
        .count()
    )
    return sent >= settings.NOTIFY_PHONE_MAX_PER_HOUR


def buyer_message_send(message_id: int) -> str:
    """Send one message (the provider is called outside any transaction). Returns the status it ends in."""
    if not buyer_message_claim(message_id):
        return "not_due"
    message = BuyerMessage.objects.get(pk=message_id)
    now = timezone.now()
    if is_opted_out(channel=message.channel, address=message.recipient):
        return _finish(message, BuyerMessage.Status.OPTED_OUT)
    if phone_over_limit(message, now=now):
        return _finish(
            message,
            BuyerMessage.Status.RATE_LIMITED,
            error_code="rate_limited",
            last_error=f"{settings.NOTIFY_PHONE_MAX_PER_HOUR} messages already sent to this phone within the hour",
        )
    try:
        provider_id = provider_module(message.provider).send(message)
    except Exception as exc:  # noqa: BLE001 - recorded on the message
        return buyer_message_fail(message, exc)
    return _finish(message, BuyerMessage.Status.SENT, provider_message_id=provider_id[:128], sent_at=timezone.now())


def _finish(message: BuyerMessage, status: str, **fields: Any) -> str:
    """Save the outcome of the claimed attempt (only the claimer writes it: kept in the message's history)."""
    message.status = status
    message.claimed_at = None
    fields.setdefault("error_code", "")
    fields.setdefault("last_error", "")
    for name, value in fields.items():
        setattr(message, name, value)
    message.save(update_fields=["status", "claimed_at", *fields])
    return status


def buyer_message_fail(message: BuyerMessage, exc: Exception) -> str:
    attempts = BuyerMessage.objects.filter(pk=message.pk).values_list("attempts", flat=True).first() or 1
    message.attempts = attempts
    decision = retry_decide(exc, attempts=attempts, limit=settings.NOTIFY_RETRY_MAX_ATTEMPTS)
    code = exc.provider_code if isinstance(exc, NotifyProviderError) else type(exc).__name__
    log.warning("buyer message %s (%s) failed: %s", message.pk, message.provider, exc)
    if isinstance(exc, NotifyProviderError) and exc.extra.get("opted_out"):
        buyer_opt_out(channel=message.channel, address=message.recipient, reason=f"{message.provider}: {code}")
    return _finish(
        message,
        BuyerMessage.Status.DEAD if decision.give_up else BuyerMessage.Status.FAILED,
        next_attempt_at=decision.next_attempt_at,
        error_code=str(code)[:64],
        last_error=f"{type(exc).__name__}: {exc}"[:4000],
    )


@transaction.atomic
def buyer_message_replay(*, message: BuyerMessage) -> bool:
    """Send a parked message again with a fresh set of attempts. False when it is not parked."""
    parked = BuyerMessage.objects.filter(pk=message.pk, status=BuyerMessage.Status.DEAD)
    changed = work_replay(parked, status=BuyerMessage.Status.PENDING)
    if changed:
        buyer_messages_send_queue([message.pk])
    return bool(changed)


def buyer_messages_retry_due(*, limit: int = 500) -> int:
    """Sweeper (every minute): queue messages due now or within ``SWEEP_LEAD_SECONDS``, and fail claims a worker
    never finished."""
    return work_sweep(
        BuyerMessage,
        due_statuses=BuyerMessage.DUE,
        claimed_status=BuyerMessage.Status.PROCESSING,
        claim_expiry_seconds=settings.INTEGRATIONS_CLAIM_EXPIRY_SECONDS + settings.NOTIFY_TIMEOUT_SECONDS,
        fail=buyer_message_fail,
        queue=buyer_messages_send_queue,
        lead_seconds=SWEEP_LEAD_SECONDS,
        limit=limit,
    ).queued
