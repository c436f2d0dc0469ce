"""Building waves (波次) from approved orders, and cancelling them.

Strategies, in the order ``waves_build_auto`` runs them: same-city express first, then the urgent queue,
then single-SKU orders (one SKU, any quantity: picked and packed fastest), then the rest by carrier. Each
wave takes at most ``capacity`` orders, highest priority and earliest promised ship time first. Building a
wave moves its orders to ``picking``; pick tasks are sorted by the bins' walking order.
"""

from __future__ import annotations

from django.db import transaction
from django.db.models import Count
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from config.messages import message
from fulfilment.carriers.library import carrier_get
from fulfilment.exceptions import NothingToWave, WaveError
from fulfilment.models import PickTask, SKUPlacement, WarehouseCarrier, Wave, WaveOrder, WaveStrategy
from fulfilment.services.carriers import carrier_choose, order_is_same_city, order_is_urgent
from orders.models import Order
from orders.services import order_transition
from orders.states import Status

DEFAULT_CAPACITY = 30
MAX_CAPACITY = 500
UNPLACED_PATH = "9-999-999-99"  # SKUs without a pick face come last: the picker asks a supervisor


def _warehouse_carriers(warehouse) -> list[WarehouseCarrier]:
    return list(
        WarehouseCarrier.objects.filter(warehouse=warehouse, is_active=True, carrier__is_active=True)
        .select_related("carrier")
        .order_by("priority", "carrier__code")
    )


def wave_candidates(*, warehouse, strategy: str, carrier=None, limit: int = MAX_CAPACITY) -> list[tuple[Order, object]]:
    """Approved orders of ``warehouse`` not in a live wave that fit ``strategy``, best first, each with the
    carrier it would ship with."""
    live = WaveOrder.objects.exclude(status=WaveOrder.Status.REMOVED).values("order_id")
    orders = (
        Order.objects.filter(status=Status.APPROVED, warehouse=warehouse)
        .exclude(pk__in=live)
        .annotate(sku_count=Count("lines__sku", distinct=True))
        .order_by("-priority", "promised_ship_at", "pk")
    )
    carriers = _warehouse_carriers(warehouse)
    picked: list[tuple[Order, object]] = []
    for order in orders.iterator(chunk_size=500):
        if strategy == WaveStrategy.SAME_CITY and not order_is_same_city(order, warehouse):
            continue
        if strategy == WaveStrategy.URGENT and not order_is_urgent(order):
            continue
        if strategy == WaveStrategy.SINGLE_SKU and order.sku_count != 1:
            continue
        chosen = carrier_choose(order=order, warehouse=warehouse, carriers=carriers)
        if strategy == WaveStrategy.BY_CARRIER and carrier is not None and chosen.pk != carrier.pk:
            continue
        picked.append((order, chosen))
        if len(picked) >= limit:
            break
    return picked


@transaction.atomic
def wave_build(
    *, warehouse, strategy: str, capacity: int = DEFAULT_CAPACITY, carrier_code: str = "", actor=None
) -> Wave:
    """Build one wave of at most ``capacity`` orders by ``strategy``. Raises ``NothingToWave`` when no
    approved order fits."""
    if strategy not in WaveStrategy.values:
        raise WaveError(
            _("%(strategy)r is not a wave strategy (%(value)s).")
            % {"strategy": strategy, "value": ", ".join(WaveStrategy.values)},
            code="wave_invalid",
        )
    if not 1 <= int(capacity) <= MAX_CAPACITY:
        raise WaveError(
            _("Capacity %(capacity)s must be between 1 and %(MAX_CAPACITY)s.")
            % {"capacity": capacity, "MAX_CAPACITY": MAX_CAPACITY},
            code="wave_invalid",
        )
    carrier = carrier_get(carrier_code) if carrier_code else None
    if strategy == WaveStrategy.BY_CARRIER and carrier is None:
        raise WaveError(_("A by-carrier wave needs a carrier."), code="wave_invalid")
    chosen = wave_candidates(warehouse=warehouse, strategy=strategy, carrier=carrier, limit=int(capacity))
    if not chosen:
        raise NothingToWave(
            _("No approved order in %(warehouse_code)s fits a %(label)s wave.")
            % {"warehouse_code": warehouse.code, "label": WaveStrategy(strategy).label}
        )

    # Lock the orders in pk order (no deadlock with other builders) and keep those still approved.
    ids = [order.pk for order, _c in chosen]
    locked = {
        o.pk: o for o in Order.objects.select_for_update().filter(pk__in=ids, status=Status.APPROVED).order_by("pk")
    }
    taken = set(
        WaveOrder.objects.filter(order_id__in=ids)
        .exclude(status=WaveOrder.Status.REMOVED)
        .values_list("order_id", flat=True)
    )
    chosen = [(locked[o.pk], c) for o, c in chosen if o.pk in locked and o.pk not in taken]
    if not chosen:
        raise NothingToWave(
            _("The orders for this wave were taken by another wave in %(warehouse_code)s.")
            % {"warehouse_code": warehouse.code}
        )

    wave = Wave.objects.create(
        warehouse=warehouse, strategy=strategy, carrier=carrier, capacity=capacity, created_by=_user(actor)
    )
    wave.number = f"W{timezone.localdate():%Y%m%d}-{wave.pk:05d}"
    wave.save(update_fields=["number"])

    wave_orders = WaveOrder.objects.bulk_create(
        [
            WaveOrder(wave=wave, order=order, sequence=seq, tote=f"{wave.number}-{seq:02d}", carrier=chosen_carrier)
            for seq, (order, chosen_carrier) in enumerate(chosen, start=1)
        ]
    )
    by_order = {wo.order_id: wo for wo in wave_orders}
    from orders.models import OrderLine

    lines = [
        line
        for line in OrderLine.objects.filter(order_id__in=by_order).select_related("sku").order_by("order_id", "pk")
        if line.to_ship > 0  # units cancelled before shipping are not picked
    ]
    placements = {
        p.sku_id: p.location
        for p in SKUPlacement.objects.filter(
            warehouse=warehouse, sku_id__in={line.sku_id for line in lines}
        ).select_related("location")
    }
    rows = sorted(
        lines,
        key=lambda line: (
            placements[line.sku_id].path if line.sku_id in placements else UNPLACED_PATH,
            by_order[line.order_id].sequence,
            line.pk,
        ),
    )
    PickTask.objects.bulk_create(
        [
            PickTask(
                wave=wave,
                wave_order=by_order[line.order_id],
                order_line=line,
                sku=line.sku,
                location=placements.get(line.sku_id),
                sequence=index,
                quantity=line.to_ship,
            )
            for index, line in enumerate(rows, start=1)
        ]
    )
    for order, _c in chosen:
        order_transition(
            order=order,
            to_status=Status.PICKING,
            actor=actor,
            system="fulfilment",
            reason=message(gettext_noop("wave %(number)s"), number=wave.number),
        )
    return wave


