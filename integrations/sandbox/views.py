"""The sandbox: each platform's API endpoints emulated under ``/sandbox/<platform>/…`` with generated data.

Point a shop's connection at it (base URL ``http://127.0.0.1:8000/sandbox/taobao`` etc.). Requests are
checked like the platform would: the app key must belong to a connection, the signature must be right,
the token must not be ``expired`` (or past ``token_expires_at``). Error modes are chosen by the base URL:
``/sandbox/<platform>/fault/<mode>/…`` with mode ``503``, ``timeout`` (answers after
``SANDBOX_TIMEOUT_SECONDS``), ``expired_token``, ``rate_limit`` or ``flaky`` (503 one call in three).

Each platform's token refresh is emulated too (Taobao ``taobao.top.auth.token.refresh``, JD
``/oauth2/refresh_token``, PDD ``pdd.pop.auth.token.refresh``, Douyin ``token.refresh``, Shopify
``/admin/oauth/access_token``): the connection's refresh token buys a new access token and a new refresh token
(the old one is spent). Tokens the sandbox issued are signed with the app secret, so the ``expired_token``
mode refuses every token except those: an expired token is recoverable by refreshing.

``POST /sandbox/<platform>/push/<shop_code>/?count=N`` makes the platform push its latest N orders'
notices, signed, to Order Hub's webhook (``target`` overrides the URL).

Only served when ``settings.SANDBOX_ENABLED`` (default: DEBUG).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import secrets
import time
from collections import deque
from typing import Any

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt

from integrations.mapping import local_datetime
from integrations.models import ShopConnection
from integrations.sandbox import catalog, data, formats
from integrations.signing import douyin_api_sign, equal, top_sign

# Outbound calls the sandbox accepted (ship confirmations, stock updates): newest last, per process.
RECEIVED: deque[dict[str, Any]] = deque(maxlen=500)
FAULTS = ("503", "timeout", "expired_token", "rate_limit", "flaky")
_flaky_counter = iter(range(10**12))


class SandboxError(Exception):
    def __init__(self, kind: str, message: str):
        super().__init__(message)
        self.kind = kind  # signature | token | rate_limit | invalid | not_found
        self.message = message


def _enabled() -> None:
    if not getattr(settings, "SANDBOX_ENABLED", settings.DEBUG):
        raise Http404("The sandbox is switched off (SANDBOX_ENABLED).")


def _connection(app_key: str) -> ShopConnection:
    connection = ShopConnection.objects.filter(app_key=app_key).select_related("shop").first() if app_key else None
    if connection is None:
        raise SandboxError("signature", f"unknown app key {app_key!r}")
    return connection


def _check_token(connection: ShopConnection, token: str, fault: str) -> None:
    expired = connection.token_expires_at is not None and connection.token_expires_at < timezone.now()
    refused = fault == "expired_token" and not _issued_here(connection, token)
    if refused or token == "expired" or expired or token != connection.access_token:
        raise SandboxError("token", "access token expired or invalid")


# --- tokens ------------------------------------------------------------------------------------------------


def _token_mac(connection: ShopConnection, nonce: str) -> str:
    return hmac.new(connection.app_secret.encode(), nonce.encode(), hashlib.sha256).hexdigest()[:16]


def _issued_here(connection: ShopConnection, token: str) -> bool:
    """A token this sandbox issued by a refresh (``sbx-<nonce>-<mac>``)."""
    parts = (token or "").split("-")
    return len(parts) == 3 and parts[0] == "sbx" and equal(_token_mac(connection, parts[1]), parts[2])


def _token_refresh(connection: ShopConnection, given: str) -> tuple[str, str]:
    """Spend the connection's refresh token for a new (access, refresh) pair, as the platforms do."""
    spent = connection.refresh_token_expires_at is not None and connection.refresh_token_expires_at < timezone.now()
    if not given or given in ("expired", "revoked") or given != connection.refresh_token or spent:
        raise SandboxError("refresh", "refresh_token is invalid or expired")
    nonce = secrets.token_hex(8)
    return f"sbx-{nonce}-{_token_mac(connection, nonce)}", f"sbxr-{secrets.token_hex(12)}"


def _lifetime(platform: str) -> int:
    """Seconds an issued access token lives (Shopify's expiring offline tokens: one hour)."""
    default = 3600 if platform == "shopify" else 86400
    return int(getattr(settings, "SANDBOX_TOKEN_LIFETIME_SECONDS", default))


REFRESH_LIFETIME = 30 * 86400


