"""What the sandbox platforms send during a run: one delivery per platform order, signed as the platform signs
it, plus the repeated and out-of-order deliveries the faults ask for.

- Shopify shop: the full order in a signed ``orders/create`` webhook (``X-Shopify-Hmac-Sha256``), paid at
  checkout. ``hot_share`` of these orders carry one of the ``hot`` SKUs on their first line.
- Taobao shop (``thin_share`` of the orders): a signed TMC ``taobao_trade_TradeBuyerPay`` notice; the workers
  then fetch the trade from the platform (the sandbox served by the run's own web processes) — the call a
  503 storm hits.
- ``duplicates``: every 7th order is delivered a second time 1–5 s later (a platform's repeated delivery).
- ``out-of-order``: every 5th Shopify order is delivered twice — the paid version first, then the older
  unpaid ``orders/create`` — which must change nothing.
"""

from __future__ import annotations

import dataclasses
import random
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import urlencode

from django.utils import timezone

from integrations.sandbox import data, formats
from integrations.sandbox.push import signed_push

Build = Callable[[], tuple[str, bytes, dict]]  # () → (path with query, body, headers), signed afresh


@dataclass
class Delivery:
    at: float  # seconds from the start
    platform: str
    external_id: str
    build: Build
    kind: str = "order"  # order | duplicate | stale
    signed_once: bool = False  # ``build`` answers the same request every time (sent as encoded before the run)


def _hot_first_line(order: data.GenOrder, hot: list[tuple[str, str]], pick: int) -> None:
    """The order's first line becomes a hot SKU (other lines of that SKU are dropped: one line per SKU)."""
    code, name = hot[pick % len(hot)]
    first = order.lines[0]
    order.lines = [dataclasses.replace(first, sku=code, title=name)] + [
        line for line in order.lines[1:] if line.sku != code
    ]


def shopify_build(connection, native: dict, topic: str) -> Build:
    query, body, headers = signed_push("shopify", connection, [native], topic=topic)
    path = f"/webhooks/shopify/{connection.shop.code}/"
    return lambda: (path, body, headers)


def taobao_build(connection, order: data.GenOrder) -> Build:
    messages = formats.push_messages("taobao", order)

    def build():
        query, body, headers = signed_push("taobao", connection, messages)  # the TOP timestamp is signed
        return f"/webhooks/taobao/{connection.shop.code}/?{urlencode(query)}", body, headers

    return build


def deliveries_plan(
    *,
    times: list[float],
    shopify,
    taobao,
    skus: list[tuple[str, str]],
    hot: list[tuple[str, str]],
    hot_share: float,
    thin_share: float,
    faults: set[str],
    seed: int = 15,
) -> tuple[list[Delivery], set[tuple[str, str]]]:
    """The deliveries of a run at ``times`` (one distinct platform order each), with the faults' extra ones,
    sorted by time; and the (platform, platform order id) of every distinct order."""
    rnd = random.Random(seed)
    deliveries: list[Delivery] = []
    distinct: set[tuple[str, str]] = set()
    last = data.seq_at(timezone.now())  # Taobao: orders the sandbox already shows when a worker asks
    for index, at in enumerate(times):
        if taobao is not None and rnd.random() < thin_share:
            order = data.generate(taobao.app_key, last - index)
            external = formats.order_id("taobao", order)
            delivery = Delivery(at, "taobao", external, taobao_build(taobao, order))
        else:
            seq = 1_000 + index
            created = data.slot_time(seq)
            order = data.generate(shopify.app_key, seq, now=created + data.PAY_AFTER, skus=skus)
            if hot and rnd.random() < hot_share:
                _hot_first_line(order, hot, rnd.randrange(len(hot)))
            native = formats.NATIVE["shopify"](order)
            external = str(native["id"])
            delivery = Delivery(
                at, "shopify", external, shopify_build(shopify, native, "orders/create"), signed_once=True
            )
            if "out-of-order" in faults and index % 5 == 2 and order.state == "paid":
                unpaid = data.generate(shopify.app_key, seq, now=created, skus=skus)
                unpaid.lines = order.lines
                stale = formats.NATIVE["shopify"](unpaid)
                delivery.build = shopify_build(shopify, native, "orders/updated")
                deliveries.append(
                    Delivery(
                        at + 0.5,
                        "shopify",
                        external,
                        shopify_build(shopify, stale, "orders/create"),
                        "stale",
                        signed_once=True,
                    )
                )
        deliveries.append(delivery)
        distinct.add((delivery.platform, external))
        if "duplicates" in faults and index % 7 == 3:
            deliveries.append(
                Delivery(
                    at + rnd.uniform(1, 5),
                    delivery.platform,
                    external,
                    delivery.build,
                    "duplicate",
                    signed_once=delivery.signed_once,
                )
            )
    deliveries.sort(key=lambda d: d.at)
    return deliveries, distinct
