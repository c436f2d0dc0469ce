"""Recording moments as buyer messages, and sending them.

Life of a message (one per moment, source and channel; see ``models.BuyerMessage``)::

    (moment recorded) ─▶ pending ──claim──▶ processing ──provider ok──▶ sent
                          │  ▲                  └─ error ─▶ failed (back-off, config.retry) ─▶ … ─▶ dead (parked)
                          │  └── sweeper every minute (due retries); staff "replay" (dead → pending, attempts 0)
                          └─▶ opted_out (buyer opted out) · rate_limited (too many to this phone this hour)

Recording runs after the domain change committed (``receivers`` → on commit → the record task): for a shop
on a platform that tells its own buyers nothing is recorded; for each channel the order has an address for and
an active template, the template is filled and the message written. A lot of moments is recorded together: its
orders, what its moments refer to, its templates and opt-outs are read once for the lot and its messages
written by one INSERT, whatever the lot's size. A lot's pending messages are then sent by send tasks of up to
``SEND_BATCH`` messages each, not one task per message: at a peak every paid order of an own-website or Shopify
shop writes one, and a task's own cost (queueing, claiming, its result row) outweighed the message's. A send
task sends the SMS of one provider template in one provider call (Aliyun ``SendBatchSms``; Tencent Cloud
``SendSms`` with many numbers when the values are the same too: ``providers.calls_plan``), WeChat and e-mail
one at a time. Both run on the cluster ``NOTIFY_CLUSTER`` names, when it names one. Providers are called
outside any transaction; the outcome is saved on each message (kept in its history).
"""

from __future__ import annotations

import datetime as dt
import logging
import time
from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Count, Q
from django.utils import timezone, translation

from config.db import history_copy, instance_new, row_insert, rows_insert_new, rows_update
from config.retry import retry_decide
from config.sweep import work_claim_batch, work_replay, work_sweep
from config.tasks import enqueue_on_commit
from config.workers import stop_requested
from integrations.exceptions import NotifyProviderError, NotifyTemplateInvalid
from integrations.notify.models import BuyerMessage, BuyerOptOut, NotificationTemplate
from integrations.notify.moments import Channel, self_notifying_platforms
from integrations.notify.providers import SendAlone, calls_plan, provider_call, provider_name
from integrations.notify.rendering import (
    address_normalise,
    fill,
    order_values,
    recipient_of,
    refs_load,
    template_check,
)
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


def templates_for(*, moments: set[str], shop_ids: set[int]) -> dict[tuple[str, str, int | None], NotificationTemplate]:
    """The templates of ``moments`` for these shops and for every shop (one query), by (moment, channel, shop
    id or None)."""
    rows = NotificationTemplate.objects.filter(moment__in=moments).filter(Q(shop_id__in=shop_ids) | Q(shop=None))
    return {(t.moment, t.channel, t.shop_id): t for t in rows}


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


def opted_out_among(addresses: Iterable[tuple[str, str]]) -> set[tuple[str, str]]:
    """Which of these (channel, address) opted out, as (channel, normalised address): one query."""
    by_channel: dict[str, set[str]] = {}
    for channel, address in addresses:
        by_channel.setdefault(channel, set()).add(address_normalise(channel, address))
    if not by_channel:
        return set()
    wanted = Q()
    for channel, found in by_channel.items():
        wanted |= Q(channel=channel, address__in=found)
    return set(BuyerOptOut.objects.filter(wanted).values_list("channel", "address"))


def is_opted_out(*, channel: str, address: str) -> bool:
    return bool(opted_out_among([(channel, address)]))


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
    written = _moments_messages_write(items)
    buyer_messages_send_queue([m.pk for m in written if m.status == BuyerMessage.Status.PENDING])
    return len(written)


def buyer_moment_record(
    *, moment: str, order_id: int, source_key: str, extra: dict[str, Any] | None = None
) -> list[int]:
    """Write the messages of one moment of one order (one per channel the buyer can be reached on and that has
    an active template) and queue sending them. Idempotent per (moment, source, channel). Returns the ids of
    messages written now."""
    written = _moments_messages_write([[moment, order_id, source_key, extra]])
    buyer_messages_send_queue([m.pk for m in written if m.status == BuyerMessage.Status.PENDING])
    return [m.pk for m in written]


