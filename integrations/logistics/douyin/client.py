"""Douyin shop e-waybills on the open API (HMAC-SHA256 ``sign`` over app_key/method/param_json/timestamp/v).

- ``logistics.newCreateOrder`` — ``logistics_code`` (Douyin's carrier code, e.g. ``zhongtong``),
  ``sender_info`` (``address`` with ``province_name``/``city_name``/``district_name``/``detail_address``,
  ``contact`` name/mobile), ``order_infos[]`` (``order_id`` = the shop order id, ``receiver_info`` — for
  Douyin orders the encrypted ``post_receiver``/``post_tel``/detail as the order gave them —, ``items``,
  ``weight``), ``user_id``/``net_info`` for branch accounts. The answer's ``data.ebill_infos[]`` give
  ``track_no``, ``sort_code`` and ``package_center_*``; ``data.err_infos[]`` per order ``err_code``/``err_msg``.
- ``logistics.cancelOrder`` — ``logistics_code`` + ``track_no`` → ``data.cancel_result``.
- ``logistics.listShopNetsite`` — ``logistics_code`` → ``data.netsites[]`` (``netsite_code``, ``netsite_name``,
  ``amount`` = e-waybill numbers left, …): the shop's subscriptions with a carrier and their balance.
- Errors: ``code`` ≠ 10000 with ``msg``/``sub_code``/``sub_msg`` (40004 sign, 30002 token, 50002 business).

Documentation: https://op.jinritemai.com/docs/api-docs/16/2181 (logistics.newCreateOrder),
https://op.jinritemai.com/docs/api-docs/16/2183 (logistics.cancelOrder), logistics.listShopNetsite in the same
group (field names as the Doudian SDKs published in public code show them; the page was not opened).
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from fulfilment.carriers.adapters.base import AccountRef, CarrierCallFailed, Party, WaybillRequest, WaybillResult
from integrations.logistics.common import PlatformWaybillAdapter, carrier_code, cipher, items

PROVIDER = "douyin"
CREATE = "logistics.newCreateOrder"
CANCEL = "logistics.cancelOrder"
NETSITES = "logistics.listShopNetsite"


def address(party: Party, detail: str = "") -> dict[str, Any]:
    return {
        "country_code": "CHN",
        "province_name": party.province,
        "city_name": party.city,
        "district_name": party.district,
        "detail_address": detail or party.address,
    }


def new_create_order_params(request: WaybillRequest) -> dict[str, Any]:
    params: dict[str, Any] = {
        "logistics_code": carrier_code(request.carrier_code, "douyin"),
        "sender_info": {
            "address": address(request.sender),
            "contact": {"name": request.sender.name, "mobile": request.sender.phone},
        },
        "order_infos": [
            {
                "order_id": request.platform_order_id or request.order_reference,
                "pack_id": request.request_id,
                "receiver_info": {
                    "address": address(request.receiver, cipher(request, "post_addr_detail", "encrypt_detail")),
                    "contact": {
                        "name": cipher(request, "post_receiver") or request.receiver.name,
                        "mobile": cipher(request, "post_tel") or request.receiver.phone,
                    },
                },
                "items": [{"item_name": name, "item_count": count} for name, count in items(request)],
                "weight": request.weight_grams,
            }
        ],
    }
    if request.account.branch_code or request.account.account_number:
        params["net_info"] = {
            "net_code": request.account.branch_code,
            "monthly_account": request.account.account_number,
        }
    return params


def new_create_order_result(data: dict[str, Any]) -> WaybillResult:
    errors = data.get("err_infos") or []
    if errors:
        first = errors[0]
        raise CarrierCallFailed(
            _("%(err_code)s: %(err_msg)s") % {"err_code": first.get("err_code"), "err_msg": first.get("err_msg")},
            code=str(first.get("err_code") or "error"),
            body=data,
        )
    infos = data.get("ebill_infos") or []
    if not infos or not infos[0].get("track_no"):
        raise CarrierCallFailed(_("Douyin answered without a track_no"), code="no_tracking_number", body=data)
    info = infos[0]
    return WaybillResult(
        tracking_number=str(info["track_no"]),
        label={
            "sort_code": info.get("sort_code") or "",
            "package_center": info.get("package_center_name") or "",
            "short_address": info.get("short_address_code") or "",
        },
        print_data={"component": "douyin", "track_no": str(info["track_no"])},
    )


class DouyinWaybillAdapter(PlatformWaybillAdapter):
    service = "Douyin"
    api = "logistics.newCreateOrder / cancelOrder"
    carrier_system = "douyin"
    carrier_param = "logistics_code"
    tracking_param = "track_no"
    cancel_method = CANCEL
    balance_method = NETSITES
    branch_code_key = "netsite_code"
    branch_quantity_key = "amount"

    def waybill_request(self, request: WaybillRequest) -> WaybillResult:
        return new_create_order_result(self.call(CREATE, **new_create_order_params(request)))

    def branches(self, answer: dict[str, Any], code: str) -> list[dict[str, Any]]:
        return answer.get("netsites") or []


def adapter_factory(account: AccountRef, carrier: str) -> DouyinWaybillAdapter:
    return DouyinWaybillAdapter(account, carrier)
