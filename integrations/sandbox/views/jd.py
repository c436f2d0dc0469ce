"""The sandbox's JD JOS: signed calls, OAuth token refresh, orders, ship confirmations and stock, refund
applications and after-sales service orders (``jd_aftersales``)."""

from __future__ import annotations

import json
from typing import Any

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils import timezone

from integrations.models import ShopConnection
from integrations.sandbox import data, formats
from integrations.sandbox.views import jd_aftersales, refunds, shared
from integrations.signing import equal, top_sign


def handle(request: HttpRequest, rest: str, fault: str) -> HttpResponse:
    if rest == "oauth2/refresh_token":
        return _jd_oauth_refresh(request)
    params = shared.request_params(request)
    method = params.get("method", "")
    try:
        result = shared.gateway_call(
            app_key=params.get("app_key", ""),
            signed=lambda connection: equal(top_sign(params, connection.app_secret), params.get("sign", "")),
            sign_message="sign invalid",
            limit_message="api call limit",
            fault=fault,
            token=params.get("access_token", ""),
            call=lambda connection: _jd_call(connection, method, json.loads(params.get("360buy_param_json") or "{}")),
        )
    except shared.SandboxError as exc:
        codes = {
            "signature": "14",
            "token": "19",
            "rate_limit": "67",
            "invalid": "10",
            "not_found": "10",
            "refresh": "19",
            "refused": "10",
        }
        return JsonResponse(
            {"error_response": {"code": codes[exc.kind], "zh_desc": exc.message, "en_desc": exc.message}}
        )
    return JsonResponse({method.replace(".", "_") + "_responce": result}, json_dumps_params={"ensure_ascii": False})


def _jd_oauth_refresh(request: HttpRequest) -> HttpResponse:
    """JD's OAuth host: ``GET /oauth2/refresh_token?app_key&app_secret&grant_type=refresh_token&refresh_token``."""
    params = shared.request_params(request)
    try:
        connection = shared.connection_for(params.get("app_key", ""))
        if not equal(connection.app_secret, params.get("app_secret", "")):
            raise shared.SandboxError("signature", "app_secret 错误")
        if params.get("grant_type") != "refresh_token":
            raise shared.SandboxError("invalid", "grant_type 必须是 refresh_token")
        access, refresh = shared.token_refresh(connection, params.get("refresh_token", ""))
    except shared.SandboxError as exc:
        codes = {"signature": 401, "invalid": 400, "refresh": 402}
        return JsonResponse(
            {"code": codes.get(exc.kind, 400), "msg": exc.message}, json_dumps_params={"ensure_ascii": False}
        )
    return JsonResponse(
        {
            "access_token": access,
            "expires_in": shared.token_lifetime("jd"),
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
        start, end = shared.window(body["start_date"]), shared.window(body["end_date"])
        if int(body.get("dateType", 0)) == 1:
            total = data.created_between(app_key, start, end)
            return {"searchorderinfo_result": {"apiResult": ok, "orderTotal": total, "orderInfoList": []}}
        orders = data.modified_between(app_key, start, end)
        page, _more = shared.page_of(orders, int(body.get("page", 1)), int(body.get("page_size", 20)))
        return {
            "searchorderinfo_result": {
                "apiResult": ok,
                "orderTotal": len(orders),
                "orderInfoList": [formats.jd_order(o) for o in page],
            }
        }
    if method == "jingdong.pop.order.get":
        order = shared.order_get("jd", app_key, str(body.get("order_id", "")))
        return {"orderDetailInfo": {"apiResult": ok, "orderInfo": formats.jd_order(order)}}
    if method == "jingdong.pop.order.shipment":
        shared.order_get("jd", app_key, str(body.get("order_id", "")))
        if not str(body.get("logiCoprId", "")).isdigit():
            raise shared.SandboxError("invalid", f"logiCoprId {body.get('logiCoprId')!r} is not a JD carrier id")
        shared.received_record(connection, "ship_confirm", body)
        return {"sopjosshipment_result": {"success": True, "chineseErrCode": "成功"}}
    if method == "jingdong.stock.write.updateSkuStock":
        shared.received_record(connection, "stock_update", body)
        return {"success": True}
    if method == "jingdong.pop.afs.soa.refundapply.replyRefund":
        return _reply_refund(connection, body)
    if method in AFTERSALES:
        return AFTERSALES[method](connection, body)
    result = shared.logistics_call("jd", connection, method, body)
    if result is not None:
        return result
    raise shared.SandboxError("invalid", f"the sandbox does not emulate {method}")


AFTERSALES = {
    "jingdong.pop.afs.soa.refundapply.queryPageList": jd_aftersales.refund_apply_page,
    "jingdong.asc.query.list": jd_aftersales.service_order_page,
    "jingdong.asc.query.view": jd_aftersales.service_order_view,
    "jingdong.asc.audit.refuse": jd_aftersales.service_order_refuse,
    "jingdong.asc.audit.send": jd_aftersales.service_order_send,
}


def _reply_refund(connection: ShopConnection, body: dict[str, Any]) -> dict[str, Any]:
    """商家审核退款单: ``status`` 1 agree (the money goes back), 2 refuse (``rejectType`` and ``remark``)."""
    status = int(body.get("status") or 0)
    if status not in (1, 2) or not body.get("id") or not body.get("checkUserName"):
        raise shared.SandboxError("invalid", "status (1/2), id and checkUserName are required")
    if status == 2 and (not body.get("remark") or not body.get("rejectType")):
        raise shared.SandboxError("invalid", "remark and rejectType are required to refuse")
    to = refunds.REFUNDED if status == 1 else refunds.REFUSED
    try:
        refunds.refund_decide(
            connection, str(body["id"]), allowed=(refunds.WAITING,), to=to, kind="reply_refund", payload=body
        )
    except shared.SandboxError as exc:
        raise shared.SandboxError("refused", exc.message) from None
    return {"replyResult": {"success": True}}
