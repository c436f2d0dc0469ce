"""Sandbox of ``cainiao.waybill.ii.get`` / ``.cancel`` inside the TOP router (errors as TOP's isv sub-codes)."""

from __future__ import annotations

import json
from typing import Any

from integrations.sandbox.logistics.waybills import ServiceRefused, branch_balances, cancel, carrier_for, issue


def waybill_get(connection, params: dict[str, str]) -> dict[str, Any]:
    body = json.loads(params.get("param_waybill_cloud_print_apply_new_request") or "{}")
    carrier = carrier_for("taobao", str(body.get("cp_code", "")))
    modules = []
    for dto in body.get("trade_order_info_dtos") or []:
        recipient = dto.get("recipient") or {}
        where = recipient.get("address") or {}
        if not (recipient.get("oaid") or recipient.get("mobile")):
            raise ServiceRefused("isv.RECIPIENT_INVALID", "recipient needs an oaid (encrypted order) or a mobile")
        number = issue(
            carrier=carrier,
            reference=str(dto.get("object_id") or ""),
            province=where.get("province", ""),
            city=where.get("city", ""),
            weight_grams=(dto.get("package_info") or {}).get("weight") or 0,
            address=where.get("detail", ""),
        )
        print_data = {
            "encryptedData": f"SANDBOX-ENC-{number}",
            "signature": "sandbox",
            "templateURL": dto.get("template_url") or "https://cloudprint.cainiao.com/template/standard/101/1",
            "ver": "waybill_print_secret_version_1",
        }
        modules.append(
            {"object_id": dto.get("object_id"), "waybill_code": number, "print_data": json.dumps(print_data)}
        )
    return {"modules": {"waybill_cloud_print_response": modules}}


def waybill_cancel(connection, params: dict[str, str]) -> dict[str, Any]:
    carrier_for("taobao", params.get("cp_code", ""))
    cancel(tracking_number=params.get("waybill_code", ""))
    return {"cancel_result": True}


def waybill_search(connection, params: dict[str, str]) -> dict[str, Any]:
    cp_code = params.get("cp_code", "")
    carrier = carrier_for("taobao", cp_code)
    branches = [
        {"branch_code": code, "branch_name": name, "quantity": left, "allocated_quantity": 0, "cancel_quantity": 0}
        for code, name, left in branch_balances(shop_id=connection.shop_id, provider="cainiao", carrier=carrier)
    ]
    info = {"cp_code": cp_code, "cp_type": 2, "branch_account_cols": {"waybill_branch_account": branches}}
    return {"waybill_apply_subscription_cols": {"waybill_apply_subscription_info": [info] if branches else []}}


METHODS = {
    "cainiao.waybill.ii.get": waybill_get,
    "cainiao.waybill.ii.cancel": waybill_cancel,
    "cainiao.waybill.ii.search": waybill_search,
}
