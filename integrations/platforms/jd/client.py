"""JD JOS client (``/routerjson``): ``360buy_param_json`` plus md5 sign over the sorted parameters."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

from integrations.exceptions import (
    PlatformError,
    PlatformUnavailable,
    RateLimited,
    RefundDecisionRefused,
    TokenExpired,
    TokenRefreshFailed,
)
from integrations.platforms.base import json_loads
from integrations.platforms.client import Page, PlatformClient, RefundDecision, TokenGrant, expiry, shanghai_text

ORDER_STATES = "WAIT_SELLER_STOCK_OUT,WAIT_GOODS_RECEIVE_CONFIRM,FINISHED_L,TRADE_CANCELED,LOCKED"
TOKEN_CODES = {"19", "20", "21"}
LIMIT_CODES = {"66", "67"}
# jingdong.pop.afs.soa.refundapply.replyRefund ``status``: 1 审核通过 (agree), 2 审核不通过 (refuse); a refusal names
# its ``rejectType`` (5 = 其他, other) and a ``remark`` (required except for a forced close).
REPLY_AGREE, REPLY_REFUSE, REJECT_OTHER = 1, 2, 5
REVIEWER = "OrderHub"
# After-sales pages (``aftersales_page``): refund applications (page size 1-50, pages 1-100) first, then service
# orders (page size 1-50); a token names the list and the page, e.g. ``jd.service_order:2``.
AFTERSALES_PAGE_SIZE = 50
# The refund application lists read for a window: applied for in it, then checked (审核) in it, with the
# queryPageList time parameters of each (JD's SDK ``PopAfsSoaRefundapplyQueryPageListRequest``: applyTimeStart/End,
# checkTimeStart/End, besides ids, status, orderId, buyerId, buyerName).
REFUND_APPLY_CHECKED = "refund_apply_checked"
REFUND_APPLY_LISTS = {
    "jd.refund_apply": ("applyTimeStart", "applyTimeEnd"),
    REFUND_APPLY_CHECKED: ("checkTimeStart", "checkTimeEnd"),
}


class JDClient(PlatformClient):
    platform = "jd"
    default_base_url = "https://api.jd.com"
    # Tokens are issued by JD's OAuth host, not the API gateway. A connection with its own base URL (the
    # sandbox, a proxy) serves the OAuth paths under that base URL too.
    oauth_base_url = "https://open-oauth.jd.com"
    page_size = 100

    def call(self, method: str, **params: Any) -> dict[str, Any]:
        common = {
            "method": method,
            "app_key": self.connection.app_key,
            "access_token": self.connection.access_token,
            "timestamp": shanghai_text(timezone.now()),
            "v": "2.0",
            "360buy_param_json": json.dumps(params, ensure_ascii=False, separators=(",", ":"), sort_keys=True),
        }
        data = self.router_call("/routerjson", common, what=f"jd {method} response", error=lambda e: _error(method, e))
        key = method.replace(".", "_") + "_responce"  # sic: JD spells it so
        if key not in data:
            raise PlatformError(_("jd %(method)s: answer has no %(key)s.") % {"method": method, "key": key})
        return data[key]

    def orders_page(self, *, start: dt.datetime, end: dt.datetime, token: str = "") -> Page:
        page = int(token or 1)
        result = self.call(
            "jingdong.pop.order.search",
            start_date=shanghai_text(start),
            end_date=shanghai_text(end),
            order_state=ORDER_STATES,
            dateType=0,
            page=page,
            page_size=self.page_size,
        )["searchorderinfo_result"]
        _check_api_result(result)
        orders = result.get("orderInfoList") or []
        total = int(result.get("orderTotal") or 0)
        return Page(
            orders=orders, raw="", next_token=str(page + 1) if page * self.page_size < total else "", total=total
        )

    def order_get(self, external_id: str) -> dict[str, Any]:
        result = self.call("jingdong.pop.order.get", order_id=external_id)["orderDetailInfo"]
        _check_api_result(result)
        return result["orderInfo"]

    def order_count(self, *, start: dt.datetime, end: dt.datetime) -> int:
        result = self.call(
            "jingdong.pop.order.search",
            start_date=shanghai_text(start),
            end_date=shanghai_text(end),
            order_state=ORDER_STATES,
            dateType=1,
            page=1,
            page_size=1,
        )["searchorderinfo_result"]
        _check_api_result(result)
        return int(result.get("orderTotal") or 0)

    def ship_confirm(
        self, *, external_id: str, carrier_code: str, tracking_number: str, lines: Sequence[tuple[str, int]] = ()
    ) -> dict[str, Any]:
        """The whole order (no ``ship_partial``: a split order is confirmed once, with its first parcel)."""
        result = self.call(
            "jingdong.pop.order.shipment", order_id=external_id, logiCoprId=carrier_code, logiNo=tracking_number
        )
        outcome = result.get("sopjosshipment_result") or {}
        if not outcome.get("success"):
            raise PlatformError(
                _("jd shipment for %(external_id)s was not accepted: %(outcome)s")
                % {"external_id": external_id, "outcome": outcome}
            )
        return result

    def stock_update(self, *, sku_code: str, quantity: int) -> dict[str, Any]:
        return self.call("jingdong.stock.write.updateSkuStock", outerId=sku_code, stockNum=quantity)

    def aftersales_page(self, *, start: dt.datetime, end: dt.datetime, token: str = "") -> Page | None:
        """One page of the shop's after-sales in the window (``integrations.platforms.jd.aftersales``): refund
        applications applied for in it (``queryPageList`` by ``applyTimeStart``/``applyTimeEnd``), then those
        checked in it (by ``checkTimeStart``/``checkTimeEnd``: agreed or refused in JD's back office, or by JD's
        finance, after they were read — so their cases move), then service orders updated in it
        (``jingdong.asc.query.list`` by ``updateTimeBegin``/``updateTimeEnd``; skipped while the connection has no
        seller id, which JD takes as ``buId``). ``meta["topic"]`` says which list the records come from; a token
        names the list and the page, e.g. ``refund_apply_checked:2``."""
        from integrations.platforms.jd.aftersales import REFUND_APPLY_TOPIC, SERVICE_ORDER_TOPIC

        topic, _sep, number = (token or REFUND_APPLY_TOPIC + ":1").partition(":")
        page = int(number or 1)
        if topic in REFUND_APPLY_LISTS:
            begin, finish = REFUND_APPLY_LISTS[topic]
            result = (
                self.call(
                    "jingdong.pop.afs.soa.refundapply.queryPageList",
                    **{begin: shanghai_text(start), finish: shanghai_text(end)},
                    pageIndex=page,
                    pageSize=AFTERSALES_PAGE_SIZE,
                ).get("queryResult")
                or {}
            )
            if result.get("success") is False:
                raise PlatformError(
                    _("jd queryPageList: %(code)s %(message)s")
                    % {"code": result.get("errorCode"), "message": result.get("errorMsg")}
                )
            records, total = result.get("result") or [], int(result.get("totalCount") or 0)
            more = page * AFTERSALES_PAGE_SIZE < total
            following = {REFUND_APPLY_TOPIC: REFUND_APPLY_CHECKED + ":1"}.get(topic) or (
                SERVICE_ORDER_TOPIC + ":1" if self.connection.seller_id else ""
            )
            after = f"{topic}:{page + 1}" if more else following
            return Page(orders=records, raw="", next_token=after, total=total, meta={"topic": REFUND_APPLY_TOPIC})
        result = (
            self.call(
                "jingdong.asc.query.list",
                **self._operator(),
                updateTimeBegin=shanghai_text(start),
                updateTimeEnd=shanghai_text(end),
                pageNumber=page,
                pageSize=AFTERSALES_PAGE_SIZE,
            ).get("pageResult")
            or {}
        )
        _check_asc(result, "jingdong.asc.query.list")
        records, total = result.get("data") or [], int(result.get("totalCount") or 0)
        more = page * AFTERSALES_PAGE_SIZE < total
        return Page(
            orders=records, raw="", next_token=f"{topic}:{page + 1}" if more else "", total=total, meta={"topic": topic}
        )

    def refund_agree(self, decision: RefundDecision) -> dict[str, Any]:
        if decision.kind != "refund_only":
            raise RefundDecisionRefused(
                _(
                    "jd: the money of service order %(refund_id)s (a return) goes back when the service order is "
                    "processed in JD's after-sales back office; Order Hub does not send it."
                )
                % {"refund_id": decision.refund_id}
            )
        return self._reply_refund(decision, status=REPLY_AGREE, remark=decision.reason or "同意退款")

    def refund_refuse(self, decision: RefundDecision) -> dict[str, Any]:
        if decision.kind != "refund_only":
            return self._service_refuse(decision)
        return self._reply_refund(
            decision, status=REPLY_REFUSE, remark=decision.reason or "商家拒绝", rejectType=REJECT_OTHER
        )

    def _operator(self) -> dict[str, Any]:
        """Who acts in JD's after-sales service calls: ``buId`` (the seller, JD's venderId), ``operatePin`` and
        ``operateNick`` (the operator's account and name)."""
        if not self.connection.seller_id:
            raise RefundDecisionRefused(
                _(
                    "jd: the shop connection has no platform seller id (venderId, JD's buId), which JD's after-sales "
                    "service calls need; set it and replay."
                ),
                extra={"field": "seller_id"},
            )
        return {"buId": self.connection.seller_id, "operatePin": REVIEWER, "operateNick": REVIEWER}

    def return_agree(self, decision: RefundDecision) -> dict[str, Any]:
        """Agree a return: ``jingdong.asc.audit.send`` (审核为客户发货, https://open.jd.com/home/home#/doc/api?
        apiCateId=241&apiId=2085) with ``buId``, ``operatePin``, ``operateNick``, ``serviceId``, ``orderId``,
        ``approveNotes``, ``sysVersion``, ``approveReasonCid1``/``approveReasonCid2``, the return contact
        (``returnContactName``, ``returnContactTel``, ``returnContactMobile``, ``returnZipcode``), JD's area ids
        (``returnProvince``, ``returnCity``, ``returnCounty``, ``returnVillage``), ``returnDetailAddress``,
        ``returnAddressType`` and ``applyDetailIdList`` (the service order's application lines), as JD's SDK request
        ``AscAuditSend`` names them (the public PHP SDK's ``JD\\request\\AscAuditSend``; required except the
        mobile, the village and the second reason). The contact and address are the connection's **return address**
        (``ShopConnection.return_address``); the application lines and version come from ``jingdong.asc.query.view``
        (its ``ServiceBill.applyDetailList[].applyDetailId``, JD's Java SDK ``…ServiceQueryProvider.response.view``).
        Only a service order (a return) is agreed so: a refund application has no return."""
        if decision.kind == "refund_only":
            raise RefundDecisionRefused(
                _("jd: refund application %(refund_id)s is not a return; it is agreed as a refund.")
                % {"refund_id": decision.refund_id}
            )
        address = _return_address(decision.return_address or {})

        def params(bill: dict[str, Any]) -> dict[str, Any]:
            details = [
                detail.get("applyDetailIdLong") or detail.get("applyDetailId")
                for detail in bill.get("applyDetailList") or []
                if isinstance(detail, dict)
            ]
            details = [int(detail) for detail in details if detail not in (None, "")]
            if not details:
                raise RefundDecisionRefused(
                    _("jd: service order %(refund_id)s: jingdong.asc.query.view gave no applyDetailList to agree.")
                    % {"refund_id": decision.refund_id},
                    extra={"field": "applyDetailList"},
                )
            return {**address, "approveNotes": (decision.reason or "同意退货")[:200], "applyDetailIdList": details}

        return self._service_audit(decision, "jingdong.asc.audit.send", params)

    def _service_refuse(self, decision: RefundDecision) -> dict[str, Any]:
        """Refuse a service order: ``jingdong.asc.audit.refuse`` (审核拒绝) with ``approveNotes`` and
        ``operateRemark`` besides what every audit sends (``_service_audit``; parameters as in JD's SDK
        ``AscAuditRefuseRequest``)."""
        notes = {
            "approveNotes": (decision.reason or "商家审核不通过")[:200],
            "operateRemark": (decision.reason or "")[:200],
        }
        return self._service_audit(decision, "jingdong.asc.audit.refuse", lambda bill: notes)

    def _service_audit(
        self, decision: RefundDecision, method: str, params: Callable[[dict[str, Any]], dict[str, Any]]
    ) -> dict[str, Any]:
        """Audit a service order: ``jingdong.asc.query.view`` for its current ``sysVersion`` and question type,
        then ``method`` with ``buId``, ``operatePin``, ``operateNick``, ``serviceId``, ``orderId``, ``sysVersion``,
        ``approveReasonCid1``/``approveReasonCid2`` (the audit reason, from the service order's own question types,
        as JD's SDK fills the audit reason from ``questionTypeCid1``) and ``params(view's data)``. JD answers
        ``result`` ``{success, code, msg}``. A service order that is no longer waiting for the merchant's audit
        answers ``success: false``: the decision is refused for good and parks with JD's words."""
        operator = self._operator()
        try:
            ids = {"serviceId": int(decision.refund_id), "orderId": int(decision.order_external_id)}
            view = self.call("jingdong.asc.query.view", **operator, **ids).get("result") or {}
            _check_asc(view, "jingdong.asc.query.view")
            bill = view.get("data") or {}
            result = (
                self.call(
                    method,
                    **operator,
                    **ids,
                    sysVersion=bill.get("sysVersion"),
                    approveReasonCid1=bill.get("questionTypeCid1"),
                    approveReasonCid2=bill.get("questionTypeCid2"),
                    **params(bill),
                ).get("result")
                or {}
            )
            _check_asc(result, method)
        except (PlatformUnavailable, RateLimited, TokenExpired, RefundDecisionRefused):
            raise
        except ValueError:
            raise RefundDecisionRefused(
                _("jd: service order %(refund_id)s of order %(order)s: JD's ids are numbers.")
                % {"refund_id": decision.refund_id, "order": decision.order_external_id}
            ) from None
        except PlatformError as exc:
            raise RefundDecisionRefused(str(exc), extra=exc.extra) from exc
        return result

    def _reply_refund(self, decision: RefundDecision, *, status: int, remark: str, **extra: Any) -> dict[str, Any]:
        """``jingdong.pop.afs.soa.refundapply.replyRefund`` (商家审核退款单, https://open.jd.com/home/home#/doc/api?
        apiCateId=71&apiId=923): ``status``, ``id`` (the refund application's id), ``checkUserName``, ``remark``
        (and ``rejectType`` when refusing) → ``jingdong_pop_afs_soa_refundapply_replyRefund_responce.replyResult``
        with ``success``. JD's after-sales service orders (售后服务单, returns) are not answered here."""
        try:
            result = self.call(
                "jingdong.pop.afs.soa.refundapply.replyRefund",
                status=status,
                id=decision.refund_id,
                checkUserName=REVIEWER,
                remark=remark[:200],
                **extra,
            )
        except (PlatformUnavailable, RateLimited, TokenExpired):
            raise
        except PlatformError as exc:  # a business refusal of this refund application
            raise RefundDecisionRefused(str(exc), extra=exc.extra) from exc
        reply = result.get("replyResult") or {}
        if not reply.get("success"):
            raise RefundDecisionRefused(
                _("jd replyRefund for refund application %(refund_id)s was refused: %(reply)s")
                % {"refund_id": decision.refund_id, "reply": reply or result}
            )
        return result

    def token_refresh(self) -> TokenGrant:
        """``GET open-oauth.jd.com/oauth2/refresh_token?app_key&app_secret&grant_type=refresh_token&refresh_token``
        → ``{access_token, expires_in, refresh_token, scope, open_id, uid, time (ms), token_type, code: 0}``; a
        refusal is ``{code: ≠0, msg}``."""
        own = self.connection.base_url.rstrip("/")
        base = own if own and own != self.default_base_url else self.oauth_base_url
        response = self.send(
            "GET",
            "/oauth2/refresh_token",
            base=base,
            params={
                "app_key": self.connection.app_key,
                "app_secret": self.connection.app_secret,
                "grant_type": "refresh_token",
                "refresh_token": self.connection.refresh_token,
            },
        )
        data = json_loads(response.body, what="jd oauth2/refresh_token response")
        if not isinstance(data, dict) or str(data.get("code", 0)) != "0" or not data.get("access_token"):
            detail = data.get("msg") if isinstance(data, dict) else data
            code = data.get("code") if isinstance(data, dict) else None
            raise TokenRefreshFailed(
                _("jd oauth2/refresh_token: HTTP %(status)s %(code)s %(detail)s")
                % {"status": response.status, "code": code, "detail": detail}
            )
        issued = data.get("time")
        expires_at = None
        try:
            if issued and data.get("expires_in") is not None:
                expires_at = expiry(epoch_ms=int(issued) + int(data["expires_in"]) * 1000)
        except (TypeError, ValueError):
            expires_at = None
        return TokenGrant(
            access_token=str(data["access_token"]),
            refresh_token=str(data.get("refresh_token") or ""),
            expires_at=expires_at or expiry(seconds=data.get("expires_in")),
        )


# The connection's return address (``ShopConnection.return_address``) → jingdong.asc.audit.send's parameters:
# (key, JD's parameter, required, a number).
RETURN_ADDRESS = (
    ("name", "returnContactName", True, False),
    ("tel", "returnContactTel", True, False),
    ("mobile", "returnContactMobile", False, False),
    ("zipcode", "returnZipcode", True, False),
    ("province_code", "returnProvince", True, True),
    ("city_code", "returnCity", True, True),
    ("county_code", "returnCounty", True, True),
    ("village_code", "returnVillage", False, True),
    ("detail", "returnDetailAddress", True, False),
    ("address_type", "returnAddressType", True, True),
)


def _return_address(address: Mapping[str, Any]) -> dict[str, Any]:
    """The return contact and address as JD takes them; a missing or unreadable part is a final refusal naming
    the setting, so staff fill it in and replay."""
    params: dict[str, Any] = {}
    missing: list[str] = []
    for key, param, required, number in RETURN_ADDRESS:
        value = address.get(key) if isinstance(address, Mapping) else None
        text = "" if value is None else str(value).strip()
        if not text:
            if required:
                missing.append(key)
            continue
        if number and not text.isdigit():
            missing.append(key)
            continue
        params[param] = int(text) if number else text
    if missing:
        raise RefundDecisionRefused(
            _(
                "jd: the shop connection's return address is missing or cannot read %(keys)s (JD's return agreement "
                "names the return contact and JD's area ids as numbers); set it and replay."
            )
            % {"keys": ", ".join(f"return_address.{key}" for key in missing)},
            extra={"field": "return_address." + missing[0]},
        )
    return params


def _check_api_result(result: dict[str, Any]) -> None:
    api = result.get("apiResult") or {}
    if api and not api.get("success"):
        raise PlatformError(
            _("jd: %(code)s %(value)s")
            % {"code": api.get("code"), "value": api.get("chineseErrCode") or api.get("englishErrCode")}
        )


def _check_asc(result: dict[str, Any], method: str) -> None:
    """JD's after-sales service calls answer ``{success, code, msg, …}``; ``success: false`` is JD's refusal."""
    if result.get("success") is not True:
        raise PlatformError(
            _("jd %(method)s: %(code)s %(msg)s")
            % {"method": method, "code": result.get("code"), "msg": result.get("msg")},
            extra={"code": str(result.get("code") or "")},
        )


def _error(method: str, error: dict[str, Any]) -> PlatformError:
    code = str(error.get("code", ""))
    text = f"jd {method}: {code} {error.get('zh_desc') or ''} {error.get('en_desc') or ''}".strip()
    if code in TOKEN_CODES:
        return TokenExpired(text)
    if code in LIMIT_CODES or "limit" in str(error.get("en_desc", "")).lower():
        return RateLimited(text, retry_after=60.0)
    if code.startswith("5") or "system" in str(error.get("en_desc", "")).lower():
        return PlatformUnavailable(text)
    return PlatformError(text, extra={"code": code})
