"""The sandbox's Pinduoduo open platform: signed calls, token refresh, orders, ship confirmations and stock."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils import timezone

from integrations.models import ShopConnection
from integrations.sandbox import data, formats
from integrations.sandbox.views import refunds, shared
from integrations.signing import equal, top_sign


def handle(request: HttpRequest, rest: str, fault: str) -> HttpResponse:
    params = shared.request_params(request)
    api = params.get("type", "")
    try:
        result = shared.gateway_call(
            app_key=params.get("client_id", ""),
            signed=lambda connection: equal(top_sign(params, connection.app_secret), params.get("sign", "")),
            sign_message="签名错误",
            limit_message="调用频率超限",
            fault=fault,
            token=params.get("access_token", ""),
            call=lambda connection: _pdd_call(connection, api, params),
            refresh=(  # signed by the app, no access token
                (lambda connection: _pdd_token_refresh(connection, params))
                if api == "pdd.pop.auth.token.refresh"
                else None
            ),
        )
    except shared.SandboxError as exc:
        codes = {
            "signature": 10016,
            "token": 10019,
            "rate_limit": 70031,
            "invalid": 10000,
            "not_found": 50001,
            "refresh": 10019,
            "refused": 10000,
        }
        return JsonResponse(
            {"error_response": {"error_code": codes[exc.kind], "error_msg": exc.message, "sub_code": exc.sub_code}},
            json_dumps_params={"ensure_ascii": False},
        )
    # The after-sales answers are wrapped in ``response`` (PddRefundAgreeResponse), the others in ``<api>_response``.
    key = "response" if api in AFTER_SALES else api.replace("pdd.", "", 1).replace(".", "_") + "_response"
    return JsonResponse({key: result}, json_dumps_params={"ensure_ascii": False})


def _pdd_token_refresh(connection: ShopConnection, params: dict[str, str]) -> dict[str, Any]:
    access, refresh = shared.token_refresh(connection, params.get("refresh_token", ""))
    now = int(timezone.now().timestamp())
    lifetime = shared.token_lifetime("pdd")
    return {
        "access_token": access,
        "expires_at": now + lifetime,
        "expires_in": lifetime,
        "refresh_token": refresh,
        "refresh_token_expires_at": now + shared.REFRESH_LIFETIME,
        "refresh_token_expires_in": shared.REFRESH_LIFETIME,
        "owner_id": str(data.shop_tag(connection.app_key)),
        "owner_name": connection.shop.name,
        "scope": ["pdd.order.number.list.increment.get", "pdd.order.information.get", "pdd.goods.quantity.update"],
    }


def _pdd_call(connection: ShopConnection, api: str, params: dict[str, str]) -> dict[str, Any]:
    app_key = connection.app_key
    paid_only = formats.visible("pdd")
    if api == "pdd.order.number.list.increment.get":
        start, end = shared.window(params["start_updated_at"], True), shared.window(params["end_updated_at"], True)
        if end - start > dt.timedelta(minutes=30):
            raise shared.SandboxError("invalid", "start_updated_at 与 end_updated_at 间隔不能超过 30 分钟")
        orders = data.modified_between(app_key, start, end, visible=paid_only)
        page, more = shared.page_of(orders, int(params.get("page", 1)), int(params.get("page_size", 100)))
        return {"total_count": len(orders), "has_next": more, "order_sn_list": [formats.pdd_order(o) for o in page]}
    if api == "pdd.order.information.get":
        return {"order_info": formats.pdd_order(shared.order_get("pdd", app_key, params.get("order_sn", "")))}
    if api == "pdd.order.list.get":
        start, end = shared.window(params["start_confirm_at"], True), shared.window(params["end_confirm_at"], True)
        return {"total_count": data.created_between(app_key, start, end, visible=paid_only), "order_list": []}
    if api == "pdd.logistics.online.send":
        shared.order_get("pdd", app_key, params.get("order_sn", ""))
        if not str(params.get("logistics_id", "")).isdigit():
            raise shared.SandboxError("invalid", f"logistics_id {params.get('logistics_id')!r} 不是快递公司 id")
        shared.received_record(connection, "ship_confirm", params)
        return {"is_success": True}
    if api == "pdd.goods.quantity.update":
        shared.received_record(connection, "stock_update", params)
        return {"is_success": True}
    if api in AFTER_SALES:
        return _after_sales(connection, api, params)
    result = shared.logistics_call("pdd", connection, api, params)
    if result is not None:
        return result
    raise shared.SandboxError("invalid", f"the sandbox does not emulate {api}")


# pdd.refund.agree pays at once; pdd.refund.returngoods.agree lets the buyer send the goods back.
AFTER_SALES = {
    "pdd.refund.agree": ((refunds.WAITING, refunds.RETURN_WAITING), refunds.REFUNDED),
    "pdd.refund.returngoods.agree": ((refunds.WAITING,), refunds.RETURN_WAITING),
}


def _after_sales(connection: ShopConnection, api: str, params: dict[str, str]) -> dict[str, Any]:
    """``request``: a JSON object ``{after_sales_id, order_sn, operate_desc[, return_address_id]}``."""
    try:
        request = json.loads(params.get("request") or "{}")
    except ValueError:
        raise shared.SandboxError("invalid", "request 不是 JSON") from None
    if not request.get("after_sales_id") or not request.get("order_sn"):
        raise shared.SandboxError("invalid", "after_sales_id 和 order_sn 必填")
    if api == "pdd.refund.returngoods.agree" and not request.get("return_address_id"):
        raise shared.SandboxError("invalid", "return_address_id 必填")
    allowed, to = AFTER_SALES[api]
    after_sales_id = str(request["after_sales_id"])
    try:
        refunds.refund_decide(connection, after_sales_id, allowed=allowed, to=to, kind=api, payload=request)
    except shared.SandboxError as exc:
        message = "售后单状态已变更" if exc.kind == "state" else exc.message
        return {
            "result": {
                "after_sales_id": request["after_sales_id"],
                "order_sn": request["order_sn"],
                "succ": False,
                "message": message,
            }
        }
    return {
        "result": {
            "after_sales_id": request["after_sales_id"],
            "order_sn": request["order_sn"],
            "succ": True,
            "message": "退款操作成功",
        }
    }
