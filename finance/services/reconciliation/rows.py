"""What a run streams and compares: statement lines, orders and refunds as slotted rows (values_list tuples,
no model instances), the difference candidates it collects, and the money and date helpers they share."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from aftersales.models import Case
from config.messages import message_stored
from finance.formats.base import SHANGHAI, LineKind

ZERO = Decimal("0.00")
CENT = Decimal("0.01")
REFUND_KINDS = frozenset({LineKind.REFUND, LineKind.COMPENSATION})
PAID_REFUND = Case.Status.REFUNDED
LIVE_REFUND = (
    Case.Status.REQUESTED,
    Case.Status.APPROVED,
    Case.Status.AWAITING_RETURN,
    Case.Status.RECEIVED,
    Case.Status.REFUNDED,
)


@dataclass(slots=True)
class Line:
    order_id: int | None
    id: int
    statement_id: int
    kind: str
    source: str
    flow: str
    occurred: str  # the timestamp as the database prints it: compared and sorted, never parsed (speed)
    business_date: dt.date
    amount: Decimal
    fee: Decimal
    commission: Decimal
    platform_discount: Decimal
    has_discounts: bool
    postage: Decimal | None
    fee_rate: Decimal | None
    transaction_id: str
    refund_ref: str
    refund_id: int | None
    description: str


LINE_FIELDS = (
    "order_id",
    "id",
    "statement_id",
    "kind",
    "source",
    "flow",
    "occurred",
    "business_date",
    "amount",
    "fee",
    "commission",
    "platform_discount",
    "has_discounts",
    "postage",
    "fee_rate",
    "transaction_id",
    "refund_ref",
    "refund_id",
    "description",
)


@dataclass(slots=True)
class OrderRow:
    id: int
    number: str
    shop_id: int
    status: str
    paid_day: dt.date | None  # local (Shanghai) date of payment
    paid_amount: Decimal
    discount_platform: Decimal
    discount_merchant: Decimal
    shipping_fee: Decimal
    currency: str


ORDER_FIELDS = (
    "id",
    "number",
    "shop_id",
    "status",
    "paid_day",
    "paid_amount",
    "discount_platform",
    "discount_merchant",
    "shipping_fee",
    "currency",
)


@dataclass(slots=True)
class RefundRow:
    order_id: int
    id: int
    external_id: str
    kind: str
    status: str
    amount: Decimal
    refunded_day: dt.date | None


REFUND_FIELDS = ("order_id", "id", "external_id", "kind", "status", "amount", "refunded_day")


@dataclass(slots=True)
class Candidate:
    key: str
    type: str
    component: str
    business_date: dt.date
    expected: Decimal
    actual: Decimal
    difference: Decimal
    detail: str
    currency: str = "CNY"
    order_id: int | None = None
    refund_id: int | None = None
    line_id: int | None = None
    shop_id: int | None = None
    entity_id: int | None = None
    source: str = ""
    channel: str = ""
    detail_message: dict = field(default_factory=dict)  # the detail as a message (config.messages)

    def __post_init__(self) -> None:
        self.detail_message = message_stored(self.detail) or {}


def round_cent(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def money(value: Any) -> Decimal:
    if value is None:
        return ZERO
    if not isinstance(value, Decimal):
        value = Decimal(str(value))
    return value.quantize(CENT)


def local_date(moment: dt.datetime | None) -> dt.date | None:
    return moment.astimezone(SHANGHAI).date() if moment is not None else None


def day_bounds(date_from: dt.date, date_to: dt.date) -> tuple[dt.datetime, dt.datetime]:
    start = dt.datetime.combine(date_from, dt.time(), tzinfo=SHANGHAI)
    end = dt.datetime.combine(date_to + dt.timedelta(days=1), dt.time(), tzinfo=SHANGHAI)
    return start, end
