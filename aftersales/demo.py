"""After-sales' part of the demo: the usual approval ladder, and open cases of every kind on demo orders —
a refund stopping an unshipped order, returns awaiting the parcel (its return waybill scans on the returns desk)
and received at the warehouse, an exchange, a re-ship and a compensation; an unknown parcel at the warehouse and a
risky buyer (refunds on several orders); platform deadlines from already past to two days away, a CS note and the
buyer's photo on a case, a saved risk policy — so the CS queue, the case pages, the returns desk, the API and the
admin have something to show."""

from __future__ import annotations

import base64
import datetime as dt
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from aftersales.models import ApprovalTier, Case, RiskPolicy, UnknownParcel
from aftersales.reports.demo import reports_demo_seed
from aftersales.services import LineRequest, ReceivedLine, case_approve, case_create, case_receive
from aftersales.services.notes import case_evidence_add, case_note_add
from aftersales.services.risk import risk_policy_save
from inventory.models import Warehouse
from orders.models import Order
from orders.states import Status

UNSHIPPED = (Status.PAID, Status.APPROVED)
DEMO_RETURN_WAYBILL = "SF1400000000001"
# A 1×1 PNG standing for the photo of the demo's unknown parcel.
DEMO_PHOTO = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg=="
)
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
    now = timezone.now()
    unshipped = _orders(UNSHIPPED, count=1)
    # the dearest order gets the compensation: above the automatic tier, it waits for CS in the queue
    sent = sorted(_orders(SENT, count=6), key=lambda order: order.paid_amount)
    plan = [
        (unshipped, "refund_only", "no_longer_wanted", "拍错了，还没发货请直接退款", None),
        (sent, "return_refund", "quality", "面霜开盖有异味，申请退货退款", "approve"),
        (sent, "return_refund", "not_as_described", "颜色和图片差别很大", "receive"),
        (sent, "exchange", "wrong_item", "发错色号了，要换成 02 号", None),
        (sent, "reship", "missing_item", "少了一支赠品小样", None),
        (sent, "compensation", "price_protection", "下单第二天降价 60 元，申请价保", None),
    ]
    for orders, kind, reason_code, words, step in plan:
        if not orders:
            continue
        order = orders.pop(0)
        line = order.lines.select_related("sku").first()
        case = case_create(
            order=order,
            kind=kind,
            amount=min(Decimal("60.00"), order.paid_amount) if kind == "compensation" else None,
            lines=[] if kind == "compensation" else [LineRequest(sku_code=line.sku.code, quantity=1)],
            reason=words,
            reason_code=reason_code,
            buyer_words=words,
            deadline_at=now + dt.timedelta(hours=40),
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
        if step == "approve":
            Case.objects.filter(pk=case.pk).update(return_waybill=DEMO_RETURN_WAYBILL)
            _cs_desk(case=case, actor=manager)
        made += 1
    counts = {"aftersales_cases": made, **_returns_desk(), **_risky_buyer(manager)}
    _deadlines_spread(now=now)
    counts.update(reports_demo_seed(manager))
    return counts


def _deadlines_spread(*, now) -> None:
    """The CS queue counts down to the platforms' deadlines: of the cases still waiting for an answer, the first
    is past its deadline, the next due in three hours."""
    for case, hours in zip(Case.objects.filter(status=Case.Status.REQUESTED).order_by("pk"), (-2, 3), strict=False):
        case.deadline_at = now + dt.timedelta(hours=hours)
        case.save(update_fields=["deadline_at", "updated_at"])


def _cs_desk(*, case: Case, actor) -> None:
    """What CS leaves on a case page (a note, the buyer's photo) and the risk thresholds page's first saved
    policy (its history shows who set it)."""
    case_note_add(case=case, note="已电话联系买家，确认寄回并提供运单号", actor=actor)
    case_evidence_add(
        case=case,
        files=[SimpleUploadedFile("buyer-photo.png", DEMO_PHOTO, content_type="image/png")],
        caption="买家拍的开盖照片",
        actor=actor,
    )
    if not RiskPolicy.objects.exists():
        risk_policy_save(values={"watch_from": 40, "high_from": 70}, actor=actor)


def _returns_desk() -> dict[str, int]:
    """An unknown parcel at the first warehouse (the return awaiting its parcel above scans as
    ``DEMO_RETURN_WAYBILL`` on the phone's returns desk)."""
    warehouse = Warehouse.objects.filter(is_active=True).order_by("priority", "code").first()
    if warehouse is None or UnknownParcel.objects.exists():
        return {"unknown_parcels": 0}
    UnknownParcel.objects.create(
        scanned="YT7788990011",
        tracking_number="YT7788990011",
        warehouse=warehouse,
        sender="王*",
        note="一双黑色运动鞋，无订单号",
        photo=ContentFile(DEMO_PHOTO, name="unknown-parcel.png"),
    )
    return {"unknown_parcels": 1}


def _risky_buyer(manager) -> dict[str, int]:
    """A risky buyer: their return came back with the wrong item in the box (graded at the warehouse: fraud flag),
    and they ask again on their other orders — the risky-buyers list and the order page show them."""
    if manager is None:
        return {"risky_buyer_cases": 0}
    orders = list(
        Order.objects.filter(status__in=SENT, paid_amount__gt=30, cases__isnull=True)
        .exclude(consignee_phone="")
        .order_by("consignee_phone", "pk")
    )
    by_phone: dict[str, list[Order]] = {}
    for order in orders:
        by_phone.setdefault(order.consignee_phone, []).append(order)
    if not by_phone:
        return {"risky_buyer_cases": 0}
    mine = max(by_phone.values(), key=len)[:3]
    made = 0
    for index, order in enumerate(mine):
        line = order.lines.select_related("sku").first()
        case = case_create(
            order=order,
            kind="return_refund" if index == 0 else "refund_only",
            lines=[LineRequest(sku_code=line.sku.code, quantity=1)],
            reason="质量问题，要求退款",
            reason_code="quality",
            source=Case.Source.STAFF,
            actor=manager,
            system="demo",
        )
        if index == 0 and case.status == Case.Status.REQUESTED:
            case_approve(case=case, actor=manager, reason="演示：同意退货")
            case_receive(
                case=case,
                lines=[ReceivedLine(sku_code=line.sku.code, quantity=0, condition="wrong_item")],
                actor=manager,
            )
        made += 1
    return {"risky_buyer_cases": made}


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
