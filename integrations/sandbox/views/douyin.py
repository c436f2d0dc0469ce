"""The sandbox's Douyin (抖店) open platform: signed calls, token refresh, orders, ship confirmations and stock."""

from __future__ import annotations

import json
from typing import Any

from django.http import HttpRequest, HttpResponse, JsonResponse

from integrations.models import ShopConnection
from integrations.sandbox import data, formats
from integrations.sandbox.views import refunds, shared
from integrations.signing import douyin_api_sign, equal


def handle(request: HttpRequest, rest: str, fault: str) -> HttpResponse:
    params = request.GET.dict()
    method = params.get("method") or rest.replace("/", ".")
    param_json = request.body.decode() or params.get("param_json", "{}")

    def body() -> dict:
        return json.loads(param_json or "{}")

    def signed(connection) -> bool:
        expected = douyin_api_sign(
            app_key=connection.app_key,
            secret=connection.app_secret,
            method=method,
            param_json=param_json,
            timestamp=params.get("timestamp", ""),
        )
        return equal(expected, params.get("sign", ""))

    try:
        result = shared.gateway_call(
            app_key=params.get("app_key", ""),
            signed=signed,
            sign_message="sign 校验失败",
            limit_message="isv.frequency-limit",
            fault=fault,
            token=params.get("access_token", ""),
            call=lambda connection: _douyin_call(connection, method, body()),
            refresh=(  # signed by the app, no access token
                (lambda connection: _douyin_token_refresh(connection, body())) if method == "token.refresh" else None
            ),
        )
    except shared.SandboxError as exc:
        codes = {
            "signature": 40004,
            "token": 30002,
            "rate_limit": 50002,
            "invalid": 40003,
            "not_found": 40003,
            "refresh": 30002,
            "refused": 50002,
            "state": 50002,
        }
        return JsonResponse(
            {"code": codes[exc.kind], "msg": exc.message, "sub_code": exc.sub_code or exc.kind, "data": {}},
            json_dumps_params={"ensure_ascii": False},
        )
    return JsonResponse(
        {"code": 10000, "msg": "success", "log_id": "sandbox", "data": result},
        json_dumps_params={"ensure_ascii": False},
    )


