"""Pinduoduo e-waybills on the PDD router (``/api/router``, MD5 signature like TOP's).

- ``pdd.waybill.get`` — param ``param_waybillcloudprint_apply_new_request`` (JSON): ``wp_code`` (the carrier's
  code in pdd.logistics.companies.get), ``sender``, ``trade_order_info_dtos`` (``object_id``, ``order_info``
  with ``order_channels_type`` PDD and ``trade_order_list`` = the order_sn, ``package_info.items``,
  ``recipient`` — for Pinduoduo orders the encrypted ``~…~`` name/mobile/detail exactly as the order gave
  them, which the service decrypts itself — ``template_url``, ``user_id``), ``need_encrypt``. The answer
  ``pdd_waybill_get_response.modules[]`` gives ``waybill_code`` and ``print_data`` (encrypted, for PDD's
  print component).
- ``pdd.waybill.cancel`` — ``wp_code`` + ``waybill_code`` → ``cancel_result``.
- ``pdd.waybill.search`` — ``wp_code`` → ``waybill_apply_subscription_cols[]`` (``wp_code``,
  ``branch_account_cols[]`` with ``branch_code``, ``quantity`` = numbers left, ``allocated_quantity``,
  ``cancel_quantity``, ``recycled_quantity``, ``shipp_address_cols``).
- Errors: ``error_response`` with ``error_code``/``error_msg``/``sub_code``/``sub_msg`` (10016 sign, 10019
  token, 70031 call limit; waybill business errors keep their sub_code).

Documentation: https://open.pinduoduo.com/application/document/api?id=pdd.waybill.get,
https://open.pinduoduo.com/application/document/api?id=pdd.waybill.cancel,
https://open.pinduoduo.com/application/document/api?id=pdd.waybill.search (field names as PDD's published SDK
response models show them).
"""

from __future__ import annotations

import json
from typing import Any

from fulfilment.carriers.adapters.base import (
    AccountRef,
    CarrierCallFailed,
    InterceptNotSupported,
    Party,
    WaybillRequest,
    WaybillResult,
)
from integrations.logistics.common import (
    branch_quantity,
    carrier_code,
    cipher,
    items,
    json_text,
    platform_call,
    shop_client,
)

PROVIDER = "pdd"
GET = "pdd.waybill.get"
CANCEL = "pdd.waybill.cancel"
SEARCH = "pdd.waybill.search"


def address(party: Party) -> dict[str, str]:
    return {
        "province": party.province,
        "city": party.city,
        "district": party.district,
        "town": "",
        "detail": party.address,
    }


def waybill_get_params(request: WaybillRequest) -> dict[str, str]:
    receiver = address(request.receiver)
    detail = cipher(request, "receiver_address")
    if detail:
        receiver["detail"] = detail
    body = {
        "wp_code": carrier_code(request.carrier_code, "pdd_waybill"),
        "need_encrypt": True,
        "sender": {"address": address(request.sender), "name": request.sender.name, "mobile": request.sender.phone},
        "trade_order_info_dtos": [
            {
                "object_id": request.request_id or request.order_reference,
                "order_info": {
                    "order_channels_type": "PDD",
                    "trade_order_list": [request.platform_order_id or request.order_reference],
                },
                "package_info": {
                    "id": request.request_id or request.order_reference,
                    "items": [{"name": name, "count": count} for name, count in items(request)],
                },
                "recipient": {
                    "address": receiver,
                    "name": cipher(request, "receiver_name") or request.receiver.name,
                    "mobile": cipher(request, "receiver_phone") or request.receiver.phone,
                },
                "template_url": request.account.template_url,
            }
        ],
    }
    return {"param_waybillcloudprint_apply_new_request": json_text(body)}


def waybill_get_result(answer: dict[str, Any]) -> WaybillResult:
    modules = answer.get("modules") or []
    if not modules or not modules[0].get("waybill_code"):
        raise CarrierCallFailed("Pinduoduo answered without a waybill_code", code="no_tracking_number", body=answer)
    raw = modules[0].get("print_data") or "{}"
    try:
        print_data = json.loads(raw) if isinstance(raw, str) else dict(raw)
    except ValueError as exc:
        raise CarrierCallFailed(f"print_data is not JSON: {raw[:80]!r}", code="bad_response") from exc
    return WaybillResult(
        tracking_number=str(modules[0]["waybill_code"]), label={}, print_data={"component": "pdd", **print_data}
    )


class PddWaybillAdapter:
    def __init__(self, account: AccountRef, carrier: str):
        self.account = account
        self.carrier = carrier

    def waybill_request(self, request: WaybillRequest) -> WaybillResult:
        return waybill_get_result(platform_call(shop_client(self.account), GET, **waybill_get_params(request)))

    def waybill_cancel(self, *, tracking_number: str, request: WaybillRequest) -> None:
        answer = platform_call(
            shop_client(self.account),
            CANCEL,
            wp_code=carrier_code(self.carrier, "pdd_waybill"),
            waybill_code=tracking_number,
        )
        if not answer.get("cancel_result"):
            raise CarrierCallFailed(f"Pinduoduo did not cancel {tracking_number}", code="cancel_refused", body=answer)

    def waybill_balance(self) -> int:
        wp_code = carrier_code(self.carrier, "pdd_waybill")
        answer = platform_call(shop_client(self.account), SEARCH, wp_code=wp_code)
        branches = [
            branch
            for col in answer.get("waybill_apply_subscription_cols") or []
            if col.get("wp_code") in (None, wp_code)
            for branch in col.get("branch_account_cols") or []
        ]
        return branch_quantity(
            branches, account=self.account, service="Pinduoduo", code_key="branch_code", qty_key="quantity"
        )

    def intercept(self, *, tracking_number: str, request: WaybillRequest, reason: str):
        raise InterceptNotSupported(
            f"Pinduoduo's e-waybill API (pdd.waybill.*) documents issuing and cancelling numbers only; "
            f"a parcel on its way is intercepted by the carrier: ask its branch ({tracking_number})."
        )

    def tracking_fetch(self, tracking_number: str):
        return []


def adapter_factory(account: AccountRef, carrier: str) -> PddWaybillAdapter:
    return PddWaybillAdapter(account, carrier)
