"""Helpers for the integrations tests: the sample payloads, shops with connections, and pushes signed as each
platform signs them."""

from __future__ import annotations

import json
import urllib.parse

from django.test import Client
from django.utils import timezone

from integrations.models import ShopConnection
from integrations.signing import douyin_push_sign, shopify_hmac, top_sign
from tests.factories import ShopConnectionFactory, ShopFactory
from tests.samples import SAMPLES

SAMPLE_SKUS = [
    "FLW-SERUM-30ML",
    "FLW-SERUM",
    "FLW-MASK-5P",
    "KTL-PRO-1L",
    "CUP-BLUE",
    "CUP-WHITE",
    "COF-24",
]
SECRET = "test-webhook-secret"
APP_SECRET = "test-app-secret"


def sample(name: str):
    return json.loads((SAMPLES / "platforms" / name).read_text(encoding="utf-8"))


def shopify_sample() -> tuple[dict, dict]:
    """(headers, body) of the Shopify sample: ``_`` keys stripped from the body."""
    data = sample("shopify_orders_create.json")
    headers = data["_headers"]
    body = {k: v for k, v in data.items() if not k.startswith("_")}
    return headers, body


def make_shop(code: str, platform: str, warehouse, **connection) -> ShopConnection:
    """A shop on ``platform`` with its connection to the sandbox (``ShopConnectionFactory``); Shopify shops
    sign their pushes with ``SECRET``."""
    shop = ShopFactory(code=code, name=code, platform=platform, default_warehouse=warehouse)
    connection.setdefault("webhook_secret", SECRET if platform == "shopify" else "")
    return ShopConnectionFactory(shop=shop, **connection)


def shopify_post(
    client: Client,
    shop_code: str,
    body: dict | bytes,
    *,
    topic="orders/create",
    secret=SECRET,
    webhook_id="wh-1",
    hmac=None,
    **headers,
):
    raw = body if isinstance(body, bytes) else json.dumps(body).encode()
    extra = {
        "HTTP_X_SHOPIFY_TOPIC": topic,
        "HTTP_X_SHOPIFY_WEBHOOK_ID": webhook_id,
        "HTTP_X_SHOPIFY_EVENT_ID": f"ev-{webhook_id}",
        "HTTP_X_SHOPIFY_SHOP_DOMAIN": "huajian-global.myshopify.com",
    }
    signature = hmac if hmac is not None else (shopify_hmac(raw, secret) if secret else None)
    if signature is not None:
        extra["HTTP_X_SHOPIFY_HMAC_SHA256"] = signature
    extra.update(headers)
    return client.post(f"/webhooks/shopify/{shop_code}/", data=raw, content_type="application/json", **extra)


def top_post(
    client: Client, platform: str, shop_code: str, body, *, secret=APP_SECRET, timestamp=None, sign=None, epoch=False
):
    """A TOP/Qimen-style signed push (Taobao, JD, PDD)."""
    from integrations.platforms.client import shanghai_text

    raw = body if isinstance(body, bytes) else json.dumps(body, ensure_ascii=False).encode()
    now = timezone.now()
    params = {
        "app_key": f"{platform}-key",
        "timestamp": timestamp or (str(int(now.timestamp())) if epoch else shanghai_text(now)),
        "sign_method": "md5",
    }
    params["sign"] = sign if sign is not None else top_sign(params, secret, body=raw)
    query = urllib.parse.urlencode(params)
    return client.post(f"/webhooks/{platform}/{shop_code}/?{query}", data=raw, content_type="application/json")


def douyin_post(client: Client, shop_code: str, messages, *, secret=APP_SECRET, app_key="douyin-key", sign=None):
    raw = messages if isinstance(messages, bytes) else json.dumps(messages, ensure_ascii=False).encode()
    signature = sign if sign is not None else douyin_push_sign(app_key=app_key, secret=secret, body=raw)
    return client.post(
        f"/webhooks/douyin/{shop_code}/",
        data=raw,
        content_type="application/json",
        HTTP_APP_ID=app_key,
        HTTP_EVENT_SIGN=signature,
    )


class SandboxClock:
    """The sandbox's clock held at one moment, so the feed it serves and the orders a test expects are
    generated as of the same instant (an order paid 20 s after creation can otherwise leave the window
    between the poll and the expectation)."""

    def __init__(self, now):
        self._now = now

    def now(self):
        return self._now

    def __getattr__(self, name):
        return getattr(timezone, name)


def png_upload(name: str = "proof.png", size: int = 2048):
    """An uploaded PNG image of about ``size`` bytes (a valid header, padding after it)."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    header = (
        b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89"
    )
    return SimpleUploadedFile(name, header + b"\x00" * max(0, size - len(header)), content_type="image/png")


def platform_case(
    connection, skus, refund_id: str, *, kind: str = "refund_only", prefix: str = "T-", shipped: bool = False
):
    """A case the platform opened: an approved (or ``shipped``) order ``<prefix><refund_id>`` of 99.00 and the
    platform's refund request ``refund_id`` on it, read as any refund notice."""
    from decimal import Decimal

    from aftersales.channel import RefundInput
    from aftersales.models import Case
    from integrations.ingest import refund_event_apply
    from orders.services import order_transition
    from orders.states import Status
    from tests.factories import make_order

    order = make_order(
        shop=connection.shop,
        skus=[(skus["FLW-SERUM-30ML"], 1, Decimal("99.00"))],
        status=Status.PAID,
        external_id=f"{prefix}{refund_id}",
    )
    order = order_transition(order=order, to_status=Status.APPROVED, system="tests")
    if shipped:
        from tests.aftersales.helpers import order_shipped

        order_shipped(order)
    refund_event_apply(
        shop=connection.shop,
        external_id=f"{prefix}{refund_id}",
        refund=RefundInput(external_id=refund_id, amount=Decimal("99.00"), status="requested", kind=kind),
        system="tests",
    )
    return Case.objects.get(order=order, external_id=refund_id)
