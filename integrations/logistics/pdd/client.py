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

from typing import Any

from fulfilment.carriers.adapters.base import AccountRef, WaybillRequest, WaybillResult
from integrations.logistics.common import (
    PlatformWaybillAdapter,
    carrier_code,
    cipher,
    cloud_print_body,
    cloud_print_result,
    json_text,
    waybill_address,
)

PROVIDER = "pdd"
GET = "pdd.waybill.get"
CANCEL = "pdd.waybill.cancel"
SEARCH = "pdd.waybill.search"


def waybill_get_params(request: WaybillRequest) -> dict[str, str]:
    receiver = waybill_address(request.receiver)
    detail = cipher(request, "receiver_address")
    if detail:
        receiver["detail"] = detail
    body = cloud_print_body(
        request,
        carrier={"wp_code": carrier_code(request.carrier_code, "pdd_waybill")},
        channel="PDD",
        trade_order=request.platform_order_id or request.order_reference,
        recipient={
            "address": receiver,
            "name": cipher(request, "receiver_name") or request.receiver.name,
            "mobile": cipher(request, "receiver_phone") or request.receiver.phone,
        },
    )
    return {"param_waybillcloudprint_apply_new_request": json_text(body)}


def waybill_get_result(answer: dict[str, Any]) -> WaybillResult:
    return cloud_print_result(answer.get("modules") or [], service="Pinduoduo", component="pdd", answer=answer)


class PddWaybillAdapter(PlatformWaybillAdapter):
    service = "Pinduoduo"
    api = "pdd.waybill.*"
    carrier_system = "pdd_waybill"
    carrier_param = "wp_code"
    cancel_method = CANCEL
    balance_method = SEARCH

    def waybill_request(self, request: WaybillRequest) -> WaybillResult:
        return waybill_get_result(self.call(GET, **waybill_get_params(request)))

    def branches(self, answer: dict[str, Any], code: str) -> list[dict[str, Any]]:
        return [
            branch
            for col in answer.get("waybill_apply_subscription_cols") or []
            if col.get("wp_code") in (None, code)
            for branch in col.get("branch_account_cols") or []
        ]


def adapter_factory(account: AccountRef, carrier: str) -> PddWaybillAdapter:
    return PddWaybillAdapter(account, carrier)
