"""Reads in fulfilment, always through what the user may see.

Floor work (waves, picking, packing, labels) is scoped to the warehouses the user may work in
(``orders.selectors.warehouse_list_for_user``: guardian ``inventory.access_warehouse``); reports and the
work-item list to the orders the user may see (``order_list_for_user``).
"""

from __future__ import annotations

import datetime as dt
import re

from django.conf import settings
from django.core import signing
from django.db.models import Count, Prefetch, Q, QuerySet
from django.utils.translation import gettext as _

from fulfilment.eta.selectors import shipment_eta
from fulfilment.exceptions import NotVisible
from fulfilment.models import PickTask, Shipment, TrackingEvent, Wave, WaveOrder, WorkItem
from orders.models import Alert, Order, OrderLine, OrderLink
from orders.selectors import order_list_for_user, warehouse_list_for_user

FLOOR_PERMISSION = "orders.change_order"

# Orders that go with the warehouse's urgent carrier (docs/fulfilment.md, waves and carriers).
URGENT_TAGS = frozenset({"加急", "需冰袋", "保价"})
GIFT = "赠品"
URGENT = "加急"
# Order tags the floor acts on while packing: the urgent ones (which also choose the carrier), gifts, and the
# packing tags the order rules suggest (docs/rules.md). Other tags (老客, VIP…) are not instructions.
INSTRUCTION_TAGS = URGENT_TAGS | {GIFT, "需配赠品", "需配试用装", "需定制刻字", "需质检", "需手工包装", "需核对备注"}


def packing_instructions(*, order: Order) -> list[str]:
    """What to watch out for when packing ``order`` — the one answer for the packing slip, the pack station and
    the label: its instruction tags in the order's own order, then 加急 when it is in the urgent queue and
    赠品 when a line is a free gift (each once). Reads ``order.lines`` (prefetch them for many orders)."""
    found = [tag for tag in dict.fromkeys(order.tags or []) if tag in INSTRUCTION_TAGS]
    if order.queue == "urgent" and URGENT not in found:
        found.append(URGENT)
    if GIFT not in found and any(line.is_gift for line in order.lines.all()):
        found.append(GIFT)
    return found


def user_works_floor(user) -> bool:
    return bool(user and user.is_authenticated and user.has_perm(FLOOR_PERMISSION))


def wave_list_for_user(user) -> QuerySet[Wave]:
    if not user_works_floor(user):
        return Wave.objects.none()
    return (
        Wave.objects.filter(warehouse__in=warehouse_list_for_user(user).values("pk"))
        .select_related("warehouse", "carrier", "assignee")
        .annotate(
            order_count=Count("wave_orders", filter=~Q(wave_orders__status=WaveOrder.Status.REMOVED), distinct=True),
            open_tasks=Count("tasks", filter=Q(tasks__status=PickTask.Status.OPEN), distinct=True),
        )
    )


def my_waves(user) -> QuerySet[Wave]:
    """Waves to pick: mine first, then unassigned ones in my warehouses."""
    return (
        wave_list_for_user(user)
        .filter(status=Wave.Status.PICKING)
        .filter(Q(assignee=user) | Q(assignee__isnull=True))
        .order_by("assignee", "created_at")
    )


def wave_get_for_user(user, *, pk: int) -> Wave:
    wave = wave_list_for_user(user).filter(pk=pk).first()
    if wave is None:
        raise NotVisible(_("No wave %(pk)s in your warehouses.") % {"pk": pk})
    return wave


def wave_tasks(*, wave: Wave) -> list[PickTask]:
    return list(
        PickTask.objects.filter(wave=wave).select_related("sku", "location", "wave_order__order").order_by("sequence")
    )


