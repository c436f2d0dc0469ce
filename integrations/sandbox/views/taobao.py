"""The sandbox's Taobao / Tmall TOP: signed calls, the session token, trades, ship confirmations and stock."""

from __future__ import annotations

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
    method = params.get("method", "")
    try:
        result = shared.gateway_call(
            app_key=params.get("app_key", ""),
            signed=lambda connection: equal(
                top_sign(params, connection.app_secret, sign_method=params.get("sign_method", "md5")),
                params.get("sign", ""),
            ),
            sign_message="Invalid signature",
            limit_message="This ban will last for 2 more seconds",
            fault=fault,
            token=params.get("session", ""),
            call=lambda connection: _taobao_call(connection, method, {**params, **_uploads(request)}),
            refresh=(  # signed by the app, no session
                (lambda connection: _taobao_token_refresh(connection, params))
                if method == "taobao.top.auth.token.refresh"
                else None
            ),
        )
    except shared.SandboxError as exc:
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
            "refused": {"code": 15, "msg": "Remote service error", "sub_code": exc.sub_code, "sub_msg": exc.message},
        }
        return JsonResponse(
            {"error_response": {**codes[exc.kind], "request_id": "sandbox"}}, json_dumps_params={"ensure_ascii": False}
        )
    key = method.replace("taobao.", "", 1).replace(".", "_") + "_response"
    return JsonResponse({key: result}, json_dumps_params={"ensure_ascii": False})


