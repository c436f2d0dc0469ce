"""The simulator's world in its database: a warehouse with carriers and bins, hot SKUs and others with ample
stock, the shipped review rules, and per run a Shopify and a Taobao sandbox shop (fresh platform order ids)."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from typing import Any

from integrations.simulator.options import Options

WAREHOUSE = "PEAK-WH"
OTHER_SKUS = 25


@dataclass
class World:
    warehouse: Any
    shopify: Any
    taobao: Any
    skus: list[tuple[str, str]]
    hot: list[tuple[str, str]]
    run: str
    fresh: bool
    runs_before: int


def world_setup(options: Options, *, base_url: str) -> World:
    from fulfilment.models import WarehouseCarrier
    from fulfilment.services.setup import fulfilment_setup
    from integrations.benchmarks.shops import sandbox_shop_create
    from inventory.models import SKU, Stock, Warehouse
    from inventory.services import stock_receive
    from orders.models import Shop
    from orders.rules.demo import demo_rules_seed

    runs_before = Shop.objects.filter(code__startswith="peak-", platform="shopify").count()
    run = secrets.token_hex(3)
    warehouse, _created = Warehouse.objects.get_or_create(code=WAREHOUSE, defaults={"name": "大促仿真仓"})
    hot = [
        SKU.objects.get_or_create(code=f"PEAK-H{i}", defaults={"name": f"爆款 {i}"})[0]
        for i in range(1, options.hot_skus + 1)
    ]
    other = [
        SKU.objects.get_or_create(code=f"PEAK-N{i:02d}", defaults={"name": f"仿真商品 {i}"})[0]
        for i in range(1, OTHER_SKUS + 1)
    ]
    # Ample stock: the run measures the path, not a sell-out (each order asks for up to 3 lines × 3 units).
    wanted = options.orders * 9 + 1_000
    have = dict(Stock.objects.filter(warehouse=warehouse).values_list("sku_id", "on_hand"))
    top_up = [(sku, wanted - have.get(sku.pk, 0)) for sku in hot + other if have.get(sku.pk, 0) < wanted]
    if top_up:
        stock_receive(warehouse=warehouse, lines=top_up, reason="peak simulator stock", system="simulator")
    if not WarehouseCarrier.objects.filter(warehouse=warehouse).exists():
        fulfilment_setup(warehouse=warehouse, aisles=3, bays=10)
    demo_rules_seed()
    shops = {
        platform: sandbox_shop_create(
            platform=platform,
            code=f"peak-{run}-{platform}",
            name=f"仿真 {platform} {run}",
            warehouse=warehouse,
            base_url=base_url,
            app_key=f"sandbox-peak-{platform}-{run}",
        )
        for platform in ("shopify", "taobao")
    }
    return World(
        warehouse=warehouse,
        shopify=shops["shopify"],
        taobao=shops["taobao"],
        skus=[(sku.code, sku.name) for sku in hot + other],
        hot=[(sku.code, sku.name) for sku in hot],
        run=run,
        fresh=runs_before == 0,
        runs_before=runs_before,
    )


def world_progress(world: World) -> tuple[int, int, int]:
    """(inbox messages not settled, orders created, orders reviewed) of the run's shops."""
    from integrations.models import InboxMessage, WorkStatus
    from orders.models import Order, OrderRuleResult

    shops = [world.shopify.shop_id, world.taobao.shop_id]
    inbox = InboxMessage.objects.filter(
        shop_id__in=shops, status__in=[WorkStatus.PENDING, WorkStatus.PROCESSING, WorkStatus.FAILED]
    ).count()
    created = Order.objects.filter(shop_id__in=shops).count()
    reviewed = OrderRuleResult.objects.filter(order__shop_id__in=shops, evaluated_at__isnull=False).count()
    return inbox, created, reviewed


def world_unreviewed(world: World) -> int:
    """Paid orders of the run's shops still waiting for their review."""
    from orders.models import Order
    from orders.states import Status

    return Order.objects.filter(
        shop_id__in=[world.shopify.shop_id, world.taobao.shop_id], status=Status.PAID, rule_result__isnull=True
    ).count()


def world_leftovers_set_aside(world: World) -> dict[str, int]:
    """What earlier runs left unfinished (a run stopped mid-way, its processes killed), set aside so that this
    run measures its own orders: their inbox messages not yet settled are parked as dead letters (this run's
    workers would otherwise work through them before its own orders, and its reviewers through their reviews);
    their paid orders the review never reached are counted (the review's sweep waits during a run, so nothing
    queues them again). Returns {"inbox_parked": …, "unreviewed_paid": …}."""
    from integrations.inbox import inbox_park
    from orders.models import Order, Shop
    from orders.states import Status

    earlier = list(
        Shop.objects.filter(code__startswith="peak-")
        .exclude(pk__in=[world.shopify.shop_id, world.taobao.shop_id])
        .values_list("pk", flat=True)
    )
    parked = inbox_park(shop_ids=earlier, error="left by an earlier simulation run that stopped", code="run_stopped")
    unreviewed = Order.objects.filter(shop_id__in=earlier, status=Status.PAID, rule_result__isnull=True).count()
    return {"inbox_parked": parked, "unreviewed_paid": unreviewed}
