"""Merging orders of one buyer into one parcel (合并订单).

Orders merge when they are of the same shop, buyer, consignee (name, phone, full address), currency and
warehouse, have not shipped, and are in the same status (paid, approved, or on hold for the same reason), and
nothing an app above orders keeps on them stands against it (``orders.shaping.guards``: aftersales refuses while
an after-sales case of one of them is open).
The target is the earliest paid one unless chosen. Each other order's lines are copied onto the target
(their reserved units move with them), its amounts are added to the target's, and it is cancelled with
the reason "merged into …" — keeping its own lines, amounts and platform order id for the record — and an
``OrderLink`` (kind merge) carries its platform order id(s) to the target. The merged order then goes
through the automatic review again (a bigger order may need an approval the parts did not).

``order_merge_candidates`` suggests merges: groups of orders that satisfy the same conditions.
"""

from __future__ import annotations

from django.db import transaction
from django.db.models import Count, Q, QuerySet
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from config.messages import message, message_stored
from orders.models import Order, OrderEvent, OrderLine, OrderLink, PresaleTerms, Queue, ReviewTask
from orders.services import order_event_record, order_transition
from orders.shaping.common import (
    amounts_snapshot,
    discounts_allocate,
    line_units_move,
    order_lines_for_update,
    reserved_units,
)
from orders.shaping.exceptions import ShapingInvalid
from orders.shaping.guards import merge_blocked_ids, merge_guards_check
from orders.shaping.split import order_platform_ids
from orders.states import Status

MERGEABLE = (Status.PAID, Status.APPROVED, Status.ON_HOLD)
SAME = (
    "shop_id",
    "buyer_id",
    "buyer_nick",
    "consignee_name",
    "consignee_phone",
    "country",
    "province",
    "city",
    "district",
    "address",
    "currency",
    "warehouse_id",
    "status",
    "hold_reason",
)
QUEUE_RANK = {Queue.URGENT: 2, Queue.CROSS_BORDER: 1, Queue.NORMAL: 0}


def _key(order: Order) -> tuple:
    return tuple(
        (getattr(order, name) or "").strip() if isinstance(getattr(order, name), str) else getattr(order, name)
        for name in SAME
    )


