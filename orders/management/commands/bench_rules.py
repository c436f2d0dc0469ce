"""``manage.py bench_rules --orders N``: evaluate a 20-rule set over N realistic generated orders.

The orders are built in memory (unsaved ``Order``/``OrderLine``/``SKU`` instances, with history counts as
``history_for_orders`` would load them) and go through the real path of ``order_rules_apply`` minus the
database: ``order_facts`` → ``evaluate`` → ``Plan.effects``. Prints a summary and, as the last line, JSON
with ``orders_per_s``.
"""

from __future__ import annotations

import json
import random
import time
from decimal import Decimal

from django.core.management.base import BaseCommand

from config.progress import ProgressBar
from inventory.models import SKU
from orders.models import Order, OrderLine, Shop
from orders.roles import ADMIN, MANAGER
from orders.rules.demo import demo_templates
from orders.rules.engine import evaluate, rules_compile
from orders.rules.facts import order_facts

SEED = 20261111
EXTRA_RULES: list[dict] = [
    {
        "id": "huge-order",
        "name": "金额大于5000：管理员二审",
        "priority": 80,
        "when": {"fact": "paid_amount", "op": "gt", "value": "5000"},
        "then": [{"action": "require_approval", "role": ADMIN}],
    },
    {
        "id": "remote-provinces",
        "name": "偏远地区：顺丰",
        "priority": 40,
        "when": {"fact": "province", "op": "in", "value": ["新疆", "西藏", "青海", "内蒙古"]},
        "then": [{"action": "set_carrier", "carrier": "SF"}, {"action": "add_tags", "tags": ["偏远"]}],
    },
    {
        "id": "cold-chain",
        "name": "冷链商品：需冰袋、顺丰",
        "priority": 60,
        "when": {"fact": "has_cold_chain", "op": "is_true"},
        "then": [{"action": "add_tags", "tags": ["需冰袋"]}, {"action": "set_carrier", "carrier": "SF"}],
    },
    {
        "id": "south-warehouse",
        "name": "华南订单：广州仓发货",
        "priority": 30,
        "when": {"fact": "province", "op": "in", "value": ["广东", "广西", "海南", "福建"]},
        "then": [{"action": "set_warehouse", "warehouse": "gz-south"}],
    },
    {
        "id": "vip-urgent",
        "name": "VIP4+：加急",
        "priority": 55,
        "when": {"fact": "buyer_level", "op": "gte", "value": 4},
        "then": [{"action": "set_queue", "queue": "urgent"}, {"action": "add_tags", "tags": ["加急"]}],
    },
    {
        "id": "cross-border",
        "name": "境外订单：跨境队列",
        "priority": 70,
        "stop": True,
        "when": {"fact": "is_cross_border", "op": "is_true"},
        "then": [{"action": "set_queue", "queue": "cross_border"}],
    },
    {
        "id": "frequent-phone",
        "name": "同手机7天内多单：风控",
        "priority": 95,
        "when": {"fact": "phone_orders", "days": 7, "op": "gte", "value": 5},
        "then": [{"action": "hold", "reason": "risk", "note": "同一手机号7天内下单过多"}],
    },
    {
        "id": "serial-returner",
        "name": "90天退款3次以上：人工审核",
        "priority": 94,
        "when": {
            "all": [
                {"fact": "phone_returns", "days": 90, "op": "gte", "value": 3},
                {"fact": "paid_amount", "op": "gte", "value": "200"},
            ]
        },
        "then": [{"action": "hold", "reason": "risk", "note": "退款频繁"}],
    },
    {
        "id": "heavy-discount",
        "name": "折扣超过60%：主管审批",
        "priority": 85,
        "when": {"fact": "discount_percent", "op": "gt", "value": 60},
        "then": [{"action": "require_approval", "role": MANAGER}],
    },
    {
        "id": "allergy",
        "name": "备注提到过敏：核对备注",
        "priority": 20,
        "when": {"fact": "remarks", "op": "contains_any", "value": ["过敏", "忌口", "孕妇"]},
        "then": [{"action": "add_tags", "tags": ["需核对备注"]}],
    },
    {
        "id": "many-items",
        "name": "10件以上：需手工包装",
        "priority": 15,
        "when": {"fact": "item_count", "op": "gte", "value": 10},
        "then": [{"action": "add_tags", "tags": ["需手工包装"]}],
    },
    {
        "id": "quality-check",
        "name": "数码类高价：需质检",
        "priority": 25,
        "when": {
            "all": [
                {"fact": "categories", "op": "has", "value": "数码"},
                {"fact": "paid_amount", "op": "gte", "value": "1000"},
            ]
        },
        "then": [{"action": "add_tags", "tags": ["需质检"]}, {"action": "add_services", "services": ["保价"]}],
    },
    {
        "id": "cod-pos",
        "name": "门店订单：不走快递",
        "priority": 65,
        "stop": True,
        "when": {"fact": "platform", "op": "eq", "value": "pos"},
        "then": [{"action": "set_priority", "priority": -1}],
    },
    {
        "id": "no-address-number",
        "name": "地址无门牌：地址核对",
        "priority": 45,
        "when": {
            "not": {
                "any": [
                    {"fact": "address", "op": "contains_any", "value": list("0123456789")},
                    {"fact": "address", "op": "contains_any", "value": ["号", "栋", "幢", "室"]},
                ]
            }
        },
        "then": [{"action": "hold", "reason": "address", "note": "地址缺少门牌号"}],
    },
]

