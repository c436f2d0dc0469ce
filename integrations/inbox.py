"""The inbox: every inbound message stored raw first, then processed in the background, idempotently.

Life of a message::

    pending ──claim──▶ processing ──▶ done (result: created / updated / unchanged / stale / ignored / split)
       ▲                   │
       │                   ├─ transient error ─▶ failed (next_attempt_at = now + base·2^(attempts−1)) ─┐
       │                   └─ permanent error, or attempts used up ─▶ dead (a dead letter)             │
       └──────────────────────────── retry sweeper / staff replay ◀────────────────────────────────────┘

Claims are compare-and-set UPDATEs (``status in (pending, failed) and due`` → ``processing``), so a message
is processed by one worker even when django-q2 runs a task twice. A claim older than
``STALE_CLAIM`` (a worker died) is handed back by the sweeper.
"""

from __future__ import annotations

import datetime as dt
import logging
import uuid
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils import timezone

from config.tasks import enqueue_on_commit
from integrations.exceptions import (
    ImportInvalid,
    MappingInvalid,
    OrderNotYetKnown,
    PayloadInvalid,
    PlatformError,
    RateLimited,
)
from integrations.ingest import Applied, order_version_apply, refund_event_apply
from integrations.models import DUE_STATUSES, InboxMessage, ShopConnection, WorkStatus
from integrations.platforms import adapter_for
from integrations.platforms.base import (
    Adapter,
    FetchOrder,
    Ignore,
    OrderVersion,
    PushItem,
    RefundEvent,
    body_hash,
    json_loads,
    to_json,
)
from orders.exceptions import DuplicateOrder, OrderInvalid
from orders.models import Shop, Source

log = logging.getLogger(__name__)

PROCESS_TASK = "integrations.tasks.inbox_process"
BATCH = 50
STALE_CLAIM = dt.timedelta(minutes=5)
SOURCE_BY_KIND = {
    InboxMessage.Kind.PUSH: Source.WEBHOOK,
    InboxMessage.Kind.POLL: Source.POLL,
    InboxMessage.Kind.POLL_PAGE: Source.POLL,
    InboxMessage.Kind.IMPORT: Source.IMPORT,
}


def max_attempts() -> int:
    return int(getattr(settings, "INTEGRATIONS_MAX_ATTEMPTS", 6))


def backoff_delay(attempts: int) -> dt.timedelta:
    """Exponential back-off: base · 2^(attempts−1), capped (30 s, 1 min, 2 min, … ≤ 1 h by default)."""
    base = float(getattr(settings, "INTEGRATIONS_RETRY_BASE_SECONDS", 30))
    cap = float(getattr(settings, "INTEGRATIONS_RETRY_MAX_SECONDS", 3600))
    return dt.timedelta(seconds=min(base * 2 ** max(attempts - 1, 0), cap))


def is_permanent(exc: BaseException) -> bool:
    """Errors a retry cannot fix go straight to the dead letters."""
    if isinstance(exc, PayloadInvalid | MappingInvalid | ImportInvalid | DuplicateOrder):
        return True
    if isinstance(exc, OrderInvalid):
        return exc.code != "unknown_sku"  # staff may add the SKU; then a retry succeeds
    return False


# --- storing -----------------------------------------------------------------------------------------------


@dataclass
class Stored:
    new_ids: list[int]
    duplicates: int


def _headers_kept(headers: dict[str, str]) -> dict[str, str]:
    drop = {"cookie", "authorization", "x-shopify-access-token"}
    return {k: v for k, v in headers.items() if k.lower() not in drop}