@transaction.atomic
def order_merge(
    *, order_ids: list[int], actor=None, system: str = "", target_id: int | None = None, reason: str = ""
) -> Order:
    """Merge the orders into one; return the target order (refreshed)."""
    ids = sorted(set(order_ids))
    if len(ids) < 2:
        raise ShapingInvalid(_("order_ids: choose at least two orders to merge."), extra={"field": "order_ids"})
    orders = list(Order.objects.select_for_update().filter(pk__in=ids).order_by("pk"))
    if len(orders) != len(ids):
        raise ShapingInvalid(_("order_ids: some of these orders do not exist."), extra={"field": "order_ids"})
    for order in orders:
        if order.status not in MERGEABLE:
            raise ShapingInvalid(
                _("Order %(order_number)s is %(value)s: only paid, approved or held orders merge.")
                % {"order_number": order.number, "value": order.get_status_display()},
                extra={"order_number": order.number, "status": order.status},
            )
    first = orders[0]
    for order in orders[1:]:
        differs = [name for name, a, b in zip(SAME, _key(first), _key(order), strict=True) if a != b]
        if differs:
            names = ", ".join(f.removesuffix("_id") for f in differs)
            raise ShapingInvalid(
                _(
                    "Orders %(first_number)s and %(order_number)s differ in %(names)s; only orders of the same "
                    "shop, buyer, consignee, warehouse and status merge."
                )
                % {"first_number": first.number, "order_number": order.number, "names": names},
                extra={"orders": [first.number, order.number], "fields": differs},
            )
    awaiting = PresaleTerms.objects.filter(order__in=orders, state=PresaleTerms.State.AWAITING_BALANCE)
    if awaiting.exists():
        raise ShapingInvalid(
            _("Presale orders waiting for their balance cannot be merged."),
            extra={"orders": list(awaiting.values_list("order__number", flat=True))},
        )
    if target_id is not None and target_id not in ids:
        raise ShapingInvalid(_("target: the target must be one of the merged orders."), extra={"field": "target"})
    target = next((o for o in orders if o.pk == target_id), None) or min(
        orders, key=lambda o: (o.paid_at or o.created_at, o.pk)
    )
    merge_guards_check(orders=orders, target=target)
    sources = [o for o in orders if o.pk != target.pk]

    lines_of = {o.pk: order_lines_for_update(o.pk) for o in orders}
    for order in orders:
        discounts_allocate(order, lines_of[order.pk])
    held = reserved_units([line.pk for lines in lines_of.values() for line in lines])
    merged_numbers = []
    for source in sources:
        copied = []
        for line in lines_of[source.pk]:
            new = OrderLine.objects.create(
                order=target,
                sku=line.sku,
                title=line.title,
                quantity=line.quantity,
                cancelled_quantity=line.cancelled_quantity,
                unit_price=line.unit_price,
                discount=line.discount,
                is_gift=line.is_gift,
                external_line_id=line.external_line_id,
            )
            units = line_units_move(
                line=line, to_order=target, to_line=new, quantity=line.quantity, held=held.get(line.pk, 0)
            )
            copied.append(
                {
                    "sku": line.sku.code,
                    "quantity": line.quantity,
                    "from_line": line.pk,
                    "to_line": new.pk,
                    "reserved_units": units,
                }
            )
        for name in ("goods_amount", "discount_platform", "discount_merchant", "shipping_fee", "paid_amount"):
            setattr(target, name, getattr(target, name) + getattr(source, name))
        target.tags = [*(target.tags or []), *[t for t in source.tags or [] if t not in (target.tags or [])]]
        for text in ("buyer_remark", "seller_memo"):
            extra = getattr(source, text).strip()
            if extra and extra not in getattr(target, text):
                setattr(target, text, "；".join(filter(None, [getattr(target, text).strip(), extra])))
        target.priority = max(target.priority, source.priority)
        if QUEUE_RANK.get(source.queue, 0) > QUEUE_RANK.get(target.queue, 0):
            target.queue = source.queue
        if source.promised_ship_at and (
            not target.promised_ship_at or source.promised_ship_at < target.promised_ship_at
        ):
            target.promised_ship_at = source.promised_ship_at
        OrderLink.objects.create(
            kind=OrderLink.Kind.MERGE,
            from_order=source,
            to_order=target,
            platform_ids=order_platform_ids(source),
            snapshot={"lines": copied, "amounts": amounts_snapshot(source)},
            reason=reason[:255],
            created_by=actor if actor is not None and actor.is_authenticated else None,
        )
        for task in ReviewTask.objects.select_for_update().filter(order=source, status=ReviewTask.Status.OPEN):
            note = message(gettext_noop("merged into %(number)s"), number=target.number)
            task.status = ReviewTask.Status.CANCELLED
            task.decision_note, task.decision_note_message = note, message_stored(note)
            task.save(update_fields=["status", "decision_note", "decision_note_message"])
        order_transition(
            order=source,
            to_status=Status.CANCELLED,
            actor=actor,
            system=system or "shaping",
            reason=message(gettext_noop("merged into %(number)s"), number=target.number),
        )
        merged_numbers.append(source.number)
    target.save()
    order_event_record(
        order=target,
        kind=OrderEvent.Kind.UPDATED,
        actor=actor,
        system=system or "shaping",
        reason=(
            message(
                gettext_noop("merged %(numbers)s into this order: %(reason)s"),
                numbers=", ".join(merged_numbers),
                reason=reason,
            )
            if reason
            else message(gettext_noop("merged %(numbers)s into this order"), numbers=", ".join(merged_numbers))
        ),
        data={"change": "merge", "from": merged_numbers, "platform_ids": order_platform_ids(target)},
    )
    if target.status in (Status.PAID, Status.APPROVED):
        from orders.rules.services import order_rules_apply

        order_rules_apply(order_id=target.pk, rerun=True)
    target.refresh_from_db()
    return target


def order_merge_candidates(orders: QuerySet[Order], *, limit: int = 50) -> list[list[Order]]:
    """Groups of two or more orders (from ``orders``, e.g. those a user may see) that could be merged, leaving out
    orders a merge guard would refuse (``guards.merge_blocked_ids``). Two queries and one per registered blocker,
    whatever the number of groups."""
    eligible = (
        orders.filter(status__in=MERGEABLE)
        .exclude(Q(presale__state=PresaleTerms.State.AWAITING_BALANCE))
        .exclude(consignee_phone="")
    )
    groups = list(eligible.order_by().values(*SAME).annotate(n=Count("id")).filter(n__gt=1).order_by("-n")[:limit])
    if not groups:
        return []
    wanted = Q()
    for group in groups:
        wanted |= Q(**{k: v for k, v in group.items() if k != "n"})
    found = list(eligible.filter(wanted).select_related("shop").order_by("paid_at", "pk"))
    blocked = merge_blocked_ids([order.pk for order in found])  # what a merge guard would refuse is not offered
    members: dict[tuple, list[Order]] = {}
    for order in found:
        if order.pk not in blocked:
            members.setdefault(tuple(getattr(order, name) for name in SAME), []).append(order)
    keys = [tuple(group[name] for name in SAME) for group in groups]
    return [members[key] for key in keys if len(members.get(key, ())) > 1]
