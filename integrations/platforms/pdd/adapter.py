"""Pinduoduo adapter: order messages (thin: order_sn → fetch), order mapping with encrypted receivers."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.utils.translation import gettext as _

from aftersales.channel import RefundInput
from integrations.exceptions import PayloadInvalid
from integrations.mapping import convert
from integrations.platforms.base import (
    Action,
    Adapter,
    FetchOrder,
    Ignore,
    OrderVersion,
    PlatformOrder,
    PushItem,
    PushRequest,
    RefundEvent,
    json_loads,
    push_content,
    push_messages_split,
    to_json,
)
from integrations.platforms.client import verify_top_push
from integrations.platforms.common import discount_remainder, presale_attach, presale_from_step
from integrations.platforms.common import whole_or_none as _int_or_none
from integrations.platforms.pdd.client import PddClient
from integrations.platforms.pdd.mapping import DEFAULTS, REFUND_PENDING, REFUNDED, STEP_STATES
from orders.channel import ChannelOrder
from orders.shaping.presale import PresaleInput

ORDER_TOPIC = "pdd.order"
ORDER_MESSAGE_TOPICS = frozenset(
    {
        "pdd_trade_TradeConfirmed",
        "pdd_trade_TradeModified",
        "pdd_trade_TradeLogisticsAddressChanged",
        "pdd_refund_RefundCreated",
        "pdd_trade_TradeClosed",
    }
)


# After-sales messages (pdd_refund_*): content ``{"mall_id", "tid", "refund_id" (the after-sale id), "refund_fee"
# (fen), "bill_type", "operation", "modified" (ms)}``. The after-sale's status they stand for; the order is fetched
# as well, so its refund status (hold, refunded) follows as for any order message.
REFUND_MESSAGES = {"pdd_refund_RefundCreated": "requested", "pdd_refund_RefundClosed": "withdrawn"}
# bill_type: 1 仅退款, 2 退货退款, 3 换货, 4 补寄, 5 维修 (repair: no case kind of its own — a return of the goods).
BILL_TYPES = {1: "refund_only", 2: "return_refund", 3: "exchange", 4: "reship", 5: "return_refund"}
WITHOUT_MONEY = frozenset({"exchange", "reship"})


class PddAdapter(Adapter):
    def verify(self, connection, request: PushRequest) -> None:
        verify_top_push(connection, request, epoch_timestamp=True)

    def split(self, request: PushRequest) -> list[PushItem]:
        return push_messages_split(request, needs=("type", "content"), item=_push_item)

    def interpret(self, topic: str, payload: Any) -> list[Action]:
        if topic == ORDER_TOPIC:
            return [OrderVersion(payload)]
        if topic in ORDER_MESSAGE_TOPICS or topic in REFUND_MESSAGES:
            content = payload.get("content")
            if isinstance(content, str):
                content = json_loads(content, what="content")
            tid = str(content.get("tid") or content.get("order_sn"))
            if topic in REFUND_MESSAGES:
                return [FetchOrder(tid), _refund_event(topic, tid, content)]
            return [FetchOrder(tid)]
        return [Ignore(f"topic {topic} is not about orders")]

    def prepare(self, native: dict[str, Any]) -> dict[str, Any]:
        native = dict(native)
        status = native.get("order_status")
        if status in (None, ""):
            raise PayloadInvalid(_("status (order_status): missing."), extra={"field": "status"})
        refund = _int_or_none(native.get("refund_status"), "refund_status")
        native["_oh_status"] = "refunded" if refund == REFUNDED else str(status)
        return native

    def finish(self, native: dict[str, Any], values: dict[str, Any], read: PlatformOrder) -> PlatformOrder:
        order = read.order
        discount_remainder(order)
        read.refund_pending = _int_or_none(native.get("refund_status"), "refund_status") in REFUND_PENDING
        presale_attach(order, _step_presale(native, order))
        return read

    def client(self, connection) -> PddClient:
        return PddClient(connection)

    def ack(self) -> dict[str, Any]:
        return {"success": True, "error_code": 0}


def _refund_event(topic: str, tid: str, content: dict[str, Any]) -> RefundEvent:
    """An after-sales message as the case it opens or closes (idempotent by ``refund_id``, the after-sale id)."""
    refund_id = str(content.get("refund_id") or "").strip()
    if not refund_id:
        raise PayloadInvalid(
            _("%(topic)s: content has no refund_id.") % {"topic": topic}, extra={"field": "content.refund_id"}
        )
    bill_type = _int_or_none(content.get("bill_type"), "content.bill_type")
    kind = BILL_TYPES.get(bill_type or 1)
    if kind is None:
        raise PayloadInvalid(
            _("content.bill_type: %(value)r is not a PDD after-sale type (1-5).") % {"value": content.get("bill_type")},
            extra={"field": "content.bill_type"},
        )
    fee = content.get("refund_fee")
    amount = convert(0 if fee in (None, "") else fee, "fen", field="content.refund_fee")
    modified = _int_or_none(content.get("modified"), "content.modified")
    when = convert(modified // 1000, "epoch", field="content.modified") if modified else None
    return RefundEvent(
        external_id=tid,
        refund=RefundInput(
            external_id=refund_id,
            amount=Decimal("0.00") if kind in WITHOUT_MONEY else amount,
            status=REFUND_MESSAGES[topic],
            kind=kind,
            reason=f"{topic} bill_type {bill_type or ''} operation {content.get('operation') or ''}".strip(),
            requested_at=when,
        ),
    )


def _push_item(message: dict[str, Any], index: int) -> PushItem:
    content = push_content(message, "content", index=index)
    tid = str(content.get("tid") or content.get("order_sn") or "")
    if not tid:
        raise PayloadInvalid(
            _("body[%(index)s].content: no tid.") % {"index": index}, extra={"field": f"body[{index}].content.tid"}
        )
    return PushItem(
        topic=str(message["type"]), event_id=str(message.get("id") or ""), external_id=tid, body=to_json(message)
    )


adapter = PddAdapter(
    platform="pdd",
    defaults=DEFAULTS,
    capabilities=frozenset({"push", "poll", "ship", "stock", "encrypted_receiver", "refund_agree", "return_agree"}),
)


def _step_presale(native: dict[str, Any], order: ChannelOrder) -> PresaleInput | None:
    """The presale terms of a 定金订单 (step_order_info), or ``None`` for an ordinary order."""
    info = native.get("step_order_info")
    if not isinstance(info, dict) or not info:
        if _int_or_none(native.get("trade_type"), "trade_type") == 1:
            raise PayloadInvalid(
                _("step_order_info: a 定金订单 (trade_type 1) without its step_order_info."),
                extra={"field": "step_order_info"},
            )
        return None
    state = _int_or_none(info.get("step_trade_status"), "step_order_info.step_trade_status")
    if state not in STEP_STATES:
        raise PayloadInvalid(
            _("step_order_info.step_trade_status: %(step_trade_status)r is not 0, 1 or 2.")
            % {"step_trade_status": info.get("step_trade_status")},
            extra={"field": "step_order_info.step_trade_status"},
        )
    deposit_paid, balance_paid = STEP_STATES[state]
    return presale_from_step(
        order,
        state=state,
        deposit_paid=deposit_paid,
        balance_paid=balance_paid,
        deposit_known=deposit_paid,
        deposit_value=info.get("advanced_paid_fee"),
        field="step_order_info.advanced_paid_fee",
        missing="missing on a 定金订单 whose deposit is paid.",
    )
