"""Order Hub's carrier protocol over HTTP/JSON, against ``Carrier.api_base_url`` or the built-in sandbox.

    POST {base}/{carrier}/waybills/          → 200 {"tracking_number", "label": {…}}
                                               | 4xx/5xx {"error": {"code", "message"}}
    POST {base}/{carrier}/waybills/{number}/cancel/    → 200 {"tracking_number", "cancelled": true}
    POST {base}/{carrier}/waybills/{number}/intercept/ → 200 {"tracking_number", "intercept_id", "message"}
                                                         | 409 {"error": {"code": "already_delivered", …}}
    GET  {base}/{carrier}/tracking/{number}/ → 200 {"events": [{"id", "kind", "at", "description", "province", "city"}]}

The transport is the only thing that touches the network (tests replace it). Calls are never made inside
a database transaction.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import urllib.error
import urllib.request
from typing import Any, Protocol

from django.conf import settings
from django.utils.dateparse import parse_datetime

from config.messages import message
from fulfilment.carriers.adapters.base import (
    CarrierCallFailed,
    InterceptResult,
    TrackingUpdate,
    WaybillRequest,
    WaybillResult,
)
from fulfilment.models.written import CARRIER_UNREACHABLE

DEFAULT_SANDBOX_URL = "http://127.0.0.1:8000/fulfilment/sandbox/carriers/"
TIMEOUT_SECONDS = 10


class Transport(Protocol):
    def __call__(self, method: str, url: str, body: dict[str, Any] | None, timeout: float) -> tuple[int, Any]: ...


def urllib_transport(method: str, url: str, body: dict[str, Any] | None, timeout: float) -> tuple[int, Any]:
    data = json.dumps(body, ensure_ascii=False).encode() if body is not None else None
    request = urllib.request.Request(url, data=data, method=method, headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310 (configured URL)
            return response.status, _json(response.read())
    except urllib.error.HTTPError as exc:
        return exc.code, _json(exc.read())
    except (urllib.error.URLError, TimeoutError, OSError) as exc:
        raise CarrierCallFailed(message(CARRIER_UNREACHABLE, error=exc), code="network") from exc


def _json(raw: bytes) -> Any:
    try:
        return json.loads(raw.decode() or "null")
    except (UnicodeDecodeError, ValueError):
        return {"error": {"code": "bad_response", "message": raw[:200].decode(errors="replace")}}


# Replaced in tests (and by nothing else): the one place HTTP happens.
transport: Transport = urllib_transport


def sandbox_base_url() -> str:
    return settings.FULFILMENT_CARRIER_SANDBOX_URL or DEFAULT_SANDBOX_URL


class HttpCarrierAdapter:
    def __init__(self, *, carrier_code: str, base_url: str):
        self.carrier_code = carrier_code
        self.base_url = base_url.rstrip("/") + "/"

    def _call(self, method: str, path: str, body: dict[str, Any] | None = None) -> Any:
        status, payload = transport(method, f"{self.base_url}{self.carrier_code}/{path}", body, TIMEOUT_SECONDS)
        if status >= 400 or not isinstance(payload, dict):
            error = (payload or {}).get("error", {}) if isinstance(payload, dict) else {}
            raise CarrierCallFailed(
                error.get("message") or f"HTTP {status}",
                code=error.get("code") or f"http_{status}",
                status=status,
                body=payload,
            )
        return payload

    def waybill_request(self, request: WaybillRequest) -> WaybillResult:
        payload = self._call("POST", "waybills/", dataclasses.asdict(request))
        number = str(payload.get("tracking_number") or "").strip()
        if not number:
            raise CarrierCallFailed("the carrier returned no tracking number", code="no_tracking_number", body=payload)
        return WaybillResult(tracking_number=number, label=payload.get("label") or {})

    def waybill_cancel(self, *, tracking_number: str, request: WaybillRequest) -> None:
        self._call("POST", f"waybills/{tracking_number}/cancel/", {"order_reference": request.order_reference})

    def waybill_balance(self) -> int | None:
        return None  # Order Hub's carrier protocol counts no numbers

    def intercept(self, *, tracking_number: str, request: WaybillRequest, reason: str) -> InterceptResult:
        payload = self._call(
            "POST",
            f"waybills/{tracking_number}/intercept/",
            {
                "order_reference": request.order_reference,
                "reason": reason,
                "return_to": dataclasses.asdict(request.sender),
            },
        )
        return InterceptResult(
            reference=str(payload.get("intercept_id") or ""), message=str(payload.get("message") or ""), answer=payload
        )

    def tracking_fetch(self, tracking_number: str) -> list[TrackingUpdate]:
        payload = self._call("GET", f"tracking/{tracking_number}/")
        return [tracking_update_parse(tracking_number, item) for item in payload.get("events", [])]


def tracking_update_parse(tracking_number: str, item: dict[str, Any]) -> TrackingUpdate:
    """One event of the carrier protocol → ``TrackingUpdate``. Raises ValueError naming the bad field."""
    at = item.get("at")
    occurred = parse_datetime(at) if isinstance(at, str) else None
    if occurred is None or occurred.tzinfo is None:
        raise ValueError(f"at: {at!r} is not an ISO time with a time zone")
    kind = item.get("kind")
    from fulfilment.models import TrackingKind

    if kind not in TrackingKind.values:
        raise ValueError(f"kind: {kind!r} is not one of {', '.join(TrackingKind.values)}")
    external_id = str(item.get("id") or "").strip() or f"{kind}@{occurred.astimezone(dt.UTC):%Y%m%dT%H%M%S}"
    return TrackingUpdate(
        tracking_number=tracking_number,
        external_id=external_id[:64],
        kind=kind,
        occurred_at=occurred,
        description=str(item.get("description") or "")[:255],
        province=str(item.get("province") or "")[:32],
        city=str(item.get("city") or "")[:32],
    )


def adapter_for(carrier) -> HttpCarrierAdapter:
    return HttpCarrierAdapter(carrier_code=carrier.code, base_url=carrier.api_base_url or sandbox_base_url())


def sandbox_factory(account, carrier_code: str) -> HttpCarrierAdapter:
    """The ``sandbox`` e-waybill service: Order Hub's protocol at the carrier's API base URL (or the sandbox)."""
    from fulfilment.models import Carrier

    base = Carrier.objects.filter(code=carrier_code).values_list("api_base_url", flat=True).first()
    return HttpCarrierAdapter(carrier_code=carrier_code, base_url=base or sandbox_base_url())