def _window(value: str, epoch: bool = False) -> dt.datetime:
    if epoch or str(value).isdigit():
        return dt.datetime.fromtimestamp(int(value), tz=dt.UTC)
    moment = local_datetime(value)
    if moment is None:
        raise SandboxError("invalid", f"bad time {value!r}")
    return moment


def _page(items: list, page: int, size: int) -> tuple[list, bool]:
    start = (page - 1) * size
    return items[start : start + size], start + size < len(items)


def _apply_fault(fault: str) -> HttpResponse | None:
    if fault == "503" or (fault == "flaky" and next(_flaky_counter) % 3 == 0):
        return HttpResponse("Service Unavailable", status=503)
    if fault == "timeout":
        time.sleep(float(getattr(settings, "SANDBOX_TIMEOUT_SECONDS", 15)))
        return HttpResponse("Gateway Timeout", status=504)
    return None


# --- entry point -------------------------------------------------------------------------------------------


@csrf_exempt
def sandbox_api(request: HttpRequest, platform: str, rest: str, fault: str = "") -> HttpResponse:
    _enabled()
    if fault and fault not in FAULTS:
        raise Http404(f"unknown fault mode {fault!r} (one of {', '.join(FAULTS)})")
    early = _apply_fault(fault)
    if early is not None:
        return early
    handler = HANDLERS.get(platform)
    if handler is None:
        raise Http404(f"no sandbox for {platform!r}")
    return handler(request, rest.strip("/"), fault)


# --- Taobao TOP --------------------------------------------------------------------------------------------


def _top_params(request: HttpRequest) -> dict[str, str]:
    params = request.GET.dict()
    params.update(request.POST.dict())
    return params


def taobao(request: HttpRequest, rest: str, fault: str) -> HttpResponse:
    params = _top_params(request)
    method = params.get("method", "")
    try:
        connection = _connection(params.get("app_key", ""))
        if not equal(
            top_sign(params, connection.app_secret, sign_method=params.get("sign_method", "md5")),
            params.get("sign", ""),
        ):
            raise SandboxError("signature", "Invalid signature")
        if fault == "rate_limit":
            raise SandboxError("rate_limit", "This ban will last for 2 more seconds")
        if method == "taobao.top.auth.token.refresh":  # signed by the app, no session
            result = _taobao_token_refresh(connection, params)
        else:
            _check_token(connection, params.get("session", ""), fault)
            result = _taobao_call(connection, method, params)
    except SandboxError as exc:
        codes = {
            "signature": {"code": 25, "msg": "Invalid signature"},
            "token": {"code": 27, "msg": "Invalid session", "sub_code": "invalid-sessionkey"},
            "refresh": {
                "code": 27,
                "msg": "Invalid session",
                "sub_code": "invalid-refresh-token",
                "sub_msg": exc.message,
            },
            "rate_limit": {
                "code": 7,
                "msg": "App Call Limited",
                "sub_code": "accesscontrol.limited-by-app-access-count",
                "sub_msg": exc.message,
            },
            "invalid": {"code": 40, "msg": "Missing required arguments", "sub_msg": exc.message},
            "not_found": {
                "code": 15,
                "msg": "Remote service error",
                "sub_code": "isv.trade-not-exist",
                "sub_msg": exc.message,
            },
        }
        return JsonResponse({"error_response": {**codes[exc.kind], "request_id": "sandbox"}})
    key = method.replace("taobao.", "", 1).replace(".", "_") + "_response"
    return JsonResponse({key: result}, json_dumps_params={"ensure_ascii": False})


def _taobao_token_refresh(connection: ShopConnection, params: dict[str, str]) -> dict[str, Any]:
    access, refresh = _token_refresh(connection, params.get("refresh_token", ""))
    now_ms = int(timezone.now().timestamp() * 1000)
    lifetime = _lifetime("taobao")
    token = {
        "access_token": access,
        "token_type": "Bearer",
        "expires_in": lifetime,
        "expire_time": now_ms + lifetime * 1000,
        "refresh_token": refresh,
        "re_expires_in": REFRESH_LIFETIME,
        "refresh_token_valid_time": now_ms + REFRESH_LIFETIME * 1000,
        "r1_expires_in": lifetime,
        "r2_expires_in": lifetime,
        "w1_expires_in": lifetime,
        "w2_expires_in": lifetime,
        "taobao_user_id": str(data.shop_tag(connection.app_key)),
        "taobao_user_nick": connection.shop.name,
    }
    return {"token_result": json.dumps(token, ensure_ascii=False)}


