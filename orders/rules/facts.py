"""The facts a rule may test — a fixed whitelist — and how they are read from an order.

Facts are extracted once per order into a plain dict (``order_facts``); compiled rules only read that dict.
Text facts are normalised (NFKC, case-folded) so ``ＶＩＰ`` matches ``vip``; provinces are shortened to their
core name (``浙江省`` → ``浙江``, ``新疆维吾尔自治区`` → ``新疆``) on both sides of a comparison.

History facts take a ``days`` parameter (1–365) and are stored under ``"<fact>:<days>"``:
- ``phone_orders``: other orders placed with the same consignee phone in the ``days`` before this order;
- ``phone_returns``: refunds (``aftersales.Case``, not withdrawn) on orders with that phone in that time.
Masked phones (``138****5678``, as some platforms hand them out) have no history: both count 0.
"""

from __future__ import annotations

import bisect
import datetime as dt
import functools
import unicodedata
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

MONEY = "money"
INT = "int"
TEXT = "text"
CHOICE = "choice"
BOOL = "bool"
LIST = "list"

HISTORY_MAX_DAYS = 365
_PROVINCE_SUFFIXES = ("维吾尔自治区", "壮族自治区", "回族自治区", "特别行政区", "自治区", "省", "市")
ZERO = Decimal("0")


@dataclass(frozen=True)
class Fact:
    name: str
    type: str
    label: Any
    help: Any = ""
    param: str = ""  # "days" for history facts
    choices: tuple[tuple[str, Any], ...] = ()  # suggested values for the condition builder

    def key(self, days: int | None = None) -> str:
        return f"{self.name}:{days}" if self.param else self.name


@functools.lru_cache(maxsize=8192)
def _norm(value: str) -> str:
    if value.isascii():
        return value.lower().strip()
    if not unicodedata.is_normalized("NFKC", value):
        value = unicodedata.normalize("NFKC", value)
    return value.casefold().strip()


def norm_text(value: str | None) -> str:
    """NFKC (full-width → half-width), case-folded, trimmed. Cached: codes, provinces and common remarks
    repeat across orders."""
    return _norm(value) if value else ""


def normalizer(fact: Fact):
    """How a rule's values for ``fact`` are normalised, the same way the fact itself is."""
    return norm_province if fact.name == "province" else norm_text


@functools.lru_cache(maxsize=1024)
def norm_province(value: str | None) -> str:
    text = norm_text(value)
    for suffix in _PROVINCE_SUFFIXES:
        if text.endswith(suffix) and len(text) > len(suffix):
            return text[: -len(suffix)]
    return text


def _platform_choices():
    from orders.models import Platform

    return tuple(Platform.choices)


