"""The demo's presale order: a Tmall step trade (定金已付尾款未付) arriving the way Taobao sends it, so the order
page shows deposit, balance and the presale hold."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone

from integrations.ingest import order_version_apply
from integrations.platforms import adapter_for
from inventory.models import SKU, Pool
from inventory.services import stock_receive
from orders.models import Order, Shop, Source

SHOP = "tmall-flagship"
TID = "3987456199000000001"


def presale_demo_ensure() -> dict[str, int]:
    shop = Shop.objects.filter(code=SHOP).select_related("default_warehouse").first()
    sku = SKU.objects.filter(is_presale=True).order_by("code").first()
    if shop is None or sku is None or Order.objects.filter(shop=shop, external_id=TID).exists():
        return {"presale_orders": 0}
    now = timezone.localtime(timezone.now())
    stamp = (now - dt.timedelta(hours=3)).strftime("%Y-%m-%d %H:%M:%S")
    with transaction.atomic():
        stock_receive(
            warehouse=shop.default_warehouse,
            lines=[(sku, 50)],
            reason="预售库存 presale allocation",
            pool=Pool.PRESALE,
            system="demo",
            idempotency_key="demo-presale-pool",
        )
        incoming = adapter_for(shop.platform).to_platform_order(_step_trade(sku, stamp))
        order_version_apply(shop=shop, incoming=incoming, source=Source.DEMO, system="demo")
    return {"presale_orders": 1}


def _step_trade(sku: SKU, stamp: str) -> dict:
    """A taobao.trade.fullinfo.get trade of type step with the deposit paid (see the Taobao mapping)."""
    return {
        "tid": int(TID),
        "tid_str": TID,
        "type": "step",
        "status": "WAIT_BUYER_PAY",
        "step_trade_status": "FRONT_PAID_FINAL_NOPAID",
        "step_paid_fee": "100.00",
        "buyer_nick": "预**户",
        "created": stamp,
        "pay_time": stamp,
        "modified": stamp,
        "total_fee": "599.00",
        "post_fee": "0.00",
        "discount_fee": "0.00",
        "payment": "599.00",
        "buyer_message": "年货礼盒，尾款付清后请尽快发货",
        "receiver_name": "陈*",
        "receiver_mobile": "139****2046",
        "receiver_state": "浙江省",
        "receiver_city": "杭州市",
        "receiver_district": "滨江区",
        "receiver_address": "江南大道 3588 号 ****",
        "oaid": "demo-presale-oaid",
        "orders": {
            "order": [
                {
                    "oid": int(TID) + 1,
                    "num_iid": 681234599999,
                    "outer_iid": sku.code,
                    "outer_sku_id": sku.code,
                    "title": sku.name,
                    "price": "599.00",
                    "num": 1,
                    "payment": "599.00",
                    "divide_order_fee": "599.00",
                    "status": "WAIT_BUYER_PAY",
                    "refund_status": "NO_REFUND",
                }
            ]
        },
    }