def _taobao_token_refresh(connection: ShopConnection, params: dict[str, str]) -> dict[str, Any]:
    access, refresh = shared.token_refresh(connection, params.get("refresh_token", ""))
    now_ms = int(timezone.now().timestamp() * 1000)
    lifetime = shared.token_lifetime("taobao")
    token = {
        "access_token": access,
        "token_type": "Bearer",
        "expires_in": lifetime,
        "expire_time": now_ms + lifetime * 1000,
        "refresh_token": refresh,
        "re_expires_in": shared.REFRESH_LIFETIME,
        "refresh_token_valid_time": now_ms + shared.REFRESH_LIFETIME * 1000,
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
        start, end = shared.window(params["start_modified"]), shared.window(params["end_modified"])
        orders = data.modified_between(app_key, start, end)
        page, more = shared.page_of(orders, int(params.get("page_no", 1)), int(params.get("page_size", 40)))
        return {
            "total_results": len(orders),
            "has_next": more,
            "trades": {"trade": [formats.taobao_trade(o) for o in page]},
        }
    if method == "taobao.trade.fullinfo.get":
        return {"trade": formats.taobao_trade(shared.order_get("taobao", app_key, params.get("tid", "")))}
    if method == "taobao.trades.sold.get":
        start, end = shared.window(params["start_created"]), shared.window(params["end_created"])
        return {"total_results": data.created_between(app_key, start, end), "trades": {"trade": []}}
    if method == "taobao.logistics.offline.send":
        shared.order_get("taobao", app_key, params.get("tid", ""))
        shared.carrier_check("taobao", params.get("company_code", ""))
        shared.received_record(connection, "ship_confirm", params)
        return {"shipping": {"is_success": True}}
    if method == "taobao.item.quantity.update":
        shared.received_record(connection, "stock_update", params)
        return {"item": {"outer_id": params.get("outer_id"), "num": int(params.get("quantity", 0))}}
    if method in REFUND_METHODS:
        return REFUND_METHODS[method](connection, params)
    result = shared.logistics_call("taobao", connection, method, params)
    if result is not None:
        return result
    raise shared.SandboxError("invalid", f"the sandbox does not emulate {method}")


# Refund.status as taobao.refund.get shows it, for the sandbox's refund states.
REFUND_STATUS = {
    refunds.WAITING: "WAIT_SELLER_AGREE",
    refunds.RETURN_WAITING: "WAIT_BUYER_RETURN_GOODS",
    refunds.GOODS_BACK: "WAIT_SELLER_CONFIRM_GOODS",
    refunds.REFUNDED: "SUCCESS",
    refunds.CLOSED: "CLOSED",
    refunds.REFUSED: "SELLER_REFUSE_BUYER",
}


def _refund_get(connection: ShopConnection, params: dict[str, str]) -> dict[str, Any]:
    refund_id = params.get("refund_id", "")
    state = refunds.refund_state(connection.app_key, refund_id)
    version = int(timezone.now().timestamp() * 1000)
    return {
        "refund": {
            "refund_id": refund_id,
            "status": REFUND_STATUS[state],
            "refund_phase": "aftersale" if state in (refunds.RETURN_WAITING, refunds.GOODS_BACK) else "onsale",
            "refund_version": version,
            "has_good_return": state in (refunds.RETURN_WAITING, refunds.GOODS_BACK),
            "modified": timezone.localtime(timezone.now()).strftime("%Y-%m-%d %H:%M:%S"),
        }
    }


def _refunds_agree(connection: ShopConnection, params: dict[str, str]) -> dict[str, Any]:
    """``refund_infos``: ``refund_id|amount in fen|version|phase``, comma-separated."""
    results, ok = [], True
    for info in filter(None, params.get("refund_infos", "").split(",")):
        parts = info.split("|")
        if len(parts) < 3 or not parts[1].isdigit():
            raise shared.SandboxError("invalid", f"refund_infos {info!r}: refund_id|amount|version|phase")
        try:
            refunds.refund_decide(
                connection,
                parts[0],
                allowed=(refunds.WAITING, refunds.RETURN_WAITING),
                to=refunds.REFUNDED,
                kind="refund_agree",
                payload={"refund_id": parts[0], "amount_fen": int(parts[1])},
            )
            results.append({"refund_id": parts[0], "succ": True, "message": "操作成功"})
        except shared.SandboxError as exc:
            ok = False
            results.append({"refund_id": parts[0], "succ": False, "message": exc.message})
    return {
        "msg_code": "OP_SUCC" if ok else "OP_FAILURE_UE",
        "succ": ok,
        "message": "操作成功" if ok else results[-1]["message"],
        "results": {"refund_mapping_result": results},
    }


def _returngoods_agree(connection: ShopConnection, params: dict[str, str]) -> dict[str, Any]:
    if not params.get("seller_address_id"):
        raise shared.SandboxError("invalid", "seller_address_id is required")
    _refund_decide(connection, params, allowed=(refunds.WAITING,), to=refunds.RETURN_WAITING, kind="return_agree")
    return {"is_success": True}


def _uploads(request: HttpRequest) -> dict[str, str]:
    """Files uploaded with the call (multipart, outside the signature), as ``name:size:content type``."""
    return {field: f"{upload.name}:{upload.size}:{upload.content_type}" for field, upload in request.FILES.items()}


def _refund_refuse(connection: ShopConnection, params: dict[str, str]) -> dict[str, Any]:
    if len(params.get("refuse_message", "")) < 2:
        raise shared.SandboxError("invalid", "refuse_message must be 2-200 characters")
    proof = params.get("refuse_proof", "")
    if connection.shop.platform == "tmall" and not proof:
        raise shared.SandboxError("refused", "天猫拒绝退款须上传凭证 refuse_proof", "isv.refund-refuse-proof-required")
    if proof and (int(proof.split(":")[1]) > 130_000 or proof.split(":")[2] not in PROOF_TYPES):
        raise shared.SandboxError("invalid", "refuse_proof: GIF, JPG or PNG, at most 130000 bytes")
    _refund_decide(connection, params, allowed=(refunds.WAITING,), to=refunds.REFUSED, kind="refund_refuse")
    return {"is_success": True, "refund": {"refund_id": params.get("refund_id"), "status": "SELLER_REFUSE_BUYER"}}


def _refund_decide(connection: ShopConnection, params: dict[str, str], **decision) -> None:
    try:
        refunds.refund_decide(connection, params.get("refund_id", ""), payload=params, **decision)
    except shared.SandboxError as exc:
        if exc.kind == "state":  # the refund does not wait for this decision (any more)
            raise shared.SandboxError("refused", exc.message, "isv.refund-status-error") from None
        raise shared.SandboxError("refused", exc.message, "isv.refund-need-manual") from None


PROOF_TYPES = frozenset({"image/gif", "image/jpeg", "image/png"})


def _returngoods_refuse(connection: ShopConnection, params: dict[str, str]) -> dict[str, Any]:
    """卖家拒绝退货: Tmall only, the goods back with the seller, a proof image of at most 5 MB."""
    if connection.shop.platform != "tmall":
        raise shared.SandboxError("refused", "目前仅支持天猫退货", "isv.invalid-permission")
    proof = params.get("refuse_proof", "")
    if not proof or int(proof.split(":")[1]) > 5 * 1024 * 1024 or not proof.split(":")[2].startswith("image/"):
        raise shared.SandboxError("invalid", "refuse_proof: an image of at most 5M is required")
    _refund_decide(connection, params, allowed=(refunds.GOODS_BACK,), to=refunds.REFUSED, kind="returngoods_refuse")
    return {"result": True}


REFUND_METHODS = {
    "taobao.refund.get": _refund_get,
    "taobao.rp.refunds.agree": _refunds_agree,
    "taobao.rp.returngoods.agree": _returngoods_agree,
    "taobao.refund.refuse": _refund_refuse,
    "taobao.rp.returngoods.refuse": _returngoods_refuse,
}
