"""Order health score, 0–100: five dimensions of 20 points each. Below 60 the order goes to the review queue.

Each dimension starts at 20 and loses points for what is wrong; the reasons are kept with the score so a
reviewer sees *why* (``OrderRuleResult.health``).

- address: no consignee name (−6); no phone (−6) or an implausible one (−4); in China no province (−4),
  city (−4) or district (−2); no detail address (−8), one under 5 characters (−4) or without a house
  number (−2).
- discounts: discounts over 30 % of the goods (−6), over 50 % (−14), over 80 % (−20); platform and
  merchant discounts stacked beyond 40 % (−4); line discounts that do not add up to the order's (−10).
- payment (paid orders): no payment time (−20); nothing paid for the goods (−16); paid ≠ goods − discounts
  + shipping (−10); no payment method (−4); paid before placed (−4).
- stock: no warehouse (−6); an inactive SKU (−10 each); a presale SKU without presale terms (−6); while
  paid/approved, a stock-managed line without a reservation (−10).
- risk: ≥3 other orders from the phone in 24 h (−4), ≥5 (−8); ≥1 refund for the phone in 90 days (−2),
  ≥3 (−8); ≥2 address changes (−6); risky remark words 刷单/好评返现/返现/改价/代付 (−6); a VIP 0 buyer
  paying over 2000 (−4).

Blocking problems — no phone, no detail address, paid without a payment time, an inactive SKU — cap the
total at 59 whatever the other dimensions say: such an order cannot ship as it is.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.db.models import Count
from django.utils.translation import gettext_noop

from config.messages import Message, message, message_list
from orders.models import Order, OrderEvent, OrderRuleResult, PresaleTerms, ReviewTask
from orders.rules.facts import history_for_orders, norm_text
from orders.states import HoldReason, Status

REVIEW_BELOW = 60
BLOCKED_CAP = REVIEW_BELOW - 1
HISTORY_KEYS = ("phone_orders:1", "phone_returns:90")
RISKY_WORDS = ("刷单", "好评返现", "返现", "改价", "代付")
PHONE = re.compile(r"^(\+?86)?1\d{10}$|^\d{3,4}-?\d{7,8}(-\d{1,6})?$|^\+?\d{7,15}$")
PAID_STATES = frozenset(
    {
        Status.PAID,
        Status.ON_HOLD,
        Status.APPROVED,
        Status.PICKING,
        Status.SHIPPED,
        Status.IN_TRANSIT,
        Status.DELIVERED,
        Status.COMPLETED,
    }
)
RESERVED_STATES = frozenset({Status.PAID, Status.APPROVED})
DIMENSIONS = ("address", "discounts", "payment", "stock", "risk")
DISCOUNT_SHARE = gettext_noop("discounts are %(share)s of the goods")
RECENT_ORDERS = gettext_noop("%(count)s other orders from this phone in 24 h")


@dataclass
class Dimension:
    name: str
    score: int = 20
    reasons: list[Message] = field(default_factory=list)
    blocking: bool = False

    def lose(self, points: int, why: str, *, blocking: bool = False, **values: Any) -> None:
        """Take ``points`` off for ``why`` (English, marked with ``gettext_noop``; its ``values``), kept as a
        message (``config.messages``) so that a reviewer reads it in their language."""
        self.score = max(0, self.score - points)
        reason = message(why, **values)
        if blocking:
            self.reasons.append(message(gettext_noop("−%(points)s %(why)s (blocking)"), points=points, why=reason))
        else:
            self.reasons.append(message(gettext_noop("−%(points)s %(why)s"), points=points, why=reason))
        self.blocking |= blocking


@dataclass
class HealthReport:
    dimensions: list[Dimension]

    @property
    def score(self) -> int:
        total = sum(d.score for d in self.dimensions)
        return min(total, BLOCKED_CAP) if any(d.blocking for d in self.dimensions) else total

    @property
    def needs_review(self) -> bool:
        return self.score < REVIEW_BELOW

    def as_json(self) -> dict[str, Any]:
        return {d.name: {"score": d.score, "reasons": d.reasons, "blocking": d.blocking} for d in self.dimensions}

    def summary(self) -> Message:
        """What a review task and its hold say: the score and its four worst points, as a message."""
        worst = [r for d in self.dimensions for r in d.reasons][:4]
        if not worst:
            return message(gettext_noop("health %(score)s/100"), score=self.score)
        return message(gettext_noop("health %(score)s/100: %(points)s"), score=self.score, points=message_list(worst))


def order_health(
    order: Order,
    *,
    lines: list | None = None,
    history: dict[str, int] | None = None,
    address_changes: int | None = None,
    reserved_line_ids: set[int] | None = None,
    has_presale_terms: bool | None = None,
) -> HealthReport:
    """Score one order. What is not passed in is read from the database."""
    if lines is None:
        lines = list(order.lines.select_related("sku"))
    if history is None:
        history = history_for_orders([order], HISTORY_KEYS)[order.pk]
    if address_changes is None:
        address_changes = OrderEvent.objects.filter(
            order=order, kind=OrderEvent.Kind.UPDATED, data__change="address"
        ).count()
    if has_presale_terms is None:
        has_presale_terms = hasattr(order, "presale") and order.presale is not None
    return HealthReport(
        [
            _address(order),
            _discounts(order, lines),
            _payment(order),
            _stock(order, lines, reserved_line_ids, has_presale_terms),
            _risk(order, history, address_changes),
        ]
    )


def health_inputs_for_orders(orders: list[Order], lines: dict[int, list]) -> dict[int, dict[str, Any]]:
    """What ``order_health`` would read from the database for each order, for many orders in four queries:
    ``{order.pk: {"address_changes", "reserved_line_ids", "has_presale_terms"}}`` (pass them on as keyword
    arguments). ``lines``: each order's lines with ``sku`` loaded."""
    from inventory.models import Reservation, Stock

    pks = [order.pk for order in orders]
    changes = dict(
        OrderEvent.objects.filter(order_id__in=pks, kind=OrderEvent.Kind.UPDATED, data__change="address")
        .values("order_id")
        .annotate(n=Count("pk"))
        .values_list("order_id", "n")
    )
    presale = set(PresaleTerms.objects.filter(order_id__in=pks).values_list("order_id", flat=True))
    sku_ids = {line.sku_id for order_lines in lines.values() for line in order_lines}
    managed = set(Stock.objects.filter(sku_id__in=sku_ids).values_list("sku_id", flat=True))
    held = set(
        Reservation.objects.filter(order_id__in=pks, state=Reservation.State.ACTIVE).values_list(
            "order_line_id", flat=True
        )
    )
    return {
        order.pk: {
            "address_changes": changes.get(order.pk, 0),
            "reserved_line_ids": _lines_reserved(lines.get(order.pk, []), managed=managed, held=held),
            "has_presale_terms": order.pk in presale,
        }
        for order in orders
    }


