"""Shopify Admin REST client: ``X-Shopify-Access-Token`` header, cursor paging through the ``Link`` header,
429 with ``Retry-After``.

Stock: Shopify keeps quantities per inventory item (one per variant) and location, so a stock push sets
``available`` with ``inventory_levels/set.json`` for the SKU's ``inventory_item_id`` (from the catalog sync,
``integrations.listings``) at the connection's ``location_id``.

Tokens: an offline access token does not expire unless the app asked for expiring offline tokens (60 minutes,
with a refresh token, required of public apps from 2027). With a refresh token stored, ``token_refresh``
exchanges it at ``/admin/oauth/access_token``; without one there is nothing to refresh (a 401 then means the
app was uninstalled or the token revoked: the shop must be authorised again).
"""

from __future__ import annotations

import datetime as dt
import json
import re
import urllib.parse
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from django.utils.translation import gettext as _

from integrations.exceptions import PlatformError, RefundDecisionRefused, TokenExpired, TokenRefreshFailed
from integrations.platforms.base import json_loads
from integrations.platforms.client import (
    CatalogPage,
    Page,
    PlatformClient,
    RefundDecision,
    TokenGrant,
    Variant,
    expiry,
)

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
            raise TokenExpired(
                _("shopify %(path)s: HTTP %(response_status)s %(value)r")
                % {"path": path, "response_status": response.status, "value": response.body[:200]}
            )
        if response.status >= 400:
            raise PlatformError(
                _("shopify %(path)s: HTTP %(response_status)s %(value)r")
                % {"path": path, "response_status": response.status, "value": response.body[:300]},
                extra={"http_status": response.status},
            )
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
        return Page(orders=data.get("orders") or [], raw="", next_token=_next_page_info(headers))

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

    def ship_confirm(
        self, *, external_id: str, carrier_code: str, tracking_number: str, lines: Sequence[tuple[str, int]] = ()
    ) -> dict[str, Any]:
        if lines:
            return self._fulfil_lines(
                external_id=external_id, carrier_code=carrier_code, tracking_number=tracking_number, lines=lines
            )
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

    def delivery_confirm(self, *, external_id: str, tracking_number: str, delivered_at: str) -> dict[str, Any]:
        """Shopify learns a delivery only from the merchant: a fulfillment event with ``status`` ``delivered`` on
        the fulfillment that carries the tracking number (``POST orders/{order_id}/fulfillments/{fulfillment_id}/
        events.json`` ``{"event": {"status": "delivered", "happened_at"}}`` → ``{"fulfillment_event": {...}}``,
        https://shopify.dev/docs/api/admin-rest/2024-07/resources/fulfillmentevent; statuses as in the
        FulfillmentEventStatus enum). A fulfillment already showing ``shipment_status`` ``delivered`` gets no
        second event, so a retried message changes nothing."""
        data, _headers = self.request("GET", f"orders/{external_id}/fulfillments.json")
        fulfillment = next(
            (
                f
                for f in data.get("fulfillments") or []
                if tracking_number == f.get("tracking_number") or tracking_number in (f.get("tracking_numbers") or [])
            ),
            None,
        )
        if fulfillment is None:  # the ship confirmation has not reached Shopify yet: retried
            raise PlatformError(
                _("shopify order %(external_id)s has no fulfillment with tracking number %(tracking_number)s")
                % {"external_id": external_id, "tracking_number": tracking_number}
            )
        if fulfillment.get("shipment_status") == "delivered":
            return {"fulfillment_id": fulfillment.get("id"), "already_delivered": True}
        data, _headers = self.request(
            "POST",
            f"orders/{external_id}/fulfillments/{fulfillment['id']}/events.json",
            payload={"event": {"status": "delivered", "happened_at": delivered_at}},
        )
        event = data.get("fulfillment_event") or {}
        return {"fulfillment_id": fulfillment["id"], "event_id": event.get("id"), "status": event.get("status")}

    def _fulfil_lines(
        self, *, external_id: str, carrier_code: str, tracking_number: str, lines: Sequence[tuple[str, int]]
    ) -> dict[str, Any]:
        """Part of an order: ``GET orders/{id}/fulfillment_orders.json`` finds the fulfillment-order line of each
        order line item (``line_item_id``), then ``POST fulfillments.json`` with
        ``line_items_by_fulfillment_order`` [{fulfillment_order_id, fulfillment_order_line_items [{id,
        quantity}]}] and ``tracking_info`` {number, company} (shopify.dev REST Admin: FulfillmentOrder,
        Fulfillment)."""
        data, _headers = self.request("GET", f"orders/{external_id}/fulfillment_orders.json")
        wanted = {str(line_id): int(quantity) for line_id, quantity in lines}
        by_order: list[dict[str, Any]] = []
        for fulfillment_order in data.get("fulfillment_orders") or []:
            items = []
            for item in fulfillment_order.get("line_items") or []:
                quantity = min(wanted.get(str(item.get("line_item_id")), 0), int(item.get("fulfillable_quantity") or 0))
                if quantity > 0:
                    items.append({"id": item["id"], "quantity": quantity})
                    wanted[str(item.get("line_item_id"))] -= quantity
            if items:
                by_order.append(
                    {"fulfillment_order_id": fulfillment_order["id"], "fulfillment_order_line_items": items}
                )
        missing = {line_id: quantity for line_id, quantity in wanted.items() if quantity > 0}
        if missing:
            raise PlatformError(
                _(
                    "shopify order %(external_id)s: nothing left to fulfil for line items "
                    "%(missing)s (fulfillment orders: %(value)s)."
                )
                % {
                    "external_id": external_id,
                    "missing": sorted(missing),
                    "value": [fo.get("id") for fo in data.get("fulfillment_orders") or []],
                }
            )
        data, _headers = self.request(
            "POST",
            "fulfillments.json",
            payload={
                "fulfillment": {
                    "line_items_by_fulfillment_order": by_order,
                    "tracking_info": {"number": tracking_number, "company": carrier_code},
                    "notify_customer": True,
                }
            },
        )
        return data

    def stock_update(self, *, sku_code: str, quantity: int) -> dict[str, Any]:
        from integrations.listings import listing_for_stock

        inventory_item_id, location_id = listing_for_stock(connection=self.connection, sku_code=sku_code)
        return self.inventory_set(inventory_item_id=inventory_item_id, location_id=location_id, available=quantity)

    def inventory_set(self, *, inventory_item_id: str, location_id: str, available: int) -> dict[str, Any]:
        """``POST inventory_levels/set.json {"location_id", "inventory_item_id", "available"}`` →
        ``{"inventory_level": {...}}``."""
        data, _headers = self.request(
            "POST",
            "inventory_levels/set.json",
            payload={
                "location_id": _numeric(location_id),
                "inventory_item_id": _numeric(inventory_item_id),
                "available": int(available),
            },
        )
        return data

    def refund_agree(self, decision: RefundDecision) -> dict[str, Any]:
        """A merchant's refund (https://shopify.dev/docs/api/admin-rest/2025-01/resources/refund): ``POST
        orders/{id}/refunds/calculate.json`` gives the transaction to refund (``suggested_refund``: ``parent_id``,
        ``gateway``, ``maximum_refundable``), then ``POST orders/{id}/refunds.json`` ``{"refund": {"currency",
        "notify", "note", "refund_line_items" [{line_item_id, quantity, restock_type}], "transactions"
        [{parent_id, amount, kind: "refund", gateway}]}}`` → 201 ``{"refund": {id, transactions…}}``. Shopify takes
        no idempotency key here: the note carries the refund request number and a refund already made with it is
        returned instead of refunding twice. Shopify's ``refunds/create`` webhook then settles the case."""
        existing = self._refund_with_note(decision)
        if existing is not None:
            return {"refund_id": existing.get("id"), "already_refunded": True}
        lines = [
            {"line_item_id": _numeric(line_id), "quantity": int(quantity), "restock_type": "no_restock"}
            for line_id, quantity in decision.lines
        ]
        path = f"orders/{decision.order_external_id}/refunds"
        calculated = self._refund_request(
            f"{path}/calculate.json", {"refund": {"refund_line_items": lines, "shipping": {"amount": "0.00"}}}
        )
        suggested = [
            t
            for t in (calculated.get("refund") or {}).get("transactions") or []
            if t.get("kind") == "suggested_refund" and t.get("parent_id")
        ]
        if not suggested:
            raise RefundDecisionRefused(
                _("shopify order %(external_id)s has no payment left to refund.")
                % {"external_id": decision.order_external_id}
            )
        first = suggested[0]
        limit = Decimal(str(first.get("maximum_refundable") or first.get("amount") or "0"))
        amount = min(decision.amount, limit) if limit > 0 else decision.amount
        data = self._refund_request(
            f"{path}.json",
            {
                "refund": {
                    "currency": decision.currency,
                    "notify": True,
                    "note": _refund_note(decision),
                    "refund_line_items": lines,
                    "transactions": [
                        {
                            "parent_id": first["parent_id"],
                            "amount": f"{amount:.2f}",
                            "kind": "refund",
                            "gateway": first.get("gateway") or "",
                        }
                    ],
                }
            },
        )
        refund = data.get("refund") or {}
        return {"refund_id": refund.get("id"), "amount": f"{amount:.2f}", "transactions": refund.get("transactions")}

    def _refund_with_note(self, decision: RefundDecision) -> dict[str, Any] | None:
        data, _headers = self.request("GET", f"orders/{decision.order_external_id}/refunds.json")
        note = _refund_note(decision)
        return next((r for r in data.get("refunds") or [] if note in str(r.get("note") or "")), None)

    def _refund_request(self, path: str, payload: dict[str, Any]) -> dict[str, Any]:
        """A refund call: Shopify's 422 (the amount is more than is refundable, a line already refunded…) is
        final; other failures are retried as usual."""
        try:
            data, _headers = self.request("POST", path, payload=payload)
        except TokenExpired:
            raise
        except PlatformError as exc:
            if exc.extra.get("http_status") in (400, 404, 422):
                raise RefundDecisionRefused(str(exc), extra=exc.extra) from exc
            raise
        return data

    def catalog_page(self, token: str = "") -> CatalogPage:
        """One page of ``products.json`` (id, title, variants with sku and inventory_item_id), paged with the
        ``Link: rel="next"`` cursor like the orders."""
        params: dict[str, Any] = {"limit": self.page_size, "fields": "id,title,variants"}
        if token:
            params["page_info"] = token
        data, headers = self.request("GET", "products.json", params=params)
        products = data.get("products") or []
        variants = []
        for product in products:
            for variant in product.get("variants") or []:
                title = " / ".join(
                    t for t in (product.get("title"), variant.get("title")) if t and t != "Default Title"
                )
                variants.append(
                    Variant(
                        sku=str(variant.get("sku") or "").strip(),
                        product_id=str(variant.get("product_id") or product.get("id") or ""),
                        variant_id=str(variant.get("id") or ""),
                        inventory_item_id=str(variant.get("inventory_item_id") or ""),
                        title=title[:255],
                    )
                )
        return CatalogPage(variants=variants, next_token=_next_page_info(headers), products=len(products))

    def catalog_count(self) -> int:
        data, _headers = self.request("GET", "products/count.json")
        return int(data.get("count") or 0)

    def locations(self) -> list[dict[str, Any]]:
        data, _headers = self.request("GET", "locations.json")
        return list(data.get("locations") or [])

    def token_refresh(self) -> TokenGrant:
        """``POST /admin/oauth/access_token`` (form: client_id, client_secret, grant_type=refresh_token,
        refresh_token) → ``{access_token, expires_in, refresh_token, refresh_token_expires_in, scope}``; a refused
        refresh token is a 400/401 ``{"error", "error_description"}``."""
        if not self.connection.refresh_token:
            raise TokenRefreshFailed(
                _(
                    "shopify: no refresh token stored — a non-expiring offline token cannot be refreshed; the app was "
                    "uninstalled or its token revoked. Install/authorise the app again."
                )
            )
        response = self.send(
            "POST",
            "/admin/oauth/access_token",
            body=urllib.parse.urlencode(
                {
                    "client_id": self.connection.app_key,
                    "client_secret": self.connection.app_secret,
                    "grant_type": "refresh_token",
                    "refresh_token": self.connection.refresh_token,
                }
            ).encode(),
            headers={"Content-Type": "application/x-www-form-urlencoded", "Accept": "application/json"},
        )
        data = json_loads(response.body or b"{}", what="shopify oauth/access_token response")
        if response.status >= 400 or not isinstance(data, dict) or not data.get("access_token"):
            detail = (data.get("error_description") or data.get("error")) if isinstance(data, dict) else data
            raise TokenRefreshFailed(
                _("shopify oauth/access_token: HTTP %(response_status)s %(detail)s")
                % {"response_status": response.status, "detail": detail}
            )
        return TokenGrant(
            access_token=str(data["access_token"]),
            refresh_token=str(data.get("refresh_token") or ""),
            expires_at=expiry(seconds=data.get("expires_in")),
            refresh_expires_at=expiry(seconds=data.get("refresh_token_expires_in")),
        )


def _refund_note(decision: RefundDecision) -> str:
    return f"Order Hub {decision.request_no}"


def _next_page_info(headers: dict[str, str]) -> str:
    match = _NEXT.search(headers.get("link", ""))
    if not match:
        return ""
    query = urllib.parse.parse_qs(urllib.parse.urlparse(match.group(1)).query)
    return (query.get("page_info") or [""])[0]


def _numeric(value: str) -> int | str:
    """Shopify ids are integers in JSON bodies."""
    return int(value) if str(value).isdigit() else value
