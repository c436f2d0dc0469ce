"""Sandbox of JD's ``jingdong.ldop.alpha.waybill.receive`` / ``.unbind``: business errors come back in
``resultInfo.statusCode``/``statusMessage`` as the real service does; ``jingdong.ldop.receive.order.intercept``
(``resultInfo.stateCode`` 100 accepted); and ``jingdong.ldop.alpha.provider.sign.success``, the shop's signed
carrier subscriptions: one row per JD e-waybill account of the shop, its carrier's ``jd_waybill`` code."""

from __future__ import annotations

import json
from typing import Any

from integrations.sandbox.logistics.waybills import (
    ServiceRefused,
    branch_balances,
    cancel,
    carrier_for,
    intercept,
    issue,
)


def _info(status: int, message: str, data: dict | None = None) -> dict[str, Any]:
    return {"resultInfo": {"statusCode": status, "statusMessage": message, "data": data or {}}}


def receive(connection, body: dict[str, Any]) -> dict[str, Any]:
    content = json.loads(body.get("content") or "{}")
    try:
        carrier = carrier_for("jd_waybill", str(content.get("providerCode", "")))
        if not content.get("branchCode") and not content.get("settlementCode"):
            raise ServiceRefused("2001", "承运商网点编码或结算编码不能同时为空")
        to = content.get("toAddress") or {}
        number = issue(
            carrier=carrier,
            reference=str(content.get("vendorOrderCode") or content.get("platformOrderNo") or ""),
            province=to.get("provinceName", ""),
            city=to.get("cityName", ""),
            weight_grams=int(float(content.get("weight") or 0) * 1000),
            address=to.get("address", ""),
        )
    except ServiceRefused as exc:
        return _info(2001 if exc.code == "2001" else 1000, exc.message)
    return _info(0, "成功", {"platformOrderNo": content.get("platformOrderNo"), "waybillCodeList": [number]})


def unbind(connection, body: dict[str, Any]) -> dict[str, Any]:
    content = json.loads(body.get("content") or "{}")
    try:
        cancel(tracking_number=str(content.get("waybillCode", "")))
    except ServiceRefused as exc:
        return _info(1000, exc.message)
    return _info(0, "成功")


def order_intercept(connection, body: dict[str, Any]) -> dict[str, Any]:
    number = str(body.get("deliveryId") or "")
    if not number or not body.get("vendorCode"):
        return {"resultInfo": {"stateCode": 101, "stateMessage": "商家编码和运单号不能为空"}}
    try:
        intercept(tracking_number=number)
    except ServiceRefused as exc:
        return {"resultInfo": {"stateCode": 102, "stateMessage": exc.message}}
    return {"resultInfo": {"stateCode": 100, "stateMessage": "拦截成功"}}


def sign_success(connection, body: dict[str, Any]) -> dict[str, Any]:
    from fulfilment.models import WaybillAccount

    vendor_code = str(body.get("vendorCode") or "")
    if not vendor_code or vendor_code != connection.seller_id:
        return _info(1, "商家编码不正确")
    accounts = (
        WaybillAccount.objects.filter(shop_id=connection.shop_id, provider="jd")
        .select_related("carrier")
        .order_by("pk")
    )
    rows = []
    for account in accounts:
        codes = {c.platform: c.code for c in account.carrier.platform_codes.all()}
        if "jd_waybill" not in codes:
            continue
        left = {
            code: n
            for code, _name, n in branch_balances(shop_id=connection.shop_id, provider="jd", carrier=account.carrier)
        }
        rows.append(
            {
                "providerCode": codes["jd_waybill"],
                "providerName": account.carrier.name,
                "operationType": 2 if account.branch_code else 1,
                "branchCode": account.branch_code,
                "branchName": account.branch_name,
                "settlementCode": account.account_number,
                "amount": left.get(account.branch_code, 0),
            }
        )
    return {"resultInfo": {"statusCode": 0, "statusMessage": "成功", "data": rows}}


def stock_query(connection, body: dict[str, Any]) -> dict[str, Any]:
    try:
        carrier = carrier_for("jd_waybill", str(body.get("providerCode", "")))
    except ServiceRefused as exc:
        return _info(1, exc.message)
    branch = str(body.get("branchCode") or "")
    rows = [
        {"providerCode": body.get("providerCode"), "branchCode": code, "amount": left}
        for code, _name, left in branch_balances(shop_id=connection.shop_id, provider="jd", carrier=carrier)
        if not branch or code == branch
    ]
    return {"resultInfo": {"statusCode": 0, "statusMessage": "成功", "data": rows}}


METHODS = {
    "jingdong.ldop.alpha.provider.sign.success": sign_success,
    "jingdong.ldop.alpha.vendor.stock.queryByProviderCode": stock_query,
    "jingdong.ldop.alpha.waybill.receive": receive,
    "jingdong.ldop.alpha.waybill.unbind": unbind,
    "jingdong.ldop.receive.order.intercept": order_intercept,
}