def _address(order: Order) -> Dimension:
    d = Dimension("address")
    if not order.consignee_name.strip():
        d.lose(6, gettext_noop("no consignee name"))
    phone = re.sub(r"[\s()]", "", order.consignee_phone or "")
    if not phone:
        d.lose(6, gettext_noop("no phone"), blocking=True)
    elif "*" not in phone and not PHONE.match(phone):
        d.lose(4, gettext_noop("implausible phone (%(length)s characters)"), length=len(phone))
    in_china = (order.country or "CN").upper() == "CN"
    if in_china and not order.province.strip():
        d.lose(4, gettext_noop("no province"))
    if not order.city.strip():
        d.lose(4, gettext_noop("no city"))
    if in_china and not order.district.strip():
        d.lose(2, gettext_noop("no district"))
    detail = (order.address or "").strip()
    if not detail:
        d.lose(8, gettext_noop("no detail address"), blocking=True)
    else:
        if len(detail) < 5 and "*" not in detail:
            d.lose(4, gettext_noop("detail address under 5 characters"))
        if "*" not in detail and not re.search(r"\d|[一二三四五六七八九十百]+[号栋幢楼室层]", detail):
            d.lose(2, gettext_noop("no house number in the detail address"))
    return d


def _discounts(order: Order, lines: list) -> Dimension:
    d = Dimension("discounts")
    goods = order.goods_amount
    total = order.discount_platform + order.discount_merchant
    ratio = total / goods if goods else Decimal("0")
    if ratio > Decimal("0.8"):
        d.lose(20, DISCOUNT_SHARE, share=f"{ratio:.0%}")
    elif ratio > Decimal("0.5"):
        d.lose(14, DISCOUNT_SHARE, share=f"{ratio:.0%}")
    elif ratio > Decimal("0.3"):
        d.lose(6, DISCOUNT_SHARE, share=f"{ratio:.0%}")
    if order.discount_platform > 0 and order.discount_merchant > 0 and ratio > Decimal("0.4"):
        d.lose(4, gettext_noop("platform and merchant discounts stacked beyond %(limit)s"), limit="40%")
    line_discounts = sum((line.discount for line in lines), Decimal("0"))
    if line_discounts and line_discounts != total:
        d.lose(
            10, gettext_noop("line discounts %(lines)s ≠ order discounts %(order)s"), lines=line_discounts, order=total
        )
    return d