def _taobao_call(connection: ShopConnection, method: str, params: dict[str, str]) -> dict[str, Any]:
    app_key = connection.app_key
    if method == "taobao.trades.sold.increment.get":
        start, end = _window(params["start_modified"]), _window(params["end_modified"])
        orders = data.modified_between(app_key, start, end)
        page, more = _page(orders, int(params.get("page_no", 1)), int(params.get("page_size", 40)))
        return {
            "total_results": len(orders),
            "has_next": more,
            "trades": {"trade": [formats.taobao_trade(o) for o in page]},
        }
    if method == "taobao.trade.fullinfo.get":
        return {"trade": formats.taobao_trade(_order("taobao", app_key, params.get("tid", "")))}
    if method == "taobao.trades.sold.get":
        start, end = _window(params["start_created"]), _window(params["end_created"])
        return {"total_results": data.created_between(app_key, start, end), "trades": {"trade": []}}
    if method == "taobao.logistics.offline.send":
        _order("taobao", app_key, params.get("tid", ""))
        _carrier_known("taobao", params.get("company_code", ""))
        _received(connection, "ship_confirm", params)
        return {"shipping": {"is_success": True}}
    if method == "taobao.item.quantity.update":
        _received(connection, "stock_update", params)
        return {"item": {"outer_id": params.get("outer_id"), "num": int(params.get("quantity", 0))}}
    raise SandboxError("invalid", f"the sandbox does not emulate {method}")


# --- JD JOS ------------------------------------------------------------------------------------------------


def jd(request: HttpRequest, rest: str, fault: str) -> HttpResponse:
    if rest == "oauth2/refresh_token":
        return _jd_oauth_refresh(request)
    params = _top_params(request)
    method = params.get("method", "")
    try:
        connection = _connection(params.get("app_key", ""))
        if not equal(top_sign(params, connection.app_secret), params.get("sign", "")):
            raise SandboxError("signature", "sign invalid")
        if fault == "rate_limit":
            raise SandboxError("rate_limit", "api call limit")
        _check_token(connection, params.get("access_token", ""), fault)
        body = json.loads(params.get("360buy_param_json") or "{}")
        result = _jd_call(connection, method, body)
    except SandboxError as exc:
        codes = {
            "signature": "14",
            "token": "19",
            "rate_limit": "67",
            "invalid": "10",
            "not_found": "10",
            "refresh": "19",
        }
        return JsonResponse(
            {"error_response": {"code": codes[exc.kind], "zh_desc": exc.message, "en_desc": exc.message}}
        )
    return JsonResponse({method.replace(".", "_") + "_responce": result}, json_dumps_params={"ensure_ascii": False})


def _jd_oauth_refresh(request: HttpRequest) -> HttpResponse:
    """JD's OAuth host: ``GET /oauth2/refresh_token?app_key&app_secret&grant_type=refresh_token&refresh_token``."""
    params = _top_params(request)
    try:
        connection = _connection(params.get("app_key", ""))
        if not equal(connection.app_secret, params.get("app_secret", "")):
            raise SandboxError("signature", "app_secret 错误")
        if params.get("grant_type") != "refresh_token":
            raise SandboxError("invalid", "grant_type 必须是 refresh_token")
        access, refresh = _token_refresh(connection, params.get("refresh_token", ""))
    except SandboxError as exc:
        codes = {"signature": 401, "invalid": 400, "refresh": 402}
        return JsonResponse(
            {"code": codes.get(exc.kind, 400), "msg": exc.message}, json_dumps_params={"ensure_ascii": False}
        )
    return JsonResponse(
        {
            "access_token": access,
            "expires_in": _lifetime("jd"),
            "refresh_token": refresh,
            "scope": "snsapi_base",
            "open_id": f"sandbox-{data.shop_tag(connection.app_key)}",
            "uid": str(data.shop_tag(connection.app_key)),
            "time": int(timezone.now().timestamp() * 1000),
            "token_type": "bearer",
            "code": 0,
        }
    )