@transaction.atomic
def inbox_store(
    *,
    shop: Shop,
    platform: str,
    kind: str,
    items: list[PushItem],
    headers: dict[str, str] | None = None,
    parent: InboxMessage | None = None,
    enqueue: bool = True,
) -> Stored:
    """Store messages raw. A message already stored (same event id, or same order/topic/content) is not
    stored again: its delivery count goes up instead. New messages are queued for processing on commit."""
    new_ids: list[int] = []
    duplicates = 0
    kept = _headers_kept(headers or {})
    now = timezone.now()
    for item in items:
        digest = body_hash(item.body)
        try:
            with transaction.atomic():
                message = InboxMessage.objects.create(
                    shop=shop,
                    platform=platform,
                    kind=kind,
                    topic=item.topic[:64],
                    event_id=item.event_id[:128],
                    external_id=item.external_id[:64],
                    content_hash=digest,
                    headers=kept,
                    body=item.body,
                    parent=parent,
                    received_at=now,
                    next_attempt_at=now,
                )
        except IntegrityError:
            duplicates += 1
            same = Q(event_id=item.event_id) if item.event_id else Q(pk__in=[])
            if item.external_id:
                same |= Q(topic=item.topic[:64], external_id=item.external_id, content_hash=digest)
            InboxMessage.objects.filter(same, shop=shop).update(deliveries=F("deliveries") + 1)
            continue
        new_ids.append(message.pk)
    if new_ids and enqueue:
        for chunk in _chunks(new_ids, 50):
            enqueue_on_commit(PROCESS_TASK, chunk)
    return Stored(new_ids=new_ids, duplicates=duplicates)


@transaction.atomic
def inbox_store_dead(
    *,
    shop: Shop,
    platform: str,
    kind: str,
    topic: str,
    event_id: str,
    body: str,
    headers: dict[str, str],
    error: Exception,
) -> InboxMessage | None:
    """Keep a message that cannot even be read (malformed body) as a dead letter, so staff see it."""
    try:
        with transaction.atomic():
            return InboxMessage.objects.create(
                shop=shop,
                platform=platform,
                kind=kind,
                topic=topic[:64],
                event_id=event_id[:128],
                content_hash=body_hash(body),
                headers=_headers_kept(headers),
                body=body,
                status=WorkStatus.DEAD,
                last_error=str(error),
                error_code=getattr(error, "code", type(error).__name__)[:64],
            )
    except IntegrityError:
        InboxMessage.objects.filter(shop=shop, event_id=event_id).update(deliveries=F("deliveries") + 1)
        return None


def _chunks(values: list[int], size: int):
    for start in range(0, len(values), size):
        yield values[start : start + size]


# --- processing --------------------------------------------------------------------------------------------


def inbox_claim(message_ids: list[int], *, now: dt.datetime | None = None) -> list[int]:
    """Claim the due ones among ``message_ids`` in one compare-and-set UPDATE; return those claimed."""
    now = now or timezone.now()
    token = uuid.uuid4()
    InboxMessage.objects.filter(pk__in=message_ids, status__in=DUE_STATUSES, next_attempt_at__lte=now).update(
        status=WorkStatus.PROCESSING, attempts=F("attempts") + 1, claimed_at=now, claim_token=token
    )
    return list(
        InboxMessage.objects.filter(pk__in=message_ids, claim_token=token, status=WorkStatus.PROCESSING).values_list(
            "pk", flat=True
        )
    )


@dataclass
class _Planned:
    message: InboxMessage
    adapter: Any
    steps: list[Any]  # ChannelOrder | RefundEvent | Ignore | ("split", items)


def inbox_process(message_ids: list[int] | int) -> dict[str, int]:
    """Process stored messages: claim, interpret (fetching thin notices' orders), apply, settle.

    Network calls happen before the database transaction; the orders of all messages are applied in one
    transaction with a savepoint each, so one bad message fails alone. Returns counts by outcome.
    """
    ids = [message_ids] if isinstance(message_ids, int) else list(message_ids)
    ids += _also_due(ids)
    claimed = inbox_claim(ids)
    if not claimed:
        return {}
    messages = list(
        InboxMessage.objects.filter(pk__in=claimed).select_related("shop", "shop__default_warehouse").order_by("pk")
    )
    counts: dict[str, int] = {}
    planned: list[_Planned] = []
    failures: list[tuple[InboxMessage, Exception]] = []
    for message in messages:
        try:
            planned.append(_plan(message))
        except Exception as exc:  # noqa: BLE001 - every failure is recorded on the message
            failures.append((message, exc))
    if planned:
        with transaction.atomic(durable=True):
            done: list[tuple[InboxMessage, Applied]] = []
            for plan in planned:
                try:
                    with transaction.atomic():
                        applied = _apply(plan)
                    done.append((plan.message, applied))
                    counts[applied.result] = counts.get(applied.result, 0) + 1
                except Exception as exc:  # noqa: BLE001
                    failures.append((plan.message, exc))
            _settle_done(done)
    for message, exc in failures:
        outcome = inbox_fail(message, exc)
        counts[outcome] = counts.get(outcome, 0) + 1
    return counts


