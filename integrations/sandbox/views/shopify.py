"""The sandbox's Shopify Admin REST API: access tokens, orders, fulfillments, products and inventory levels.

A refund created through ``orders/{id}/refunds.json`` changes its order as Shopify's does: the order's
``updated_at`` becomes the refund's time, so ``orders.json?updated_at_min=…`` lists it again (the Order resource's
``updated_at`` is "the date and time when the order was last modified",
https://shopify.dev/docs/api/admin-rest/latest/resources/order), and the ``refunds/create`` webhook (a Refund
resource body, https://shopify.dev/docs/api/webhooks/latest, topic ``refunds/create``) goes to Order Hub's webhook
for the shop once the refund is made."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal

from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.utils import timezone

from config.tasks import enqueue_on_commit
from integrations.models import ShopConnection
from integrations.sandbox import catalog, data, formats
from integrations.sandbox.views import shared
from integrations.selectors import connection_for_access_token
from integrations.signing import equal


def handle(request: HttpRequest, rest: str, fault: str) -> HttpResponse:
    if rest == "admin/oauth/access_token" and request.method == "POST":
        return _shopify_token_refresh(request)
    token = request.headers.get("X-Shopify-Access-Token", "")
    connection = connection_for_access_token(platform="shopify", token=token)
    expired = connection is not None and connection.token_expires_at is not None
    expired = expired and connection.token_expires_at < timezone.now()
    refused = fault == "expired_token" and not (connection and shared.token_issued_here(connection, token))
    if connection is None or refused or expired or token == "expired":
        return JsonResponse(
            {"errors": "[API] Invalid API key or access token (unrecognized login or wrong password)"}, status=401
        )
    if fault == "rate_limit":
        response = JsonResponse(
            {
                "errors": "Exceeded 2 calls per second for api client. "
                "Reduce request rates to resume uninterrupted service."
            },
            status=429,
        )
        response["Retry-After"] = "2.0"
        return response
    parts = rest.split("/")  # admin/api/<version>/...
    if len(parts) < 4 or parts[:2] != ["admin", "api"]:
        raise Http404(rest)
    resource = "/".join(parts[3:])
    app_key = connection.app_key
    if resource == "orders.json" and request.method == "GET":
        cursor = request.GET.get("page_info", "")
        if cursor:
            state = json.loads(bytes.fromhex(cursor).decode())
        else:
            state = {"min": request.GET["updated_at_min"], "max": request.GET["updated_at_max"], "page": 1}
        start = dt.datetime.fromisoformat(state["min"])
        end = dt.datetime.fromisoformat(state["max"])
        orders = _modified_between(connection, start, end)
        limit = int(request.GET.get("limit", 50))
        page, more = shared.page_of(orders, state["page"], limit)
        response = JsonResponse({"orders": [_order(connection, o) for o in page]})
        if more:
            token = json.dumps({**state, "page": state["page"] + 1}).encode().hex()
            response["Link"] = (
                f'<{request.build_absolute_uri(request.path)}?limit={limit}&page_info={token}>; rel="next"'
            )
        return response
    if resource == "orders/count.json":
        start = dt.datetime.fromisoformat(request.GET["created_at_min"])
        end = dt.datetime.fromisoformat(request.GET["created_at_max"])
        return JsonResponse({"count": data.created_between(app_key, start, end)})
    if resource.startswith("orders/") and resource.endswith("/fulfillment_orders.json"):
        try:
            order = _order(connection, shared.order_get("shopify", app_key, resource.split("/")[1]))
        except shared.SandboxError as exc:
            return JsonResponse({"errors": exc.message}, status=404)
        return JsonResponse({"fulfillment_orders": [_fulfillment_order(connection, order)]})
    if resource == "fulfillments.json" and request.method == "POST":
        return _shopify_fulfil_lines(request, connection)
    if resource.startswith("orders/") and resource.endswith("/fulfillments.json") and request.method == "GET":
        return JsonResponse({"fulfillments": _fulfillments(connection, resource.split("/")[1])})
    if resource.startswith("orders/") and "/fulfillments/" in resource and resource.endswith("/events.json"):
        return _shopify_fulfillment_event(request, connection, resource)
    if resource.startswith("orders/") and resource.endswith("/fulfillments.json") and request.method == "POST":
        external = resource.split("/")[1]
        try:
            shared.order_get("shopify", app_key, external)
        except shared.SandboxError as exc:
            return JsonResponse({"errors": exc.message}, status=404)
        body = json.loads(request.body or b"{}")
        shared.received_record(connection, "ship_confirm", {"order_id": external, **body.get("fulfillment", {})})
        return JsonResponse(
            {"fulfillment": {"id": 1, "order_id": int(external), "status": "success", **body.get("fulfillment", {})}},
            status=201,
        )
    if resource.startswith("orders/") and "/refunds" in resource:
        return _shopify_refunds(request, connection, resource)
    if resource.startswith("orders/") and resource.endswith(".json"):
        try:
            order = shared.order_get("shopify", app_key, resource.split("/")[1].removesuffix(".json"))
        except shared.SandboxError as exc:
            return JsonResponse({"errors": exc.message}, status=404)
        return JsonResponse({"order": _order(connection, order)})
    if resource == "products.json" and request.method == "GET":
        return _shopify_products(request, app_key)
    if resource == "products/count.json":
        return JsonResponse({"count": len(catalog.products(app_key))})
    if resource == "locations.json":
        return JsonResponse({"locations": catalog.locations(app_key)}, json_dumps_params={"ensure_ascii": False})
    if resource == "inventory_levels/set.json" and request.method == "POST":
        return _shopify_inventory_set(request, connection)
    raise Http404(resource)


def _shopify_token_refresh(request: HttpRequest) -> HttpResponse:
    """``POST /admin/oauth/access_token`` with client_id, client_secret, grant_type=refresh_token, refresh_token
    (form-encoded, or JSON)."""
    form = request.POST.dict() or (json.loads(request.body or b"{}") if request.body.startswith(b"{") else {})
    app_key = form.get("client_id", "")
    connection = (
        ShopConnection.objects.filter(app_key=app_key, shop__platform="shopify").select_related("shop").first()
        if app_key
        else None
    )
    if connection is None or not equal(connection.app_secret, form.get("client_secret", "")):
        return JsonResponse(
            {"error": "invalid_client", "error_description": "Client authentication failed"}, status=401
        )
    if form.get("grant_type") != "refresh_token":
        return JsonResponse({"error": "unsupported_grant_type"}, status=400)
    try:
        access, refresh = shared.token_refresh(connection, form.get("refresh_token", ""))
    except shared.SandboxError as exc:
        return JsonResponse({"error": "invalid_grant", "error_description": exc.message}, status=400)
    return JsonResponse(
        {
            "access_token": access,
            "expires_in": shared.token_lifetime("shopify"),
            "refresh_token": refresh,
            "refresh_token_expires_in": 90 * 86400,
            "scope": "read_orders,write_orders,read_products,read_inventory,write_inventory,read_locations",
        }
    )


def _shopify_products(request: HttpRequest, app_key: str) -> HttpResponse:
    cursor = request.GET.get("page_info", "")
    state = json.loads(bytes.fromhex(cursor).decode()) if cursor else {"page": 1}
    limit = min(int(request.GET.get("limit", 50)), 250)
    page, more = shared.page_of(catalog.products(app_key), state["page"], limit)
    fields = [f for f in request.GET.get("fields", "").split(",") if f]
    if fields:
        page = [{k: v for k, v in product.items() if k in fields} for product in page]
    response = JsonResponse({"products": page}, json_dumps_params={"ensure_ascii": False})
    if more:
        token = json.dumps({"page": state["page"] + 1}).encode().hex()
        query = f"limit={limit}&page_info={token}" + (f"&fields={','.join(fields)}" if fields else "")
        response["Link"] = f'<{request.build_absolute_uri(request.path)}?{query}>; rel="next"'
    return response


def _shopify_inventory_set(request: HttpRequest, connection: ShopConnection) -> HttpResponse:
    body = json.loads(request.body or b"{}")
    location, item, available = body.get("location_id"), body.get("inventory_item_id"), body.get("available")
    if location != catalog.location_id(connection.app_key):
        return JsonResponse({"errors": ["Location not found"]}, status=404)
    if item not in catalog.inventory_items(connection.app_key):
        return JsonResponse({"errors": ["Inventory item does not exist"]}, status=422)
    if not isinstance(available, int):
        return JsonResponse({"errors": {"available": ["must be an integer"]}}, status=422)
    shared.received_record(connection, "stock_update", body)
    return JsonResponse(
        {
            "inventory_level": {
                "inventory_item_id": item,
                "location_id": location,
                "available": available,
                "updated_at": formats._iso(timezone.now()),
                "admin_graphql_api_id": f"gid://shopify/InventoryLevel/{location}?inventory_item_id={item}",
            }
        }
    )


def _fulfillment_order(connection: ShopConnection, order: dict) -> dict:
    """The order's one fulfillment order (id = the order id + 1): a line per line item, its fulfillable
    quantity less what ship confirmations by line (``fulfillments.json``) took already."""
    shop = connection.shop.code
    taken: dict[int, int] = {}
    for r in shared.RECEIVED:
        if r["shop"] == shop and r["kind"] == "ship_confirm" and r["payload"].get("order_id") == str(order["id"]):
            for item in r["payload"].get("line_items", []):
                taken[item["id"]] = taken.get(item["id"], 0) + item["quantity"]
    lines = [
        {
            "id": item["id"] + 1,
            "line_item_id": item["id"],
            "quantity": item["quantity"],
            "fulfillable_quantity": item["quantity"] - taken.get(item["id"] + 1, 0),
        }
        for item in order["line_items"]
    ]
    return {"id": order["id"] + 1, "order_id": order["id"], "status": "open", "line_items": lines}


def _shopify_fulfil_lines(request: HttpRequest, connection: ShopConnection) -> HttpResponse:
    """``POST fulfillments.json`` with ``line_items_by_fulfillment_order``: every fulfillment order and line must
    exist and have the quantity left; recorded as a ship confirmation of the order."""
    fulfillment = json.loads(request.body or b"{}").get("fulfillment", {})
    groups = fulfillment.get("line_items_by_fulfillment_order") or []
    if not groups:
        return JsonResponse({"errors": {"line_items_by_fulfillment_order": ["can't be blank"]}}, status=422)
    external = str(int(groups[0]["fulfillment_order_id"]) - 1)
    try:
        order = formats.shopify_order(shared.order_get("shopify", connection.app_key, external))
    except shared.SandboxError as exc:
        return JsonResponse({"errors": exc.message}, status=404)
    open_lines = {
        line["id"]: line["fulfillable_quantity"] for line in _fulfillment_order(connection, order)["line_items"]
    }
    items = []
    for group in groups:
        for item in group.get("fulfillment_order_line_items") or []:
            if not 0 < int(item.get("quantity") or 0) <= open_lines.get(item.get("id"), 0):
                return JsonResponse(
                    {"errors": f"fulfillment order line {item.get('id')}: invalid quantity"}, status=422
                )
            items.append({"id": item["id"], "quantity": int(item["quantity"])})
    tracking = fulfillment.get("tracking_info") or {}
    shared.received_record(
        connection,
        "ship_confirm",
        {
            "order_id": external,
            "line_items": items,
            "tracking_number": tracking.get("number", ""),
            "tracking_company": tracking.get("company", ""),
        },
    )
    return JsonResponse({"fulfillment": {"id": 1, "order_id": int(external), "status": "success"}}, status=201)


def _fulfillments(connection: ShopConnection, external: str) -> list[dict]:
    """The order's fulfillments as Shopify lists them: one per ship confirmation received (id = its position),
    ``shipment_status`` ``delivered`` once a delivered fulfillment event was posted to it."""
    shop = connection.shop.code
    confirms = [r["payload"] for r in shared.RECEIVED if r["shop"] == shop and r["kind"] == "ship_confirm"]
    events = [r["payload"] for r in shared.RECEIVED if r["shop"] == shop and r["kind"] == "fulfillment_event"]
    result = []
    for index, confirm in enumerate(c for c in confirms if str(c.get("order_id")) == external):
        fid = index + 1
        delivered = any(
            e["order_id"] == external and e["fulfillment_id"] == str(fid) and e.get("status") == "delivered"
            for e in events
        )
        number = confirm.get("tracking_number") or ""
        result.append(
            {
                "id": fid,
                "order_id": int(external),
                "status": "success",
                "tracking_number": number,
                "tracking_numbers": [number] if number else [],
                "tracking_company": confirm.get("tracking_company"),
                "shipment_status": "delivered" if delivered else "confirmed",
            }
        )
    return result


def _shopify_fulfillment_event(request: HttpRequest, connection: ShopConnection, resource: str) -> HttpResponse:
    """``POST orders/{id}/fulfillments/{fid}/events.json {"event": {"status", "happened_at"}}`` → 201
    ``{"fulfillment_event": {...}}``; 422 for a status Shopify does not know, 404 for an unknown fulfillment."""
    _orders, external, _f, fid, _events = resource.split("/")
    if request.method != "POST":
        raise Http404(resource)
    if not any(str(f["id"]) == fid for f in _fulfillments(connection, external)):
        return JsonResponse({"errors": "Not Found"}, status=404)
    event = json.loads(request.body or b"{}").get("event")
    if not isinstance(event, dict):
        return JsonResponse({"errors": {"event": "Required parameter missing or invalid"}}, status=400)
    if event.get("status") not in FULFILLMENT_EVENT_STATUSES:
        return JsonResponse({"errors": {"status": ["is not included in the list"]}}, status=422)
    shared.received_record(connection, "fulfillment_event", {"order_id": external, "fulfillment_id": fid, **event})
    return JsonResponse(
        {
            "fulfillment_event": {
                "id": len([r for r in shared.RECEIVED if r["kind"] == "fulfillment_event"]),
                "fulfillment_id": int(fid),
                "order_id": int(external),
                "shop_id": connection.shop_id,
                "status": event["status"],
                "happened_at": event.get("happened_at") or timezone.now().isoformat(),
            }
        },
        status=201,
    )


# The REST FulfillmentEvent statuses (https://shopify.dev/docs/api/admin-rest/2024-07/resources/fulfillmentevent).
FULFILLMENT_EVENT_STATUSES = {
    "label_printed",
    "label_purchased",
    "attempted_delivery",
    "ready_for_pickup",
    "confirmed",
    "in_transit",
    "out_for_delivery",
    "delivered",
    "failure",
}


# Refunds made through the sandbox's API, by (app key, order id): with the order's own (the merchant's refund in
# Shopify's admin, ``formats.shopify_refunds``) what ``orders/{id}/refunds.json`` and the order's ``refunds`` list.
REFUNDS: dict[tuple[str, str], list[dict]] = {}


def _refunded_last(app_key: str, external: str) -> dt.datetime | None:
    """When the latest refund made through the API on the order was created (None: none was)."""
    made = REFUNDS.get((app_key, external))
    return max(dt.datetime.fromisoformat(r["created_at"]) for r in made) if made else None


def _modified_between(connection: ShopConnection, start: dt.datetime, end: dt.datetime) -> list:
    """The orders whose last change lies in [start, end], oldest change first: a refund made through the API is
    the order's last change from its time on."""
    app_key = connection.app_key
    changed = {}
    for order in data.modified_between(app_key, start, end):
        refunded = _refunded_last(app_key, formats.order_id("shopify", order))
        if refunded is None or refunded <= end:
            changed[order.seq] = (max(order.modified, refunded or order.modified), order)
    for key_app, external in list(REFUNDS):
        refunded = _refunded_last(app_key, external) if key_app == app_key else None
        if refunded is None or not start <= refunded <= end:
            continue
        try:
            order = shared.order_get("shopify", app_key, external)
        except shared.SandboxError:
            continue
        changed[order.seq] = (max(order.modified, refunded), order)
    return [order for _at, order in sorted(changed.values(), key=lambda pair: (pair[0], pair[1].seq))]


