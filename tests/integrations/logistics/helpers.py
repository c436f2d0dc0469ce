"""Helpers for the e-waybill tests: a waybill request as fulfilment builds it from a parcel."""

from __future__ import annotations

from fulfilment.carriers.adapters.base import AccountRef, Party, WaybillRequest


def waybill_request(*, provider: str, shop_id=None, carrier="ZTO", platform="tmall", cipher=None, **overrides):
    values = {
        "carrier_code": carrier,
        "order_reference": "OH20261111000042",
        "sender": Party("杭州仓", "0571-88886666", "浙江省", "杭州市", "余杭区", "文一西路969号"),
        "receiver": Party("王*", "138****5678", "江苏省", "南京市", "玄武区", "中山路****"),
        "weight_grams": 800,
        "receiver_cipher": cipher or {},
        "platform": platform,
        "platform_order_id": "3920193810012",
        "platform_carrier_code": carrier,
        "items": (("精华液 30ml", 1),),
        "account": AccountRef(
            id=1,
            provider=provider,
            shop_id=shop_id,
            branch_code="571001",
            account_number="7551234567",
            template_url="https://cloudprint.cainiao.com/template/standard/101/123",
        ),
        "request_id": "OH20261111000042-7",
    }
    values.update(overrides)
    return WaybillRequest(**values)
