"""Pinduoduo open platform client (``/api/router``): ``type`` names the API, md5 sign upper-case."""

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
    TokenExpired,
)
from integrations.platforms.client import Page, PlatformClient, RefundDecision, TokenGrant, shanghai_text

TOKEN_CODES = {10019, 10035}
LIMIT_CODES = {70031, 70032, 52101, 52102}


class PddClient(PlatformClient):
    platform = "pdd"
    default_base_url = "https://gw-api.pinduoduo.com"
    page_size = 100
    max_window = dt.timedelta(minutes=30)  # the increment API spans at most 30 minutes

    def call(self, api: str, *, _token: bool = True, **params: Any) -> dict[str, Any]:
        common = {
            "type": api,
            "client_id": self.connection.app_key,
            "access_token": self.connection.access_token if _token else None,
            "timestamp": str(int(timezone.now().timestamp())),
            "data_type": "JSON",
            "version": "V1",
        }
        common.update({k: str(v) for k, v in params.items() if v is not None})
        data = self.router_call("/api/router", common, what=f"pdd {api} response", error=lambda e: _error(api, e))
        # Most answers are ``<api>_response``; the after-sales ones (pdd.refund.agree…) answer ``response``.
        values = [v for k, v in data.items() if k.endswith("response")]
        if not values:
            raise PlatformError(_("pdd %(api)s: answer has no *_response.") % {"api": api})
        return values[0]

    def orders_page(self, *, start: dt.datetime, end: dt.datetime, token: str = "") -> Page:
        page = int(token or 1)
        result = self.call(
            "pdd.order.number.list.increment.get",
            is_lucky_flag=0,
            order_status=5,
            refund_status=5,
            start_updated_at=int(start.timestamp()),
            end_updated_at=int(end.timestamp()),
            page=page,
            page_size=self.page_size,
            use_has_next="true",
        )
        orders = result.get("order_sn_list") or []
        return Page(
            orders=orders,
            raw="",
            next_token=str(page + 1) if result.get("has_next") else "",
            total=result.get("total_count"),
        )

    def order_get(self, external_id: str) -> dict[str, Any]:
        return self.call("pdd.order.information.get", order_sn=external_id)["order_info"]

    def order_count(self, *, start: dt.datetime, end: dt.datetime) -> int:
        result = self.call(
            "pdd.order.list.get",
            order_status=5,
            refund_status=5,
            start_confirm_at=int(start.timestamp()),
            end_confirm_at=int(end.timestamp()),
            page=1,
            page_size=1,
        )
        return int(result.get("total_count") or 0)

    def ship_confirm(
        self, *, external_id: str, carrier_code: str, tracking_number: str, lines: Sequence[tuple[str, int]] = ()
    ) -> dict[str, Any]:
        """The whole order (no ``ship_partial``: a split order is confirmed once, with its first parcel)."""
        result = self.call(
            "pdd.logistics.online.send",
            order_sn=external_id,
            logistics_id=carrier_code,
            tracking_number=tracking_number,
        )
        if not result.get("is_success"):
            raise PlatformError(
                _("pdd logistics.online.send for %(external_id)s was not accepted: %(result)s")
                % {"external_id": external_id, "result": result}
            )
        return result

    def stock_update(self, *, sku_code: str, quantity: int) -> dict[str, Any]:
        return self.call("pdd.goods.quantity.update", outer_id=sku_code, quantity=quantity, update_type=1)

    def refund_agree(self, decision: RefundDecision) -> dict[str, Any]:
        """``pdd.refund.agree`` (https://open.pinduoduo.com/application/document/api?id=pdd.refund.agree): the
        ``request`` parameter is a JSON object ``{after_sales_id, order_sn, operate_desc}`` → ``{"response":
        {"result": {after_sales_id, order_sn, succ, message}}}`` (a refusal says why in ``message``)."""
        return self._after_sales(
            "pdd.refund.agree",
            decision,
            {"operate_desc": decision.reason or "同意退款"},
        )

    def return_agree(self, decision: RefundDecision) -> dict[str, Any]:
        """``pdd.refund.returngoods.agree`` (https://open.pinduoduo.com/application/document/api?id=
        pdd.refund.returngoods.agree): ``request`` ``{after_sales_id, order_sn, operate_desc, return_address_id}``
        (an id from the shop's return address list, ``pdd.refund.address.list.get``)."""
        if not decision.return_address_id:
            raise RefundDecisionRefused(
                _("pdd: the shop connection has no return address id (return_address_id); set it and replay."),
                extra={"field": "return_address_id"},
            )
        return self._after_sales(
            "pdd.refund.returngoods.agree",
            decision,
            {"operate_desc": decision.reason or "同意退货", "return_address_id": decision.return_address_id},
        )

    def _after_sales(self, api: str, decision: RefundDecision, fields: dict[str, Any]) -> dict[str, Any]:
        try:
            after_sales_id: Any = int(decision.refund_id)
        except ValueError:
            after_sales_id = decision.refund_id
        request = {"after_sales_id": after_sales_id, "order_sn": decision.order_external_id, **fields}
        try:
            answer = self.call(api, request=json.dumps(request, ensure_ascii=False, separators=(",", ":")))
        except (PlatformUnavailable, RateLimited, TokenExpired):
            raise
        except PlatformError as exc:  # a business refusal of this after-sale: retrying cannot change it
            raise RefundDecisionRefused(str(exc), extra=exc.extra) from exc
        result = answer.get("result") if isinstance(answer.get("result"), dict) else answer
        if not (result.get("succ") or result.get("success")):
            raise RefundDecisionRefused(
                _("pdd %(api)s for after-sale %(after_sales_id)s was refused: %(message)s")
                % {"api": api, "after_sales_id": decision.refund_id, "message": result.get("message") or result},
            )
        return answer

    def token_refresh(self) -> TokenGrant:
        """``pdd.pop.auth.token.refresh`` (signed, no access_token) → ``pop_auth_token_refresh_response``:
        access_token, expires_at / expires_in, refresh_token, refresh_token_expires_at / _in, owner_id…"""
        result = self.call("pdd.pop.auth.token.refresh", _token=False, refresh_token=self.connection.refresh_token)
        return TokenGrant.read(
            result,
            what="pdd pop.auth.token.refresh",
            expires={"seconds": "expires_in", "epoch": "expires_at"},
            refresh_expires={"seconds": "refresh_token_expires_in", "epoch": "refresh_token_expires_at"},
        )


def _error(api: str, error: dict[str, Any]) -> PlatformError:
    try:
        code = int(error.get("error_code", 0))
    except (TypeError, ValueError):
        code = 0
    text = f"pdd {api}: {code} {error.get('error_msg', '')} {error.get('sub_msg', '')}".strip()
    if code in TOKEN_CODES:
        return TokenExpired(text)
    if code in LIMIT_CODES:
        return RateLimited(text, retry_after=60.0)
    if code >= 50000 and code < 60000 or code == 0:
        return PlatformUnavailable(text)
    return PlatformError(text, extra={"code": code, "sub_code": str(error.get("sub_code") or "")})


__all__ = ["PddClient", "shanghai_text"]
