"""Sandbox of ``pdd.waybill.get`` / ``pdd.waybill.cancel`` inside the PDD router."""

from __future__ import annotations

import json
from typing import Any

from integrations.sandbox.logistics.waybills import branch_balances, cancel, carrier_for, issue


def waybill_get(connection, params: dict[str, str]) -> dict[str, Any]:
    body = json.loads(params.get("param_waybillcloudprint_apply_new_request") or "{}")
    carrier = carrier_for("pdd_waybill", str(body.get("wp_code", "")))
    modules = []
    for dto in body.get("trade_order_info_dtos") or []:
        where = (dto.get("recipient") or {}).get("address") or {}
        number = issue(
            carrier=carrier,
            reference=str(dto.get("object_id") or ""),
            province=where.get("province", ""),
            city=where.get("city", ""),
            weight_grams=0,
            address=where.get("detail", ""),
        )
        print_data = {"encryptedData": f"SANDBOX-ENC-{number}", "signature": "sandbox", "ver": "3"}
        modules.append(
            {"object_id": dto.get("object_id"), "waybill_code": number, "print_data": json.dumps(print_data)}
        )
    return {"modules": modules}


def waybill_cancel(connection, params: dict[str, str]) -> dict[str, Any]:
    carrier_for("pdd_waybill", params.get("wp_code", ""))
    cancel(tracking_number=params.get("waybill_code", ""))
    return {"cancel_result": True}


def waybill_search(connection, params: dict[str, Any]) -> dict[str, Any]:
    wp_code = str(params.get("wp_code", ""))
    carrier = carrier_for("pdd_waybill", wp_code)
    branches = [
        {"branch_code": code, "branch_name": name, "quantity": left, "allocated_quantity": 0, "cancel_quantity": 0}
        for code, name, left in branch_balances(shop_id=connection.shop_id, provider="pdd", carrier=carrier)
    ]
    return {"waybill_apply_subscription_cols": [{"wp_code": wp_code, "wp_type": 2, "branch_account_cols": branches}]}


METHODS = {"pdd.waybill.get": waybill_get, "pdd.waybill.cancel": waybill_cancel, "pdd.waybill.search": waybill_search}
