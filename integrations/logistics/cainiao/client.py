"""Cainiao cloud-print e-waybills (菜鸟电子面单) on the TOP gateway.

- ``cainiao.waybill.ii.get`` — param ``param_waybill_cloud_print_apply_new_request`` (JSON): ``cp_code``
  (Cainiao's carrier code), ``sender`` (address + name/mobile, the subscription's shipping address),
  ``trade_order_info_dtos`` (one per parcel: ``object_id``, ``order_info`` with ``order_channels_type`` TB/TM
  and ``trade_order_list`` = the Taobao tids, ``package_info`` items and weight, ``recipient`` with the
  order's ``oaid`` and ``tid`` instead of a readable receiver, ``template_url``, ``user_id``). The answer,
  ``cainiao_waybill_ii_get_response.modules.waybill_cloud_print_response[]``, gives ``waybill_code`` and
  ``print_data`` — a JSON string of ``encryptedData``/``signature``/``templateURL``/``ver`` that only the
  Cainiao print component can render (the receiver stays encrypted end to end).
- ``cainiao.waybill.ii.cancel`` — ``cp_code`` + ``waybill_code`` → ``cancel_result``.
- ``cainiao.waybill.ii.search`` — ``cp_code`` → ``waybill_apply_subscription_cols.waybill_apply_subscription_info[]``
  (``cp_code``, ``branch_account_cols.waybill_branch_account[]`` with ``branch_code``, ``quantity`` = numbers
  left, ``allocated_quantity``, ``cancel_quantity``, ``print_quantity``, ``shipp_address_cols``).
- Errors: TOP's ``error_response`` (``code``/``msg``/``sub_code``/``sub_msg``), classified by the Taobao
  client (25 signature, 26/27 session, 7 call limit, ``isp.*`` unavailable); ``isv.*`` business errors
  (no subscription, balance, address) keep their sub-code.

Documentation: https://open.taobao.com/api.htm?docId=27125&docType=2 (cainiao.waybill.ii.get),
https://open.taobao.com/api.htm?docId=26785&docType=2 (cainiao.waybill.ii.cancel),
https://open.taobao.com/api.htm?docId=27123&docType=2 (cainiao.waybill.ii.search; the response's field names
checked against TOP's published SDK domain classes ``WaybillApplySubscriptionInfo``/``WaybillBranchAccount``).
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

PROVIDER = "cainiao"
GET = "cainiao.waybill.ii.get"
CANCEL = "cainiao.waybill.ii.cancel"
SEARCH = "cainiao.waybill.ii.search"


def address(party: Party) -> dict[str, str]:
    return {
        "province": party.province,
        "city": party.city,
        "district": party.district,
        "town": "",
        "detail": party.address,
    }


def waybill_get_params(request: WaybillRequest) -> dict[str, str]:
    tid = request.platform_order_id or cipher(request, "tid")
    recipient: dict[str, Any] = {"address": address(request.receiver), "name": request.receiver.name}
    oaid = cipher(request, "oaid")
    if oaid:  # encrypted receiver: Cainiao finds the real one from oaid + tid; we send only the masked values
        recipient.update({"oaid": oaid, "tid": tid})
    else:
        recipient["mobile"] = request.receiver.phone
    body = {
        "cp_code": carrier_code(request.carrier_code, "taobao"),
        "sender": {
            "address": address(request.sender),
            "name": request.sender.name,
            "mobile": request.sender.phone,
        },
        "trade_order_info_dtos": [
            {
                "object_id": request.request_id or request.order_reference,
                "order_info": {
                    "order_channels_type": "TM" if request.platform == "tmall" else "TB",
                    "trade_order_list": [tid or request.order_reference],
                },
                "package_info": {
                    "id": request.request_id or request.order_reference,
                    "items": [{"name": name, "count": count} for name, count in items(request)],
                    "weight": request.weight_grams,
                },
                "recipient": recipient,
                "template_url": request.account.template_url,
            }
        ],
        "need_encrypt": True,
    }
    if request.account.product_code:
        body["product_code"] = request.account.product_code
    return {"param_waybill_cloud_print_apply_new_request": json_text(body)}


def waybill_get_result(answer: dict[str, Any]) -> WaybillResult:
    modules = ((answer.get("modules") or {}).get("waybill_cloud_print_response")) or []
    if not modules or not modules[0].get("waybill_code"):
        raise CarrierCallFailed("Cainiao answered without a waybill_code", code="no_tracking_number", body=answer)
    module = modules[0]
    raw = module.get("print_data") or "{}"
    try:
        print_data = json.loads(raw) if isinstance(raw, str) else dict(raw)
    except ValueError as exc:
        raise CarrierCallFailed(f"print_data is not JSON: {raw[:80]!r}", code="bad_response") from exc
    return WaybillResult(
        tracking_number=str(module["waybill_code"]),
        label={"parent_waybill_code": module.get("parent_waybill_code") or ""},
        print_data={"component": "cainiao", **print_data},
    )


class CainiaoAdapter:
    def __init__(self, account: AccountRef, carrier: str):
        self.account = account
        self.carrier = carrier

    def waybill_request(self, request: WaybillRequest) -> WaybillResult:
        answer = platform_call(shop_client(self.account), GET, **waybill_get_params(request))
        return waybill_get_result(answer)

    def waybill_cancel(self, *, tracking_number: str, request: WaybillRequest) -> None:
        answer = platform_call(
            shop_client(self.account),
            CANCEL,
            cp_code=carrier_code(self.carrier, "taobao"),
            waybill_code=tracking_number,
        )
        if not answer.get("cancel_result"):
            raise CarrierCallFailed(f"Cainiao did not cancel {tracking_number}", code="cancel_refused", body=answer)

    def waybill_balance(self) -> int:
        cp_code = carrier_code(self.carrier, "taobao")
        answer = platform_call(shop_client(self.account), SEARCH, cp_code=cp_code)
        infos = (answer.get("waybill_apply_subscription_cols") or {}).get("waybill_apply_subscription_info") or []
        branches = [
            branch
            for info in infos
            if info.get("cp_code") in (None, cp_code)
            for branch in ((info.get("branch_account_cols") or {}).get("waybill_branch_account") or [])
        ]
        return branch_quantity(
            branches, account=self.account, service="Cainiao", code_key="branch_code", qty_key="quantity"
        )

    def intercept(self, *, tracking_number: str, request: WaybillRequest, reason: str):
        raise InterceptNotSupported(
            f"Cainiao's e-waybill API (cainiao.waybill.ii.*) documents issuing and cancelling numbers only; "
            f"a parcel on its way is intercepted by the carrier: ask its branch ({tracking_number})."
        )

    def tracking_fetch(self, tracking_number: str):
        return []  # tracking comes from the aggregators (Kuaidi100, KDNiao)


def adapter_factory(account: AccountRef, carrier: str) -> CainiaoAdapter:
    return CainiaoAdapter(account, carrier)
