"""Douyin shop open API client: ``/<method with dots as slashes>``, HMAC-SHA256 sign, ``param_json`` body."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Sequence
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

from integrations.exceptions import (
    PlatformError,
    PlatformUnavailable,
    RateLimited,
    RefundDecisionRefused,
    RefundStateChanged,
    TokenExpired,
)
from integrations.platforms.base import json_loads
from integrations.platforms.client import Page, PlatformClient, RefundDecision, TokenGrant, shanghai_text
from integrations.signing import douyin_api_sign

SUCCESS = 10000
TOKEN_CODES = {30001, 30002, 30007}
LIMIT_CODES = {50002, 90001}
# afterSale.operate ``type`` (https://op.jinritemai.com/docs/question-docs/93/2752): 101 agree a return (first
# review, with the return address), 102 refuse it, 111 agree the refund after the goods came back (second review),
# 201 agree a refund without return, 202 refuse it, 301 agree an exchange, 302 refuse it.
OPERATE_TYPES = {
    ("refund_agree", "refund_only"): 201,
    ("refund_agree", "compensation"): 201,
    ("refund_agree", "return_refund"): 111,
    ("return_agree", "return_refund"): 101,
    ("return_agree", "exchange"): 301,
    ("refund_refuse", "refund_only"): 202,
    ("refund_refuse", "compensation"): 202,
    ("refund_refuse", "return_refund"): 102,
    ("refund_refuse", "exchange"): 302,
}
# afterSale.operate's business answers (code 50002): the after-sale's status changed meanwhile (re-read it; retrying
# cannot help), and "not handled through OPEN: review it in the 抖店 back office".
STATE_CHANGED_SUB_CODE = "isv.business-failed:20309541"
BUSINESS_FAILED = "isv.business-failed"


class DouyinClient(PlatformClient):
    platform = "douyin"
    default_base_url = "https://openapi-fxg.jinritemai.com"
    page_size = 100

    def call(self, method: str, *, _token: bool = True, **params: Any) -> dict[str, Any]:
        param_json = json.dumps(params, ensure_ascii=False, separators=(",", ":"), sort_keys=True)
        timestamp = shanghai_text(timezone.now())
        query = {
            "app_key": self.connection.app_key,
            "method": method,
            "v": "2",
            "timestamp": timestamp,
            "sign_method": "hmac-sha256",
            "access_token": self.connection.access_token if _token else None,
            "sign": douyin_api_sign(
                app_key=self.connection.app_key,
                secret=self.connection.app_secret,
                method=method,
                param_json=param_json,
                timestamp=timestamp,
            ),
        }
        response = self.send(
            "POST",
            "/" + method.replace(".", "/"),
            params={k: v for k, v in query.items() if v is not None},
            body=param_json.encode(),
            headers={"Content-Type": "application/json"},
        )
        data = json_loads(response.body, what=f"douyin {method} response")
        code = data.get("code") if isinstance(data, dict) else None
        if code != SUCCESS:
            raise _error(method, data if isinstance(data, dict) else {})
        return data.get("data") or {}

    def orders_page(self, *, start: dt.datetime, end: dt.datetime, token: str = "") -> Page:
        page = int(token or 0)  # Douyin pages count from 0
        result = self.call(
            "order.searchList",
            update_time_start=int(start.timestamp()),
            update_time_end=int(end.timestamp()),
            page=page,
            size=self.page_size,
            order_by="update_time",
            order_asc=True,
        )
        orders = result.get("shop_order_list") or []
        total = int(result.get("total") or 0)
        more = (page + 1) * self.page_size < total
        return Page(orders=orders, raw="", next_token=str(page + 1) if more else "", total=total)

    def order_get(self, external_id: str) -> dict[str, Any]:
        return self.call("order.orderDetail", shop_order_id=external_id)["shop_order_detail"]

    def order_count(self, *, start: dt.datetime, end: dt.datetime) -> int:
        result = self.call(
            "order.searchList",
            create_time_start=int(start.timestamp()),
            create_time_end=int(end.timestamp()),
            page=0,
            size=1,
        )
        return int(result.get("total") or 0)

    def ship_confirm(
        self, *, external_id: str, carrier_code: str, tracking_number: str, lines: Sequence[tuple[str, int]] = ()
    ) -> dict[str, Any]:
        """``order.logisticsAdd`` for the whole order; part of it: ``order.logisticsAddMultiPack`` with one pack
        whose ``shipped_order_info`` lists the sub-orders (``shipped_order_id``, ``shipped_num``)."""
        if lines:
            return self.call(
                "order.logisticsAddMultiPack",
                order_id=external_id,
                pack_list=[
                    {
                        "logistics_code": tracking_number,
                        "company_code": carrier_code,
                        "shipped_order_info": [
                            {"shipped_order_id": line_id, "shipped_num": int(quantity)} for line_id, quantity in lines
                        ],
                    }
                ],
            )
        return self.call(
            "order.logisticsAdd", order_id=external_id, company_code=carrier_code, logistics_code=tracking_number
        )

    def stock_update(self, *, sku_code: str, quantity: int) -> dict[str, Any]:
        return self.call("sku.syncStock", code=sku_code, stock_num=quantity, incremental=False)

    def refund_agree(self, decision: RefundDecision) -> dict[str, Any]:
        return self._operate("refund_agree", decision)

    def return_agree(self, decision: RefundDecision) -> dict[str, Any]:
        if not decision.return_address_id:
            raise RefundDecisionRefused(
                _("douyin: the shop connection has no return address id (receiver_address_id); set it and replay."),
                extra={"field": "return_address_id"},
            )
        return self._operate("return_agree", decision)

    def refund_refuse(self, decision: RefundDecision) -> dict[str, Any]:
        return self._operate("refund_refuse", decision)

    def _operate(self, action: str, decision: RefundDecision) -> dict[str, Any]:
        """``afterSale.operate`` (``/afterSale/operate``) for one after-sale: ``{"type", "items": [{"aftersale_id",
        "reason", "remark", "logistics": {"receiver_address_id"}}]}`` → ``data.items`` [{aftersale_id,
        status_code, status_msg}]. One after-sale a call (a failing item fails the whole batch)."""
        kind = OPERATE_TYPES.get((action, decision.kind))
        if kind is None:
            raise RefundDecisionRefused(
                _("douyin afterSale.operate has no operation for %(action)s on a %(kind)s case.")
                % {"action": action, "kind": decision.kind}
            )
        item: dict[str, Any] = {"aftersale_id": decision.refund_id}
        if action == "refund_refuse":
            item.update(reason=decision.reason or "商家拒绝", remark=decision.reason or "商家拒绝")
            code = self._reject_reason_code(decision)
            if code is not None:
                item["reject_reason_code"] = code
        if action == "return_agree":
            item["logistics"] = {"receiver_address_id": int(decision.return_address_id)}
        try:
            data = self.call("afterSale.operate", type=kind, items=[item])
        except (PlatformUnavailable, TokenExpired):
            raise
        except PlatformError as exc:
            if STATE_CHANGED_SUB_CODE in str(exc):
                raise RefundStateChanged(str(exc), platform_status="status_changed") from exc
            if BUSINESS_FAILED in str(exc) or "isv.parameter-invalid" in str(exc):
                raise RefundDecisionRefused(str(exc)) from exc
            raise
        failed = [i for i in data.get("items") or [] if i.get("status_code") not in (None, 0, "0")]
        if failed:
            raise RefundDecisionRefused(
                _("douyin afterSale.operate %(type)s for %(aftersale_id)s was refused: %(status_code)s %(status_msg)s")
                % {
                    "type": kind,
                    "aftersale_id": decision.refund_id,
                    "status_code": failed[0].get("status_code"),
                    "status_msg": failed[0].get("status_msg") or "",
                }
            )
        return {"type": kind, **data}

    def _reject_reason_code(self, decision: RefundDecision) -> int | None:
        """The ``reject_reason_code`` a refusal names ("售后拒绝原因码，拒绝时必填", afterSale.operate): one of the
        reasons ``/afterSale/rejectReasonCodeList`` offers for this after-sale (``aftersale_id`` → ``data.items`` [{
        reject_reason_code, reason, evidence_need (Y/N), evidence_description, …}], the SDK's
        ``afterSale_rejectReasonCodeList``). Customer service chooses it in the rejection reason: the offered reason
        whose words the rejection reason contains, or its code written first ("3 商品已发出"). None when Douyin offers
        none (an after-sale not shipped yet). A rejection reason naming none of them, or a reason Douyin wants
        evidence for (``evidence_need`` Y: an image uploaded to Douyin, which Order Hub does not do), parks listing
        what Douyin offers."""
        offered = self.call("afterSale.rejectReasonCodeList", aftersale_id=int(decision.refund_id)).get("items") or []
        offered = [item for item in offered if isinstance(item, dict) and item.get("reject_reason_code") is not None]
        if not offered:
            return None
        words = (decision.reason or "").strip()
        first = words.split(maxsplit=1)[0] if words else ""
        chosen = next((item for item in offered if str(item["reject_reason_code"]) == first), None) or next(
            (item for item in offered if item.get("reason") and str(item["reason"]) in words), None
        )
        choices = "; ".join(
            f"{item['reject_reason_code']} {item.get('reason') or ''}"
            + (" (需凭证)" if str(item.get("evidence_need") or "").upper() == "Y" else "")
            for item in offered
        )
        if chosen is None:
            raise RefundDecisionRefused(
                _(
                    "douyin: the refusal of after-sale %(aftersale_id)s needs one of Douyin's refusal reasons "
                    "(reject_reason_code); the rejection reason %(reason)r names none. Douyin offers: %(choices)s. "
                    "Refuse it in the 抖店 back office with one of them."
                )
                % {"aftersale_id": decision.refund_id, "reason": words, "choices": choices},
                extra={"field": "reject_reason_code"},
            )
        if str(chosen.get("evidence_need") or "").upper() == "Y":
            raise RefundDecisionRefused(
                _(
                    "douyin: refusal reason %(code)s %(reason)s of after-sale %(aftersale_id)s needs evidence "
                    "(%(evidence)s), which is uploaded in the 抖店 back office; Douyin offers: %(choices)s."
                )
                % {
                    "code": chosen["reject_reason_code"],
                    "reason": chosen.get("reason") or "",
                    "aftersale_id": decision.refund_id,
                    "evidence": chosen.get("evidence_description") or "",
                    "choices": choices,
                },
                extra={"field": "reject_reason_code"},
            )
        return int(chosen["reject_reason_code"])

    def token_refresh(self) -> TokenGrant:
        """``token.refresh`` (``/token/refresh``, signed, no access_token), param_json
        ``{"grant_type": "refresh_token", "refresh_token": …}`` → data: access_token, expires_in,
        refresh_token (a new one each time), scope, shop_id, shop_name, authority_id."""
        data = self.call(
            "token.refresh", _token=False, grant_type="refresh_token", refresh_token=self.connection.refresh_token
        )
        return TokenGrant.read(data, what="douyin token.refresh", expires={"seconds": "expires_in"})


def _error(method: str, data: dict[str, Any]) -> PlatformError:
    code = data.get("code")
    text = f"douyin {method}: {code} {data.get('msg', '')} {data.get('sub_code', '')} {data.get('sub_msg', '')}".strip()
    if code in TOKEN_CODES:
        return TokenExpired(text)
    if code in LIMIT_CODES or "limit" in str(data.get("sub_code", "")):
        return RateLimited(text, retry_after=60.0)
    if isinstance(code, int) and 20000 <= code < 30000:
        return PlatformUnavailable(text)
    return PlatformError(text, extra={"code": code, "sub_code": str(data.get("sub_code") or "")})
