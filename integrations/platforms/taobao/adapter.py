"""Taobao/Tmall adapter: TMC push (thin notices → fetch the trade), trade mapping, TOP client."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from aftersales.channel import RefundInput
from integrations.exceptions import PayloadInvalid
from integrations.mapping import convert, local_datetime
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
    push_content,
    push_messages_split,
    to_json,
)
from integrations.platforms.client import verify_top_push
from integrations.platforms.common import (
    discount_remainder,
    line_discounts_if_consistent,
    presale_attach,
    presale_from_step,
)
from integrations.platforms.taobao.client import TaobaoClient
from integrations.platforms.taobao.mapping import DEFAULTS, REFUND_PENDING, REFUND_TOPICS, STEP_STATES, TRADE_TOPICS
from orders.channel import ChannelOrder
from orders.shaping.presale import PresaleInput

ORDER_TOPIC = "taobao.order"


class TaobaoAdapter(Adapter):
    def verify(self, connection, request: PushRequest) -> None:
        verify_top_push(connection, request)

    def split(self, request: PushRequest) -> list[PushItem]:
        return push_messages_split(request, needs=("topic", "id"), item=_push_item)

    def interpret(self, topic: str, payload: Any) -> list[Action]:
        if topic == ORDER_TOPIC:
            return [OrderVersion(payload)]
        content = _content(payload, 0)
        tid = str(content.get("tid") or "")
        if topic in TRADE_TOPICS:
            if not tid:
                raise PayloadInvalid(
                    _("%(topic)s: content has no tid.") % {"topic": topic}, extra={"field": "content.tid"}
                )
            return [FetchOrder(tid)]
        if topic in REFUND_TOPICS:
            refund_id = str(content.get("refund_id") or "")
            if not (tid and refund_id):
                raise PayloadInvalid(
                    _("%(topic)s: content needs tid and refund_id.") % {"topic": topic}, extra={"field": "content"}
                )
            fee = convert(content.get("refund_fee", "0"), "yuan", field="content.refund_fee")
            modified = local_datetime(content.get("modified") or payload.get("pub_time") or "")
            status = REFUND_TOPICS[topic]
            refund = RefundInput(
                external_id=refund_id,
                amount=fee,
                status=status,
                reason=f"{topic} oid {content.get('oid', '')} {content.get('refund_phase', '')}".strip(),
                requested_at=modified,
                refunded_at=modified if status == "refunded" else None,
                # the sub-order the refund is about (oid, 子订单号 of Taobao's Refund; a one-line trade's oid is its
                # tid — TOP's Refund structure, as in bububa/opentaobao model/refund/Refund.go): its units do not ship
                line_ids=(str(content["oid"]),) if content.get("oid") not in (None, "") else (),
            )
            return [RefundEvent(external_id=tid, refund=refund)]
        return [Ignore(f"topic {topic} is not about orders")]

    def prepare(self, native: dict[str, Any]) -> dict[str, Any]:
        # outer_iid is the item's code (商家编码 of the item); it stands for the SKU only when the item has no
        # SKUs. A line that is a SKU (sku_id) without its own code would map to the wrong stock: refused.
        lines = (native.get("orders") or {}).get("order") if isinstance(native.get("orders"), dict) else None
        for index, line in enumerate(lines or []):
            if isinstance(line, dict) and line.get("sku_id") and not line.get("outer_sku_id"):
                raise PayloadInvalid(
                    _(
                        "lines[%(index)s].sku_code (orders.order[%(index)s].outer_sku_id): "
                        "line %(oid)s is SKU %(sku_id)s of item %(num_iid)s but has no SKU "
                        "code (商家编码); set it on the platform and replay."
                    )
                    % {
                        "index": index,
                        "oid": line.get("oid"),
                        "sku_id": line["sku_id"],
                        "num_iid": line.get("num_iid"),
                    },
                    extra={"field": f"lines[{index}].sku_code", "sku_id": str(line["sku_id"])},
                )
        return native

    def finish(self, native: dict[str, Any], values: dict[str, Any], read: PlatformOrder) -> PlatformOrder:
        order = read.order
        discount_remainder(order)
        line_discounts_if_consistent(order, [line.discount for line in order.data.lines])
        lines = (native.get("orders") or {}).get("order") or []
        read.refund_pending = any(line.get("refund_status") in REFUND_PENDING for line in lines)
        presale_attach(order, _step_presale(native, order))
        return read

    def client(self, connection) -> TaobaoClient:
        return TaobaoClient(connection)

    def ack(self) -> dict[str, Any]:
        return {"success": True}


def _step_presale(native: dict[str, Any], order: ChannelOrder) -> PresaleInput | None:
    """The presale terms of a step trade (STEP_STATES), or ``None`` for an ordinary trade."""
    state = native.get("step_trade_status")
    if not state:
        if native.get("type") == "step":
            raise PayloadInvalid(
                _("step_trade_status: missing on a step trade (type step); which stage it is in is unknown."),
                extra={"field": "step_trade_status"},
            )
        return None
    if state not in STEP_STATES:
        raise PayloadInvalid(
            _("step_trade_status: %(state)r is not a step trade status (%(join)s).")
            % {"state": state, "join": ", ".join(STEP_STATES)},
            extra={"field": "step_trade_status", "value": str(state)},
        )
    deposit_paid, balance_paid = STEP_STATES[state]
    return presale_from_step(
        order,
        state=state,
        deposit_paid=deposit_paid,
        balance_paid=balance_paid,
        deposit_known=deposit_paid and not balance_paid,
        deposit_value=native.get("step_paid_fee"),
        field="step_paid_fee",
        missing=f"missing on a {state} trade; the deposit paid is unknown.",
    )


def _push_item(message: dict[str, Any], index: int) -> PushItem:
    content = _content(message, index)
    return PushItem(
        topic=str(message["topic"]),
        event_id=str(message["id"]),
        external_id=str(content.get("tid", "")),
        body=to_json(message),
    )


def _content(message: dict[str, Any], index: int) -> dict[str, Any]:
    return push_content(message, "content", index=index)


adapter = TaobaoAdapter(
    platform="taobao",
    defaults=DEFAULTS,
    capabilities=frozenset(
        {
            "push",
            "poll",
            "ship",
            "ship_partial",
            "stock",
            "refund_agree",
            "return_agree",
            "refund_refuse",
            "refund_notice",
        }
    ),
)
