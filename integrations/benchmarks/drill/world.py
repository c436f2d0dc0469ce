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
    import datetime as dt
    import secrets

    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group
    from django.utils import timezone
    from rest_framework.authtoken.models import Token

    from integrations.models import ShopConnection
    from inventory.models import SKU, Warehouse
    from inventory.services import stock_receive
    from orders import roles
    from orders.access import shop_access_grant, warehouse_access_grant
    from orders.models import Shop

    run = uuid.uuid4().hex[:6]
    warehouse = Warehouse.objects.create(code=f"drill-{run}", name=f"演练仓 {run}")
    skus = [SKU.objects.create(code=f"DRILL-{run}-{i:02d}", name=f"演练商品 {i}") for i in range(1, SKUS + 1)]
    stock_receive(warehouse=warehouse, lines=[(sku, 60) for sku in skus], reason="drill opening stock")
    shops = {}
    for platform in ("shopify", "taobao"):
        shop = Shop.objects.create(
            code=f"drill-{platform}-{run}", name=f"演练 {platform}", platform=platform, default_warehouse=warehouse
        )
        shops[platform] = ShopConnection.objects.create(
            shop=shop,
            base_url=f"{topology.url}/sandbox/{platform}",
            app_key=f"sandbox-drill-{platform}-{run}",
            app_secret=secrets.token_hex(16),
            access_token=secrets.token_hex(16),
            webhook_secret=secrets.token_hex(16),
            token_expires_at=timezone.now() + dt.timedelta(days=60),
            is_enabled=True,
            poll_interval_minutes=1440,  # pushes only: no polling during the drill
            next_poll_at=timezone.now() + dt.timedelta(days=365),
        )
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