def _jd_call(connection: ShopConnection, method: str, body: dict[str, Any]) -> dict[str, Any]:
    app_key = connection.app_key
    ok = {"success": True, "code": "0", "chineseErrCode": "成功", "englishErrCode": "success"}
    if method == "jingdong.pop.order.search":
        start, end = _window(body["start_date"]), _window(body["end_date"])
        if int(body.get("dateType", 0)) == 1:
            total = data.created_between(app_key, start, end)
            return {"searchorderinfo_result": {"apiResult": ok, "orderTotal": total, "orderInfoList": []}}
        orders = data.modified_between(app_key, start, end)
        page, _more = _page(orders, int(body.get("page", 1)), int(body.get("page_size", 20)))
        return {
            "searchorderinfo_result": {
                "apiResult": ok,
                "orderTotal": len(orders),
                "orderInfoList": [formats.jd_order(o) for o in page],
            }
        }
    if method == "jingdong.pop.order.get":
        order = _order("jd", app_key, str(body.get("order_id", "")))
        return {"orderDetailInfo": {"apiResult": ok, "orderInfo": formats.jd_order(order)}}
    if method == "jingdong.pop.order.shipment":
        _order("jd", app_key, str(body.get("order_id", "")))
        if not str(body.get("logiCoprId", "")).isdigit():
            raise SandboxError("invalid", f"logiCoprId {body.get('logiCoprId')!r} is not a JD carrier id")
        _received(connection, "ship_confirm", body)
        return {"sopjosshipment_result": {"success": True, "chineseErrCode": "成功"}}
    if method == "jingdong.stock.write.updateSkuStock":
        _received(connection, "stock_update", body)
        return {"success": True}
    raise SandboxError("invalid", f"the sandbox does not emulate {method}")


# --- Pinduoduo ---------------------------------------------------------------------------------------------


def pdd(request: HttpRequest, rest: str, fault: str) -> HttpResponse:
    params = _top_params(request)
    api = params.get("type", "")
    try:
        connection = _connection(params.get("client_id", ""))
        if not equal(top_sign(params, connection.app_secret), params.get("sign", "")):
            raise SandboxError("signature", "签名错误")
        if fault == "rate_limit":
            raise SandboxError("rate_limit", "调用频率超限")
        if api == "pdd.pop.auth.token.refresh":  # signed by the app, no access token
            result = _pdd_token_refresh(connection, params)
        else:
            _check_token(connection, params.get("access_token", ""), fault)
            result = _pdd_call(connection, api, params)
    except SandboxError as exc:
        codes = {
            "signature": 10016,
            "token": 10019,
            "rate_limit": 70031,
            "invalid": 10000,
            "not_found": 50001,
            "refresh": 10019,
        }
        return JsonResponse(
            {"error_response": {"error_code": codes[exc.kind], "error_msg": exc.message}},
            json_dumps_params={"ensure_ascii": False},
        )
    key = api.replace("pdd.", "", 1).replace(".", "_") + "_response"
    return JsonResponse({key: result}, json_dumps_params={"ensure_ascii": False})


def _pdd_token_refresh(connection: ShopConnection, params: dict[str, str]) -> dict[str, Any]:
    access, refresh = _token_refresh(connection, params.get("refresh_token", ""))
    now = int(timezone.now().timestamp())
    lifetime = _lifetime("pdd")
    return {
        "access_token": access,
        "expires_at": now + lifetime,
        "expires_in": lifetime,
        "refresh_token": refresh,
        "refresh_token_expires_at": now + REFRESH_LIFETIME,
        "refresh_token_expires_in": REFRESH_LIFETIME,
        "owner_id": str(data.shop_tag(connection.app_key)),
        "owner_name": connection.shop.name,
        "scope": ["pdd.order.number.list.increment.get", "pdd.order.information.get", "pdd.goods.quantity.update"],
    }


def _pdd_call(connection: ShopConnection, api: str, params: dict[str, str]) -> dict[str, Any]:
    app_key = connection.app_key
    paid_only = formats.visible("pdd")
    if api == "pdd.order.number.list.increment.get":
        start, end = _window(params["start_updated_at"], True), _window(params["end_updated_at"], True)
        if end - start > dt.timedelta(minutes=30):
            raise SandboxError("invalid", "start_updated_at 与 end_updated_at 间隔不能超过 30 分钟")
        orders = data.modified_between(app_key, start, end, visible=paid_only)
        page, more = _page(orders, int(params.get("page", 1)), int(params.get("page_size", 100)))
        return {"total_count": len(orders), "has_next": more, "order_sn_list": [formats.pdd_order(o) for o in page]}
    if api == "pdd.order.information.get":
        return {"order_info": formats.pdd_order(_order("pdd", app_key, params.get("order_sn", "")))}
    if api == "pdd.order.list.get":
        start, end = _window(params["start_confirm_at"], True), _window(params["end_confirm_at"], True)
        return {"total_count": data.created_between(app_key, start, end, visible=paid_only), "order_list": []}
    if api == "pdd.logistics.online.send":
        _order("pdd", app_key, params.get("order_sn", ""))
        if not str(params.get("logistics_id", "")).isdigit():
            raise SandboxError("invalid", f"logistics_id {params.get('logistics_id')!r} 不是快递公司 id")
        _received(connection, "ship_confirm", params)
        return {"is_success": True}
    if api == "pdd.goods.quantity.update":
        _received(connection, "stock_update", params)
        return {"is_success": True}
    raise SandboxError("invalid", f"the sandbox does not emulate {api}")


