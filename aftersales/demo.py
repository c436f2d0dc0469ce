"""After-sales' part of the demo: the usual approval ladder, and open cases of every kind on demo orders —
a refund stopping an unshipped order, returns awaiting the parcel and received at the warehouse (awaiting
inspection), an exchange, a re-ship and a compensation — so the case pages, the API and the admin have
something to show."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.utils import timezone

from aftersales.models import ApprovalTier, Case
from aftersales.services import LineRequest, ReceivedLine, case_approve, case_create, case_receive
from orders.models import Order
from orders.states import Status

UNSHIPPED = (Status.PAID, Status.APPROVED)
SENT = (Status.DELIVERED, Status.COMPLETED, Status.IN_TRANSIT, Status.SHIPPED)
# name, approver, up to, clean history only, finance check
LADDER = [
    ("自动 ≤50", ApprovalTier.Approver.AUTOMATIC, Decimal("50.00"), True, False),
    ("客服 ≤500", ApprovalTier.Approver.CS, Decimal("500.00"), False, False),
    ("主管 ≤2000", ApprovalTier.Approver.MANAGER, Decimal("2000.00"), False, False),
    ("主管 + 财务复核", ApprovalTier.Approver.MANAGER, None, False, True),
]


def demo_seed() -> dict[str, int]:
    _tiers()
    if Case.objects.exclude(source=Case.Source.PLATFORM).exists():
        return {"aftersales_cases": 0}
    manager = get_user_model().objects.filter(username="manager").first()
    made = 0
    deadline = timezone.now() + dt.timedelta(hours=40)
    unshipped = _orders(UNSHIPPED, count=1)
    sent = _orders(SENT, count=6)
    plan = [
        (unshipped, "refund_only", "no_longer_wanted", "拍错了，还没发货请直接退款", None),
        (sent, "return_refund", "quality", "面霜开盖有异味，申请退货退款", "approve"),
        (sent, "return_refund", "not_as_described", "颜色和图片差别很大", "receive"),
        (sent, "exchange", "wrong_item", "发错色号了，要换成 02 号", None),
        (sent, "reship", "missing_item", "少了一支赠品小样", None),
        (sent, "compensation", "price_protection", "下单第二天降价 20 元，申请价保", None),
    ]
    for orders, kind, reason_code, words, step in plan:
        if not orders:
            continue
        order = orders.pop(0)
        line = order.lines.select_related("sku").first()
        case = case_create(
            order=order,
            kind=kind,
            amount=Decimal("20.00") if kind == "compensation" else None,
            lines=[] if kind == "compensation" else [LineRequest(sku_code=line.sku.code, quantity=1)],
            reason=words,
            reason_code=reason_code,
            buyer_words=words,
            deadline_at=deadline,
            source=Case.Source.STAFF,
            actor=manager,
            system="demo",
        )
        if step and manager is not None and case.status == Case.Status.REQUESTED:
            case_approve(case=case, actor=manager, reason="演示：同意退货")
            if step == "receive":
                case_receive(
                    case=case, lines=[ReceivedLine(sku_code=line.sku.code, quantity=1, condition="good")], actor=manager
                )
        made += 1
    return {"aftersales_cases": made}


def _tiers() -> None:
    if ApprovalTier.objects.filter(approver=ApprovalTier.Approver.AUTOMATIC).exists():
        return
    ApprovalTier.objects.filter(approver=ApprovalTier.Approver.MANAGER, max_amount__isnull=True).delete()
    for name, approver, limit, clean, check in LADDER:
        ApprovalTier.objects.create(
            name=name, approver=approver, max_amount=limit, clean_history_only=clean, finance_check=check
        )


def _orders(statuses, *, count: int) -> list[Order]:
    """Paid demo orders in these statuses with no case yet, of different buyers."""
    orders, phones = [], set()
    for order in (
        Order.objects.filter(status__in=statuses, paid_at__isnull=False, cases__isnull=True, paid_amount__gt=30)
        .exclude(consignee_phone="")
        .order_by("pk")[: count * 5]
    ):
        if order.consignee_phone in phones:
            continue
        phones.add(order.consignee_phone)
        orders.append(order)
        if len(orders) == count:
            break
    return orders
