"""JD POP adapter: order messages (thin: orderId → fetch), order mapping, JOS client; refund applications and
after-sales service orders (``integrations.platforms.jd.aftersales``), polled or pushed as records."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.utils.translation import gettext as _

from integrations.address import district_known
from integrations.exceptions import PayloadInvalid
from integrations.mapping import yuan
from integrations.platforms.base import (
    Action,
    Adapter,
    FetchOrder,
    Ignore,
    OrderVersion,
    PlatformOrder,
    PushItem,
    PushRequest,
    push_messages_split,
    to_json,
)
from integrations.platforms.client import verify_top_push
from integrations.platforms.common import ZERO, discount_remainder, line_discounts_if_consistent
from integrations.platforms.jd.aftersales import (
    REFUND_APPLY_TOPIC,
    SERVICE_ORDER_TOPIC,
    refund_apply_event,
    service_order_event,
)
from integrations.platforms.jd.client import JDClient
from integrations.platforms.jd.mapping import DEFAULTS

ORDER_TOPIC = "jd.order"
# JD order messages (JMQ topics as relayed to us): each names the order; the order itself is fetched.
ORDER_MESSAGE_TOPICS = frozenset(
    {"jos_order_create", "jos_order_pay", "jos_order_change", "jos_order_cancel", "jos_order_address_change"}
)


class JDAdapter(Adapter):
    def verify(self, connection, request: PushRequest) -> None:
        verify_top_push(connection, request)

    def split(self, request: PushRequest) -> list[PushItem]:
        return push_messages_split(
            request,
            needs=("topic", "orderId"),
            item=lambda message, _index: PushItem(
                topic=str(message["topic"]),
                event_id=str(message.get("msgId") or ""),
                external_id=str(message["orderId"]),
                body=to_json(message),
            ),
        )

    def interpret(self, topic: str, payload: Any) -> list[Action]:
        if topic == ORDER_TOPIC:
            return [OrderVersion(payload)]
        if topic in ORDER_MESSAGE_TOPICS:
            return [FetchOrder(str(payload["orderId"]))]
        if topic == REFUND_APPLY_TOPIC:
            return [refund_apply_event(payload)]
        if topic == SERVICE_ORDER_TOPIC:
            return [service_order_event(payload)]
        return [Ignore(f"topic {topic} is not about orders")]

    def prepare(self, native: dict[str, Any]) -> dict[str, Any]:
        native = dict(native)
        if native.get("orderPayment") in (None, ""):
            raise PayloadInvalid(
                _("paid_amount (orderPayment): missing; the order cannot be read without it."),
                extra={"field": "paid_amount"},
            )
        try:
            paid = yuan(native["orderPayment"]) + yuan(native.get("balanceUsed") or "0")
        except (ValueError, ArithmeticError):
            raise PayloadInvalid(
                _("paid_amount (orderPayment): %(orderPayment)r is not an amount in yuan.")
                % {"orderPayment": native.get("orderPayment")},
                extra={"field": "paid_amount"},
            ) from None
        native["_oh_paid"] = str(paid)
        return native

    def finish(self, native: dict[str, Any], values: dict[str, Any], read: PlatformOrder) -> PlatformOrder:
        order = read.order
        discount_remainder(order)
        coupons: dict[str, Decimal] = {}
        for coupon in native.get("couponDetailList") or []:
            sku = str(coupon.get("skuId") or "")
            try:
                coupons[sku] = coupons.get(sku, ZERO) + yuan(coupon.get("couponPrice") or "0")
            except (ValueError, ArithmeticError):
                # A coupon we cannot read would make the line discounts wrong: reject, never guess.
                raise PayloadInvalid(
                    _("couponDetailList (skuId %(sku)s).couponPrice: %(couponPrice)r is not an amount in yuan.")
                    % {"sku": sku, "couponPrice": coupon.get("couponPrice")},
                    extra={"field": "couponDetailList.couponPrice", "sku": sku},
                ) from None
        per_line = [coupons.get(line.external_line_id, ZERO) for line in order.data.lines]
        line_discounts_if_consistent(order, per_line)
        # JD's own area level (三环到四环之间) is kept out of the district and off the front of the detail.
        county = ((native.get("consigneeInfo") or {}).get("county") or "").strip()
        data = order.data
        if county and not district_known(province=data.province, city=data.city, district=county):
            if data.district == county:
                data.district = ""
            if data.address.startswith(county):
                data.address = data.address[len(county) :].strip()
        return read

    def client(self, connection) -> JDClient:
        return JDClient(connection)

    def ack(self) -> dict[str, Any]:
        return {"code": "0", "success": True}


adapter = JDAdapter(
    platform="jd",
    defaults=DEFAULTS,
    capabilities=frozenset({"push", "poll", "ship", "stock", "refund_agree", "return_agree", "refund_refuse"}),
)
