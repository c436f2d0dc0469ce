"""Fixtures for the channel integrations: shops with connections per platform, the SKUs of the sample
payloads (with stock, so paid orders stay paid), signed requests, and an HTTP transport that routes to the
sandbox through Django's test client instead of the network."""

from __future__ import annotations

import copy
import json
import urllib.parse

import pytest
from django.test import Client
from django_q.conf import Conf

from integrations import transport
from integrations.mapping import overrides_forget
from integrations.models import ShopConnection
from integrations.signing import douyin_push_sign, shopify_hmac, top_sign
from inventory.services import stock_receive
from tests.factories import ShopFactory, SKUFactory, WarehouseFactory
from tests.samples import SAMPLES  # noqa: F401 - the test modules read it from here

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


@pytest.fixture(autouse=True)
def _sync_tasks(monkeypatch):
    """django-q2 runs queued tasks at once, in this process."""
    monkeypatch.setattr(Conf, "SYNC", True)
    overrides_forget()
    yield
    overrides_forget()


@pytest.fixture
def warehouse(db):
    return WarehouseFactory(code="wh-int", name="集成仓", province="浙江省")


@pytest.fixture
def skus(warehouse):
    found = {code: SKUFactory(code=code, name=code) for code in SAMPLE_SKUS}
    stock_receive(warehouse=warehouse, lines=[(sku, 1000) for sku in found.values()], reason="test stock")
    return found


def make_shop(code: str, platform: str, warehouse, **connection) -> ShopConnection:
    shop = ShopFactory(code=code, name=code, platform=platform, default_warehouse=warehouse)
    values = {
        "base_url": f"http://testserver/sandbox/{'taobao' if platform == 'tmall' else platform}",
        "app_key": f"{platform}-key",
        "app_secret": APP_SECRET,
        "access_token": "good-token",
        "webhook_secret": SECRET if platform == "shopify" else "",
    }
    values.update(connection)
    return ShopConnection.objects.create(shop=shop, **values)


@pytest.fixture
def shopify(skus, warehouse):
    return make_shop("shopify-1", "shopify", warehouse)


@pytest.fixture
def taobao(skus, warehouse):
    return make_shop("tmall-1", "tmall", warehouse)


@pytest.fixture
def jd(skus, warehouse):
    return make_shop("jd-1", "jd", warehouse)


@pytest.fixture
def pdd(skus, warehouse):
    return make_shop("pdd-1", "pdd", warehouse)


@pytest.fixture
def douyin(skus, warehouse):
    return make_shop("douyin-1", "douyin", warehouse)


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
    from django.utils import timezone

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


class SandboxTransport:
    """``integrations.transport.send`` routed to the in-process sandbox with Django's test client."""

    def __init__(self):
        self.client = Client()
        self.calls: list[tuple[str, str]] = []

    def __call__(self, method, url, *, params=None, body=None, headers=None, timeout=None):
        parsed = urllib.parse.urlparse(url)
        query = dict(urllib.parse.parse_qsl(parsed.query))
        query.update({k: str(v) for k, v in (params or {}).items()})
        path = parsed.path + ("?" + urllib.parse.urlencode(query) if query else "")
        self.calls.append((method, parsed.path))
        extra = {
            f"HTTP_{k.upper().replace('-', '_')}": v for k, v in (headers or {}).items() if k.lower() != "content-type"
        }
        if method.upper() == "GET":
            response = self.client.get(path, **extra)
        else:
            response = self.client.generic(
                method.upper(),
                path,
                data=body or b"",
                content_type=(headers or {}).get("Content-Type", "application/json"),
                **extra,
            )
        return transport.Response(
            response.status_code, response.content, {k.lower(): v for k, v in response.headers.items()}
        )


@pytest.fixture
def sandbox_http(monkeypatch, settings, db):
    """The platforms' sandbox reached through the transport, with the carrier library loaded (the sandbox
    refuses carrier codes the platform does not know, as the platform does)."""
    from fulfilment.services import carriers_sync

    carriers_sync()
    settings.SANDBOX_ENABLED = True
    route = SandboxTransport()
    monkeypatch.setattr(transport, "send", route)
    return route


@pytest.fixture
def deep():
    return copy.deepcopy