FACTS: dict[str, Fact] = {
    f.name: f
    for f in [
        Fact("paid_amount", MONEY, _("Paid amount"), _("What the buyer paid, shipping included.")),
        Fact("goods_amount", MONEY, _("Goods amount"), _("Price × quantity of all lines, before discounts.")),
        Fact("discount_total", MONEY, _("Discounts"), _("Platform-funded plus merchant-funded discounts.")),
        Fact("discount_percent", INT, _("Discount %"), _("Discounts as a whole percentage of the goods amount.")),
        Fact("shipping_fee", MONEY, _("Shipping fee")),
        Fact("currency", CHOICE, _("Currency"), choices=(("CNY", "CNY"), ("USD", "USD"), ("HKD", "HKD"))),
        Fact("shop", CHOICE, _("Shop (code)")),
        Fact("platform", CHOICE, _("Platform")),
        Fact("source", CHOICE, _("Source"), _("How the order arrived: api, webhook, poll, import, manual.")),
        Fact("buyer_level", INT, _("Buyer level (VIP 0–5)")),
        Fact("buyer_remark", TEXT, _("Buyer remark")),
        Fact("seller_memo", TEXT, _("Seller memo")),
        Fact("remarks", TEXT, _("Buyer remark or seller memo"), _("Both texts, so one rule reads both.")),
        Fact("address", TEXT, _("Full address"), _("Province, city, district and detail address as one text.")),
        Fact("province", CHOICE, _("Province"), _("Compared without 省/市/自治区: write 浙江 or 浙江省.")),
        Fact("city", TEXT, _("City")),
        Fact("consignee_name", TEXT, _("Consignee name")),
        Fact("country", CHOICE, _("Destination country"), _("Two-letter code: CN, US, HK …")),
        Fact("is_cross_border", BOOL, _("Cross-border"), _("Destination country is not CN.")),
        Fact("payment_method", CHOICE, _("Payment method"), _("As the channel names it: alipay, wechat, huabei …")),
        Fact("line_count", INT, _("Number of lines")),
        Fact("item_count", INT, _("Number of items"), _("Sum of the lines' quantities.")),
        Fact("has_fragile", BOOL, _("Has a fragile item")),
        Fact("has_cold_chain", BOOL, _("Has a cold-chain item")),
        Fact("has_presale", BOOL, _("Has a presale item")),
        Fact("has_gift_line", BOOL, _("Has a gift line")),
        Fact("sku_codes", LIST, _("SKU codes")),
        Fact("categories", LIST, _("SKU categories")),
        Fact("tags", LIST, _("Order tags (as they arrived)")),
        Fact(
            "phone_orders",
            INT,
            _("Orders from this phone in the last N days"),
            _("Other orders with the same consignee phone."),
            param="days",
        ),
        Fact(
            "phone_returns",
            INT,
            _("Refunds for this phone in the last N days"),
            _("Refund and return requests on orders with the same consignee phone."),
            param="days",
        ),
    ]
}
HISTORY_FACTS = frozenset(name for name, fact in FACTS.items() if fact.param)


def fact_choices(fact: Fact) -> tuple[tuple[str, Any], ...]:
    if fact.name == "platform":
        return _platform_choices()
    return fact.choices


def order_facts(order, lines: Sequence, *, history: dict[str, int] | None = None) -> dict[str, Any]:
    """The facts of one order, from the order, its lines (with ``sku`` loaded) and its history counts.

    ``order`` and ``lines`` may be unsaved instances (the benchmark and the sandbox use the same path).
    """
    goods = order.goods_amount or ZERO
    discount = (order.discount_platform or ZERO) + (order.discount_merchant or ZERO)
    buyer_remark = norm_text(order.buyer_remark)
    seller_memo = norm_text(order.seller_memo)
    skus = [line.sku for line in lines]
    facts: dict[str, Any] = {
        "paid_amount": order.paid_amount or ZERO,
        "goods_amount": goods,
        "discount_total": discount,
        "discount_percent": int(discount * 100 / goods) if goods else 0,
        "shipping_fee": order.shipping_fee or ZERO,
        "currency": norm_text(order.currency),
        "shop": norm_text(order.shop.code),
        "platform": norm_text(order.shop.platform),
        "source": norm_text(order.source),
        "buyer_level": order.buyer_level or 0,
        "buyer_remark": buyer_remark,
        "seller_memo": seller_memo,
        "remarks": f"{buyer_remark}\n{seller_memo}",
        "address": norm_text(f"{order.province}{order.city}{order.district}{order.address}"),
        "province": norm_province(order.province),
        "city": norm_text(order.city),
        "consignee_name": norm_text(order.consignee_name),
        "country": norm_text(order.country),
        "is_cross_border": norm_text(order.country) not in ("", "cn"),
        "payment_method": norm_text(order.payment_method),
        "line_count": len(lines),
        "item_count": sum(line.quantity for line in lines),
        "has_fragile": any(sku.is_fragile for sku in skus),
        "has_cold_chain": any(sku.is_cold_chain for sku in skus),
        "has_presale": any(sku.is_presale for sku in skus),
        "has_gift_line": any(line.is_gift for line in lines),
        "sku_codes": frozenset(norm_text(sku.code) for sku in skus),
        "categories": frozenset(norm_text(sku.category) for sku in skus if sku.category),
        "tags": frozenset(norm_text(tag) for tag in order.tags or ()),
    }
    if history:
        facts.update(history)
    return facts


