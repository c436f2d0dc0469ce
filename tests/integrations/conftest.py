"""Fixtures for the channel integrations: shops with connections per platform, the SKUs of the sample
payloads (with stock, so paid orders stay paid), signed requests, and an HTTP transport that routes to the
sandbox through Django's test client instead of the network."""

from __future__ import annotations

import copy
import urllib.parse

import pytest
from django.test import Client

from integrations import transport
from integrations.mapping import overrides_forget
from inventory.services import stock_receive
from tests.factories import SKUFactory, WarehouseFactory
from tests.integrations.helpers import (  # noqa: F401 - import helpers from the helpers module
    APP_SECRET,
    SAMPLE_SKUS,
    SECRET,
    douyin_post,
    make_shop,
    sample,
    shopify_post,
    shopify_sample,
    top_post,
)
from tests.samples import SAMPLES  # noqa: F401 - the test modules read it from here


@pytest.fixture(autouse=True)
def _sync_tasks(sync_tasks):
    """Integrations tests run queued tasks at once (``sync_tasks``), with no platform overrides kept."""
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


def sandbox_state_forget() -> None:
    """The sandbox keeps the merchant's refund decisions (and Shopify's refunds) in memory for the whole process:
    what an earlier test decided would otherwise come back in a later test's after-sales lists."""
    from integrations.sandbox.views import refunds as sandbox_refunds
    from integrations.sandbox.views import shopify as sandbox_shopify

    sandbox_refunds.STATES.clear()
    sandbox_refunds.DECIDED.clear()
    sandbox_shopify.REFUNDS.clear()


@pytest.fixture
def sandbox_http(monkeypatch, settings, db):
    """The platforms' sandbox reached through the transport, with the carrier library loaded (the sandbox
    refuses carrier codes the platform does not know, as the platform does), starting with no refund decided."""
    from fulfilment.services import carriers_sync

    carriers_sync()
    sandbox_state_forget()
    settings.SANDBOX_ENABLED = True
    route = SandboxTransport()
    monkeypatch.setattr(transport, "send", route)
    return route


POLLED_PLATFORMS = ["taobao", "jd", "pdd", "douyin", "shopify"]


@pytest.fixture
def feed(settings, sandbox_http, monkeypatch):
    """The sandbox platforms as a poll meets them: 6 orders an hour, a first poll looking back 3 hours, pages of
    5 (so polls page), no sleeping between pages."""
    from integrations import polling
    from integrations.platforms import adapter_for
    from integrations.platforms.client import PlatformClient

    monkeypatch.setattr(polling.time, "sleep", lambda seconds: None)
    settings.SANDBOX_ORDERS_PER_HOUR = 6
    settings.INTEGRATIONS_POLL_INITIAL_HOURS = 3
    for platform in POLLED_PLATFORMS:
        adapter_for(platform)  # import every client
    for cls in PlatformClient.__subclasses__():
        monkeypatch.setattr(cls, "page_size", 5)
    return sandbox_http


@pytest.fixture
def deep():
    return copy.deepcopy


@pytest.fixture
def refund_sandbox(db):
    """The sandbox's refunds (their states, Shopify's refunds) and its record of received calls start empty, and the
    fresh install's approval tier is there."""
    from aftersales.models import ApprovalTier
    from integrations.sandbox.views import RECEIVED

    # A fresh install's tier (a manager approves any amount), also after a transactional test emptied the tables.
    ApprovalTier.objects.get_or_create(
        approver=ApprovalTier.Approver.MANAGER, max_amount=None, defaults={"name": "manager"}
    )
    RECEIVED.clear()
    sandbox_state_forget()
    yield
    sandbox_state_forget()
