"""Shopify Admin REST client: ``X-Shopify-Access-Token`` header, cursor paging through the ``Link`` header,
429 with ``Retry-After``."""

from __future__ import annotations

import datetime as dt
import json
import re
import urllib.parse
from typing import Any

from integrations.exceptions import PlatformError, TokenExpired
from integrations.platforms.base import json_loads
from integrations.platforms.client import Page, PlatformClient

API_VERSION = "2026-10"
_NEXT = re.compile(r'<([^>]+)>;\s*rel="next"')


class ShopifyClient(PlatformClient):
    platform = "shopify"
    default_base_url = ""  # https://<shop>.myshopify.com — always set per shop
    page_size = 250
    max_window = dt.timedelta(days=7)

    def request(self, method: str, path: str, *, params=None, payload=None) -> tuple[Any, dict[str, str]]:
        response = self.send(
            method,
            f"/admin/api/{API_VERSION}/{path}",
            params=params,
            body=json.dumps(payload).encode() if payload is not None else None,
            headers={"X-Shopify-Access-Token": self.connection.access_token, "Content-Type": "application/json"},
        )
        if response.status in (401, 403):
            raise TokenExpired(f"shopify {path}: HTTP {response.status} {response.body[:200]!r}")
        if response.status >= 400:
            raise PlatformError(f"shopify {path}: HTTP {response.status} {response.body[:300]!r}")
        return json_loads(response.body, what=f"shopify {path} response"), response.headers

    def orders_page(self, *, start: dt.datetime, end: dt.datetime, token: str = "") -> Page:
        if token:
            params = {"limit": self.page_size, "page_info": token}
        else:
            params = {
                "status": "any",
                "updated_at_min": start.isoformat(),
                "updated_at_max": end.isoformat(),
                "limit": self.page_size,
                "order": "updated_at asc",
            }
        data, headers = self.request("GET", "orders.json", params=params)
        next_token = ""
        match = _NEXT.search(headers.get("link", ""))
        if match:
            query = urllib.parse.parse_qs(urllib.parse.urlparse(match.group(1)).query)
            next_token = (query.get("page_info") or [""])[0]
        return Page(orders=data.get("orders") or [], raw="", next_token=next_token)

    def order_get(self, external_id: str) -> dict[str, Any]:
        data, _headers = self.request("GET", f"orders/{external_id}.json")
        return data["order"]

    def order_count(self, *, start: dt.datetime, end: dt.datetime) -> int:
        data, _headers = self.request(
            "GET",
            "orders/count.json",
            params={"status": "any", "created_at_min": start.isoformat(), "created_at_max": end.isoformat()},
        )
        return int(data.get("count") or 0)

    def ship_confirm(self, *, external_id: str, carrier_code: str, tracking_number: str) -> dict[str, Any]:
        data, _headers = self.request(
            "POST",
            f"orders/{external_id}/fulfillments.json",
            payload={
                "fulfillment": {
                    "tracking_number": tracking_number,
                    "tracking_company": carrier_code,
                    "notify_customer": True,
                }
            },
        )
        return data
