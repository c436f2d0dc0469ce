"""Sandbox of Douyin's ``logistics.newCreateOrder`` / ``logistics.cancelOrder``: per-order failures come back in
``err_infos`` as the real service does, not as a failed call."""

from __future__ import annotations

from typing import Any

from integrations.sandbox.logistics.waybills import ServiceRefused, branch_balances, cancel, carrier_for, issue


def new_create_order(connection, body: dict[str, Any]) -> dict[str, Any]:
    carrier = carrier_for("douyin", str(body.get("logistics_code", "")))
    infos, errors = [], []
    for order in body.get("order_infos") or []:
        where = (order.get("receiver_info") or {}).get("address") or {}
        try:
            number = issue(
                carrier=carrier,
                reference=str(order.get("pack_id") or order.get("order_id") or ""),
                province=where.get("province_name", ""),
                city=where.get("city_name", ""),
                weight_grams=order.get("weight") or 0,
                address=where.get("detail_address", ""),
            )
        except ServiceRefused as exc:
            errors.append({"order_id": order.get("order_id"), "err_code": "E100046", "err_msg": exc.message})
            continue
        infos.append(
            {
                "order_id": order.get("order_id"),
                "pack_id": order.get("pack_id"),
                "track_no": number,
                "sort_code": "571-A1",
                "package_center_code": "571",
                "package_center_name": "杭州转运中心",
                "short_address_code": "A1",
            }
        )
    return {"ebill_infos": infos, "err_infos": errors}


def cancel_order(connection, body: dict[str, Any]) -> dict[str, Any]:
    carrier_for("douyin", str(body.get("logistics_code", "")))
    cancel(tracking_number=str(body.get("track_no", "")))
    return {"cancel_result": True}


def list_shop_netsite(connection, params: dict[str, Any]) -> dict[str, Any]:
    code = str(params.get("logistics_code", ""))
    carrier = carrier_for("douyin", code)
    return {
        "netsites": [
            {"netsite_code": net, "netsite_name": name, "amount": left, "logistics_code": code}
            for net, name, left in branch_balances(shop_id=connection.shop_id, provider="douyin", carrier=carrier)
        ]
    }


METHODS = {
    "logistics.newCreateOrder": new_create_order,
    "logistics.cancelOrder": cancel_order,
    "logistics.listShopNetsite": list_shop_netsite,
}