def phone_has_history(phone: str) -> bool:
    return bool(phone) and "*" not in phone


def order_moment(order) -> dt.datetime:
    return order.placed_at or order.created_at or timezone.now()


# Refunds are aftersales' (orders does not import it): aftersales hands the facts the function that reads them
# when the apps are ready (``refund_times_source_set`` from ``AftersalesConfig.ready``). It answers
# (phone, when the refund was asked for) for the refunds — not cancelled — of orders to these phones up to
# ``until``.
_refund_times: Callable[..., Iterable[tuple[str, dt.datetime]]] | None = None


def refund_times_source_set(source: Callable[..., Iterable[tuple[str, dt.datetime]]] | None) -> None:
    global _refund_times
    _refund_times = source


def history_for_orders(orders: Iterable, windows: Iterable[str]) -> dict[int, dict[str, int]]:
    """History counts for many orders at once: ``{order.pk: {"phone_orders:30": 2, …}}``.

    ``windows`` are fact keys such as ``"phone_orders:30"`` (what a compiled rule set needs). Two queries
    per chunk of phones, whatever the number of orders: times are fetched once and counted with bisect.
    """
    from orders.models import Order

    parsed = sorted({(key.split(":")[0], int(key.split(":")[1])) for key in windows})
    orders = list(orders)
    result: dict[int, dict[str, int]] = {order.pk: {f"{n}:{d}": 0 for n, d in parsed} for order in orders}
    if not parsed or not orders:
        return result
    by_phone: dict[str, list] = defaultdict(list)
    for order in orders:
        if phone_has_history(order.consignee_phone):
            by_phone[order.consignee_phone].append(order)
    if not by_phone:
        return result
    longest = max(days for _n, days in parsed)
    moments = [order_moment(order) for phone_orders in by_phone.values() for order in phone_orders]
    since = min(moments) - dt.timedelta(days=longest)
    until = max(moments)
    need_orders = any(name == "phone_orders" for name, _d in parsed)
    need_returns = any(name == "phone_returns" for name, _d in parsed)
    placed: dict[str, list[tuple[dt.datetime, int]]] = defaultdict(list)
    refunds: dict[str, list[dt.datetime]] = defaultdict(list)
    phones = list(by_phone)
    for start in range(0, len(phones), 500):
        chunk = phones[start : start + 500]
        if need_orders:
            rows = Order.objects.filter(
                consignee_phone__in=chunk, placed_at__gte=since, placed_at__lte=until
            ).values_list("consignee_phone", "placed_at", "pk")
            for phone, at, pk in rows:
                placed[phone].append((at, pk))
        if need_returns and _refund_times is not None:
            for phone, at in _refund_times(phones=chunk, until=until):
                refunds[phone].append(at)
    for phone, phone_orders in by_phone.items():
        times = sorted(placed.get(phone, ()))
        refund_times = sorted(refunds.get(phone, ()))
        for order in phone_orders:
            at = order_moment(order)
            counts = result[order.pk]
            for name, days in parsed:
                start_at = at - dt.timedelta(days=days)
                if name == "phone_orders":
                    low = bisect.bisect_left(times, (start_at, -1))
                    high = bisect.bisect_right(times, (at, float("inf")))
                    own = sum(1 for t, pk in times[low:high] if pk == order.pk)
                    counts[f"{name}:{days}"] = high - low - own
                else:
                    low = bisect.bisect_left(refund_times, start_at)
                    high = bisect.bisect_right(refund_times, at)
                    counts[f"{name}:{days}"] = high - low
    return result
