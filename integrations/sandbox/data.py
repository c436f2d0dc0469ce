"""Deterministic, realistic generated orders for the sandbox.

Every sandbox shop (identified by its app key) receives one order per ``60 / SANDBOX_ORDERS_PER_HOUR``
minutes since ``SANDBOX_EPOCH``; order *n* is a pure function of (platform, app key, n) and of the time
asked about, so every process (web, worker, tests) sees the same feed without storing anything, and the
same order reads the same on every poll until one of its scheduled changes happens:

- created at its slot; 90 % are paid 20 s later, the rest are closed unpaid after 30 minutes;
- every 10th order has its address changed 20 minutes in;
- every 25th paid order gets a refund request 2 hours in.

The platform formats are produced from this neutral order by ``integrations.sandbox.formats``.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass, field
from decimal import Decimal

from django.conf import settings
from django.utils import timezone

from integrations.mapping import SHANGHAI

EPOCH = dt.datetime(2026, 1, 1, tzinfo=SHANGHAI)
PAY_AFTER = dt.timedelta(seconds=20)
ADDRESS_CHANGE_AFTER = dt.timedelta(minutes=20)
CLOSE_UNPAID_AFTER = dt.timedelta(minutes=30)
REFUND_AFTER = dt.timedelta(hours=2)
LONGEST_CHANGE = REFUND_AFTER

CONSIGNEES = [
    ("林晓", "13857015678", "浙江省", "杭州市", "西湖区", "文三路 478 号华星时代广场 A 座 1203"),
    ("王建国", "15901230021", "北京市", "北京市", "朝阳区", "建国路 93 号万达广场 8 号楼 1506"),
    ("赵敏", "13722346612", "广东省", "深圳市", "南山区", "粤海街道科技园南区 8 栋 301"),
    ("孙丽", "18612344470", "四川省", "成都市", "武侯区", "天府大道北段 1700 号环球中心 N2-1201"),
    ("李四", "13512345678", "广东省", "深圳市", "罗湖区", "宝安南路 1881 号万象城 L3"),
    ("钱多多", "13900010001", "江苏省", "南京市", "鼓楼区", "中山北路 30 号 5 幢 602"),
    ("周杰", "13611112222", "上海市", "上海市", "浦东新区", "张江路 88 弄 3 号 1101"),
    ("吴芳", "13333334444", "湖北省", "武汉市", "洪山区", "珞喻路 1037 号华中科技大学东区"),
    ("郑强", "18888889999", "陕西省", "西安市", "雁塔区", "科技路 10 号华润二十四城 2-1-801"),
    ("冯雪", "15555556666", "辽宁省", "沈阳市", "和平区", "南京南街 1 号 3 单元 502"),
    ("陈晨", "17712340000", "福建省", "厦门市", "思明区", "软件园二期观日路 24 号 301"),
    ("褚亮", "15012345678", "山东省", "青岛市", "市南区", "香港中路 76 号颐中皇冠假日酒店"),
    ("卫东", "13098765432", "河南省", "郑州市", "金水区", "花园路 39 号国贸中心 A 座 2201"),
    ("蒋欣", "18098765432", "重庆市", "重庆市", "渝中区", "解放碑民族路 188 号环球金融中心 32 楼"),
    ("沈洁", "13187654321", "湖南省", "长沙市", "岳麓区", "麓谷大道 627 号长沙海凭园 5 栋"),
    ("韩梅", "15288889999", "天津市", "天津市", "和平区", "南京路 189 号津汇广场 1 座 1708"),
]
MOVED_TO = ("浙江省", "宁波市", "鄞州区", "天童南路 588 号宁波文化广场 6 号楼 1802")
REMARKS = ["", "", "", "请尽快发货", "送人的，请不要放发票", "工作日送货", "要蓝色的", "周末在家，周末送"]
FALLBACK_SKUS = [("SANDBOX-SKU-1", "示例商品 1"), ("SANDBOX-SKU-2", "示例商品 2")]


def orders_per_hour() -> int:
    return max(1, settings.SANDBOX_ORDERS_PER_HOUR)


def interval() -> dt.timedelta:
    return dt.timedelta(seconds=3600 / orders_per_hour())


def _digest(*parts: object) -> int:
    return int(hashlib.sha256("|".join(map(str, parts)).encode()).hexdigest()[:12], 16)


def shop_tag(app_key: str) -> int:
    """Four digits identifying the sandbox shop inside its order ids."""
    return _digest("shop", app_key) % 9000 + 1000


@dataclass
class Line:
    sku: str
    title: str
    quantity: int
    price: Decimal
    discount: Decimal = Decimal("0.00")
    shop_discount: Decimal = Decimal("0.00")
    platform_discount: Decimal = Decimal("0.00")


@dataclass
class GenOrder:
    seq: int
    app_key: str
    created: dt.datetime
    paid: dt.datetime | None
    modified: dt.datetime
    state: str  # unpaid | paid | closed
    consignee: tuple[str, str, str, str, str, str]
    lines: list[Line]
    shop_discount: Decimal
    platform_discount: Decimal
    shipping: Decimal
    remark: str
    refund_requested_at: dt.datetime | None = None
    refund_amount: Decimal = Decimal("0.00")
    events: list[tuple[dt.datetime, str]] = field(default_factory=list)

    @property
    def goods(self) -> Decimal:
        return sum((line.price * line.quantity for line in self.lines), Decimal("0.00"))

    @property
    def payment(self) -> Decimal:
        return self.goods - self.shop_discount - self.platform_discount + self.shipping


def sku_pool() -> list[tuple[str, str]]:
    from inventory.models import SKU

    rows = list(SKU.objects.filter(is_active=True).order_by("code").values_list("code", "name")[:30])
    return rows or FALLBACK_SKUS


def slot_time(seq: int) -> dt.datetime:
    return EPOCH + interval() * seq


def seq_at(moment: dt.datetime) -> int:
    """The last order slot at or before ``moment``."""
    return int((moment - EPOCH) / interval())


def generate(app_key: str, seq: int, *, now: dt.datetime | None = None, skus=None) -> GenOrder | None:
    """Order number ``seq`` of the shop as it is at ``now`` (None if it does not exist yet)."""
    now = now or timezone.now()
    created = slot_time(seq)
    if seq < 0 or created > now:
        return None
    skus = skus or sku_pool()
    h = _digest(app_key, seq)
    line_count = 1 + h % 3 if h % 7 else 1
    lines = []
    for index in range(line_count):
        code, name = skus[(h // (index + 3) + index) % len(skus)]
        price = Decimal(990 + (_digest(code) % 290) * 100) / 100  # 9.90 … 299.90, stable per SKU
        lines.append(Line(sku=code, title=name, quantity=1 + (h >> (index + 4)) % 3, price=price))
    goods = sum((line.price * line.quantity for line in lines), Decimal("0.00"))
    shop_discount = Decimal("10.00") if h % 5 == 0 and goods > 50 else Decimal("0.00")
    platform_discount = Decimal("5.00") if h % 4 == 0 and goods > 50 else Decimal("0.00")
    shipping = Decimal("0.00") if goods >= 59 else Decimal("8.00")
    consignee = CONSIGNEES[h % len(CONSIGNEES)]
    events = [(created, "created")]
    state, paid = "unpaid", None
    if h % 10 != 3:
        paid = created + PAY_AFTER
        if paid <= now:
            state = "paid"
            events.append((paid, "paid"))
    elif created + CLOSE_UNPAID_AFTER <= now:
        state = "closed"
        events.append((created + CLOSE_UNPAID_AFTER, "closed"))
    if seq % 10 == 7 and created + ADDRESS_CHANGE_AFTER <= now and state != "closed":
        consignee = (*consignee[:2], *MOVED_TO)
        events.append((created + ADDRESS_CHANGE_AFTER, "address_changed"))
    order = GenOrder(
        seq=seq,
        app_key=app_key,
        created=created,
        paid=paid if state == "paid" else None,
        modified=max(at for at, _what in events),
        state=state,
        consignee=consignee,
        lines=lines,
        shop_discount=shop_discount,
        platform_discount=platform_discount,
        shipping=shipping,
        remark=REMARKS[h % len(REMARKS)],
        events=events,
    )
    if state == "paid" and seq % 25 == 11 and created + REFUND_AFTER <= now:
        order.refund_requested_at = created + REFUND_AFTER
        order.events.append((order.refund_requested_at, "refund_requested"))
        order.modified = order.refund_requested_at
    _allocate_discounts(order)
    if order.refund_requested_at:
        first_line = order.lines[0]
        order.refund_amount = first_line.price * first_line.quantity - first_line.discount
    return order


def allocate(total: Decimal, lines: list[Line]) -> list[Decimal]:
    """Share ``total`` over the lines by value, the last line taking the rounding rest."""
    goods = sum((line.price * line.quantity for line in lines), Decimal("0.00"))
    shares, left = [], total
    for index, line in enumerate(lines):
        if index == len(lines) - 1 or not goods:
            share = left if index == len(lines) - 1 else Decimal("0.00")
        else:
            share = (total * line.price * line.quantity / goods).quantize(Decimal("0.01"))
        shares.append(share)
        left -= share
    return shares


def _allocate_discounts(order: GenOrder) -> None:
    shop = allocate(order.shop_discount, order.lines)
    platform = allocate(order.platform_discount, order.lines)
    for line, a, b in zip(order.lines, shop, platform, strict=True):
        line.shop_discount, line.platform_discount = a, b
        line.discount = a + b


def modified_between(
    app_key: str, start: dt.datetime, end: dt.datetime, *, now: dt.datetime | None = None, visible=None
) -> list[GenOrder]:
    """Orders whose last change lies in [start, end], oldest change first (the increment feeds)."""
    now = now or timezone.now()
    end = min(end, now)
    if end < EPOCH:
        return []
    first = max(0, seq_at(max(start - LONGEST_CHANGE, EPOCH)))
    last = seq_at(end)
    skus = sku_pool()
    found = []
    for seq in range(first, last + 1):
        order = generate(app_key, seq, now=now, skus=skus)
        if order is not None and start <= order.modified <= end and (visible is None or visible(order)):
            found.append(order)
    found.sort(key=lambda o: (o.modified, o.seq))
    return found


def created_between(
    app_key: str, start: dt.datetime, end: dt.datetime, *, now: dt.datetime | None = None, visible=None
) -> int:
    """How many orders were created in [start, end) and are visible on the platform (``visible(order)``;
    e.g. Pinduoduo shows paid orders only) — what a platform's order count reports."""
    now = now or timezone.now()
    end = min(end, now)
    if end <= start or end < EPOCH:
        return 0
    skus = sku_pool()
    count = 0
    for seq in range(max(0, seq_at(max(start, EPOCH)) - 1), seq_at(end) + 1):
        order = generate(app_key, seq, now=now, skus=skus)
        if order is None or not (start <= order.created < end):
            continue
        if visible is None or visible(order):
            count += 1
    return count
