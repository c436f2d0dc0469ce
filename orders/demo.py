"""Demo data: users for every role, shops on every platform, ~50 SKUs, two warehouses and a store, and a
few hundred orders spread over every status with a realistic timeline. Deterministic (fixed seed).

Everything goes through the real services, so the demo obeys the same rules as production data.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import transaction
from django.utils import timezone
from rest_framework.authtoken.models import Token

from inventory.models import SKU, Warehouse
from inventory.services import stock_receive
from orders import roles
from orders.access import shop_access_grant, warehouse_access_grant
from orders.models import Order, OrderEvent, Platform, Shop, Source
from orders.rules.demo import demo_rules_seed
from orders.services import LineInput, OrderInput, order_create, order_transition
from orders.states import HoldReason, Status
from orders.tokens import token_policy_save

DEMO_PASSWORD = "orderhub123"

# username, role group, shops granted (codes; "*" = all), warehouses granted, superuser
DEMO_USERS = [
    ("admin", roles.ADMIN, [], [], True),
    ("manager", roles.MANAGER, ["*"], ["*"], False),
    ("cs", roles.SALES_CS, ["tmall-flagship", "taobao-outlet", "jd-pop"], [], False),
    ("warehouse", roles.WAREHOUSE, [], ["hz-main"], False),
    ("finance", roles.FINANCE, ["*"], [], False),
    # a partner system: the brand website's order feed, with an API token limited to its shop and rate-limited
    ("website-bot", roles.SALES_CS, ["website"], [], False),
]
# username → (shops the token is limited to, rate limit, note): see docs/api.md "Tokens, scopes and rate limits"
DEMO_TOKEN_POLICIES = {"website-bot": (["website"], "600/min", "品牌官网下单系统（演示）")}

WAREHOUSES = [
    ("hz-main", "杭州主仓", Warehouse.Kind.WAREHOUSE, "浙江省", "杭州市", 10),
    ("gz-south", "广州华南仓", Warehouse.Kind.WAREHOUSE, "广东省", "广州市", 20),
    ("sh-store", "上海静安门店", Warehouse.Kind.STORE, "上海市", "上海市", 50),
]

SHOPS = [
    ("tmall-flagship", "天猫旗舰店", Platform.TMALL, "hz-main"),
    ("taobao-outlet", "淘宝折扣店", Platform.TAOBAO, "hz-main"),
    ("jd-pop", "京东POP店", Platform.JD, "gz-south"),
    ("pdd-main", "拼多多官方店", Platform.PDD, "gz-south"),
    ("douyin-live", "抖音直播小店", Platform.DOUYIN, "hz-main"),
    ("shopify-global", "Shopify Global", Platform.SHOPIFY, "hz-main"),
    ("wechat-mini", "微信小程序商城", Platform.WECHAT, "hz-main"),
    ("website", "品牌官网", Platform.WEBSITE, "gz-south"),
    ("pos-jingan", "静安门店收银", Platform.POS, "sh-store"),
]

PRODUCTS = [
    ("茶具", ["青瓷盖碗", "紫砂壶", "白瓷公道杯", "玻璃茶杯组", "竹制茶盘"], True, False),
    ("茶叶", ["西湖龙井 250g", "正山小种 200g", "安吉白茶 150g", "普洱熟茶饼", "铁观音礼盒"], False, False),
    ("冷链", ["鲜榨橙汁 1L", "冰淇淋礼盒", "低温酸奶 6 杯装"], False, True),
    ("家居", ["香薰蜡烛", "亚麻桌布", "陶瓷花瓶", "羊毛毯", "记忆棉枕"], False, False),
    ("数码", ["蓝牙音箱", "无线充电器", "降噪耳机", "移动电源 20000mAh", "智能手环"], True, False),
    ("美妆", ["保湿面霜", "玻尿酸精华", "防晒乳 SPF50", "口红礼盒", "洁面乳"], False, False),
    ("预售", ["新年限定礼盒(预售)", "联名茶具套装(预售)"], True, False),
]

ADDRESSES = [
    ("浙江省", "杭州市", "西湖区", "文三路478号华星时代广场A座1203"),
    ("上海市", "上海市", "浦东新区", "张江高科碧波路690号3号楼"),
    ("广东省", "深圳市", "南山区", "科技园南区高新南七道18号"),
    ("北京市", "北京市", "朝阳区", "望京SOHO塔2 C座1506"),
    ("江苏省", "南京市", "鼓楼区", "中山北路30号城市名人酒店旁菜鸟驿站"),
    ("四川省", "成都市", "武侯区", "天府大道北段1700号环球中心W6区"),
    ("湖北省", "武汉市", "洪山区", "珞喻路1037号华中科技大学东校区"),
    ("广东省", "广州市", "天河区", "体育西路189号城建大厦临时摊位"),
    ("山东省", "青岛市", "市南区", "香港中路76号颐中假日酒店快递柜代收"),
    ("福建省", "厦门市", "思明区", "环岛南路3999号曾厝垵"),
]
NAMES = ["张伟", "王芳", "李娜", "刘洋", "陈静", "杨磊", "赵敏", "黄鑫", "周杰", "吴婷", "徐丽", "孙强"]
REMARKS = [
    "",
    "",
    "",
    "请尽快发货",
    "送人的，不要放发票",
    "赠品请多放一个试用装",
    "需要定制刻字：平安喜乐",
    "对花生过敏，勿放零食",
    "周末不在家，请放快递柜",
]

# target status -> the path of transitions that leads there from paid
PATHS = {
    Status.PAID: [],
    Status.ON_HOLD: [Status.ON_HOLD],
    Status.APPROVED: [Status.APPROVED],
    Status.PICKING: [Status.APPROVED, Status.PICKING],
    Status.SHIPPED: [Status.APPROVED, Status.PICKING, Status.SHIPPED],
    Status.IN_TRANSIT: [Status.APPROVED, Status.PICKING, Status.SHIPPED, Status.IN_TRANSIT],
    Status.DELIVERED: [Status.APPROVED, Status.PICKING, Status.SHIPPED, Status.IN_TRANSIT, Status.DELIVERED],
    Status.COMPLETED: [
        Status.APPROVED,
        Status.PICKING,
        Status.SHIPPED,
        Status.IN_TRANSIT,
        Status.DELIVERED,
        Status.COMPLETED,
    ],
    Status.CANCELLED: [Status.CANCELLED],
}
WEIGHTS = {
    Status.PENDING_PAYMENT: 8,
    Status.PAID: 10,
    Status.ON_HOLD: 7,
    Status.APPROVED: 12,
    Status.PICKING: 8,
    Status.SHIPPED: 12,
    Status.IN_TRANSIT: 10,
    Status.DELIVERED: 9,
    Status.COMPLETED: 14,
    Status.CANCELLED: 6,
    Status.CLOSED: 4,
}


def demo_is_loaded() -> bool:
    return Shop.objects.filter(code=SHOPS[0][0]).exists()


def demo_seed(*, orders: int = 300, progress: Callable[[int, int], None] | None = None) -> dict[str, int]:
    """Load the demo. Safe to call twice: catalogue rows are get-or-create, orders use fixed platform ids."""
    rng = random.Random(20261111)
    with transaction.atomic():
        warehouses = _warehouses()
        skus = _skus()
        shops = _shops(warehouses)
        _users(shops, warehouses)
        _stock(warehouses, skus)
    rules = demo_rules_seed()  # the template rules, published, so paid demo orders are reviewed by them
    created = 0
    now = timezone.now()
    for i in range(orders):
        shop = shops[rng.randrange(len(shops))]
        target = rng.choices(list(WEIGHTS), weights=list(WEIGHTS.values()))[0]
        placed_at = now - dt.timedelta(days=rng.uniform(0, 14), minutes=rng.randint(0, 600))
        data = _order_input(rng, shop, skus, i, placed_at, target)
        with transaction.atomic():
            if Order.objects.filter(shop=shop, external_id=data.external_id).exists():
                continue
            order = order_create(shop=shop, data=data, source=Source.DEMO, system="demo")
            _walk(rng, order, target)
            _backdate(order, placed_at)
        created += 1
        if progress:
            progress(i + 1, orders)
    return {"warehouses": len(warehouses), "skus": len(skus), "shops": len(shops), "orders": created, **rules}


def _warehouses() -> list[Warehouse]:
    result = []
    for code, name, kind, province, city, priority in WAREHOUSES:
        warehouse, _ = Warehouse.objects.get_or_create(
            code=code,
            defaults={"name": name, "kind": kind, "province": province, "city": city, "priority": priority},
        )
        result.append(warehouse)
    return result


def _skus() -> list[SKU]:
    result = []
    n = 0
    for category, names, fragile, cold in PRODUCTS:
        for name in names:
            for variant in ("", " 礼盒装") if n % 3 == 0 else ("",):
                n += 1
                sku, _ = SKU.objects.get_or_create(
                    code=f"SKU-{n:04d}",
                    defaults={
                        "barcode": f"69{n:011d}",
                        "name": name + variant,
                        "category": category,
                        "weight_grams": 200 + (n * 137) % 1800,
                        "is_fragile": fragile,
                        "is_cold_chain": cold,
                        "is_presale": category == "预售",
                    },
                )
                result.append(sku)
    while len(result) < 50:
        n += 1
        sku, _ = SKU.objects.get_or_create(
            code=f"SKU-{n:04d}",
            defaults={"barcode": f"69{n:011d}", "name": f"配件 {n}", "category": "配件", "weight_grams": 80},
        )
        result.append(sku)
    return result


def _stock(warehouses: list[Warehouse], skus: list[SKU]) -> None:
    """Opening stock: plenty in the warehouses, a little in the store, and a few SKUs nearly sold out so
    that some paid orders wait on hold for stock (out_of_stock) as they would on a busy day."""
    for warehouse in warehouses:
        lines = []
        for index, sku in enumerate(skus):
            if sku.is_presale:
                continue
            if warehouse.kind == Warehouse.Kind.STORE:
                quantity = 12 if index % 2 else 0
            else:
                quantity = 2 if index % 17 == 4 else 150 + (index * 37) % 200
            if quantity:
                lines.append((sku, quantity))
        stock_receive(
            warehouse=warehouse,
            lines=lines,
            reason="期初库存 opening stock",
            reference=f"DEMO-OPEN-{warehouse.code}",
            system="demo",
            idempotency_key=f"demo-opening-{warehouse.code}",
        )


def _shops(warehouses: list[Warehouse]) -> list[Shop]:
    by_code = {w.code: w for w in warehouses}
    result = []
    for code, name, platform, warehouse_code in SHOPS:
        shop, _ = Shop.objects.get_or_create(
            code=code,
            defaults={"name": name, "platform": platform, "default_warehouse": by_code[warehouse_code]},
        )
        result.append(shop)
    return result


def _users(shops: list[Shop], warehouses: list[Warehouse]) -> None:
    User = get_user_model()
    for username, group_name, shop_codes, warehouse_codes, superuser in DEMO_USERS:
        user, created = User.objects.get_or_create(
            username=username, defaults={"is_staff": True, "is_superuser": superuser}
        )
        if created:
            user.set_password(DEMO_PASSWORD)
            user.save(update_fields=["password"])
        user.groups.add(Group.objects.get(name=group_name))
        granted_shops = shops if shop_codes == ["*"] else [s for s in shops if s.code in shop_codes]
        granted_warehouses = (
            warehouses if warehouse_codes == ["*"] else [w for w in warehouses if w.code in warehouse_codes]
        )
        if granted_shops:
            shop_access_grant(who=user, shops=granted_shops)
        if granted_warehouses:
            warehouse_access_grant(who=user, warehouses=granted_warehouses)
        if username in DEMO_TOKEN_POLICIES:
            shop_codes, rate, note = DEMO_TOKEN_POLICIES[username]
            Token.objects.get_or_create(user=user)
            token_policy_save(
                user=user, read_only=False, shops=[s for s in shops if s.code in shop_codes], rate=rate, note=note
            )


def _order_input(rng, shop, skus, i, placed_at, target) -> OrderInput:
    lines = []
    spot = [s for s in skus if not s.is_presale]
    for sku in rng.sample(spot, k=rng.choice([1, 1, 1, 2, 2, 3])):
        price = Decimal(rng.choice([19, 39, 59, 88, 128, 199, 268, 399, 699, 1299])) + Decimal("0.00")
        lines.append(LineInput(sku_code=sku.code, quantity=rng.choice([1, 1, 1, 2, 3]), unit_price=price))
    goods = sum((line.unit_price * line.quantity for line in lines), Decimal("0"))
    platform_discount = (goods * Decimal(rng.choice([0, 0, 5, 10])) / 100).quantize(Decimal("0.01"))
    merchant_discount = Decimal(rng.choice([0, 0, 10, 20])) if goods > 100 else Decimal("0")
    shipping = Decimal("0") if goods >= 99 else Decimal("8.00")
    province, city, district, address = rng.choice(ADDRESSES)
    paid = target not in (Status.PENDING_PAYMENT, Status.CLOSED)
    return OrderInput(
        external_id=f"{shop.platform.upper()}{20261100000 + i:011d}",
        lines=lines,
        status=Status.PAID if paid else Status.PENDING_PAYMENT,
        buyer_id=f"buyer{rng.randint(1000, 9999)}",
        buyer_nick=f"{rng.choice(['小', '阿', '大'])}{rng.choice(NAMES)[1:]}{rng.randint(1, 99)}",
        buyer_level=rng.choice([0, 0, 1, 2, 3, 4, 5]),
        consignee_name=rng.choice(NAMES),
        consignee_phone=f"1{rng.choice([38, 39, 58, 86, 77])}{rng.randint(10000000, 99999999)}",
        province=province,
        city=city,
        district=district,
        address=address,
        buyer_remark=rng.choice(REMARKS),
        discount_platform=platform_discount,
        discount_merchant=merchant_discount,
        shipping_fee=shipping,
        payment_method=rng.choice(["alipay", "wechat", "huabei", "card"]),
        placed_at=placed_at,
        paid_at=placed_at + dt.timedelta(minutes=rng.randint(1, 30)) if paid else None,
        priority=1 if rng.random() < 0.1 else 0,
        queue="urgent" if rng.random() < 0.08 else "normal",
    )


def _walk(rng, order: Order, target: str) -> None:
    if target == Status.PENDING_PAYMENT:
        return
    if order.status == Status.ON_HOLD:  # paid but short of stock: it waits for a receipt, as in real life
        return
    if target == Status.CLOSED:
        order_transition(order=order, to_status=Status.CLOSED, system="platform", reason="超时未付款，交易关闭")
        return
    for status in PATHS[target]:
        if order.status == status:
            continue
        hold = ""
        reason = ""
        if status == Status.ON_HOLD:
            hold = rng.choice([HoldReason.RISK, HoldReason.MANUAL, HoldReason.ADDRESS, HoldReason.APPROVAL])
            reason = "演示：等待人工审核"
        if status == Status.CANCELLED:
            reason = "买家申请取消"
        order_transition(order=order, to_status=status, system="demo", reason=reason, hold_reason=hold)


def _backdate(order: Order, placed_at: dt.datetime) -> None:
    """Spread the demo over the last two weeks so lists, charts and SLA views have something to show."""
    Order.objects.filter(pk=order.pk).update(created_at=placed_at)
    events = list(order.events.order_by("id").values_list("id", flat=True))
    for step, event_id in enumerate(events):
        OrderEvent.objects.filter(pk=event_id).update(at=placed_at + dt.timedelta(hours=step * 3))
