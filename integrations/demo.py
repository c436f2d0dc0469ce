"""Integrations' part of the demo: the demo shops pull from (and are pushed to by) the built-in sandbox, so
``make run`` shows orders flowing in from every platform."""

import os

from integrations.alerting.demo import alerting_demo_ensure
from integrations.board.demo import board_demo_ensure
from integrations.hooks.demo import webhooks_demo_ensure
from integrations.logistics.demo import logistics_demo_ensure
from integrations.notify.demo import buyer_notifications_demo_ensure
from integrations.presale_demo import presale_demo_ensure
from integrations.refund_demo import (
    jd_aftersales_demo_ensure,
    refund_decisions_demo_ensure,
    shopify_refund_demo_ensure,
)
from integrations.sandbox.setup import sandbox_connections_ensure
from integrations.simulator.demo import peak_demo_ensure
from integrations.stock import channel_stock_defaults_sync


def demo_seed() -> dict[str, int]:
    base_url = os.environ.get("SANDBOX_BASE_URL", "http://127.0.0.1:8000")
    connections = sandbox_connections_ensure(base_url=base_url, backfill_hours=2)
    return {
        "sandbox_connections": connections,
        **logistics_demo_ensure(base_url=base_url),
        **presale_demo_ensure(),
        # Every sandbox shop is offered every SKU (available less safety stock): the stock page shows pushes.
        "channel_stock_defaults": channel_stock_defaults_sync(),
        "channel_allocations": _demo_allocation(),
        # A partner's webhooks: one subscription delivered to the sandbox partner, one paused with a parked delivery.
        **webhooks_demo_ensure(base_url=base_url),
        # Buyer notifications: sandbox template codes, and a sent, an opted-out and a parked message in the log.
        **buyer_notifications_demo_ensure(),
        # Refund decisions on the platforms: one agreed through the outbox, one parked for staff.
        **refund_decisions_demo_ensure(),
        # JD after-sales: the JD shop's seller id, and a return its buyer asked for on JD (a service order).
        **jd_aftersales_demo_ensure(),
        # Shopify: an order whose first line the merchant refunded in Shopify's admin (the rest ships).
        **shopify_refund_demo_ensure(),
        # The peak simulator: one finished run (recorded on the project's machine) with its report.
        **peak_demo_ensure(),
        # Staff alerts go to a DingTalk and a WeCom robot and, when red, ring the on-call phones (all on the sandbox).
        **alerting_demo_ensure(base_url=base_url),
        # Last: the command center's panels over everything the demo loaded.
        **board_demo_ensure(),
    }


def _demo_allocation() -> int:
    """One allocation to see on /stock/allocations/: the flagship store sells at most 20 of the first SKU."""
    from inventory.models import SKU, ChannelStock
    from inventory.services import channel_stock_set
    from orders.models import Shop

    shop = Shop.objects.filter(code="tmall-flagship").first()
    sku = SKU.objects.order_by("code").first()
    if shop is None or sku is None or ChannelStock.objects.filter(shop_id=shop.pk, sku=sku, rule="fixed").exists():
        return 0
    channel_stock_set(shop_id=shop.pk, sku=sku, rule=ChannelStock.Rule.FIXED, quota=20)
    return 1