def wave_pick_payload(*, wave: Wave) -> dict:
    """Everything the mobile pick page needs to work offline: the tasks in walking order, and for each
    order the SKU codes and barcodes it contains (to tell 'wrong bin' from 'not in this order')."""
    tasks = wave_tasks(wave=wave)
    order_skus: dict[str, list[str]] = {}
    lines = OrderLine.objects.filter(order_id__in={t.wave_order.order_id for t in tasks}).select_related("sku", "order")
    for line in lines:
        codes = order_skus.setdefault(line.order.number, [])
        codes.extend(c for c in (line.sku.code, line.sku.barcode) if c and c not in codes)
    return {
        "wave": {"id": wave.pk, "number": wave.number, "status": wave.status, "strategy": wave.get_strategy_display()},
        "tasks": [
            {
                "id": t.pk,
                "sequence": t.sequence,
                "location": t.location.code if t.location_id else "",
                "zone": t.location.get_zone_display() if t.location_id else "",
                "sku": t.sku.code,
                "barcode": t.sku.barcode,
                "name": t.sku.name,
                "quantity": t.quantity,
                "picked_quantity": t.picked_quantity,
                "status": t.status,
                "order": t.wave_order.order.number,
                "order_status": t.wave_order.order.status,
                "tote": t.wave_order.tote,
            }
            for t in tasks
        ],
        "order_skus": order_skus,
    }


def pack_lookup_for_user(user, *, code: str) -> WaveOrder:
    """The order at the pack station, by order number, tote or platform order id, in the user's
    warehouses; the most recent live wave entry."""
    code = (code or "").strip()
    if not code or not user_works_floor(user):
        raise NotVisible(_("Scan an order number or a tote."))
    wave_orders = (
        WaveOrder.objects.filter(wave__warehouse__in=warehouse_list_for_user(user).values("pk"))
        .exclude(status=WaveOrder.Status.REMOVED)
        .select_related("order__shop", "wave__warehouse", "carrier")
    )
    found = (
        wave_orders.filter(Q(order__number=code) | Q(tote=code) | Q(order__external_id=code)).order_by("-pk").first()
    )
    if found is None:
        raise NotVisible(
            _("No order or tote %(code)r waiting in your warehouses.") % {"code": code}, extra={"code": code}
        )
    return found


def shipment_for_order(*, order: Order) -> Shipment | None:
    return (
        Shipment.objects.filter(order=order).exclude(status=Shipment.Status.CANCELLED).select_related("carrier").first()
    )


def shipment_list_for_user(user) -> QuerySet[Shipment]:
    return Shipment.objects.filter(order__in=order_list_for_user(user).values("pk")).select_related(
        "order__shop", "carrier", "warehouse"
    )


def shipment_list_for_order(*, order: Order) -> QuerySet[Shipment]:
    """Every parcel of ``order`` (cancelled ones too), oldest first, with carrier, warehouse and tracking events."""
    return (
        Shipment.objects.filter(order=order)
        .select_related("order", "carrier", "warehouse")
        .prefetch_related(Prefetch("events", queryset=TrackingEvent.objects.order_by("occurred_at", "id")))
        .order_by("packed_at", "id")
    )


def shipment_get_for_user(user, *, pk: int) -> Shipment:
    shipment = shipment_list_for_user(user).filter(pk=pk).first()
    if shipment is None:
        raise NotVisible(_("No shipment %(pk)s visible to you.") % {"pk": pk})
    return shipment


def work_item_list_for_user(user, *, open_only: bool = True) -> QuerySet[WorkItem]:
    items = WorkItem.objects.filter(order__in=order_list_for_user(user).values("pk")).select_related(
        "shipment__carrier", "order__shop", "resolved_by"
    )
    if open_only:
        items = items.filter(status=WorkItem.Status.OPEN)
    return items.order_by("-level", "created_at")


def alert_list_for_user(user, *, unacknowledged: bool = True) -> QuerySet[Alert]:
    """Open shipping exception alerts (orders' one alert model) of the orders the user may see, highest level
    first."""
    alerts = Alert.objects.filter(
        kind=Alert.Kind.SHIPPING_INCIDENT,
        resolved_at__isnull=True,
        order__in=order_list_for_user(user).values("pk"),
    )
    if unacknowledged:
        alerts = alerts.filter(acknowledged_at__isnull=True)
    return alerts.order_by("-detail__level", "-created_at", "-pk")


# --- the public tracking page --------------------------------------------------------------------------------

