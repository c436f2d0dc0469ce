"""The demo's refund decisions on the platforms: on the Tmall flagship store (connected to the sandbox) one buyer's
refund request is agreed on the platform and one is refused there for good — its outbox message parks, to be seen
in admin → Outbox messages and on the case's timeline — and every sandbox connection gets a return address id,
so agreeing a return works under ``make run``."""

from __future__ import annotations

from decimal import Decimal

from django.contrib.auth import get_user_model

from aftersales.models import Case
from aftersales.services import case_approve, refund_execute, refund_record
from integrations.models import ShopConnection
from orders.models import Order, Shop
from orders.states import Status

SHOP = "tmall-flagship"
# Sandbox refund ids: one waiting for the merchant, one the platform wants handled in its back office (…1111).
DEMO_REFUNDS = (("DEMO8800012", "顾客不想要了，申请仅退款"), ("DEMO8801111", "金额较大，平台要求商家后台处理"))
DEMO_RETURN_ADDRESS_ID = "7001"


def refund_decisions_demo_ensure() -> dict[str, int]:
    ShopConnection.objects.filter(return_address_id="", base_url__contains="/sandbox/").update(
        return_address_id=DEMO_RETURN_ADDRESS_ID
    )
    shop = Shop.objects.filter(code=SHOP).first()
    manager = get_user_model().objects.filter(username="manager").first()
    if shop is None or manager is None or Case.objects.filter(external_id__startswith="DEMO880").exists():
        return {"platform_refund_decisions": 0}
    orders = list(
        Order.objects.filter(shop=shop, status__in=(Status.SHIPPED, Status.DELIVERED, Status.COMPLETED))
        .exclude(cases__isnull=False)
        .exclude(external_id="")
        .order_by("pk")[: len(DEMO_REFUNDS)]
    )
    made = 0
    for order, (refund_id, reason) in zip(orders, DEMO_REFUNDS, strict=False):
        amount = min(order.paid_amount, Decimal("39.90"))
        case, _created = refund_record(order=order, amount=amount, external_id=refund_id, reason=reason, system="tmall")
        case_approve(case=case, actor=manager, reason="演示：同意退款")
        refund_execute(case=case, actor=manager, system="demo")  # the outbox agrees it on the platform
        made += 1
    return {"platform_refund_decisions": made}