PROVINCES = [
    ("浙江省", "杭州市", "西湖区"),
    ("广东省", "深圳市", "南山区"),
    ("北京市", "北京市", "朝阳区"),
    ("上海市", "上海市", "浦东新区"),
    ("新疆维吾尔自治区", "乌鲁木齐市", "天山区"),
    ("四川省", "成都市", "武侯区"),
    ("福建省", "厦门市", "思明区"),
    ("江苏省", "南京市", "鼓楼区"),
]
STREETS = [
    "文三路478号华星时代广场A座",
    "科技园南区高新南七道18号",
    "体育西路189号城建大厦临时摊位",
    "香港中路76号快递柜代收",
    "望京SOHO塔2 C座",
    "中山北路菜鸟驿站",
    "天府大道北段1700号",
    "珞喻路1037号",
    "环岛南路3999号",
    "张江高科碧波路690号3号楼",
    "建国路88号",
    "人民路12弄",
    "解放大道634号",
]
REMARKS = [
    "",
    "",
    "",
    "",
    "请尽快发货",
    "赠品请多放一个试用装",
    "需要定制刻字：平安喜乐",
    "对花生过敏，勿放零食",
    "周末不在家",
]
CATEGORIES = [
    ("茶具", True, False),
    ("茶叶", False, False),
    ("冷链", False, True),
    ("家居", False, False),
    ("数码", True, False),
    ("美妆", False, False),
]
PLATFORMS = ["tmall", "taobao", "jd", "pdd", "douyin", "shopify", "wechat", "website", "pos"]


def bench_rules() -> list[dict]:
    """The 20-rule benchmark set: the shipped templates plus fourteen typical rules."""
    rules = demo_templates() + EXTRA_RULES
    assert len(rules) == 20
    return rules