# --- Douyin ------------------------------------------------------------------------------------------------


def douyin(request: HttpRequest, rest: str, fault: str) -> HttpResponse:
    params = request.GET.dict()
    method = params.get("method") or rest.replace("/", ".")
    param_json = request.body.decode() or params.get("param_json", "{}")
    try:
        connection = _connection(params.get("app_key", ""))
        expected = douyin_api_sign(
            app_key=connection.app_key,
            secret=connection.app_secret,
            method=method,
            param_json=param_json,
            timestamp=params.get("timestamp", ""),
        )
        if not equal(expected, params.get("sign", "")):
            raise SandboxError("signature", "sign 校验失败")
        if fault == "rate_limit":
            raise SandboxError("rate_limit", "isv.frequency-limit")
        body = json.loads(param_json or "{}")
        if method == "token.refresh":  # signed by the app, no access token
            result = _douyin_token_refresh(connection, body)
        else:
            _check_token(connection, params.get("access_token", ""), fault)
            result = _douyin_call(connection, method, body)
    except SandboxError as exc:
        codes = {
            "signature": 40004,
            "token": 30002,
            "rate_limit": 50002,
            "invalid": 40003,
            "not_found": 40003,
            "refresh": 30002,
        }
        return JsonResponse(
            {"code": codes[exc.kind], "msg": exc.message, "sub_code": exc.kind, "data": {}},
            json_dumps_params={"ensure_ascii": False},
        )
    return JsonResponse(
        {"code": 10000, "msg": "success", "log_id": "sandbox", "data": result},
        json_dumps_params={"ensure_ascii": False},
    )


def _douyin_token_refresh(connection: ShopConnection, body: dict[str, Any]) -> dict[str, Any]:
    if body.get("grant_type") != "refresh_token":
        raise SandboxError("invalid", "grant_type 必须是 refresh_token")
    access, refresh = _token_refresh(connection, str(body.get("refresh_token", "")))
    return {
        "access_token": access,
        "expires_in": _lifetime("douyin"),
        "refresh_token": refresh,
        "scope": "SCOPE",
        "shop_id": data.shop_tag(connection.app_key),
        "shop_name": connection.shop.name,
        "authority_id": "",
        "auth_subject_type": "MiniApp",
    }


def _douyin_call(connection: ShopConnection, method: str, body: dict[str, Any]) -> dict[str, Any]:
    app_key = connection.app_key
    if method == "order.searchList":
        if "create_time_start" in body:
            start, end = _window(body["create_time_start"], True), _window(body["create_time_end"], True)
            return {"total": data.created_between(app_key, start, end), "page": 0, "size": 1, "shop_order_list": []}
        start, end = _window(body["update_time_start"], True), _window(body["update_time_end"], True)
        orders = data.modified_between(app_key, start, end)
        page, size = int(body.get("page", 0)), int(body.get("size", 20))
        chunk, _more = _page(orders, page + 1, size)
        return {
            "total": len(orders),
            "page": page,
            "size": size,
            "shop_order_list": [formats.douyin_order(o) for o in chunk],
        }
    if method == "order.orderDetail":
        return {
            "shop_order_detail": formats.douyin_order(_order("douyin", app_key, str(body.get("shop_order_id", ""))))
        }
    if method == "order.logisticsAdd":
        _order("douyin", app_key, str(body.get("order_id", "")))
        _carrier_known("douyin", str(body.get("company_code", "")))
        _received(connection, "ship_confirm", body)
        return {}
    if method == "sku.syncStock":
        _received(connection, "stock_update", body)
        return {}
    raise SandboxError("invalid", f"the sandbox does not emulate {method}")


# --- Shopify -----------------------------------------------------------------------------------------------


