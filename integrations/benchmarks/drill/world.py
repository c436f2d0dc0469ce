"""What the fault drill works with, made in the cluster's database: two shops on the platform sandbox, stock
short of what the orders want, partner tokens."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

SKUS = 20


@dataclass
class World:
    """What the drill works with: a Shopify and a Taobao connection on the platform sandbox, a warehouse with
    SKUS SKUs of 60 units each, a partner token that may see both shops."""

    shopify: object
    taobao: object
    warehouse: object
    sku_codes: list[str]
    token: str
    stock_at_start: int
    run: str


def world_build(topology) -> World:

    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group
    from rest_framework.authtoken.models import Token

    from integrations.benchmarks.shops import sandbox_shop_create
    from inventory.models import SKU, Warehouse
    from inventory.services import stock_receive
    from orders import roles
    from orders.access import shop_access_grant, warehouse_access_grant

    run = uuid.uuid4().hex[:6]
    warehouse = Warehouse.objects.create(code=f"drill-{run}", name=f"演练仓 {run}")
    skus = [SKU.objects.create(code=f"DRILL-{run}-{i:02d}", name=f"演练商品 {i}") for i in range(1, SKUS + 1)]
    stock_receive(warehouse=warehouse, lines=[(sku, 60) for sku in skus], reason="drill opening stock")
    shops = {
        platform: sandbox_shop_create(
            platform=platform,
            code=f"drill-{platform}-{run}",
            name=f"演练 {platform}",
            warehouse=warehouse,
            base_url=topology.url,
            app_key=f"sandbox-drill-{platform}-{run}",
        )
        for platform in ("shopify", "taobao")
    }
    user = get_user_model().objects.create(username=f"drill-partner-{run}", is_staff=True)
    user.groups.set(Group.objects.filter(name__in=[roles.MANAGER]))
    shop_access_grant(who=user, shops=[c.shop for c in shops.values()])
    warehouse_access_grant(who=user, warehouses=[warehouse])
    token = Token.objects.create(user=user).key
    return World(
        shopify=shops["shopify"],
        taobao=shops["taobao"],
        warehouse=warehouse,
        sku_codes=[sku.code for sku in skus],
        token=token,
        stock_at_start=60 * SKUS,
        run=run,
    )


def reader_token(world: World) -> str:
    """A second partner token that has never written (not pinned to the primary)."""
    from django.contrib.auth import get_user_model
    from rest_framework.authtoken.models import Token

    from orders.access import shop_access_grant

    user = get_user_model().objects.create(username=f"drill-reader-{uuid.uuid4().hex[:6]}", is_staff=True)
    user.groups.set(get_user_model().objects.get(auth_token__key=world.token).groups.all())
    shop_access_grant(who=user, shops=[world.shopify.shop, world.taobao.shop])
    return Token.objects.create(user=user).key
