"""Douyin shop adapter: message push (``event-sign`` header, array of tagged messages; order tags are
thin → fetch), order mapping (fen, epoch seconds, encrypted receivers)."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from aftersales.channel import RefundInput
from integrations.exceptions import PayloadInvalid, SignatureInvalid
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
    push_content,
    push_messages_split,
    to_json,
)
from integrations.platforms.client import push_secret
from integrations.platforms.common import discount_remainder, line_discounts_if_consistent, presale_attach
from integrations.platforms.douyin.client import DouyinClient
from integrations.platforms.douyin.mapping import DEFAULTS, ORDER_TAGS, PRESALE_TRADE_TYPE, REFUND_TAGS
from integrations.signing import douyin_push_sign, equal
from orders.channel import ChannelOrder
from orders.shaping.presale import PresaleInput

ORDER_TOPIC = "douyin.order"


class DouyinAdapter(Adapter):
    def verify(self, connection, request: PushRequest) -> None:
        secret = push_secret(connection)
        given = request.header("event-sign")
        if not secret:
            raise SignatureInvalid(_("the shop has no app/webhook secret configured, so no push can be verified."))
        if not given:
            raise SignatureInvalid(_("missing event-sign header."))
        app_id = request.header("app-id")
        if app_id and connection.app_key and app_id != connection.app_key:
            raise SignatureInvalid(_("app-id %(app_id)s is not this shop's app.") % {"app_id": app_id})
        method = request.header("sign-method") or "md5"
        expected = douyin_push_sign(app_key=connection.app_key, secret=secret, body=request.body, sign_method=method)
        if not equal(expected, given.lower()):
            raise SignatureInvalid(_("event-sign does not match."))

    def split(self, request: PushRequest) -> list[PushItem]:
        return push_messages_split(request, needs=("tag", "msg_id"), item=_push_item, array_only=True)

    def interpret(self, topic: str, payload: Any) -> list[Action]:
        if topic == ORDER_TOPIC:
            return [OrderVersion(payload)]
        tag = topic.removeprefix("douyin_")
        content = _data(payload, 0)
        order_id = str(content.get("p_id") or content.get("shop_order_id") or "")
        if tag in ORDER_TAGS:
            if not order_id:
                raise PayloadInvalid(_("tag %(tag)s: data has no p_id.") % {"tag": tag}, extra={"field": "data.p_id"})
            return [FetchOrder(order_id)]
        if tag in REFUND_TAGS:
            refund_id = str(content.get("aftersale_id") or "")
            if not (order_id and refund_id):
                raise PayloadInvalid(
                    _("tag %(tag)s: data needs p_id and aftersale_id.") % {"tag": tag}, extra={"field": "data"}
                )
            amount = convert(content.get("refund_amount", 0), "fen", field="data.refund_amount")
            when = convert(
                content.get("apply_time") or content.get("update_time") or 0, "epoch", field="data.apply_time"
            )
            status = REFUND_TAGS[tag]
            return [
                RefundEvent(
                    external_id=order_id,
                    refund=RefundInput(
                        external_id=refund_id,
                        amount=amount,
                        status=status,
                        reason=str(content.get("reason") or f"douyin after-sale {tag}"),
                        requested_at=when,
                        refunded_at=when if status == "refunded" else None,
                    ),
                )
            ]
        return [Ignore(f"tag {tag} is not about orders")]

    def prepare(self, native: dict[str, Any]) -> dict[str, Any]:
        native = dict(native)
        addr = native.get("mask_post_addr") or native.get("post_addr") or {}
        street = ((addr.get("street") or {}).get("name") or "") if isinstance(addr, dict) else ""
        detail = (addr.get("detail") or "") if isinstance(addr, dict) else ""
        native["_oh_detail"] = f"{street}{detail}".strip()
        shop = 0
        for key in ("shop_coupon_amount", "promotion_shop_amount"):
            try:
                shop += int(native.get(key) or 0)
            except (TypeError, ValueError):
                raise PayloadInvalid(
                    _("%(key)s: %(get)r is not an amount in fen.") % {"key": key, "get": native.get(key)},
                    extra={"field": key},
                ) from None
        native["_oh_shop_discount"] = shop
        return native

    def finish(self, native: dict[str, Any], values: dict[str, Any], read: PlatformOrder) -> PlatformOrder:
        order = read.order
        discount_remainder(order)
        line_discounts_if_consistent(order, [line.discount for line in order.data.lines])
        presale_attach(order, _phase_presale(native, order))
        return read

    def client(self, connection) -> DouyinClient:
        return DouyinClient(connection)

    def ack(self) -> dict[str, Any]:
        return {"code": 0, "msg": "success"}


def _phase_presale(native: dict[str, Any], order: ChannelOrder) -> PresaleInput | None:
    """The presale terms of a 定金预售 order (order_phase_list), or ``None`` for an ordinary order."""
    phases = native.get("order_phase_list") or []
    if not isinstance(phases, list) or not phases:
        if str(native.get("trade_type") or "") == PRESALE_TRADE_TYPE:
            raise PayloadInvalid(
                _("order_phase_list: missing on a 定金预售 order (trade_type 2); its deposit and balance are unknown."),
                extra={"field": "order_phase_list"},
            )
        return None
    for index, phase in enumerate(phases):
        if not isinstance(phase, dict):
            raise PayloadInvalid(
                _("order_phase_list[%(index)s]: expected an object.") % {"index": index},
                extra={"field": "order_phase_list"},
            )
        for key in ("current_phase", "pay_success"):
            if phase.get(key) in (None, ""):
                raise PayloadInvalid(
                    _("order_phase_list[%(index)s].%(key)s: missing; the phase cannot be placed.")
                    % {"index": index, "key": key},
                    extra={"field": f"order_phase_list[{index}].{key}"},
                )
    numbers = [
        convert(phase["current_phase"], "int", field=f"order_phase_list[{i}].current_phase")
        for i, phase in enumerate(phases)
    ]
    phases = [phase for _number, phase in sorted(zip(numbers, phases, strict=True), key=lambda pair: pair[0])]
    first, last = phases[0], phases[-1]
    if len(phases) < 2:
        raise PayloadInvalid(
            _("order_phase_list: a presale needs a deposit phase and a balance phase."),
            extra={"field": "order_phase_list"},
        )

    def _when(phase: dict[str, Any], key: str, index: int):
        value = phase.get(key)
        return convert(value, "epoch", field=f"order_phase_list[{index}].{key}") if value else None

    deposit_paid = convert(first["pay_success"], "bool", field="order_phase_list[].pay_success")
    balance_paid = convert(last["pay_success"], "bool", field="order_phase_list[].pay_success")
    amount_key = "phase_pay_amount" if deposit_paid and first.get("phase_pay_amount") else "phase_payable_price"
    if first.get(amount_key) in (None, ""):
        raise PayloadInvalid(
            _("order_phase_list[0].%(amount_key)s: the deposit phase has no amount.") % {"amount_key": amount_key},
            extra={"field": f"order_phase_list[0].{amount_key}"},
        )
    deposit = convert(first[amount_key], "fen", field=f"order_phase_list[0].{amount_key}")
    return PresaleInput(
        deposit=deposit,
        balance=order.data.paid_amount - deposit,
        deposit_paid=deposit_paid,
        balance_paid=balance_paid,
        balance_due_at=_when(last, "phase_close_time", len(phases) - 1),
        deposit_paid_at=_when(first, "phase_pay_time", 0) if deposit_paid else None,
        balance_paid_at=_when(last, "phase_pay_time", len(phases) - 1) if balance_paid else None,
        # Never empty: it marks the terms as the platform's (the platform enforces its own deadline).
        platform_state=str(last.get("current_phase_status_desc") or f"phase {len(phases)}/{len(phases)}")[:40],
    )


def _push_item(message: dict[str, Any], index: int) -> PushItem:
    content = _data(message, index)
    return PushItem(
        topic=f"douyin_{message['tag']}",
        event_id=str(message["msg_id"]),
        external_id=str(content.get("p_id") or content.get("shop_order_id") or ""),
        body=to_json(message),
    )


def _data(message: dict[str, Any], index: int) -> dict[str, Any]:
    return push_content(message, "data", index=index)


adapter = DouyinAdapter(
    platform="douyin",
    defaults=DEFAULTS,
    capabilities=frozenset(
        {
            "push",
            "poll",
            "ship",
            "ship_partial",
            "stock",
            "encrypted_receiver",
            "refund_agree",
            "return_agree",
            "refund_refuse",
            "refund_notice",
        }
    ),
)
