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

PROVIDER = "cainiao"
GET = "cainiao.waybill.ii.get"
CANCEL = "cainiao.waybill.ii.cancel"
SEARCH = "cainiao.waybill.ii.search"


def waybill_get_params(request: WaybillRequest) -> dict[str, str]:
    tid = request.platform_order_id or cipher(request, "tid")
    recipient: dict[str, Any] = {"address": waybill_address(request.receiver), "name": request.receiver.name}
    oaid = cipher(request, "oaid")
    if oaid:  # encrypted receiver: Cainiao finds the real one from oaid + tid; we send only the masked values
        recipient.update({"oaid": oaid, "tid": tid})
    else:
        recipient["mobile"] = request.receiver.phone
    body = cloud_print_body(
        request,
        carrier={"cp_code": carrier_code(request.carrier_code, "taobao")},
        channel="TM" if request.platform == "tmall" else "TB",
        trade_order=tid or request.order_reference,
        recipient=recipient,
        package={"weight": request.weight_grams},
    )
    if request.account.product_code:
        body["product_code"] = request.account.product_code
    return {"param_waybill_cloud_print_apply_new_request": json_text(body)}


def waybill_get_result(answer: dict[str, Any]) -> WaybillResult:
    modules = ((answer.get("modules") or {}).get("waybill_cloud_print_response")) or []
    label = {"parent_waybill_code": (modules[0].get("parent_waybill_code") or "") if modules else ""}
    return cloud_print_result(modules, service="Cainiao", component="cainiao", answer=answer, label=label)


class CainiaoAdapter(PlatformWaybillAdapter):
    service = "Cainiao"
    api = "cainiao.waybill.ii.*"
    carrier_system = "taobao"
    carrier_param = "cp_code"
    cancel_method = CANCEL
    balance_method = SEARCH

    def waybill_request(self, request: WaybillRequest) -> WaybillResult:
        return waybill_get_result(self.call(GET, **waybill_get_params(request)))

    def branches(self, answer: dict[str, Any], code: str) -> list[dict[str, Any]]:
        infos = (answer.get("waybill_apply_subscription_cols") or {}).get("waybill_apply_subscription_info") or []
        return [
            branch
            for info in infos
            if info.get("cp_code") in (None, code)
            for branch in ((info.get("branch_account_cols") or {}).get("waybill_branch_account") or [])
        ]


def adapter_factory(account: AccountRef, carrier: str) -> CainiaoAdapter:
    return CainiaoAdapter(account, carrier)