def _moments_messages_write(items: list[list]) -> list[BuyerMessage]:
    """Write the messages of a lot of moments; returns those written now (not those recorded before). The lot's
    orders, what its moments refer to, its templates and opt-outs are read once for the lot, and its messages
    written by one INSERT that leaves out those recorded already (``notify_message_once``: the same moment,
    source and channel told again, or by a concurrent worker)."""
    orders = {
        order.pk: order
        for order in Order.objects.select_related("shop")
        .filter(pk__in={item[1] for item in items})
        .exclude(shop__platform__in=self_notifying_platforms())
    }
    items = [item for item in items if item[1] in orders]
    if not items:
        return []
    loaded = refs_load(extra or {} for _moment, _order_id, _source_key, extra in items)
    templates = templates_for(
        moments={item[0] for item in items}, shop_ids={order.shop_id for order in orders.values()}
    )
    drafts: list[BuyerMessage] = []
    with translation.override(settings.LANGUAGE_CODE):  # buyers read Chinese, whoever triggered it
        for moment, order_id, source_key, extra in items:
            order = orders[order_id]
            values = order_values(order, extra or {}, loaded)
            for channel in Channel.values:
                recipient = recipient_of(order, channel)
                if not recipient:
                    continue
                template = templates.get((moment, channel, order.shop_id)) or templates.get((moment, channel, None))
                if template is None or not template.is_active or (channel in NEEDS_CODE and not template.code):
                    continue
                drafts.append(_message_draft(order, moment, channel, recipient, source_key, template, values))
    opted_out = opted_out_among((m.channel, m.recipient) for m in drafts if m.status == BuyerMessage.Status.PENDING)
    for message in drafts:
        if (
            message.status == BuyerMessage.Status.PENDING
            and (message.channel, address_normalise(message.channel, message.recipient)) in opted_out
        ):
            message.status = BuyerMessage.Status.OPTED_OUT
    return _messages_insert(drafts)


