"""New platform orders of one shop created together: the plans split into batches, their order numbers
allocated in a short transaction of their own, each batch created set-based (one statement per table)."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from django.db import DatabaseError, transaction

from integrations.inbox.planning import SOURCE_BY_KIND, Planned
from integrations.ingest import Applied, NewVersion, order_versions_create_new, states_create
from integrations.models import InboxMessage
from integrations.platforms.base import Ignore, PlatformOrder
from orders.models import Shop, Source
from orders.services import order_number_allocate

log = logging.getLogger(__name__)


@dataclass
class Batch:
    """Plans that are each one version of a different platform order of one shop."""

    shop: Shop
    source: str
    system: str
    plans: list[Planned]
    new: int = 0  # how many look new (no order yet): order numbers to allocate beforehand


def batches_of(planned: list[Planned]) -> tuple[list[Batch], list[Planned]]:
    """Split the plans: versions of platform orders, one per order, go in batches by shop and source (created
    set-based); everything else — refunds, poll pages, a second version of the same order — one by one,
    after the batches, in arrival order."""
    batches: dict[tuple[int, str, str], Batch] = {}
    one_by_one: list[Planned] = []
    seen: set[tuple[int, str]] = set()
    for plan in planned:
        steps = [step for step in plan.steps if not isinstance(step, Ignore)]
        message = plan.message
        if len(steps) != 1 or not isinstance(steps[0], PlatformOrder):
            one_by_one.append(plan)
            continue
        key = (message.shop_id, steps[0].order.data.external_id)
        if key in seen:
            one_by_one.append(plan)
            continue
        seen.add(key)
        source = SOURCE_BY_KIND.get(message.kind, Source.WEBHOOK)
        system = f"integrations:{message.platform}"
        batch = batches.setdefault((message.shop_id, source, system), Batch(message.shop, source, system, []))
        batch.plans.append(plan)
    return list(batches.values()), one_by_one


def order_step(plan: Planned) -> PlatformOrder:
    return next(step for step in plan.steps if isinstance(step, PlatformOrder))


def numbers_for(batches: list[Batch]) -> list[str]:
    """Order numbers for the orders the batches will create, allocated in a short transaction of their own,
    so the batches' long one does not hold the day's counter row (which every order creation needs). The
    same transaction creates the batches' missing channel order states (``states_create``), which says how
    many platform orders are new. A number not used after all (an order refused, or created meanwhile by
    another worker) is skipped: order numbers are unique and increasing, not gapless."""
    wanted = 0
    with transaction.atomic():
        for batch in batches:
            ids = [order_step(plan).order.data.external_id for plan in batch.plans]
            # One order alone takes its number in its own transaction.
            batch.new = states_create(shop=batch.shop, external_ids=ids) if len(ids) > 1 else len(ids)
            wanted += batch.new if batch.new > 1 else 0
        return order_number_allocate(count=wanted) if wanted else []


def batch_apply(
    batch: Batch, numbers: list[str]
) -> tuple[list[tuple[InboxMessage, Applied]], list[tuple[InboxMessage, Exception]], list[Planned]]:
    """Create the batch's new orders together (a savepoint for the lot). Returns what was applied, what was
    refused, and the plans to apply one by one: the orders already known, or — if the batch as a whole
    fails on the database — all of it."""
    plans = {plan.message.pk: plan for plan in batch.plans}
    take = batch.new if batch.new > 1 else 0
    mine = numbers[:take]
    del numbers[:take]
    items = [NewVersion(key=pk, incoming=order_step(plan), message=plan.message) for pk, plan in plans.items()]
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