def _order(connection: ShopConnection, generated) -> dict:
    """A sandbox order as Shopify's Order resource, its ``refunds`` including those made through the API and its
    ``updated_at`` the latest of them when that is later."""
    native = formats.shopify_order(generated)
    made = REFUNDS.get((connection.app_key, str(native["id"])))
    if made:
        native["refunds"] = [*native["refunds"], *made]
        formats.shopify_refunded(native)
        refunded = _refunded_last(connection.app_key, str(native["id"]))
        if refunded > dt.datetime.fromisoformat(native["updated_at"]):
            native["updated_at"] = formats._iso(refunded)
    return native


def _shopify_refunds(request: HttpRequest, connection: ShopConnection, resource: str) -> HttpResponse:
    """``GET orders/{id}/refunds.json``, ``POST orders/{id}/refunds/calculate.json`` (the sale to refund as a
    ``suggested_refund`` with ``maximum_refundable``) and ``POST orders/{id}/refunds.json`` (201; a refund above
    what is left is refused 422, as Shopify does)."""
    external = resource.split("/")[1]
    try:
        order = _order(connection, shared.order_get("shopify", connection.app_key, external))
    except shared.SandboxError as exc:
        return JsonResponse({"errors": exc.message}, status=404)
    made = REFUNDS.setdefault((connection.app_key, external), [])
    if request.method == "GET":
        return JsonResponse({"refunds": order["refunds"]})
    body = json.loads(request.body or b"{}").get("refund") or {}
    refunded = sum(
        (Decimal(str(t["amount"])) for r in order["refunds"] for t in r["transactions"] if t.get("kind") == "refund"),
        Decimal("0.00"),
    )
    left = Decimal(str(order["total_price"])) - refunded
    sale = {"parent_id": int(f"9{external}"), "gateway": (order.get("payment_gateway_names") or ["manual"])[0]}
    if resource.endswith("/refunds/calculate.json"):
        suggested = {
            "order_id": int(external),
            "kind": "suggested_refund",
            "amount": "0.00",
            "maximum_refundable": f"{left:.2f}",
            "currency": order.get("currency") or "CNY",
            **sale,
        }
        return JsonResponse(
            {
                "refund": {
                    "refund_line_items": body.get("refund_line_items") or [],
                    "transactions": [suggested] if left > 0 else [],
                }
            }
        )
    if not resource.endswith("/refunds.json") or request.method != "POST":
        raise Http404(resource)
    transactions = body.get("transactions") or []
    amount = sum((Decimal(str(t.get("amount") or 0)) for t in transactions), Decimal("0.00"))
    if not transactions or any(t.get("parent_id") != sale["parent_id"] for t in transactions):
        return JsonResponse({"errors": {"transactions": ["parent_id is not a sale of this order"]}}, status=422)
    if amount > left:
        return JsonResponse({"errors": {"base": [f"Refund amount {amount:.2f} exceeds {left:.2f}"]}}, status=422)
    refund = {
        "id": int(f"88{external[-6:]}{len(made) + 1}"),
        "order_id": int(external),
        "note": body.get("note") or "",
        "created_at": timezone.now().isoformat(),
        "refund_line_items": body.get("refund_line_items") or [],
        "transactions": [
            {
                "id": int(f"77{external[-6:]}{len(made) + 1}"),
                "kind": "refund",
                "status": "success",
                "amount": f"{amount:.2f}",
                **sale,
            }
        ],
    }
    made.append(refund)
    shared.received_record(connection, "refund_create", {"order_id": external, **body})
    # Shopify tells the shop's subscribers: the refunds/create webhook, its body the Refund resource.
    enqueue_on_commit(
        "integrations.tasks.sandbox_webhook_send",
        platform="shopify",
        shop_code=connection.shop.code,
        topic="refunds/create",
        body=refund,
        target=request.build_absolute_uri(f"/webhooks/shopify/{connection.shop.code}/"),
    )
    return JsonResponse({"refund": refund}, status=201)