def generate(count: int, rng: random.Random) -> list[tuple[Order, list[OrderLine], dict[str, int]]]:
    shops = [Shop(code=f"shop-{p}", name=p, platform=p) for p in PLATFORMS]
    skus = []
    for n in range(60):
        category, fragile, cold = CATEGORIES[n % len(CATEGORIES)]
        skus.append(
            SKU(
                code=f"SKU-{n:04d}",
                name=f"商品{n}",
                category=category,
                is_fragile=fragile,
                is_cold_chain=cold,
                is_presale=n % 29 == 0,
            )
        )
    prices = [
        Decimal(p)
        for p in ("19.00", "39.00", "59.00", "88.00", "128.00", "199.00", "399.00", "699.00", "1299.00", "6999.00")
    ]
    batch = []
    for i in range(count):
        lines = []
        goods = Decimal("0")
        for sku in rng.sample(skus, k=rng.choice([1, 1, 1, 2, 2, 3, 4])):
            quantity = rng.choices([1, 2, 3, 12], weights=[70, 18, 10, 2])[0]
            price = rng.choices(prices, weights=[14, 16, 16, 14, 12, 10, 8, 5, 4, 1])[0]
            lines.append(OrderLine(sku=sku, quantity=quantity, unit_price=price, is_gift=rng.random() < 0.03))
            goods += price * quantity
        percent = rng.choices([0, 5, 10, 30, 65], weights=[50, 20, 20, 8, 2])[0]
        discount = (goods * Decimal(percent) / 100).quantize(Decimal("0.01"))
        shipping = Decimal("0.00") if goods >= 99 else Decimal("8.00")
        province, city, district = rng.choice(PROVINCES)
        order = Order(
            number=f"OH20261111{i:06d}",
            shop=rng.choice(shops),
            buyer_level=rng.choice([0, 0, 1, 2, 3, 4, 5]),
            consignee_name="张三",
            consignee_phone=f"138{rng.randint(10000000, 99999999)}",
            country="CN" if rng.random() < 0.97 else "US",
            province=province,
            city=city,
            district=district,
            address=f"{rng.choice(STREETS)}{rng.randint(1, 3000)}室",  # unique-ish, like real addresses
            buyer_remark=rng.choice(REMARKS),
            seller_memo=rng.choice(["", "", "老客"]),
            goods_amount=goods,
            discount_platform=discount,
            shipping_fee=shipping,
            paid_amount=goods - discount + shipping,
            payment_method=rng.choice(["alipay", "wechat", "huabei"]),
            tags=[] if rng.random() < 0.9 else ["老客"],
            source="webhook",
        )
        history = {
            "phone_orders:7": rng.choices([0, 1, 2, 6], weights=[80, 12, 5, 3])[0],
            "phone_returns:90": rng.choices([0, 1, 3], weights=[85, 10, 5])[0],
        }
        batch.append((order, lines, history))
    return batch


class Command(BaseCommand):
    help = "Benchmark the rules engine: a 20-rule set over N generated orders; prints orders/s."

    def add_arguments(self, parser):
        parser.add_argument("--orders", type=int, default=20000, help="How many orders (default 20000).")
        parser.add_argument("--seed", type=int, default=SEED)

    def handle(self, *args, orders: int, seed: int, **options):
        rng = random.Random(seed)
        compiled = [rules_compile("bench", bench_rules())]
        self.stdout.write(f"Generating {orders} orders …")
        batch = generate(orders, rng)
        progress = ProgressBar(orders, label="orders")
        step = max(1, orders // 100)
        held = matched = 0
        evaluate_seconds = 0.0
        started = time.perf_counter()
        for index, (order, lines, history) in enumerate(batch, start=1):
            facts = order_facts(order, lines, history=history)
            t0 = time.perf_counter()
            plan = evaluate(compiled, facts)
            evaluate_seconds += time.perf_counter() - t0
            plan.effects()
            held += plan.needs_review
            matched += len(plan.matched)
            if index % step == 0:
                progress(index)
        seconds = time.perf_counter() - started
        progress(orders)
        per_s = orders / seconds if seconds else 0.0
        self.stdout.write(
            f"{orders} orders × 20 rules in {seconds:.3f} s: {per_s:,.0f} orders/s (facts + evaluation); "
            f"evaluation alone {orders / evaluate_seconds if evaluate_seconds else 0:,.0f} orders/s; "
            f"{matched / max(orders, 1):.2f} rules matched per order, {held} orders held for review."
        )
        self.stdout.write(
            json.dumps(
                {
                    "orders": orders,
                    "rules": 20,
                    "seconds": round(seconds, 4),
                    "orders_per_s": round(per_s, 1),
                    "evaluate_only_per_s": round(orders / evaluate_seconds, 1) if evaluate_seconds else None,
                    "matched_per_order": round(matched / max(orders, 1), 3),
                    "held": held,
                }
            )
        )
