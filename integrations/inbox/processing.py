"""Processing claimed messages: split poll pages, plan every message, then apply them all in one transaction
— new platform orders set-based per shop, everything else one by one with a savepoint each — and settle."""

from __future__ import annotations

from typing import Any

from django.db import transaction

from integrations.inbox.batches import batch_apply, batches_of, numbers_for
from integrations.inbox.claiming import also_due, inbox_claim, inbox_claim_due
from integrations.inbox.pages import page_split
from integrations.inbox.planning import SOURCE_BY_KIND, Planned, message_plan
from integrations.inbox.settling import inbox_fail, settle_done
from integrations.ingest import Applied, order_version_apply, refund_event_apply
from integrations.models import InboxMessage
from integrations.platforms.base import Ignore, PlatformOrder, RefundEvent
from inventory.locks import stock_rows_lock_for_sku_codes
from orders.models import Source

PAGES_TOGETHER = 4  # poll pages (up to a hundred orders each) processed in one batch when several wait


def inbox_process(message_ids: list[int] | int) -> dict[str, int]:
    """Process stored messages: claim, interpret (fetching thin notices' orders), apply, settle.

    Network calls happen before the database transaction. All messages are applied in one transaction:
    new platform orders set-based, per shop (``order_versions_create_new``: one statement per table for the
    lot, an invalid order refused alone), everything else one by one with a savepoint each, so one bad
    message fails alone. Returns counts by outcome.
    """
    ids = [message_ids] if isinstance(message_ids, int) else list(message_ids)
    ids += also_due(ids)
    return process_claimed(inbox_claim(ids))


def process_claimed(claimed: list[int]) -> dict[str, int]:
    if not claimed:
        return {}
    messages = _claimed_load(claimed)
    pages = sum(message.kind == InboxMessage.Kind.POLL_PAGE for message in messages)
    if 0 < pages < PAGES_TOGETHER:  # a catch-up: take other waiting pages along, for batches of more orders
        messages += _claimed_load(inbox_claim_due(limit=PAGES_TOGETHER - pages, kinds=[InboxMessage.Kind.POLL_PAGE]))
    counts: dict[str, int] = {}
    planned: list[Planned] = []
    failures: list[tuple[InboxMessage, Exception]] = []
    read: dict[int, Any] = {}  # message pk → its body, already read (the orders of a page)
    for page in [message for message in messages if message.kind == InboxMessage.Kind.POLL_PAGE]:
        try:
            split = page_split(page)
            messages += split
            read.update((message.pk, message_read) for message, message_read in split.items())
            counts[InboxMessage.Result.SPLIT] = counts.get(InboxMessage.Result.SPLIT, 0) + 1
        except Exception as exc:  # noqa: BLE001 - every failure is recorded on the message
            failures.append((page, exc))
    for message in messages:
        if message.kind == InboxMessage.Kind.POLL_PAGE:
            continue
        try:
            planned.append(message_plan(message, read.get(message.pk)))
        except Exception as exc:  # noqa: BLE001 - every failure is recorded on the message
            failures.append((message, exc))
    if planned:
        batches, one_by_one = batches_of(planned)
        numbers = numbers_for(batches)
        with transaction.atomic(durable=True):
            # The stock the orders of every batch and message may take, locked first in one global order
            # (ascending pk): the batches and messages below lock theirs one after the other.
            stock_rows_lock_for_sku_codes(
                line.sku_code
                for plan in planned
                for step in plan.steps
                if isinstance(step, PlatformOrder)
                for line in step.order.data.lines
            )
            done: list[tuple[InboxMessage, Applied]] = []
            for batch in batches:
                applied, refused, known = batch_apply(batch, numbers)
                done += applied
                failures += refused
                one_by_one += known
            for plan in sorted(one_by_one, key=lambda plan: plan.message.pk):
                try:
                    with transaction.atomic():
                        done.append((plan.message, plan_apply(plan)))
                except Exception as exc:  # noqa: BLE001
                    failures.append((plan.message, exc))
            for _message, applied in done:
                counts[applied.result] = counts.get(applied.result, 0) + 1
            settle_done(done)
    for message, exc in failures:
        outcome = inbox_fail(message, exc)
        counts[outcome] = counts.get(outcome, 0) + 1
    return counts


def _claimed_load(claimed: list[int]) -> list[InboxMessage]:
    if not claimed:
        return []
    messages = InboxMessage.objects.filter(pk__in=claimed).select_related("shop", "shop__default_warehouse")
    return list(messages.order_by("pk"))


def plan_apply(plan: Planned) -> Applied:
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
