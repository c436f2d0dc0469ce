"""JD's e-waybill service for JD and other orders (京东无界电子面单) on JOS (``/routerjson``, MD5 signature).

- ``jingdong.ldop.alpha.waybill.receive`` — one parameter ``content`` (JSON): ``waybillType`` 1 (普通),
  ``waybillCount``, ``providerCode`` (the carrier's code on JD's e-waybill), ``branchCode`` (网点),
  ``settlementCode`` (月结), ``salePlatform`` 0010001 for JD orders, ``platformOrderNo`` (the JD order id),
  ``vendorCode``/``vendorOrderCode``, ``weight`` (kg), ``fromAddress``/``toAddress`` (``provinceName``,
  ``cityName``, ``countryName``, ``address``, ``contact``, ``mobile``; for encrypted JD orders the ``oaid``
  goes in ``toAddress`` instead of readable data). The answer
  ``jingdong_ldop_alpha_waybill_receive_responce.resultInfo`` has ``statusCode`` (0 = success) and
  ``statusMessage``, and ``data.waybillCodeList``.
- ``providerCode``, ``branchCode`` and ``settlementCode`` come from the shop's own carrier subscriptions
  (``jingdong.ldop.alpha.provider.sign.success``, ``integrations.logistics.jd.subscriptions``); the library's
  ``jd_waybill`` code and the account's branch only when JD cannot be asked.
- ``jingdong.ldop.alpha.waybill.unbind`` — ``content`` with ``providerCode``, ``waybillCode``,
  ``platformOrderNo``, ``operatorName``, ``operatorTime`` → ``resultInfo.statusCode``.
- ``jingdong.ldop.alpha.vendor.stock.queryByProviderCode`` (ISV查询商家库存) — ``vendorCode``, ``providerCode``,
  ``branchCode`` → ``resultInfo`` with ``statusCode`` 0 and ``data[].amount`` = numbers left (from the JOS SDK
  classes and callers published in public code; https://open.jd.com/home/home#/doc/api?apiCateId=356&apiId=1928).
- ``jingdong.ldop.receive.order.intercept`` (运单拦截, JD Logistics parcels only) — ``vendorCode`` (the
  merchant's JD Logistics customer code), ``deliveryId`` (the waybill), ``interceptReason`` → ``resultInfo``
  with ``stateCode`` (100 accepted, 108 already intercepted/cancelled) and ``stateMessage``; asynchronous: the
  track shows when the parcel turns back. Parameter names from the JOS SDK classes published in public code
  (``LdopReceiveOrderInterceptRequest``); the answer's field names are unverified against the JOS page.
- Errors: JOS's ``error_response`` (``code`` 19 token, 67 call limit, …) and ``resultInfo.statusCode`` ≠ 0
  with the service's message (e.g. no branch subscription, balance).

Documentation: https://open.jd.com/home/home#/doc/api?apiCateId=223&apiId=2779
(jingdong.ldop.alpha.waybill.receive), https://open.jd.com/home/home#/doc/api?apiCateId=223&apiId=2780
(jingdong.ldop.alpha.waybill.unbind),
https://open.jd.com/home/home#/doc/api?apiCateId=64&apiId=1435 (jingdong.ldop.receive.order.intercept).
"""

from __future__ import annotations

from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

from config.messages import message
from fulfilment.carriers.adapters.base import (
    AccountRef,
    CarrierCallFailed,
    InterceptNotSupported,
    InterceptResult,
    Party,
    WaybillRequest,
    WaybillResult,
)
from fulfilment.models.written import INTERCEPT_JD_OTHER_CARRIER
from integrations.logistics.common import PlatformWaybillAdapter, carrier_code, cipher, json_text
from integrations.logistics.jd.subscriptions import SETTLEMENT_OPERATION, Subscription, subscription_get
from integrations.platforms.client import shanghai_text

PROVIDER = "jd"
RECEIVE = "jingdong.ldop.alpha.waybill.receive"
UNBIND = "jingdong.ldop.alpha.waybill.unbind"
INTERCEPT = "jingdong.ldop.receive.order.intercept"
STOCK = "jingdong.ldop.alpha.vendor.stock.queryByProviderCode"
INTERCEPT_ACCEPTED = {"100", "108"}
JD_LOGISTICS = "JD"  # our code of 京东物流: the only carrier JD's interception serves
JD_MALL = "0010001"
OTHER_PLATFORM = "0030001"


def address(party: Party) -> dict[str, str]:
    return {
        "provinceName": party.province,
        "cityName": party.city,
        "countryName": party.district,
        "address": party.address,
        "contact": party.name,
        "mobile": party.phone,
    }