def _douyin_token_refresh(connection: ShopConnection, body: dict[str, Any]) -> dict[str, Any]:
    if body.get("grant_type") != "refresh_token":
        raise shared.SandboxError("invalid", "grant_type 必须是 refresh_token")
    access, refresh = shared.token_refresh(connection, str(body.get("refresh_token", "")))
    return {
        "access_token": access,
        "expires_in": shared.token_lifetime("douyin"),
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
            start, end = shared.window(body["create_time_start"], True), shared.window(body["create_time_end"], True)
            return {"total": data.created_between(app_key, start, end), "page": 0, "size": 1, "shop_order_list": []}
        start, end = shared.window(body["update_time_start"], True), shared.window(body["update_time_end"], True)
        orders = data.modified_between(app_key, start, end)
        page, size = int(body.get("page", 0)), int(body.get("size", 20))
        chunk, _more = shared.page_of(orders, page + 1, size)
        return {
            "total": len(orders),
            "page": page,
            "size": size,
            "shop_order_list": [formats.douyin_order(o) for o in chunk],
        }
    if method == "order.orderDetail":
        return {
            "shop_order_detail": formats.douyin_order(
                shared.order_get("douyin", app_key, str(body.get("shop_order_id", "")))
            )
        }
    if method == "order.logisticsAdd":
        shared.order_get("douyin", app_key, str(body.get("order_id", "")))
        shared.carrier_check("douyin", str(body.get("company_code", "")))
        shared.received_record(connection, "ship_confirm", body)
        return {}
    if method == "order.logisticsAddMultiPack":
        order = formats.douyin_order(shared.order_get("douyin", app_key, str(body.get("order_id", ""))))
        sub_orders = {str(sku["order_id"]): int(sku["item_num"]) for sku in order["sku_order_list"]}
        for pack in body.get("pack_list") or []:
            shared.carrier_check("douyin", str(pack.get("company_code", "")))
            for info in pack.get("shipped_order_info") or []:
                if str(info.get("shipped_order_id")) not in sub_orders:
                    raise shared.SandboxError(
                        "invalid", f"shipped_order_id {info.get('shipped_order_id')} is not in the order"
                    )
                if not 0 < int(info.get("shipped_num") or 0) <= sub_orders[str(info["shipped_order_id"])]:
                    raise shared.SandboxError("invalid", f"shipped_num {info.get('shipped_num')} is out of range")
        shared.received_record(connection, "ship_confirm", body)
        return {"pack_list": body.get("pack_list") or []}
    if method == "sku.syncStock":
        shared.received_record(connection, "stock_update", body)
        return {}
    if method == "afterSale.operate":
        return _after_sale_operate(connection, body)
    if method == "afterSale.rejectReasonCodeList":
        return {"items": REJECT_REASONS}
    result = shared.logistics_call("douyin", connection, method, body)
    if result is not None:
        return result
    raise shared.SandboxError("invalid", f"the sandbox does not emulate {method}")


# afterSale.operate ``type`` → (states it answers, state after it); see integrations.platforms.douyin.client.
OPERATE = {
    101: ((refunds.WAITING,), refunds.RETURN_WAITING),
    102: ((refunds.WAITING,), refunds.REFUSED),
    111: ((refunds.RETURN_WAITING, refunds.WAITING), refunds.REFUNDED),
    112: ((refunds.RETURN_WAITING,), refunds.REFUSED),
    201: ((refunds.WAITING,), refunds.REFUNDED),
    202: ((refunds.WAITING,), refunds.REFUSED),
    301: ((refunds.WAITING,), refunds.RETURN_WAITING),
    302: ((refunds.WAITING,), refunds.REFUSED),
}


# afterSale.rejectReasonCodeList: the refusal reasons the sandbox offers for every after-sale (the sandbox's own
# choice of Douyin's kind of reasons; the real list depends on the after-sale).
REJECT_REASONS = [
    {"reject_reason_code": 1, "reason": "买家已签收，商品完好", "evidence_need": "N", "evidence_description": ""},
    {"reject_reason_code": 2, "reason": "商品已发出，物流在途", "evidence_need": "N", "evidence_description": ""},
    {
        "reject_reason_code": 3,
        "reason": "退回商品影响二次销售",
        "evidence_need": "Y",
        "evidence_description": "请上传退回商品照片",
    },
]


def _after_sale_operate(connection: ShopConnection, body: dict[str, Any]) -> dict[str, Any]:
    kind = int(body.get("type") or 0)
    if kind not in OPERATE:
        raise shared.SandboxError("invalid", f"type {body.get('type')!r} 不是售后操作类型")
    allowed, to = OPERATE[kind]
    results = []
    for item in body.get("items") or []:
        aftersale_id = str(item.get("aftersale_id") or "")
        if kind in (102, 112, 202, 302) and not item.get("reason"):
            raise shared.SandboxError("invalid", "参数错误，拒绝操作需填写 reason", "isv.parameter-invalid:11000")
        if kind in (102, 112, 202, 302) and item.get("reject_reason_code") not in {
            r["reject_reason_code"] for r in REJECT_REASONS
        }:
            raise shared.SandboxError(
                "invalid", "参数错误，拒绝操作需填写 reject_reason_code", "isv.parameter-invalid:11000"
            )
        if kind in (101, 301) and not (item.get("logistics") or {}).get("receiver_address_id"):
            raise shared.SandboxError("invalid", "参数错误，缺少 receiver_address_id", "isv.parameter-invalid:11000")
        try:
            refunds.refund_decide(
                connection, aftersale_id, allowed=allowed, to=to, kind=f"after_sale_{kind}", payload=item
            )
        except shared.SandboxError as exc:
            if exc.kind == "state":
                raise shared.SandboxError("state", "售后状态错误", "isv.business-failed:20309541") from None
            raise shared.SandboxError(
                "refused",
                "11001:暂不支持通过OPEN处理，请登录抖店后台人工审核售后单。",
                "isv.business-failed:11001",
            ) from None
        results.append(
            {
                "aftersale_id": int(aftersale_id) if aftersale_id.isdigit() else aftersale_id,
                "status_code": 0,
                "status_msg": "success",
            }
        )
    return {"items": results}