def _payment(order: Order) -> Dimension:
    d = Dimension("payment")
    if order.status not in PAID_STATES:
        return d  # not paid (yet, or never): nothing to judge
    if order.paid_at is None:
        d.lose(20, gettext_noop("paid without a payment time"), blocking=True)
        return d
    if order.paid_amount == 0 and order.goods_amount > 0:
        d.lose(16, gettext_noop("nothing paid for the goods"))
    expected = order.goods_amount - order.discount_platform - order.discount_merchant + order.shipping_fee
    if order.paid_amount != expected:
        d.lose(10, gettext_noop("paid %(paid)s ≠ expected %(expected)s"), paid=order.paid_amount, expected=expected)
    if not order.payment_method:
        d.lose(4, gettext_noop("no payment method"))
    if order.placed_at and order.paid_at < order.placed_at:
        d.lose(4, gettext_noop("paid before it was placed"))
    return d


def _stock(order: Order, lines: list, reserved_line_ids: set[int] | None, has_presale_terms: bool) -> Dimension:
    d = Dimension("stock")
    if order.warehouse_id is None:
        d.lose(6, gettext_noop("no warehouse"))
    for line in lines:
        if not line.sku.is_active:
            d.lose(10, gettext_noop("inactive SKU %(sku)s"), blocking=True, sku=line.sku.code)
    if any(line.sku.is_presale for line in lines) and not has_presale_terms:
        d.lose(6, gettext_noop("presale item without presale terms"))
    if order.status in RESERVED_STATES:
        if reserved_line_ids is None:
            reserved_line_ids = _reserved_line_ids(order, lines)
        if reserved_line_ids is not None:
            missing = [line for line in lines if line.pk not in reserved_line_ids]
            if missing:
                d.lose(10, gettext_noop("%(count)s line(s) hold no stock reservation"), count=len(missing))
    return d


def _reserved_line_ids(order: Order, lines: list) -> set[int] | None:
    """Lines that hold a reservation or are not stock-managed; None when inventory is not installed."""
    try:
        from inventory.models import Reservation, Stock
    except ImportError:  # pragma: no cover - inventory always present in this project
        return None
    managed = set(Stock.objects.filter(sku_id__in=[line.sku_id for line in lines]).values_list("sku_id", flat=True))
    held = set(
        Reservation.objects.filter(order_id=order.pk, state=Reservation.State.ACTIVE).values_list(
            "order_line_id", flat=True
        )
    )
    return _lines_reserved(lines, managed=managed, held=held)


def _lines_reserved(lines: list, *, managed: set[int], held: set[int]) -> set[int]:
    return {line.pk for line in lines if line.sku_id not in managed or line.pk in held}


def _risk(order: Order, history: dict[str, int], address_changes: int) -> Dimension:
    d = Dimension("risk")
    recent = history.get("phone_orders:1", 0)
    if recent >= 5:
        d.lose(8, RECENT_ORDERS, count=recent)
    elif recent >= 3:
        d.lose(4, RECENT_ORDERS, count=recent)
    refunds = history.get("phone_returns:90", 0)
    if refunds >= 3:
        d.lose(8, gettext_noop("%(count)s refunds for this phone in 90 days"), count=refunds)
    elif refunds >= 1:
        d.lose(2, gettext_noop("%(count)s refund(s) for this phone in 90 days"), count=refunds)
    if address_changes >= 2:
        d.lose(6, gettext_noop("address changed %(count)s times"), count=address_changes)
    remarks = norm_text(f"{order.buyer_remark} {order.seller_memo}")
    words = [w for w in RISKY_WORDS if w in remarks]
    if words:
        d.lose(6, gettext_noop("remark mentions %(words)s"), words="/".join(words))
    if order.buyer_level == 0 and order.paid_amount > 2000:
        d.lose(4, gettext_noop("new buyer (VIP 0) paying over 2000"))
    return d


@transaction.atomic
def order_health_check(*, order_id: int, report: HealthReport | None = None, system: str = "health") -> HealthReport:
    """Score the order, keep the score on its ``OrderRuleResult`` and queue it for review below 60."""
    from orders.review.services import review_task_open

    order = Order.objects.select_related("shop").get(pk=order_id)
    report = report or order_health(order)
    OrderRuleResult.objects.update_or_create(
        order=order,
        defaults={"health_score": report.score, "health": report.as_json()},
    )
    if report.needs_review and order.status in (Status.PAID, Status.APPROVED, Status.ON_HOLD):
        review_task_open(
            order=order,
            kind=ReviewTask.Kind.HEALTH,
            hold_reason=HoldReason.RISK,
            reason=report.summary(),
            system=system,
        )
    return report
