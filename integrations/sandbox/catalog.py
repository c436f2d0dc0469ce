"""The sandbox Shopify shop's catalogue and stock location, generated from Order Hub's own SKUs.

Every active SKU is one product with one variant whose ``sku`` is the SKU code, plus a gift card whose variant
has no SKU (as real shops have). Ids are stable per (app key, SKU code), so every process and every sync sees
the same catalogue without storing anything.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from integrations.sandbox.data import EPOCH, FALLBACK_SKUS, _digest
from integrations.sandbox.formats import _iso

GIFT_CARD = ("", "礼品卡 Gift card")


def skus() -> list[tuple[str, str]]:
    from inventory.models import SKU

    rows = list(SKU.objects.filter(is_active=True).order_by("code").values_list("code", "name"))
    return rows or list(FALLBACK_SKUS)


def location_id(app_key: str) -> int:
    return 65_000_000_000 + _digest("location", app_key) % 1_000_000_000


def locations(app_key: str) -> list[dict[str, Any]]:
    return [
        {
            "id": location_id(app_key),
            "name": "沙箱仓 Sandbox warehouse",
            "address1": "文三路 478 号",
            "city": "杭州市",
            "province": "浙江省",
            "country_code": "CN",
            "active": True,
            "legacy": False,
            "created_at": _iso(EPOCH),
            "updated_at": _iso(EPOCH),
        }
    ]


def _ids(app_key: str, code: str) -> tuple[int, int, int]:
    key = _digest("variant", app_key, code) % 1_000_000_000
    return 8_000_000_000_000 + key, 44_000_000_000_000 + key, 46_000_000_000_000 + key


def products(app_key: str) -> list[dict[str, Any]]:
    """The products, in id order, each with its variants as ``products.json`` shows them."""
    items = []
    for index, (code, name) in enumerate([*skus(), GIFT_CARD]):
        product_id, variant_id, item_id = _ids(app_key, code or "gift-card")
        created = EPOCH + dt.timedelta(minutes=index)
        items.append(
            {
                "id": product_id,
                "title": name,
                "status": "active",
                "created_at": _iso(created),
                "updated_at": _iso(created),
                "variants": [
                    {
                        "id": variant_id,
                        "product_id": product_id,
                        "title": "Default Title",
                        "sku": code,
                        "price": f"{(_digest(code) % 290) + 9.9:.2f}",
                        "position": 1,
                        "inventory_item_id": item_id,
                        "inventory_management": "shopify" if code else None,
                        "inventory_quantity": 0,
                    }
                ],
            }
        )
    return sorted(items, key=lambda product: product["id"])


def inventory_items(app_key: str) -> set[int]:
    return {variant["inventory_item_id"] for product in products(app_key) for variant in product["variants"]}
