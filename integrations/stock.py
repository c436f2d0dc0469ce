"""Which shops are offered stock by default: every shop whose platform connection is enabled and whose
platform takes stock pushes (adapter capability ``stock``). Inventory adds the shop × SKU rows (rule
``default``: available less safety stock) where no allocation exists yet; allocations people set win."""

from __future__ import annotations

from integrations.models import ShopConnection
from integrations.platforms import adapter_for, supported
from inventory.services import channel_stock_defaults_ensure


def stock_shop_ids() -> list[int]:
    """The shops stock can be pushed to."""
    return [
        shop_id
        for shop_id, platform in ShopConnection.objects.filter(is_enabled=True).values_list("shop_id", "shop__platform")
        if supported(platform) and "stock" in adapter_for(platform).capabilities
    ]


def channel_stock_defaults_sync() -> int:
    """Add the default shop × SKU rows of every stock shop (new shops, new SKUs). Idempotent; scheduled."""
    return channel_stock_defaults_ensure(shop_ids=stock_shop_ids())
