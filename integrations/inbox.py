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

Who processes what: a task per stored lot (``inbox_process``), or — with a shared cache — one drain for a
burst of pushes (``inbox_wake`` / ``inbox_drain``); a poll page's orders are stored claimed by the worker
that split the page and processed by it at once (``_page_split``), together with those of other pages
waiting meanwhile (``PAGES_TOGETHER``: a catch-up is worked through in batches of a few hundred orders).
"""

from __future__ import annotations

import datetime as dt
import logging
import time
import uuid
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db import DatabaseError, IntegrityError, transaction
from django.db.models import F, Q
from django.utils import timezone

from config.db import instance_new, row_insert, rows_insert, rows_insert_new, rows_update
from config.retry import retry_decide
from config.tasks import enqueue_on_commit
from integrations.exceptions import OrderNotYetKnown, PayloadInvalid, PlatformError
from integrations.ingest import (
    Applied,
    NewVersion,
    order_version_apply,
    order_versions_create_new,
    refund_event_apply,
    states_create,
)
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
from integrations.tokens import TokenRefresher
from orders.channel import ChannelOrder
from orders.exceptions import OrderInvalid
from orders.models import Shop, Source
from orders.services import order_number_allocate

log = logging.getLogger(__name__)

PROCESS_TASK = "integrations.tasks.inbox_process"
DRAIN_TASK = "integrations.tasks.inbox_drain"
WAKE_KEY = "integrations:inbox:wake"
WAKE_TTL = 60  # longer than a drain runs (DRAIN_SECONDS); renewed at each batch
DRAIN_SECONDS = 20  # a drain hands over to a fresh task after this long (django-q2's task timeout is 60 s)
BATCH = 200
PAGES_TOGETHER = 4  # poll pages (up to a hundred orders each) processed in one batch when several wait
DRAINED_KINDS = (InboxMessage.Kind.PUSH, InboxMessage.Kind.POLL)  # what drains and batches take along
STALE_CLAIM = dt.timedelta(minutes=5)
SOURCE_BY_KIND = {
    InboxMessage.Kind.PUSH: Source.WEBHOOK,
    InboxMessage.Kind.POLL: Source.POLL,
    InboxMessage.Kind.POLL_PAGE: Source.POLL,
    InboxMessage.Kind.IMPORT: Source.IMPORT,
}


# --- storing -----------------------------------------------------------------------------------------------


@dataclass
class Stored:
    new_ids: list[int]
    duplicates: int
    messages: list[InboxMessage] = field(default_factory=list)  # the new ones, in the order given


def _headers_kept(headers: dict[str, str]) -> dict[str, str]:
    drop = {"cookie", "authorization", "x-shopify-access-token"}
    return {k: v for k, v in headers.items() if k.lower() not in drop}


def inbox_store(
    *,
    shop: Shop,
    platform: str,
    kind: str,
    items: list[PushItem],
    headers: dict[str, str] | None = None,
    parent: InboxMessage | None = None,
    enqueue: bool = True,
    claim: uuid.UUID | None = None,
) -> Stored:
    """Store messages raw. A message already stored (same event id, or same order/topic/content) is not
    stored again: its delivery count goes up instead. New messages are queued for processing on commit.

    One INSERT for the lot (for a single push: BEGIN, INSERT, COMMIT and nothing else); the stored row is
    the record, so no simple-history row duplicates the body. Several messages are first looked up (one
    query) to leave out those stored before; if a concurrent delivery stores one first, the lot is stored
    one by one instead.

    ``claim``: store the new messages already claimed with this token (status processing, first attempt),
    for the caller to process at once; nothing is queued."""
    kept = _headers_kept(headers or {})
    now = timezone.now()
    seen: set[tuple[str, ...]] = set()
    fresh: list[InboxMessage] = []
    again: list[tuple[PushItem, str]] = []
    for item in items:
        digest = body_hash(item.body)
        keys = _keys(item, digest)
        if keys & seen:  # twice in this lot
            again.append((item, digest))
            continue
        seen |= keys
        fresh.append(
            instance_new(
                InboxMessage,
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
                **(
                    {"status": WorkStatus.PROCESSING, "attempts": 1, "claimed_at": now, "claim_token": claim}
                    if claim
                    else {}
                ),
            )
        )
    new_ids = _insert(shop, fresh, again)
    _deliveries_count(shop, again)
    if new_ids and enqueue and claim is None:
        _queue(new_ids, kind)
    stored = set(new_ids)
    return Stored(new_ids=new_ids, duplicates=len(again), messages=[m for m in fresh if m.pk in stored])


def _queue(new_ids: list[int], kind: str) -> None:
    """Have newly stored messages processed once the transaction commits: a task per ``BATCH`` of them, or —
    for pushed and polled orders when messages are coalesced (``INTEGRATIONS_INBOX_COALESCE``) — one drain
    for everything stored meanwhile (``inbox_wake``). Poll pages (a hundred orders each) and file rows keep
    tasks of their own."""
    if coalesced() and kind in DRAINED_KINDS:
        transaction.on_commit(inbox_wake)
        return
    for chunk in _chunks(new_ids, BATCH):
        enqueue_on_commit(PROCESS_TASK, chunk)


def coalesced() -> bool:
    return bool(getattr(settings, "INTEGRATIONS_INBOX_COALESCE", False))


def inbox_wake() -> bool:
    """Queue a drain unless one is queued or running. Returns whether it queued one.

    The flag lives in the shared cache (Redis) and is held while a drain runs: a burst of pushes queues one
    task, not one each, and the drain takes larger batches the busier it gets. It cannot strand a message:
    a push checks the flag only *after* its message is committed, and a drain, once it finds no more work,
    clears the flag and *then* looks once more — so a push that found the flag set is seen by that last
    look. The flag expires after ``WAKE_TTL`` in case a drain is lost; the retry sweeper (every minute)
    takes whatever is still due."""
    if not cache.add(WAKE_KEY, 1, timeout=WAKE_TTL):
        return False
    enqueue_on_commit(DRAIN_TASK)
    return True


def _insert(shop: Shop, fresh: list[InboxMessage], again: list[tuple[PushItem, str]]) -> list[int]:
    """INSERT the messages (a transaction, or a savepoint inside the caller's). One that collides with a
    stored message is a repeat delivery: it joins ``again``. A lot is one ``INSERT … ON CONFLICT DO
    NOTHING`` that says which went in (PostgreSQL); elsewhere the stored ones are looked up first."""
    if not fresh:
        return []
    try:
        if len(fresh) == 1 and transaction.get_autocommit():
            return [row_insert(fresh[0])]  # a push: one statement, its own transaction
        with transaction.atomic():
            inserted = rows_insert_new(fresh, key=["topic", "event_id", "external_id", "content_hash"])
            if inserted is None:
                stored = _stored_keys(shop, fresh)
                inserted = rows_insert([m for m in fresh if not _message_keys(m) & stored])
            new = {id(message) for message in inserted}
            again += [(_item_of(message), message.content_hash) for message in fresh if id(message) not in new]
            return [message.pk for message in inserted]
    except IntegrityError:
        if len(fresh) == 1:
            again.append((_item_of(fresh[0]), fresh[0].content_hash))
            return []
    new_ids = []
    for message in fresh:  # a concurrent delivery stored one of them first: find which
        message.pk = None
        new_ids += _insert(shop, [message], again)
    return new_ids


def _keys(item: PushItem, digest: str) -> set[tuple[str, ...]]:
    """The dedup keys of a message, as in the table's unique constraints."""
    keys = set()
    if item.event_id:
        keys.add(("event", item.event_id[:128]))
    if item.external_id:
        keys.add(("content", item.topic[:64], item.external_id[:64], digest))
    return keys


def _message_keys(message: InboxMessage) -> set[tuple[str, ...]]:
    return _keys(_item_of(message), message.content_hash)


def _stored_keys(shop: Shop, messages: list[InboxMessage]) -> set[tuple[str, ...]]:
    """The dedup keys among ``messages`` that are already stored for the shop (one query)."""
    event_ids = {message.event_id for message in messages if message.event_id}
    external_ids = {message.external_id for message in messages if message.external_id}
    if not event_ids and not external_ids:
        return set()
    digests = {message.content_hash for message in messages}
    rows = InboxMessage.objects.filter(
        Q(event_id__in=event_ids) | Q(external_id__in=external_ids, content_hash__in=digests), shop=shop
    ).values_list("event_id", "topic", "external_id", "content_hash")
    found = set()
    for event_id, topic, external_id, digest in rows:
        if event_id:
            found.add(("event", event_id))
        if external_id:
            found.add(("content", topic, external_id, digest))
    return found


def _item_of(message: InboxMessage) -> PushItem:
    return PushItem(topic=message.topic, event_id=message.event_id, external_id=message.external_id, body="")


def _deliveries_count(shop: Shop, again: list[tuple[PushItem, str]]) -> None:
    """Count the repeated deliveries on the messages stored before (one UPDATE)."""
    same = Q(pk__in=[])
    for item, digest in again:
        if item.event_id:
            same |= Q(event_id=item.event_id[:128])
        if item.external_id:
            same |= Q(topic=item.topic[:64], external_id=item.external_id[:64], content_hash=digest)
    if again:
        InboxMessage.objects.filter(same, shop=shop).update(deliveries=F("deliveries") + 1)


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

    Network calls happen before the database transaction. All messages are applied in one transaction:
    new platform orders set-based, per shop (``order_versions_create_new``: one statement per table for the
    lot, an invalid order refused alone), everything else one by one with a savepoint each, so one bad
    message fails alone. Returns counts by outcome.
    """
    ids = [message_ids] if isinstance(message_ids, int) else list(message_ids)
    ids += _also_due(ids)
    return _process_claimed(inbox_claim(ids))


def inbox_drain() -> dict[str, int]:
    """Process every pushed or polled message that is due, ``BATCH`` at a time, until none is left; then
    clear the wake flag and look once more (see ``inbox_wake``). After ``DRAIN_SECONDS`` it queues the next
    drain, which inherits the flag, and stops. Several drains may run at once (a sweeper task, a flag that
    expired): each claims rows the others have not locked. Returns counts by outcome."""
    counts: dict[str, int] = {}
    deadline = time.monotonic() + DRAIN_SECONDS
    linger = float(getattr(settings, "INTEGRATIONS_DRAIN_LINGER_SECONDS", 0.1))
    flagged = True
    claimed: list[int] = []
    while True:
        if 0 < len(claimed) < BATCH and linger > 0:
            time.sleep(linger)  # busy but not full: let the next batch gather (a batch of 8 costs 3× per order)
        claimed = inbox_claim_due(limit=BATCH)
        if not claimed:
            if not flagged:
                return counts
            cache.delete(WAKE_KEY)  # then one more look: a push that found the flag set is committed by now
            flagged = False
            continue
        if flagged:
            cache.touch(WAKE_KEY, WAKE_TTL)
        for outcome, n in _process_claimed(claimed).items():
            counts[outcome] = counts.get(outcome, 0) + n
        if time.monotonic() > deadline:
            if flagged:
                enqueue_on_commit(DRAIN_TASK)  # the flag stays set: the next drain holds it
            else:
                inbox_wake()
            return counts


def inbox_claim_due(*, limit: int, now: dt.datetime | None = None, kinds=DRAINED_KINDS) -> list[int]:
    """Claim up to ``limit`` pending messages of ``kinds`` (pushed and polled orders), oldest first, skipping
    rows another worker is claiming at this moment (``FOR UPDATE SKIP LOCKED``)."""
    now = now or timezone.now()
    with transaction.atomic():
        ids = list(
            InboxMessage.objects.select_for_update(skip_locked=True)
            .filter(_due_q(now, kinds))
            .order_by("next_attempt_at")
            .values_list("pk", flat=True)[:limit]
        )
        return inbox_claim(ids, now=now) if ids else []


def _due_q(now: dt.datetime, kinds=DRAINED_KINDS) -> Q:
    """New messages of ``kinds`` whose time has come (failed ones wait for the retry sweeper)."""
    return Q(status=WorkStatus.PENDING, next_attempt_at__lte=now, kind__in=kinds)


def _process_claimed(claimed: list[int]) -> dict[str, int]:
    if not claimed:
        return {}
    messages = _claimed_load(claimed)
    pages = sum(message.kind == InboxMessage.Kind.POLL_PAGE for message in messages)
    if 0 < pages < PAGES_TOGETHER:  # a catch-up: take other waiting pages along, for batches of more orders
        messages += _claimed_load(inbox_claim_due(limit=PAGES_TOGETHER - pages, kinds=[InboxMessage.Kind.POLL_PAGE]))
    counts: dict[str, int] = {}
    planned: list[_Planned] = []
    failures: list[tuple[InboxMessage, Exception]] = []
    read: dict[int, Any] = {}  # message pk → its body, already read (the orders of a page)
    for page in [message for message in messages if message.kind == InboxMessage.Kind.POLL_PAGE]:
        try:
            split = _page_split(page)
            messages += split
            read.update((message.pk, message_read) for message, message_read in split.items())
            counts[InboxMessage.Result.SPLIT] = counts.get(InboxMessage.Result.SPLIT, 0) + 1
        except Exception as exc:  # noqa: BLE001 - every failure is recorded on the message
            failures.append((page, exc))
    for message in messages:
        if message.kind == InboxMessage.Kind.POLL_PAGE:
            continue
        try:
            planned.append(_plan(message, read.get(message.pk)))
        except Exception as exc:  # noqa: BLE001 - every failure is recorded on the message
            failures.append((message, exc))
    if planned:
        batches, one_by_one = _batches(planned)
        numbers = _numbers_for(batches)
        with transaction.atomic(durable=True):
            done: list[tuple[InboxMessage, Applied]] = []
            for batch in batches:
                applied, refused, known = _apply_batch(batch, numbers)
                done += applied
                failures += refused
                one_by_one += known
            for plan in sorted(one_by_one, key=lambda plan: plan.message.pk):
                try:
                    with transaction.atomic():
                        done.append((plan.message, _apply(plan)))
                except Exception as exc:  # noqa: BLE001
                    failures.append((plan.message, exc))
            for _message, applied in done:
                counts[applied.result] = counts.get(applied.result, 0) + 1
            _settle_done(done)
    for message, exc in failures:
        outcome = inbox_fail(message, exc)
        counts[outcome] = counts.get(outcome, 0) + 1
    return counts


def _claimed_load(claimed: list[int]) -> list[InboxMessage]:
    if not claimed:
        return []
    messages = InboxMessage.objects.filter(pk__in=claimed).select_related("shop", "shop__default_warehouse")
    return list(messages.order_by("pk"))


@dataclass
class _Batch:
    """Plans that are each one version of a different platform order of one shop."""

    shop: Shop
    source: str
    system: str
    plans: list[_Planned]
    new: int = 0  # how many look new (no order yet): order numbers to allocate beforehand


def _batches(planned: list[_Planned]) -> tuple[list[_Batch], list[_Planned]]:
    """Split the plans: versions of platform orders, one per order, go in batches by shop and source (created
    set-based); everything else — refunds, poll pages, a second version of the same order — one by one,
    after the batches, in arrival order."""
    batches: dict[tuple[int, str, str], _Batch] = {}
    one_by_one: list[_Planned] = []
    seen: set[tuple[int, str]] = set()
    for plan in planned:
        steps = [step for step in plan.steps if not isinstance(step, Ignore)]
        message = plan.message
        if len(steps) != 1 or not isinstance(steps[0], ChannelOrder):
            one_by_one.append(plan)
            continue
        key = (message.shop_id, steps[0].data.external_id)
        if key in seen:
            one_by_one.append(plan)
            continue
        seen.add(key)
        source = SOURCE_BY_KIND.get(message.kind, Source.WEBHOOK)
        system = f"integrations:{message.platform}"
        batch = batches.setdefault((message.shop_id, source, system), _Batch(message.shop, source, system, []))
        batch.plans.append(plan)
    return list(batches.values()), one_by_one


def _order_step(plan: _Planned) -> ChannelOrder:
    return next(step for step in plan.steps if isinstance(step, ChannelOrder))


def _numbers_for(batches: list[_Batch]) -> list[str]:
    """Order numbers for the orders the batches will create, allocated in a short transaction of their own,
    so the batches' long one does not hold the day's counter row (which every order creation needs). The
    same transaction creates the batches' missing channel order states (``states_create``), which says how
    many platform orders are new. A number not used after all (an order refused, or created meanwhile by
    another worker) is skipped: order numbers are unique and increasing, not gapless."""
    wanted = 0
    with transaction.atomic():
        for batch in batches:
            ids = [_order_step(plan).data.external_id for plan in batch.plans]
            # One order alone takes its number in its own transaction.
            batch.new = states_create(shop=batch.shop, external_ids=ids) if len(ids) > 1 else len(ids)
            wanted += batch.new if batch.new > 1 else 0
        return order_number_allocate(count=wanted) if wanted else []


def _apply_batch(
    batch: _Batch, numbers: list[str]
) -> tuple[list[tuple[InboxMessage, Applied]], list[tuple[InboxMessage, Exception]], list[_Planned]]:
    """Create the batch's new orders together (a savepoint for the lot). Returns what was applied, what was
    refused, and the plans to apply one by one: the orders already known, or — if the batch as a whole
    fails on the database — all of it."""
    plans = {plan.message.pk: plan for plan in batch.plans}
    take = batch.new if batch.new > 1 else 0
    mine = numbers[:take]
    del numbers[:take]
    items = [NewVersion(key=pk, incoming=_order_step(plan), message=plan.message) for pk, plan in plans.items()]
    try:
        with transaction.atomic():
            result = order_versions_create_new(
                shop=batch.shop, items=items, source=batch.source, system=batch.system, numbers=mine
            )
    except DatabaseError as exc:
        log.warning("batch of %d messages failed on the database (%s); applying them one by one", len(items), exc)
        return [], [], list(plans.values())
    applied = [(plans[pk].message, outcome) for pk, outcome in result.applied.items()]
    refused = [(plans[pk].message, error) for pk, error in result.errors.items()]
    return applied, refused, [plans[pk] for pk in result.known]


def _also_due(ids: list[int]) -> list[int]:
    """Other messages already waiting, taken along so a busy inbox is worked through in batches of
    ``BATCH`` (one transaction) rather than one task each; their own tasks then find nothing to claim."""
    room = BATCH - len(ids)
    if room <= 0:
        return []
    return list(
        InboxMessage.objects.filter(_due_q(timezone.now()))
        .exclude(pk__in=ids)
        .order_by("next_attempt_at")
        .values_list("pk", flat=True)[:room]
    )


def _adapter(message: InboxMessage):
    if message.kind == InboxMessage.Kind.IMPORT:
        from integrations.imports import import_adapter

        return import_adapter(message)
    return adapter_for(message.platform)


def _plan(message: InboxMessage, payload: Any = None) -> _Planned:
    """What to do with a message (``payload``: its body, if already read)."""
    if payload is None:
        payload = json_loads(message.body, what="body")
    adapter = _adapter(message)
    steps: list[Any] = []
    for action in adapter.interpret(message.topic, payload):
        if isinstance(action, FetchOrder):  # a thin notice: fetch the full order (an expired token is refreshed)
            client = adapter.client(_connection(message.shop))
            native = TokenRefresher(client).call(client.order_get, action.external_id)
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


def _page_split(page: InboxMessage) -> dict[InboxMessage, Any]:
    """A stored poll page becomes one message per order (each deduplicated by its content), stored already
    claimed by the page's worker, which processes them next; the page is settled as split in the same
    transaction. Returns the new messages (an order stored before, unchanged, is not stored again), each
    with its order as read from the page, so it is not read again from its body. If the worker dies before
    processing them, the retry sweeper hands them back when their claim expires."""
    payload = json_loads(page.body, what="body")
    if not isinstance(payload, dict) or not isinstance(payload.get("orders"), list):
        raise PayloadInvalid("poll page: expected {'orders': [...]}.")
    adapter: Adapter = adapter_for(page.platform)
    topic = f"{adapter.platform}.order"
    items = []
    natives = {}
    source = adapter.mapping_compiled().effective["order"]["external_id"]
    for index, native in enumerate(payload["orders"]):
        external_id = _external_id(native, source, index)
        item = PushItem(topic=topic, event_id="", external_id=external_id, body=to_json(native))
        items.append(item)
        natives[item.body] = native
    with transaction.atomic(durable=True):
        stored = inbox_store(
            shop=page.shop,
            platform=page.platform,
            kind=InboxMessage.Kind.POLL,
            items=items,
            parent=page,
            claim=page.claim_token,
        )
        _settle_done([(page, Applied(InboxMessage.Result.SPLIT, None))])
    return {message: natives[message.body] for message in stored.messages}


def _external_id(native: Any, source: str, index: int) -> str:
    """The platform order id of a page's ``index``-th order, read at ``source`` (the mapping's spec)."""
    from integrations.mapping import extract, spec_parse

    value = extract(native, spec_parse(source), field="external_id") if isinstance(native, dict) else None
    if not value:
        raise PayloadInvalid(f"poll page orders[{index}]: no platform order id at {source!r}.")
    return str(value)


def _settle_done(done: list[tuple[InboxMessage, Applied]]) -> None:
    """Mark the applied messages done, in one UPDATE, in the transaction that applied them."""
    now = timezone.now()
    rows_update(
        InboxMessage,
        ["status", "result", "order", "processed_at", "last_error", "error_code"],
        [
            (message.pk, WorkStatus.DONE, applied.result, applied.order.pk if applied.order else None, now, "", "")
            for message, applied in done
        ],
    )


def inbox_fail(message: InboxMessage, exc: Exception) -> str:
    """Record a failure: retry later with back-off, or park as a dead letter. Returns the new status."""
    attempts = InboxMessage.objects.filter(pk=message.pk).values_list("attempts", flat=True).first() or 1
    text = f"{type(exc).__name__}: {exc}"
    code = getattr(exc, "code", "") or type(exc).__name__
    decision = retry_decide(exc, attempts=attempts)
    status = WorkStatus.DEAD if decision.give_up else WorkStatus.FAILED
    next_at = decision.next_attempt_at
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