def _also_due(ids: list[int]) -> list[int]:
    """Other messages already waiting, taken along so a busy inbox is worked through in batches of
    ``BATCH`` (one transaction) rather than one task each; their own tasks then find nothing to claim."""
    room = BATCH - len(ids)
    if room <= 0:
        return []
    return list(
        InboxMessage.objects.filter(
            status=WorkStatus.PENDING,
            next_attempt_at__lte=timezone.now(),
            kind__in=[InboxMessage.Kind.PUSH, InboxMessage.Kind.POLL],
        )
        .exclude(pk__in=ids)
        .order_by("next_attempt_at")
        .values_list("pk", flat=True)[:room]
    )


def _adapter(message: InboxMessage):
    if message.kind == InboxMessage.Kind.IMPORT:
        from integrations.imports import import_adapter

        return import_adapter(message)
    return adapter_for(message.platform)


def _plan(message: InboxMessage) -> _Planned:
    payload = json_loads(message.body, what="body")
    if message.kind == InboxMessage.Kind.POLL_PAGE:
        return _Planned(message, None, [("split", payload)])
    adapter = _adapter(message)
    steps: list[Any] = []
    for action in adapter.interpret(message.topic, payload):
        if isinstance(action, FetchOrder):
            native = adapter.client(_connection(message.shop)).order_get(action.external_id)
            steps.append(adapter.to_channel_order(native))
        elif isinstance(action, OrderVersion):
            steps.append(adapter.to_channel_order(action.native))
        else:
            steps.append(action)
    return _Planned(message, adapter, steps)


def _connection(shop: Shop) -> ShopConnection:
    connection = ShopConnection.objects.filter(shop=shop).first()
    if connection is None:
        from integrations.exceptions import ConnectionNotFound

        raise ConnectionNotFound(f"Shop {shop.code} has no platform connection to fetch orders with.")
    return connection


def _apply(plan: _Planned) -> Applied:
    message = plan.message
    source = SOURCE_BY_KIND.get(message.kind, Source.WEBHOOK)
    system = f"integrations:{message.platform}"
    applied = Applied(InboxMessage.Result.IGNORED, None)
    for step in plan.steps:
        if isinstance(step, tuple) and step[0] == "split":
            return _split_page(message, step[1])
        if isinstance(step, Ignore):
            continue
        if isinstance(step, RefundEvent):
            applied = refund_event_apply(
                shop=message.shop, external_id=step.external_id, refund=step.refund, system=system
            )
        else:
            applied = order_version_apply(
                shop=message.shop, incoming=step, source=source, system=system, message=message
            )
    return applied


def _split_page(message: InboxMessage, payload: Any) -> Applied:
    """A stored poll page becomes one message per order (each deduplicated by its content)."""
    if not isinstance(payload, dict) or not isinstance(payload.get("orders"), list):
        raise PayloadInvalid("poll page: expected {'orders': [...]}.")
    adapter: Adapter = adapter_for(message.platform)
    topic = f"{adapter.platform}.order"
    items = []
    for index, native in enumerate(payload["orders"]):
        external_id = _external_id(adapter, native, index)
        items.append(PushItem(topic=topic, event_id="", external_id=external_id, body=to_json(native)))
    inbox_store(shop=message.shop, platform=message.platform, kind=InboxMessage.Kind.POLL, items=items, parent=message)
    return Applied(InboxMessage.Result.SPLIT, None)


