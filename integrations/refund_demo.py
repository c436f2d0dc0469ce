"""The demo's refund decisions on the platforms: on the Tmall flagship store (connected to the sandbox) one buyer's
refund request is agreed on the platform and one is refused there for good — its outbox message parks, to be seen
in admin → Outbox messages and on the case's timeline — and every sandbox connection gets a return address id,
so agreeing a return works under ``make run``. The JD POP shop's sandbox connection gets JD's seller id (its
after-sales service orders are polled with it) and its return address with JD's area ids (agreeing a JD return names
them), and one of its delivered orders a return the buyer asked for on JD (a service order, read as the poll reads
it), for customer service to decide. The Shopify shop gets one of the sandbox's orders with its first line refunded in
Shopify's admin, pushed as the sandbox pushes it: the case has that line, its units are off the order, and the rest
ships."""

from __future__ import annotations

from decimal import Decimal

from django.contrib.auth import get_user_model
from django.utils import timezone

from aftersales.models import Case
from aftersales.services import case_approve, refund_execute, refund_record
from integrations.models import ShopConnection
from orders.models import Order, Shop
from orders.states import Status

SHOP = "tmall-flagship"
# Sandbox refund ids: one waiting for the merchant, one the platform wants handled in its back office (…1111).
DEMO_REFUNDS = (("DEMO8800012", "顾客不想要了，申请仅退款"), ("DEMO8801111", "金额较大，平台要求商家后台处理"))
DEMO_RETURN_ADDRESS_ID = "7001"
JD_SHOP = "jd-pop"
JD_SELLER_ID = "10098765"  # the sandbox's JD venderId
JD_DEMO_SERVICE_ID = 6299000001
# The JD shop's return address: JD's area ids 1 北京, 72 朝阳区, 2799 三环以内 (as JD's own area paths write them).
JD_RETURN_ADDRESS = {
    "name": "退货仓",
    "tel": "010-88886666",
    "zipcode": "100020",
    "province_code": 1,
    "city_code": 72,
    "county_code": 2799,
    "detail": "朝阳区建国路88号退货组",
    "address_type": 1,
}


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


def jd_aftersales_demo_ensure() -> dict[str, int]:
    """The JD POP shop's sandbox connection takes JD's seller id, and one delivered JD order has a return service
    order open (``jingdong.asc.query.list``'s record, through the JD adapter's reader)."""
    from integrations.platforms.jd.aftersales import service_order_event

    ShopConnection.objects.filter(shop__code=JD_SHOP, seller_id="", base_url__contains="/sandbox/").update(
        seller_id=JD_SELLER_ID
    )
    ShopConnection.objects.filter(shop__code=JD_SHOP, return_address={}, base_url__contains="/sandbox/").update(
        return_address=JD_RETURN_ADDRESS
    )
    shop = Shop.objects.filter(code=JD_SHOP).first()
    if shop is None or Case.objects.filter(order__shop=shop, external_id=str(JD_DEMO_SERVICE_ID)).exists():
        return {"jd_aftersales_cases": 0}
    order = (
        Order.objects.filter(shop=shop, status__in=(Status.DELIVERED, Status.COMPLETED))
        .exclude(cases__isnull=False)
        .exclude(external_id="")
        .order_by("pk")
        .first()
    )
    line = order.lines.order_by("pk").first() if order is not None else None
    if line is None:
        return {"jd_aftersales_cases": 0}
    event = service_order_event(
        {
            "serviceId": JD_DEMO_SERVICE_ID,
            "orderId": order.external_id,
            "customerExpect": 10,
            "customerExpectName": "退货",
            "serviceStatus": 10,
            "applyTime": timezone.localtime(timezone.now()).strftime("%Y-%m-%d %H:%M:%S"),
            "questionTypeCid1": 1,
            "questionTypeCid1Name": "商品质量问题",
            "wareName": line.title or line.sku.name,
            "serviceCount": 1,
            "actualPayPrice": str(min(line.unit_price, order.paid_amount)),
            "sysVersion": 1,
        }
    )
    refund_record(
        order=order,
        amount=event.refund.amount,
        external_id=event.refund.external_id,
        status=event.refund.status,
        kind=event.refund.kind,
        reason=event.refund.reason,
        requested_at=event.refund.requested_at,
        system="jd",
    )
    return {"jd_aftersales_cases": 1}


SHOPIFY_SHOP = "shopify-global"


def shopify_refund_demo_ensure() -> dict[str, int]:
    """One Shopify line refund to see: a sandbox order of the Shopify shop whose first line (of several) the
    merchant refunded in Shopify's admin (``integrations.sandbox.formats.shopify_refunds``), pushed as the sandbox
    pushes it (a signed ``orders/updated`` webhook) and processed at once through the inbox — the order with a
    refunded case of that line, its units taken off, the other lines to ship."""
    from integrations.inbox import inbox_process
    from integrations.platforms.base import PushRequest
    from integrations.sandbox import data, formats
    from integrations.sandbox.push import signed_push
    from integrations.services import webhook_accept

    connection = ShopConnection.objects.select_related("shop").filter(shop__code=SHOPIFY_SHOP).first()
    if connection is None or not connection.webhook_secret:
        return {"shopify_line_refunds": 0}
    if Case.objects.filter(order__shop=connection.shop, source=Case.Source.PLATFORM, lines__isnull=False).exists():
        return {"shopify_line_refunds": 0}
    now = timezone.now()
    last = data.seq_at(now)
    for seq in range(last, max(last - 5000, -1), -1):
        generated = data.generate(connection.app_key, seq, now=now)
        if generated is not None and generated.refund_requested_at and len(generated.lines) > 1:
            break
    else:
        return {"shopify_line_refunds": 0}
    query, body, headers = signed_push(
        "shopify", connection, [formats.shopify_order(generated)], topic="orders/updated"
    )
    stored = webhook_accept(
        platform="shopify",
        shop_code=connection.shop.code,
        request=PushRequest(body=body, headers={name.lower(): value for name, value in headers.items()}, query=query),
    )
    inbox_process(stored.new_ids)
    return {"shopify_line_refunds": 1}
