"""E-waybill clients: requests built from a parcel, answers canned in each service's documented format
(the transport is the only thing replaced), and the sandbox that answers every client."""

from __future__ import annotations

import json
import urllib.parse

import pytest

from fulfilment.carriers.adapters.base import AccountRef, Party, WaybillRequest
from fulfilment.services import carriers_sync
from integrations import transport
from integrations.logistics.models import LogisticsConnection


class Canned:
    """``transport.send`` answering with the bodies queued, recording each call (params merged with the
    form body)."""

    def __init__(self):
        self.answers: list[tuple[int, object]] = []
        self.calls: list[dict] = []

    def queue(self, body, status: int = 200):
        self.answers.append((status, body))

    def __call__(self, method, url, *, params=None, body=None, headers=None, timeout=None):
        sent = dict(params or {})
        if body and (headers or {}).get("Content-Type", "").startswith("application/x-www-form-urlencoded"):
            sent.update(dict(urllib.parse.parse_qsl(body.decode())))
        self.calls.append({"method": method, "url": url, "params": sent, "body": body})
        status, answer = self.answers.pop(0)
        raw = answer if isinstance(answer, bytes) else json.dumps(answer, ensure_ascii=False).encode()
        return transport.Response(status, raw, {})


@pytest.fixture
def canned(monkeypatch, db):
    carriers_sync()
    fake = Canned()
    monkeypatch.setattr(transport, "send", fake)
    return fake


@pytest.fixture
def carrier_services(db):
    """SF and Kuaidi100 credentials, pointing at the sandbox."""
    return {
        "sf": LogisticsConnection.objects.create(
            service="sf", base_url="http://testserver/sandbox/sf", key="OH_SANDBOX", secret="sf-checkword"
        ),
        "kuaidi100": LogisticsConnection.objects.create(
            service="kuaidi100",
            base_url="http://testserver/sandbox/kuaidi100",
            key="k100-key",
            secret="k100-secret",
            customer="k100-customer",
            callback_salt="k100-salt",
        ),
    }


def waybill_request(*, provider: str, shop_id=None, carrier="ZTO", platform="tmall", cipher=None, **overrides):
    values = {
        "carrier_code": carrier,
        "order_reference": "OH20261111000042",
        "sender": Party("杭州仓", "0571-88886666", "浙江省", "杭州市", "余杭区", "文一西路969号"),
        "receiver": Party("王*", "138****5678", "江苏省", "南京市", "玄武区", "中山路****"),
        "weight_grams": 800,
        "receiver_cipher": cipher or {},
        "platform": platform,
        "platform_order_id": "3920193810012",
        "platform_carrier_code": carrier,
        "items": (("精华液 30ml", 1),),
        "account": AccountRef(
            id=1,
            provider=provider,
            shop_id=shop_id,
            branch_code="571001",
            account_number="7551234567",
            template_url="https://cloudprint.cainiao.com/template/standard/101/123",
        ),
        "request_id": "OH20261111000042-7",
    }
    values.update(overrides)
    return WaybillRequest(**values)


@pytest.fixture
def aggregators(db):
    from fulfilment.services import carriers_sync

    carriers_sync()
    return {
        "kuaidi100": LogisticsConnection.objects.create(
            service="kuaidi100",
            base_url="http://testserver/sandbox/kuaidi100",
            key="k100-key",
            secret="s",
            callback_salt="k100-salt",
        ),
        "kdniao": LogisticsConnection.objects.create(
            service="kdniao", base_url="http://testserver/sandbox/kdniao", key="1237100", secret="kdn-api-key"
        ),
    }