def _external_id(adapter: Adapter, native: Any, index: int) -> str:
    from integrations.mapping import extract, spec_parse

    source = adapter.mapping()["order"]["external_id"]
    value = extract(native, spec_parse(source), field="external_id") if isinstance(native, dict) else None
    if not value:
        raise PayloadInvalid(f"poll page orders[{index}]: no platform order id at {source!r}.")
    return str(value)


def _settle_done(done: list[tuple[InboxMessage, Applied]]) -> None:
    """Mark the applied messages done, in one UPDATE, in the transaction that applied them."""
    now = timezone.now()
    for message, applied in done:
        message.status = WorkStatus.DONE
        message.result = applied.result
        message.order = applied.order
        message.processed_at = now
        message.last_error = ""
        message.error_code = ""
    InboxMessage.objects.bulk_update(
        [message for message, _applied in done],
        ["status", "result", "order", "processed_at", "last_error", "error_code"],
    )


def inbox_fail(message: InboxMessage, exc: Exception) -> str:
    """Record a failure: retry later with back-off, or park as a dead letter. Returns the new status."""
    attempts = InboxMessage.objects.filter(pk=message.pk).values_list("attempts", flat=True).first() or 1
    now = timezone.now()
    text = f"{type(exc).__name__}: {exc}"
    code = getattr(exc, "code", "") or type(exc).__name__
    if is_permanent(exc) or attempts >= max_attempts():
        status, next_at = WorkStatus.DEAD, now
    else:
        status = WorkStatus.FAILED
        delay = backoff_delay(attempts)
        if isinstance(exc, RateLimited):
            delay = max(delay, dt.timedelta(seconds=exc.retry_after))
        next_at = now + delay
    if not isinstance(exc, PlatformError | OrderNotYetKnown | PayloadInvalid | OrderInvalid):
        log.exception("inbox message %s failed", message.pk, exc_info=exc)
    else:
        log.warning("inbox message %s %s: %s", message.pk, status, text)
    InboxMessage.objects.filter(pk=message.pk, status=WorkStatus.PROCESSING).update(
        status=status, next_attempt_at=next_at, last_error=text[:4000], error_code=str(code)[:64]
    )
    return str(status)


# --- retries and replay ------------------------------------------------------------------------------------


def inbox_retry_due(*, now: dt.datetime | None = None, limit: int = 500) -> int:
    """The sweeper: hand back stale claims, then queue every message whose time has come. Returns how many
    were queued."""
    now = now or timezone.now()
    InboxMessage.objects.filter(status=WorkStatus.PROCESSING, claimed_at__lt=now - STALE_CLAIM).update(
        status=WorkStatus.FAILED, next_attempt_at=now, last_error="worker did not finish (claim expired)"
    )
    due = list(
        InboxMessage.objects.filter(status__in=DUE_STATUSES, next_attempt_at__lte=now)
        .order_by("next_attempt_at")
        .values_list("pk", flat=True)[:limit]
    )
    for chunk in _chunks(due, 50):
        enqueue_on_commit(PROCESS_TASK, chunk)
    return len(due)


@transaction.atomic
def dead_letter_replay(*, message_ids: list[int], actor=None) -> int:
    """Give dead letters another go (one or many): back to pending with a fresh set of attempts."""
    ids = list(InboxMessage.objects.filter(pk__in=message_ids, status=WorkStatus.DEAD).values_list("pk", flat=True))
    InboxMessage.objects.filter(pk__in=ids, status=WorkStatus.DEAD).update(
        status=WorkStatus.PENDING, attempts=0, next_attempt_at=timezone.now(), claimed_at=None
    )
    if ids:
        log.info("replaying %d dead letters (by %s)", len(ids), getattr(actor, "username", "system"))
        for chunk in _chunks(ids, 50):
            enqueue_on_commit(PROCESS_TASK, chunk)
    return len(ids)
