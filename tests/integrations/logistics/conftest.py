"""E-waybill clients: requests built from a parcel, answers canned in each service's documented format
(the transport is the only thing replaced), and the sandbox that answers every client."""

from __future__ import annotations

import json
import urllib.parse

import pytest

from fulfilment.services import carriers_sync
from integrations import transport
from tests.factories import LogisticsConnectionFactory
from tests.integrations.logistics.helpers import waybill_request  # noqa: F401 - import helpers from the helpers module


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
        "sf": LogisticsConnectionFactory(service="sf", key="OH_SANDBOX", secret="sf-checkword"),
        "kuaidi100": LogisticsConnectionFactory(
            service="kuaidi100",
            key="k100-key",
            secret="k100-secret",
            customer="k100-customer",
            callback_salt="k100-salt",
        ),
    }


@pytest.fixture
def aggregators(db):
    from fulfilment.services import carriers_sync

    carriers_sync()
    return {
        "kuaidi100": LogisticsConnectionFactory(
            service="kuaidi100", key="k100-key", secret="s", callback_salt="k100-salt"
        ),
        "kdniao": LogisticsConnectionFactory(service="kdniao", key="1237100", secret="kdn-api-key"),
    }
