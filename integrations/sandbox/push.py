"""The sandbox as a pushing platform: sign messages the way each platform does and POST them to a webhook."""

from __future__ import annotations

import json
import uuid
from typing import Any

from django.utils import timezone

from integrations import transport
from integrations.models import ShopConnection
from integrations.platforms.client import push_secret, shanghai_text
from integrations.sandbox import data, formats
from integrations.signing import douyin_push_sign, shopify_hmac, top_sign


def signed_push(
    platform: str, connection: ShopConnection, messages: list[dict[str, Any]], *, topic: str = ""
) -> tuple[dict, bytes, dict]:
    """(query, body, headers) of one push request carrying ``messages`` (Shopify: one order)."""
    secret = push_secret(connection)
    if platform == "shopify":
        body = json.dumps(messages[0], ensure_ascii=False).encode()
        version = messages[0].get("updated_at") or messages[0].get("created_at")  # an Order; a Refund
        delivery = str(uuid.uuid5(uuid.NAMESPACE_URL, f"{topic}:{messages[0]['id']}:{version}"))
        headers = {
            "Content-Type": "application/json",
            "X-Shopify-Topic": topic or "orders/updated",
            "X-Shopify-Hmac-Sha256": shopify_hmac(body, connection.webhook_secret),
            "X-Shopify-Shop-Domain": f"{connection.shop.code}.myshopify.com",
            "X-Shopify-Webhook-Id": delivery,
            "X-Shopify-Event-Id": delivery,
            "X-Shopify-API-Version": "2026-10",
        }
        return {}, body, headers
    body = json.dumps(messages, ensure_ascii=False).encode()
    if platform == "douyin":
        headers = {
            "Content-Type": "application/json",
            "app-id": connection.app_key,
            "event-sign": douyin_push_sign(app_key=connection.app_key, secret=secret, body=body),
            "sign-method": "md5",
        }
        return {}, body, headers
    now = timezone.now()
    query = {
        "app_key": connection.app_key,
        "timestamp": str(int(now.timestamp())) if platform == "pdd" else shanghai_text(now),
        "sign_method": "md5",
    }
    query["sign"] = top_sign(query, secret, body=body)
    return query, body, {"Content-Type": "application/json"}


def sandbox_push(*, platform: str, shop_code: str, count: int, target: str) -> list[dict[str, Any]]:
    """Push notices for the shop's latest ``count`` orders to ``target`` (Order Hub's webhook URL)."""
    connection = ShopConnection.objects.select_related("shop").get(shop__code=shop_code)
    now = timezone.now()
    last = data.seq_at(now)
    check = formats.visible(platform)
    results = []
    for seq in range(max(0, last - count + 1), last + 1):
        order = data.generate(connection.app_key, seq, now=now)
        if order is None or (check is not None and not check(order)):
            continue
        messages = formats.push_messages(platform, order)
        query, body, headers = signed_push(platform, connection, messages, topic=formats.shopify_topic(order))
        response = transport.send("POST", target, params=query, body=body, headers=headers)
        results.append(
            {
                "order": formats.order_id(platform, order),
                "status": response.status,
                "answer": response.body[:200].decode(errors="replace"),
            }
        )
    return results


def sandbox_webhook_send(*, platform: str, shop_code: str, topic: str, body: dict[str, Any], target: str) -> int:
    """Deliver one webhook the sandbox platform sends of itself (Shopify's ``refunds/create`` after a refund made
    through its API), signed as the platform signs it, to ``target``; returns the HTTP status of the answer."""
    connection = ShopConnection.objects.select_related("shop").get(shop__code=shop_code)
    query, payload, headers = signed_push(platform, connection, [body], topic=topic)
    return transport.send("POST", target, params=query, body=payload, headers=headers).status
