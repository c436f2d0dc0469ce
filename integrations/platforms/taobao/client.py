"""Taobao TOP API client (``/router/rest``), every call signed with the app secret (md5 by default)."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

from integrations.exceptions import (
    PlatformError,
    PlatformUnavailable,
    RateLimited,
    RefundDecisionRefused,
    RefundProofMissing,
    RefundStateChanged,
    TokenExpired,
)
from integrations.mapping import yuan
from integrations.platforms.base import json_loads
from integrations.platforms.client import Page, PlatformClient, RefundDecision, TokenGrant, shanghai_text

TRADE_FIELDS = (
    "tid,tid_str,type,status,seller_nick,buyer_nick,buyer_open_uid,created,pay_time,modified,total_fee,post_fee,"
    "discount_fee,adjust_fee,payment,coupon_fee,buyer_message,seller_memo,receiver_name,receiver_mobile,"
    "receiver_phone,receiver_state,receiver_city,receiver_district,receiver_town,receiver_address,receiver_zip,"
    "oaid,pay_channel,orders,promotion_details"
)
# taobao.refund.get: the refund's status (Refund.status: WAIT_SELLER_AGREE, WAIT_BUYER_RETURN_GOODS,
# WAIT_SELLER_CONFIRM_GOODS, SELLER_REFUSE_BUYER, CLOSED, SUCCESS), its phase (onsale / aftersale) and version (a
# timestamp): the agree and refuse calls name the version they answer, so a refund changed meanwhile is refused.
REFUND_FIELDS = "refund_id,tid,oid,status,refund_fee,refund_phase,refund_version,has_good_return,modified"
# Statuses after which no merchant decision is taken any more: refunded (True) or not.
REFUND_SETTLED = {"SUCCESS": True, "CLOSED": False, "SELLER_REFUSE_BUYER": False}
TOKEN_SUB_CODES = {"invalid-sessionkey", "isv.invalid-sessionkey", "isv.session-expired", "session-expired"}
# taobao.refund.refuse's refuse_proof: at most 130000 bytes (the SDK's parameter description).
REFUSE_PROOF_MAX_BYTES = 130_000
# taobao.rp.returngoods.refuse's refuse_proof: an image of at most 5 MB.
RETURN_PROOF_MAX_BYTES = 5 * 1024 * 1024
# The refund's status once the buyer's goods are back with the seller: refusing then refuses the goods.
GOODS_BACK = "WAIT_SELLER_CONFIRM_GOODS"
_BAN_SECONDS = re.compile(r"(\d+)\s*(?:more\s*)?seconds?")


class TaobaoClient(PlatformClient):
    platform = "taobao"
    default_base_url = "https://eco.taobao.com"
    page_size = 100

    def call(
        self,
        method: str,
        *,
        _session: bool = True,
        _files: dict[str, tuple[str, bytes, str]] | None = None,
        **params: Any,
    ) -> dict[str, Any]:
        """One signed TOP call; ``_files`` (field → (name, content, content type)) go as a multipart body, outside the
        signature, as TOP takes uploads (the SDK's ``FileItem``)."""
        common = {
            "method": method,
            "app_key": self.connection.app_key,
            "session": self.connection.access_token if _session else None,
            "timestamp": shanghai_text(timezone.now()),
            "format": "json",
            "v": "2.0",
            "sign_method": "md5",
            "simplify": "false",
        }
        common.update({k: str(v) for k, v in params.items() if v is not None})
        data = self.router_call(
            "/router/rest",
            common,
            what=f"taobao {method} response",
            error=lambda e: _error(method, e),
            files=_files,
        )
        key = method.replace("taobao.", "", 1).replace(".", "_") + "_response"
        if key not in data:
            raise PlatformError(_("taobao %(method)s: answer has no %(key)s.") % {"method": method, "key": key})
        return data[key]

    def orders_page(self, *, start: dt.datetime, end: dt.datetime, token: str = "") -> Page:
        page_no = int(token or 1)
        result = self.call(
            "taobao.trades.sold.increment.get",
            fields=TRADE_FIELDS,
            start_modified=shanghai_text(start),
            end_modified=shanghai_text(end),
            page_no=page_no,
            page_size=self.page_size,
            use_has_next="true",
        )
        trades = (result.get("trades") or {}).get("trade") or []
        return Page(
            orders=trades,
            raw="",
            next_token=str(page_no + 1) if result.get("has_next") else "",
            total=result.get("total_results"),
        )

    def order_get(self, external_id: str) -> dict[str, Any]:
        result = self.call("taobao.trade.fullinfo.get", fields=TRADE_FIELDS, tid=external_id)
        return result["trade"]

    def order_count(self, *, start: dt.datetime, end: dt.datetime) -> int:
        result = self.call(
            "taobao.trades.sold.get",
            fields="tid",
            start_created=shanghai_text(start),
            end_created=shanghai_text(end),
            page_size=1,
        )
        return int(result.get("total_results") or 0)

    def ship_confirm(
        self, *, external_id: str, carrier_code: str, tracking_number: str, lines: Sequence[tuple[str, int]] = ()
    ) -> dict[str, Any]:
        """``taobao.logistics.offline.send``; part of a trade: ``is_split`` 1 and ``sub_tid`` = the sub-order ids
        (oid), comma-separated (open.taobao.com API 10690). Taobao ships sub-orders whole: no quantities."""
        split = {"is_split": 1, "sub_tid": ",".join(line_id for line_id, _quantity in lines)} if lines else {}
        result = self.call(
            "taobao.logistics.offline.send",
            tid=external_id,
            out_sid=tracking_number,
            company_code=carrier_code,
            **split,
        )
        if not (result.get("shipping") or {}).get("is_success"):
            raise PlatformError(
                _("taobao logistics.offline.send for %(external_id)s was not accepted: %(result)s")
                % {"external_id": external_id, "result": result}
            )
        return result

    def stock_update(self, *, sku_code: str, quantity: int) -> dict[str, Any]:
        return self.call("taobao.item.quantity.update", outer_id=sku_code, quantity=quantity, type=1)

    # --- refunds (退款) -------------------------------------------------------------------------------------------

    def refund_get(self, refund_id: str) -> dict[str, Any]:
        """``taobao.refund.get`` → ``{"refund": {refund_id, status, refund_fee, refund_phase, refund_version…}}``."""
        return self.call("taobao.refund.get", refund_id=refund_id, fields=REFUND_FIELDS).get("refund") or {}

    def _refund_call(self, method: str, **params: Any) -> dict[str, Any]:
        """A refund decision call: a business refusal (``isv.*``: the refund cannot take this decision now) is
        final — retrying cannot change it; the platform's own failures are retried as usual."""
        try:
            return self.call(method, **params)
        except (PlatformUnavailable, RateLimited, TokenExpired):
            raise
        except PlatformError as exc:
            if str((exc.extra or {}).get("sub_code", "")).startswith("isv."):
                raise RefundDecisionRefused(str(exc), extra=exc.extra) from exc
            raise

    def _refund_waiting(self, refund_id: str, waiting: set[str]) -> dict[str, Any]:
        """The refund as it is now, if it still waits for the merchant (``waiting``); else ``RefundStateChanged``."""
        refund = self.refund_get(refund_id)
        status = str(refund.get("status") or "")
        if status not in waiting:
            raise RefundStateChanged(
                _("taobao refund %(refund_id)s is %(status)s already.") % {"refund_id": refund_id, "status": status},
                platform_status=status,
                refunded=REFUND_SETTLED.get(status, False),
            )
        return refund

    def refund_agree(self, decision: RefundDecision) -> dict[str, Any]:
        """``taobao.rp.refunds.agree`` (https://open.taobao.com/api.htm?docId=21611&docType=2): ``refund_infos`` =
        ``refund_id|amount in fen|version|phase`` (phase required by Tmall), the amount the refund asks for. The
        answer: ``succ``, ``msg_code`` (OP_SUCC, SOME_OP_SUCC, OP_FAILURE_UE), ``message`` and per refund
        ``results.refund_mapping_result`` [{refund_id, succ, message}]. A large amount is refused until the SMS
        code sent to the seller is given (``code``): that is for the back office, so it parks."""
        refund = self._refund_waiting(
            decision.refund_id, {"WAIT_SELLER_AGREE", "WAIT_BUYER_RETURN_GOODS", "WAIT_SELLER_CONFIRM_GOODS"}
        )
        asked = refund.get("refund_fee")
        amount = yuan(asked) if asked not in (None, "") else decision.amount
        info = "|".join(
            [
                decision.refund_id,
                str(int((amount * 100).to_integral_value())),
                str(refund.get("refund_version") or ""),
                str(refund.get("refund_phase") or ""),
            ]
        )
        result = self._refund_call("taobao.rp.refunds.agree", refund_infos=info)
        mapped = (result.get("results") or {}).get("refund_mapping_result") or []
        ours = next((r for r in mapped if str(r.get("refund_id")) == decision.refund_id), {})
        if not (result.get("succ") or ours.get("succ")):
            raise RefundDecisionRefused(
                _("taobao rp.refunds.agree for refund %(refund_id)s was refused: %(msg_code)s %(message)s")
                % {
                    "refund_id": decision.refund_id,
                    "msg_code": result.get("msg_code") or "",
                    "message": ours.get("message") or result.get("message") or "",
                },
                extra={"msg_code": str(result.get("msg_code") or "")},
            )
        return result

    def return_agree(self, decision: RefundDecision) -> dict[str, Any]:
        """``taobao.rp.returngoods.agree`` (https://open.taobao.com/api.htm?docId=22466&docType=2): ``refund_id``,
        ``seller_address_id`` (the shop's return address, required on Taobao and Tmall), ``refund_phase`` and
        ``refund_version`` and ``remark`` (required by Tmall) → ``{"is_success": true}``."""
        if not decision.return_address_id:
            raise RefundDecisionRefused(
                _("taobao: the shop connection has no return address id (seller_address_id); set it and replay."),
                extra={"field": "return_address_id"},
            )
        refund = self._refund_waiting(decision.refund_id, {"WAIT_SELLER_AGREE"})
        result = self._refund_call(
            "taobao.rp.returngoods.agree",
            refund_id=decision.refund_id,
            seller_address_id=decision.return_address_id,
            refund_phase=refund.get("refund_phase"),
            refund_version=refund.get("refund_version"),
            remark=decision.reason or "同意退货",
        )
        if not result.get("is_success"):
            raise RefundDecisionRefused(
                _("taobao rp.returngoods.agree for refund %(refund_id)s was not accepted: %(result)s")
                % {"refund_id": decision.refund_id, "result": result}
            )
        return result

    def refund_refuse(self, decision: RefundDecision) -> dict[str, Any]:
        """``taobao.refund.refuse`` (https://open.taobao.com/api.htm?docId=10480&docType=2): ``refund_id``,
        ``refuse_message`` (2–200 characters), ``refund_phase``, ``refund_version`` and ``refuse_proof``, the proof
        image (the SDK's ``RefundRefuseRequest``: a ``FileItem`` uploaded as multipart; "拒绝退款时的退款凭证，一般是
        卖家拒绝退款时使用的发货凭证，最大长度130000字节，支持的图片格式：GIF, JPG, PNG") → ``{"is_success",
        "refund"}``. Tmall takes no refusal without the proof: a Tmall case without an image that fits parks with
        ``RefundProofMissing`` before anything is sent, and is sent again when an image is attached to the case."""
        refund = self._refund_waiting(decision.refund_id, {"WAIT_SELLER_AGREE", GOODS_BACK})
        if refund.get("status") == GOODS_BACK:
            return self._returngoods_refuse(decision, refund)
        proof = decision.proof
        if proof is not None and len(proof.content) > REFUSE_PROOF_MAX_BYTES:
            proof = None  # Taobao would refuse the call: Taobao sends none, Tmall parks for a smaller one
        if self._tmall() and proof is None:
            raise RefundProofMissing(
                _(
                    "tmall refund.refuse for refund %(refund_id)s needs a proof image (refuse_proof: GIF, JPG or PNG, "
                    "at most %(max)s bytes); attach one to the case's evidence and the refusal is sent again."
                )
                % {"refund_id": decision.refund_id, "max": REFUSE_PROOF_MAX_BYTES},
                extra={"field": "refuse_proof"},
            )
        message = (decision.reason or "")[:200]
        result = self._refund_call(
            "taobao.refund.refuse",
            refund_id=decision.refund_id,
            refuse_message=message if len(message) >= 2 else "商家拒绝",
            refund_phase=refund.get("refund_phase"),
            refund_version=refund.get("refund_version"),
            _files={"refuse_proof": (proof.name, proof.content, proof.content_type)} if proof else None,
        )
        if not result.get("is_success"):
            raise RefundDecisionRefused(
                _("taobao refund.refuse for refund %(refund_id)s was not accepted: %(result)s")
                % {"refund_id": decision.refund_id, "result": result}
            )
        return result

    def _returngoods_refuse(self, decision: RefundDecision, refund: dict[str, Any]) -> dict[str, Any]:
        """The goods came back (``WAIT_SELLER_CONFIRM_GOODS``) and staff refuse the refund — the warehouse found the
        wrong item or an empty box: ``taobao.rp.returngoods.refuse`` (卖家拒绝退货, "目前仅支持天猫退货") with
        ``refund_id``, ``refund_phase``, ``refund_version`` and ``refuse_proof`` (required: "拒绝退货凭证图片，必须图片
        格式，大小不能超过5M", a ``FileItem`` as multipart) → ``{"result": true}`` (the SDK's
        ``RpReturngoodsRefuseRequest``). The proof is the case's newest evidence image: the warehouse's inspection
        photos, or one customer service attaches (which sends the parked refusal again)."""
        if not self._tmall():
            raise RefundDecisionRefused(
                _(
                    "taobao: refund %(refund_id)s is waiting for the seller to confirm the returned goods; refusing "
                    "them through the API (rp.returngoods.refuse) is for Tmall only: refuse it in the 千牛 back office."
                )
                % {"refund_id": decision.refund_id}
            )
        proof = decision.proof
        if proof is None or len(proof.content) > RETURN_PROOF_MAX_BYTES:
            raise RefundProofMissing(
                _(
                    "tmall rp.returngoods.refuse for refund %(refund_id)s needs a proof image of the goods that came "
                    "back (refuse_proof, at most 5 MB): the warehouse's inspection photos or an image attached to the "
                    "case's evidence; attaching one sends the refusal again."
                )
                % {"refund_id": decision.refund_id},
                extra={"field": "refuse_proof"},
            )
        result = self._refund_call(
            "taobao.rp.returngoods.refuse",
            refund_id=decision.refund_id,
            refund_phase=refund.get("refund_phase"),
            refund_version=refund.get("refund_version"),
            _files={"refuse_proof": (proof.name, proof.content, proof.content_type)},
        )
        if not result.get("result"):
            raise RefundDecisionRefused(
                _("tmall rp.returngoods.refuse for refund %(refund_id)s was not accepted: %(result)s")
                % {"refund_id": decision.refund_id, "result": result}
            )
        return result

    def _tmall(self) -> bool:
        return self.connection.shop.platform == "tmall"

    def token_refresh(self) -> TokenGrant:
        """``taobao.top.auth.token.refresh``: signed with the app secret, no session. The answer's
        ``token_result`` is a JSON string: access_token, refresh_token, expires_in / expire_time (ms),
        re_expires_in / refresh_token_valid_time (ms), taobao_user_id…"""
        result = self.call("taobao.top.auth.token.refresh", _session=False, refresh_token=self.connection.refresh_token)
        raw = result.get("token_result")
        token = json_loads(raw, what="taobao token_result") if isinstance(raw, str) else raw
        return TokenGrant.read(
            token,
            what="taobao top.auth.token.refresh",
            expires={"seconds": "expires_in", "epoch_ms": "expire_time"},
            refresh_expires={"seconds": "re_expires_in", "epoch_ms": "refresh_token_valid_time"},
        )


def _error(method: str, error: dict[str, Any]) -> PlatformError:
    code = str(error.get("code", ""))
    sub_code = str(error.get("sub_code", ""))
    text = f"taobao {method}: {code} {error.get('msg', '')} {sub_code} {error.get('sub_msg', '')}".strip()
    if code in ("26", "27") or sub_code in TOKEN_SUB_CODES:
        return TokenExpired(text)
    if code == "7" or sub_code.startswith("accesscontrol.limited"):
        seconds = _BAN_SECONDS.search(str(error.get("sub_msg", "")) + str(error.get("msg", "")))
        return RateLimited(text, retry_after=float(seconds.group(1)) if seconds else 60.0)
    # 15 "Remote service error" carries both: isp.* (the platform failed: retry) and isv.* (the request was
    # refused for a business reason, e.g. an e-waybill subscription missing: retrying cannot help).
    if sub_code.startswith("isp.") or (code in ("15", "520") and not sub_code.startswith("isv.")):
        return PlatformUnavailable(text)
    return PlatformError(text, extra={"code": code, "sub_code": sub_code})
