"""Douyin shop open API client: ``/<method with dots as slashes>``, HMAC-SHA256 sign, ``param_json`` body."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Sequence
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

from integrations.exceptions import PlatformError, PlatformUnavailable, RateLimited, TokenExpired, TokenRefreshFailed
from integrations.platforms.base import json_loads
from integrations.platforms.client import Page, PlatformClient, TokenGrant, expiry, shanghai_text
from integrations.signing import douyin_api_sign

SUCCESS = 10000
TOKEN_CODES = {30001, 30002, 30007}
LIMIT_CODES = {50002, 90001}


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

    def token_refresh(self) -> TokenGrant:
        """``token.refresh`` (``/token/refresh``, signed, no access_token), param_json
        ``{"grant_type": "refresh_token", "refresh_token": …}`` → data: access_token, expires_in,
        refresh_token (a new one each time), scope, shop_id, shop_name, authority_id."""
        data = self.call(
            "token.refresh", _token=False, grant_type="refresh_token", refresh_token=self.connection.refresh_token
        )
        if not data.get("access_token"):
            raise TokenRefreshFailed(
                _("douyin token.refresh: no access_token in the answer %(value)r.") % {"value": str(data)[:200]}
            )
        return TokenGrant(
            access_token=str(data["access_token"]),
            refresh_token=str(data.get("refresh_token") or ""),
            expires_at=expiry(seconds=data.get("expires_in")),
        )


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