_DIGITS = re.compile(r"\D")
_LONG_NUMBER = re.compile(r"\d{7,}")
PUBLIC_LINK_SALT = "fulfilment.public-tracking"
# Parcels a buyer sees are those of the orders they name, and of the orders those were merged into or split
# into (two hops cover a split of a merge).
_LINK_HOPS = 2


def _public_eta(shipment):
    return shipment_eta(shipment=shipment) if shipment is not None and shipment.shipped_at else None


def public_tracking_lookup(*, order_number: str, phone_last4: str) -> dict | None:
    """The parcels of the order the buyer knows by its PLATFORM order number (the one in their Taobao / JD /
    … app; Order Hub's own number works too) and the last 4 digits of the consignee's phone. None when they do
    not match — the caller does not learn which part was wrong. Platform-masked phones (``138****5678``) keep
    their last 4 digits, so those orders are found too."""
    order_number = (order_number or "").strip()
    last4 = _DIGITS.sub("", phone_last4 or "")
    if not order_number or len(last4) != 4:
        return None
    candidates = Order.objects.filter(Q(external_id=order_number) | Q(number=order_number)).select_related("shop")
    matched = [order for order in candidates[:20] if _DIGITS.sub("", order.consignee_phone or "")[-4:] == last4]
    if not matched:
        return None
    return _public_tracking(matched, asked_for=order_number)


def public_tracking_token(order: Order) -> str:
    """The signed token of the link sent to the buyer (``/track/s/<token>/``): it names the order, cannot be
    forged or altered, and expires after ``PUBLIC_TRACKING_LINK_DAYS``."""
    return signing.dumps({"o": order.pk}, salt=PUBLIC_LINK_SALT, compress=True)


def public_tracking_by_token(token: str) -> dict | None:
    try:
        data = signing.loads(
            token, salt=PUBLIC_LINK_SALT, max_age=dt.timedelta(days=settings.PUBLIC_TRACKING_LINK_DAYS)
        )
    except signing.BadSignature:  # also SignatureExpired
        return None
    order = Order.objects.filter(pk=data.get("o")).select_related("shop").first() if isinstance(data, dict) else None
    if order is None:
        return None
    return _public_tracking([order], asked_for=order.external_id or order.number)


def _public_tracking(orders: list[Order], *, asked_for: str) -> dict:
    """What the buyer may see: the shop, the order's progress and each parcel's carrier, masked tracking
    number, events and expected delivery date. Nothing else of the order (no consignee, address, goods or
    amounts)."""
    ids = {order.pk for order in orders}
    frontier = set(ids)
    for _hop in range(_LINK_HOPS):
        frontier = set(OrderLink.objects.filter(from_order__in=frontier).values_list("to_order", flat=True)) - ids
        if not frontier:
            break
        ids |= frontier
    shipments = list(
        Shipment.objects.filter(order__in=ids)
        .exclude(status=Shipment.Status.CANCELLED)
        .select_related("carrier", "warehouse", "order", "waybill_account")
        .prefetch_related(Prefetch("events", queryset=TrackingEvent.objects.order_by("-occurred_at", "-pk")))
        .order_by("packed_at", "pk")
    )
    first = orders[0]
    return {
        "order_number": asked_for,
        "shop": first.shop.name,
        "status": first.get_status_display(),
        "parcels": [
            {
                "carrier": shipment.carrier.name,
                "tracking_number": _mask_tracking(shipment.tracking_number) if shipment.tracking_number else "",
                "status": shipment.get_status_display(),
                "shipped_at": shipment.shipped_at,
                "delivered_at": shipment.delivered_at,
                "eta": None if shipment.delivered_at else _public_eta(shipment),
                "events": [
                    {
                        "at": event.occurred_at,
                        "kind": event.get_kind_display(),
                        "where": f"{event.province}{event.city}",
                        # couriers write their own phone numbers into descriptions: never show long digit runs
                        "description": _LONG_NUMBER.sub(
                            lambda m: m.group()[:3] + "****" + m.group()[-2:], event.description
                        ),
                    }
                    for event in shipment.events.all()
                ],
            }
            for shipment in shipments
        ],
    }


def _mask_tracking(number: str) -> str:
    if len(number) <= 6:
        return number
    return number[:4] + "*" * (len(number) - 8) + number[-4:]
