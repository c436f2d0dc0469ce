"""Storing inbound messages raw, before anything reads them: one INSERT for a lot, repeat deliveries counted
on the message stored before, unreadable ones kept as dead letters."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field

from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils import timezone

from config.db import instance_new, row_insert, rows_insert, rows_insert_new
from integrations.inbox.queueing import queue_new, repeats_counted
from integrations.models import InboxMessage, WorkStatus
from integrations.platforms.base import PushItem, body_hash
from orders.models import Shop


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
        queue_new(new_ids, kind)
    elif again and enqueue and claim is None:
        repeats_counted(kind)
    stored = set(new_ids)
    return Stored(new_ids=new_ids, duplicates=len(again), messages=[m for m in fresh if m.pk in stored])


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