def shopify(request: HttpRequest, rest: str, fault: str) -> HttpResponse:
    if rest == "admin/oauth/access_token" and request.method == "POST":
        return _shopify_token_refresh(request)
    token = request.headers.get("X-Shopify-Access-Token", "")
    connection = ShopConnection.objects.filter(access_token=token, shop__platform="shopify").first() if token else None
    expired = connection is not None and connection.token_expires_at is not None
    expired = expired and connection.token_expires_at < timezone.now()
    refused = fault == "expired_token" and not (connection and _issued_here(connection, token))
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
        orders = data.modified_between(app_key, start, end)
        limit = int(request.GET.get("limit", 50))
        page, more = _page(orders, state["page"], limit)
        response = JsonResponse({"orders": [formats.shopify_order(o) for o in page]})
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
    if resource.startswith("orders/") and resource.endswith("/fulfillments.json") and request.method == "POST":
        external = resource.split("/")[1]
        try:
            _order("shopify", app_key, external)
        except SandboxError as exc:
            return JsonResponse({"errors": exc.message}, status=404)
        body = json.loads(request.body or b"{}")
        _received(connection, "ship_confirm", {"order_id": external, **body.get("fulfillment", {})})
        return JsonResponse(
            {"fulfillment": {"id": 1, "order_id": int(external), "status": "success", **body.get("fulfillment", {})}},
            status=201,
        )
    if resource.startswith("orders/") and resource.endswith(".json"):
        try:
            order = _order("shopify", app_key, resource.split("/")[1].removesuffix(".json"))
        except SandboxError as exc:
            return JsonResponse({"errors": exc.message}, status=404)
        return JsonResponse({"order": formats.shopify_order(order)})
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
        access, refresh = _token_refresh(connection, form.get("refresh_token", ""))
    except SandboxError as exc:
        return JsonResponse({"error": "invalid_grant", "error_description": exc.message}, status=400)
    return JsonResponse(
        {
            "access_token": access,
            "expires_in": _lifetime("shopify"),
            "refresh_token": refresh,
            "refresh_token_expires_in": 90 * 86400,
            "scope": "read_orders,write_orders,read_products,read_inventory,write_inventory,read_locations",
        }
    )


def _shopify_products(request: HttpRequest, app_key: str) -> HttpResponse:
    cursor = request.GET.get("page_info", "")
    state = json.loads(bytes.fromhex(cursor).decode()) if cursor else {"page": 1}
    limit = min(int(request.GET.get("limit", 50)), 250)
    page, more = _page(catalog.products(app_key), state["page"], limit)
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
    _received(connection, "stock_update", body)
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


# --- shared ------------------------------------------------------------------------------------------------


def _order(platform: str, app_key: str, external_id: str) -> data.GenOrder:
    seq = formats.seq_of(platform, app_key, external_id)
    order = data.generate(app_key, seq) if seq is not None else None
    check = formats.visible(platform)
    if order is None or (check is not None and not check(order)):
        raise SandboxError("not_found", f"order {external_id} does not exist")
    return order


def _carrier_known(platform: str, code: str) -> None:
    from integrations.carriers import platform_codes

    if code not in platform_codes(platform):
        raise SandboxError("invalid", f"company_code {code!r} is not a {platform} carrier code")


def _received(connection: ShopConnection, kind: str, payload: dict[str, Any]) -> None:
    RECEIVED.append(
        {
            "shop": connection.shop.code,
            "kind": kind,
            "payload": {k: v for k, v in payload.items() if k not in ("sign", "access_token", "session")},
            "at": timezone.now().isoformat(),
        }
    )


HANDLERS = {"taobao": taobao, "tmall": taobao, "jd": jd, "pdd": pdd, "douyin": douyin, "shopify": shopify}


@csrf_exempt
def sandbox_push_view(request: HttpRequest, platform: str, shop_code: str) -> HttpResponse:
    """POST → the platform pushes its latest ``count`` orders of the shop to Order Hub's webhook."""
    _enabled()
    if request.method != "POST":
        return JsonResponse({"message": "POST to push"}, status=405)
    from integrations.sandbox.push import sandbox_push

    if platform not in formats.PLATFORMS:
        raise Http404(platform)
    count = min(max(int(request.GET.get("count", 5)), 1), 200)
    target = request.GET.get("target") or request.build_absolute_uri(f"/webhooks/{platform}/{shop_code}/")
    try:
        results = sandbox_push(platform=platform, shop_code=shop_code, count=count, target=target)
    except ShopConnection.DoesNotExist:
        raise Http404(f"shop {shop_code} has no connection") from None
    return JsonResponse({"pushed": results}, json_dumps_params={"ensure_ascii": False})
