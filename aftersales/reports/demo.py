"""The reports' part of the demo: cases spread over the demo's days on delivered orders — refunded after a few
hours to two days (the platform's refunded notice, as its feed sends it), rejected, or still waiting — with the
usual reasons, so every chart and table of /aftersales/reports/ has something to show."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.utils import timezone

from aftersales.models import Case
from aftersales.services import LineRequest, case_create, case_reject, refund_record
from orders.models import Order
from orders.states import Status

CENT = Decimal("0.01")
DEMO_PREFIX = "DEMO-RPT-"
REASONS = ["quality", "no_longer_wanted", "not_as_described", "damaged", "quality", "wrong_item", "late_delivery"]


def reports_demo_seed(manager) -> dict[str, int]:
    """Up to 24 cases on delivered demo orders, each asked for a day or so after payment."""
    if manager is None or Case.objects.filter(external_id__startswith=DEMO_PREFIX).exists():
        return {"report_cases": 0}
    now = timezone.now()
    delivered = Order.objects.filter(status__in=(Status.DELIVERED, Status.COMPLETED), paid_at__isnull=False)
    orders = list(delivered.filter(cases__isnull=True, paid_amount__gt=0).order_by("paid_at", "pk")[:24])
    made = 0
    for index, order in enumerate(orders):
        line = order.lines.select_related("sku").order_by("pk").first()
        if line is None:
            continue
        asked = min(order.paid_at + dt.timedelta(hours=20 + 7 * (index % 5)), now - dt.timedelta(hours=3))
        # one unit's worth, never more than was paid (an order discount not spread over its lines)
        worth = min((line.line_total / line.quantity).quantize(CENT), order.paid_amount)
        case = case_create(
            order=order,
            kind="return_refund" if index % 3 == 2 else "refund_only",
            amount=worth,
            lines=[LineRequest(sku_code=line.sku.code, quantity=1)],
            reason_code=REASONS[index % len(REASONS)],
            reason="演示：售后报表",
            source=Case.Source.STAFF,
            actor=manager,
            system="demo",
        )
        Case.objects.filter(pk=case.pk).update(created_at=asked, requested_at=asked)
        outcome = index % 4
        if outcome in (0, 1):  # the platform reports the money went back
            refund_record(
                order=order,
                amount=case.amount,
                external_id=f"{DEMO_PREFIX}{case.number}",
                status=Case.Status.REFUNDED,
                requested_at=asked,
                refunded_at=min(asked + dt.timedelta(hours=3 + 11 * (index % 4) + index), now),
                system="demo",
            )
        elif outcome == 2 and Case.objects.get(pk=case.pk).status == Case.Status.REQUESTED:
            case_reject(case=case, actor=manager, reason="演示：超过售后期", system="demo")
        made += 1
    return {"report_cases": made}