def receive_content(request: WaybillRequest, subscription: Subscription | None = None) -> dict[str, Any]:
    """The ``content`` of a waybill request: the carrier's ``providerCode``, ``branchCode`` and ``settlementCode``
    from the shop's subscription (``settlementCode`` when its ``operationType`` is 1, else ``branchCode``), or,
    without one, the library's ``jd_waybill`` code and the account's branch and account number."""
    provider_code, branch_code, settlement_code = (
        carrier_code(request.carrier_code, "jd_waybill"),
        request.account.branch_code,
        request.account.account_number,
    )
    if subscription is not None:
        provider_code = subscription.provider_code or provider_code
        if subscription.operation_type == SETTLEMENT_OPERATION:
            settlement_code = subscription.settlement_code or settlement_code
        else:
            branch_code = subscription.branch_code or branch_code
            settlement_code = subscription.settlement_code or settlement_code
    to_address = address(request.receiver)
    oaid = cipher(request, "oaid")
    if oaid:
        to_address["oaid"] = oaid
    return {
        "waybillType": 1,
        "waybillCount": 1,
        "providerCode": provider_code,
        "branchCode": branch_code,
        "settlementCode": settlement_code,
        "salePlatform": JD_MALL if request.platform == "jd" else OTHER_PLATFORM,
        "platformOrderNo": request.platform_order_id or request.order_reference,
        "vendorCode": str(request.account.shop_id or ""),
        "vendorOrderCode": request.request_id or request.order_reference,
        "weight": round(request.weight_grams / 1000, 3),
        "volume": 0,
        "payType": 0,
        "fromAddress": address(request.sender),
        "toAddress": to_address,
    }


def result_info(answer: dict[str, Any]) -> Any:
    info = answer.get("resultInfo") or {}
    status = info.get("statusCode")
    if str(status) != "0":
        raise CarrierCallFailed(
            str(info.get("statusMessage") or f"statusCode {status}"), code=f"jd_{status}", body=answer
        )
    return info.get("data") or {}


def receive_result(answer: dict[str, Any]) -> WaybillResult:
    data = result_info(answer)
    numbers = data.get("waybillCodeList") or []
    if not numbers:
        raise CarrierCallFailed(_("JD answered without a waybill code"), code="no_tracking_number", body=answer)
    return WaybillResult(
        tracking_number=str(numbers[0]), label={}, print_data={"component": "jd", "waybill_code": str(numbers[0])}
    )


class JdWaybillAdapter(PlatformWaybillAdapter):
    """JD's e-waybills take one JSON ``content`` and answer in ``resultInfo``; cancelling, the balance and
    interception are JD's own."""

    service = "JD"
    carrier_system = "jd_waybill"

    def waybill_request(self, request: WaybillRequest) -> WaybillResult:
        subscription = subscription_get(self.account, self.carrier)
        return receive_result(self.call(RECEIVE, content=json_text(receive_content(request, subscription))))

    def platform_carrier_code(self) -> str:
        """The shop's subscription's ``providerCode`` for the carrier, else the library's ``jd_waybill`` code."""
        subscription = subscription_get(self.account, self.carrier, required=False)
        return (subscription and subscription.provider_code) or super().platform_carrier_code()

    def waybill_cancel(self, *, tracking_number: str, request: WaybillRequest) -> None:
        content = {
            "providerCode": self.platform_carrier_code(),
            "waybillCode": tracking_number,
            "platformOrderNo": request.platform_order_id or request.order_reference,
            "operatorName": "Order Hub",
            "operatorTime": shanghai_text(timezone.now()),
        }
        result_info(self.call(UNBIND, content=json_text(content)))

    def waybill_balance(self) -> int:
        answer = self.call(
            STOCK,
            vendorCode=self.account.account_number,
            providerCode=self.platform_carrier_code(),
            branchCode=self.account.branch_code,
        )
        rows = result_info(answer)
        rows = rows if isinstance(rows, list) else [rows] if rows else []
        if not rows:
            raise CarrierCallFailed(
                _("JD: no e-waybill subscription for branch %(account_branch_code)r of %(carrier)s")
                % {"account_branch_code": self.account.branch_code, "carrier": self.carrier},
                code="subscription_missing",
                body=answer,
            )
        try:
            return sum(int(row["amount"]) for row in rows)
        except (KeyError, TypeError, ValueError):
            raise CarrierCallFailed(
                _("JD answered without an amount: %(rows)s") % {"rows": f"{rows!r:.200}"}, code="bad_response"
            ) from None

    def intercept(self, *, tracking_number: str, request: WaybillRequest, reason: str) -> InterceptResult:
        if self.carrier != JD_LOGISTICS:
            raise InterceptNotSupported(
                message(INTERCEPT_JD_OTHER_CARRIER, carrier=self.carrier, tracking_number=tracking_number)
            )
        answer = self.call(
            INTERCEPT,
            vendorCode=self.account.account_number,
            deliveryId=tracking_number,
            interceptReason=reason[:100],
        )
        info = answer.get("resultInfo") or {}
        state = str(info.get("stateCode"))
        if state not in INTERCEPT_ACCEPTED:
            raise CarrierCallFailed(
                str(info.get("stateMessage") or f"stateCode {state}"), code=f"jd_intercept_{state}", body=answer
            )
        return InterceptResult(message=str(info.get("stateMessage") or ""), answer=answer)


def adapter_factory(account: AccountRef, carrier: str) -> JdWaybillAdapter:
    return JdWaybillAdapter(account, carrier)