def _message_draft(order, moment, channel, recipient, source_key, template, values) -> BuyerMessage:
    """The unsaved message of one moment on one channel: the template filled, or parked when it cannot be."""
    fields: dict[str, Any] = {
        "order": order,
        "shop_id": order.shop_id,
        "moment": moment,
        "channel": channel,
        "source_key": source_key[:64],
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
    return instance_new(BuyerMessage, **fields)


def _messages_insert(drafts: list[BuyerMessage]) -> list[BuyerMessage]:
    """INSERT the messages but those recorded already, with their "created" history; returns those inserted."""
    if not drafts:
        return []
    with transaction.atomic():
        inserted = rows_insert_new(drafts, key=["moment", "source_key", "channel"])
        if inserted is None:  # not PostgreSQL: one at a time, each telling whether it went in
            inserted = [message for message in drafts if _message_insert_one(message)]
        history_copy(BuyerMessage, [message.pk for message in inserted])
    return inserted


def _message_insert_one(message: BuyerMessage) -> bool:
    try:
        with transaction.atomic():
            row_insert(message)
    except IntegrityError:  # recorded before, or at the same moment by another worker
        message.pk = None
        return False
    return True


# --- sending -------------------------------------------------------------------------------------------------


def buyer_messages_send_queue(message_ids: list[int]) -> None:
    """Queue sending ``message_ids`` once the transaction commits, ``SEND_BATCH`` to a task."""
    for start in range(0, len(message_ids), SEND_BATCH):
        enqueue_on_commit(SEND_TASK, message_ids[start : start + SEND_BATCH], cluster=settings.NOTIFY_CLUSTER or None)


def buyer_messages_send(message_ids: list[int]) -> dict[str, int]:
    """Send messages (the send task): SMS of one provider template together, in one call each within the
    provider's limit (``providers.calls_plan``), every other message alone. After ``SEND_SECONDS``, or when its
    worker is asked to stop, it queues the messages of the calls it has not reached as a new task and returns;
    it always makes the first call, so a slow provider cannot keep a lot moving without progress. Returns how
    many ended in each status."""
    deadline = time.monotonic() + SEND_SECONDS
    due = {m.pk: m for m in BuyerMessage.objects.filter(pk__in=message_ids, status__in=BuyerMessage.DUE)}
    calls = calls_plan([due[pk] for pk in dict.fromkeys(message_ids) if pk in due])
    counts: dict[str, int] = {}
    if len(due) < len(message_ids):
        counts["not_due"] = len(message_ids) - len(due)
    for index, call in enumerate(calls):
        if index and (time.monotonic() > deadline or stop_requested()):
            buyer_messages_send_queue([m.pk for rest in calls[index:] for m in rest])
            break
        for status in _call_send([m.pk for m in call]):
            counts[status] = counts.get(status, 0) + 1
    return counts


def buyer_message_send(message_id: int) -> str:
    """Send one message (the one-message task queued before sends were batched). Returns the status it ends in."""
    [status] = _call_send([message_id])
    return status


def buyer_messages_claim(message_ids: list[int]) -> list[int]:
    """Compare-and-set: exactly one worker moves each due message to processing; returns those it got."""
    return work_claim_batch(
        BuyerMessage.objects.filter(pk__in=message_ids),
        due_statuses=BuyerMessage.DUE,
        claimed_status=BuyerMessage.Status.PROCESSING,
        lead_seconds=SWEEP_LEAD_SECONDS,
    )


def phones_sent_within_hour(messages: list[BuyerMessage], *, now: dt.datetime) -> dict[str, int]:
    """How many SMS each of these messages' phones was sent within the last hour (one query)."""
    phones = {m.recipient for m in messages if m.channel == Channel.SMS}
    if not phones:
        return {}
    sent = (
        BuyerMessage.objects.filter(
            channel=Channel.SMS,
            recipient__in=phones,
            status=BuyerMessage.Status.SENT,
            sent_at__gte=now - dt.timedelta(hours=1),
        )
        .values("recipient")
        .annotate(count=Count("pk"))
        .values_list("recipient", "count")
    )
    return dict(sent)


def _call_send(message_ids: list[int]) -> list[str]:
    """Claim the messages of one provider call, skip those the buyer opted out of and those over the phone's
    hourly limit (``NOTIFY_PHONE_MAX_PER_HOUR``, counting the ones sent in this call), send the rest in one call
    (outside any transaction) and save each message's outcome. Returns the status each ended in."""
    claimed = buyer_messages_claim(message_ids)
    statuses = ["not_due"] * (len(message_ids) - len(claimed))
    if not claimed:
        return statuses
    messages = list(BuyerMessage.objects.filter(pk__in=claimed).order_by("pk"))
    opted_out = opted_out_among((m.channel, m.recipient) for m in messages)
    sent = phones_sent_within_hour(messages, now=timezone.now())
    to_send, skipped = [], []
    for message in messages:
        if (message.channel, address_normalise(message.channel, message.recipient)) in opted_out:
            statuses.append(_outcome(message, BuyerMessage.Status.OPTED_OUT))
            skipped.append(message)
        elif message.channel == Channel.SMS and sent.get(message.recipient, 0) >= settings.NOTIFY_PHONE_MAX_PER_HOUR:
            statuses.append(
                _outcome(
                    message,
                    BuyerMessage.Status.RATE_LIMITED,
                    error_code="rate_limited",
                    last_error=(
                        f"{settings.NOTIFY_PHONE_MAX_PER_HOUR} messages already sent to this phone within the hour"
                    ),
                )
            )
            skipped.append(message)
        else:
            if message.channel == Channel.SMS:
                sent[message.recipient] = sent.get(message.recipient, 0) + 1
            to_send.append(message)
    _outcomes_save(skipped)
    outcomes = provider_call(to_send)
    alone = [message for message, outcome in outcomes if isinstance(outcome, SendAlone)]
    answered = [(message, outcome) for message, outcome in outcomes if not isinstance(outcome, SendAlone)]
    statuses += [_answer_set(message, outcome) for message, outcome in answered]
    _outcomes_save([message for message, _outcome in answered])
    for message in alone:  # the batch was refused for what one of them may be: each alone, saved as it comes
        [(_message, outcome)] = provider_call([message])
        statuses.append(_answer_set(message, outcome))
        _outcomes_save([message])
    return statuses


def _answer_set(message: BuyerMessage, outcome: str | Exception) -> str:
    """Set the provider's answer on ``message``: sent with the provider's message id, or its error."""
    if isinstance(outcome, Exception):
        return _failure(message, outcome)
    return _outcome(message, BuyerMessage.Status.SENT, provider_message_id=outcome[:128], sent_at=timezone.now())


# What an attempt's outcome sets on a message.
OUTCOME_FIELDS = (
    "status",
    "claimed_at",
    "attempts",
    "next_attempt_at",
    "provider_message_id",
    "error_code",
    "last_error",
    "sent_at",
)


def _outcome(message: BuyerMessage, status: str, **fields: Any) -> str:
    """Set the outcome of the claimed attempt on ``message`` (saved by ``_outcomes_save``); returns ``status``."""
    message.status = status
    message.claimed_at = None
    fields.setdefault("error_code", "")
    fields.setdefault("last_error", "")
    for name, value in fields.items():
        setattr(message, name, value)
    return status


def _outcomes_save(messages: list[BuyerMessage]) -> None:
    """Save the outcomes of claimed attempts (only the claimer writes them) with one UPDATE, each kept in the
    message's history (a "changed" row, as a ``save()`` writes)."""
    if not messages:
        return
    with transaction.atomic():
        rows_update(BuyerMessage, OUTCOME_FIELDS, [(m.pk, *(getattr(m, f) for f in OUTCOME_FIELDS)) for m in messages])
        history_copy(BuyerMessage, [m.pk for m in messages], history_type="~")


def buyer_message_fail(message: BuyerMessage, exc: Exception) -> str:
    """Record a failed attempt of ``message`` (retried later or parked, ``_failure``) and save it."""
    message.attempts = BuyerMessage.objects.filter(pk=message.pk).values_list("attempts", flat=True).first() or 1
    status = _failure(message, exc)
    _outcomes_save([message])
    return status


def _failure(message: BuyerMessage, exc: Exception) -> str:
    """Set what a failed attempt makes of ``message`` (its ``attempts`` counting this one): failed, retried after
    ``config.retry``'s back-off, or parked (a final error, or out of attempts). A provider's answer that the
    buyer is on its do-not-disturb list opts them out."""
    decision = retry_decide(exc, attempts=message.attempts or 1, limit=settings.NOTIFY_RETRY_MAX_ATTEMPTS)
    code = exc.provider_code if isinstance(exc, NotifyProviderError) else type(exc).__name__
    log.warning("buyer message %s (%s) failed: %s", message.pk, message.provider, exc)
    if isinstance(exc, NotifyProviderError) and exc.extra.get("opted_out"):
        buyer_opt_out(channel=message.channel, address=message.recipient, reason=f"{message.provider}: {code}")
    return _outcome(
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