def waves_build_auto(*, warehouse, capacity: int = DEFAULT_CAPACITY, actor=None) -> list[Wave]:
    """Wave everything approved in ``warehouse``: same-city first, then urgent, single-SKU, then one
    wave per carrier for the rest; each strategy repeats until it has no orders left."""
    waves: list[Wave] = []
    plan: list[tuple[str, str]] = [
        (WaveStrategy.SAME_CITY, ""),
        (WaveStrategy.URGENT, ""),
        (WaveStrategy.SINGLE_SKU, ""),
    ]
    for strategy, carrier_code in plan:
        waves.extend(_build_until_empty(warehouse, strategy, capacity, carrier_code, actor))
    while True:
        remaining = wave_candidates(warehouse=warehouse, strategy=WaveStrategy.BY_CARRIER, limit=1)
        if not remaining:
            break
        carrier_code = remaining[0][1].code
        built = _build_until_empty(warehouse, WaveStrategy.BY_CARRIER, capacity, carrier_code, actor)
        if not built:
            break
        waves.extend(built)
    return waves


def _build_until_empty(warehouse, strategy, capacity, carrier_code, actor) -> list[Wave]:
    built = []
    while True:
        try:
            built.append(
                wave_build(
                    warehouse=warehouse, strategy=strategy, capacity=capacity, carrier_code=carrier_code, actor=actor
                )
            )
        except NothingToWave:
            return built


@transaction.atomic
def wave_claim(*, wave: Wave, user) -> Wave:
    """A picker takes an unassigned wave (compare-and-set: two pickers cannot both get it)."""
    if wave.assignee_id == user.pk:
        return wave
    claimed = Wave.objects.filter(pk=wave.pk, assignee__isnull=True, status=Wave.Status.PICKING).update(assignee=user)
    wave.refresh_from_db()
    if not claimed and wave.assignee_id != user.pk:
        who = wave.assignee.get_username() if wave.assignee_id else "nobody"
        raise WaveError(
            _("Wave %(wave_number)s is being picked by %(who)s.") % {"wave_number": wave.number, "who": who},
            extra={"wave": wave.number},
        )
    return wave


@transaction.atomic
def wave_cancel(*, wave: Wave, actor=None, reason: str = "") -> Wave:
    """Cancel a wave: its orders that were not packed go back to approved (goods back to their bins)."""
    wave = Wave.objects.select_for_update().get(pk=wave.pk)
    if wave.status in (Wave.Status.DONE, Wave.Status.CANCELLED):
        raise WaveError(
            _("Wave %(wave_number)s is %(value)s; it cannot be cancelled.")
            % {"wave_number": wave.number, "value": wave.get_status_display()}
        )
    for wave_order in wave.wave_orders.select_related("order").exclude(
        status__in=[WaveOrder.Status.PACKED, WaveOrder.Status.REMOVED]
    ):
        wave_order.status = WaveOrder.Status.REMOVED
        wave_order.save(update_fields=["status"])
        if wave_order.order.status == Status.PICKING:
            order_transition(
                order=wave_order.order,
                to_status=Status.APPROVED,
                actor=actor,
                system="fulfilment",
                reason=message(gettext_noop("wave %(number)s cancelled %(reason)s"), number=wave.number, reason=reason)
                if reason
                else message(gettext_noop("wave %(number)s cancelled"), number=wave.number),
            )
    wave.status = Wave.Status.CANCELLED
    wave.save(update_fields=["status"])
    return wave


def _user(actor):
    return actor if actor is not None and getattr(actor, "is_authenticated", False) else None
