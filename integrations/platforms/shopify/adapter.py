"""Shopify adapter: webhooks signed with base64 HMAC-SHA256 of the raw body (X-Shopify-Hmac-Sha256, keyed by
the shop's webhook secret, compared in constant time); the order JSON mapped by the dictionary."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.utils.translation import gettext as _

from aftersales.channel import RefundInput
from integrations.exceptions import PayloadInvalid, SignatureInvalid
from integrations.mapping import convert, extract, spec_parse
from integrations.platforms.base import (
    Action,
    Adapter,
    Ignore,
    OrderVersion,
    PlatformOrder,
    PushItem,
    PushRequest,
    RefundEvent,
    body_hash,
    json_loads,
)
from integrations.platforms.common import ZERO, line_discounts_if_consistent, presale_attach, whole_or_none
from integrations.platforms.shopify.client import ShopifyClient
from integrations.platforms.shopify.mapping import (
    DEFAULTS,
    DISCOUNTS,
    ORDER_TOPICS,
    SHIPPING_DISCOUNTS,
    SHIPPING_GROSS,
)
from integrations.signing import equal, shopify_hmac
from orders.channel import ChannelOrder
from orders.shaping.presale import PresaleInput

ORDER_TOPIC = "shopify.order"


class ShopifyAdapter(Adapter):
    def verify(self, connection, request: PushRequest) -> None:
        given = request.header("x-shopify-hmac-sha256")
        if not connection.webhook_secret:
            raise SignatureInvalid(_("the shop has no webhook secret configured, so no webhook can be verified."))
        if not given:
            raise SignatureInvalid(_("missing X-Shopify-Hmac-Sha256 header."))
        if not equal(shopify_hmac(request.body, connection.webhook_secret), given.strip()):
            raise SignatureInvalid(_("X-Shopify-Hmac-Sha256 does not match the body."))

    def split(self, request: PushRequest) -> list[PushItem]:
        topic = request.header("x-shopify-topic")
        if not topic:
            raise PayloadInvalid(_("missing X-Shopify-Topic header."), extra={"field": "X-Shopify-Topic"})
        data = json_loads(request.body, what="body")
        if not isinstance(data, dict):
            raise PayloadInvalid(_("body: expected a JSON object."), extra={"field": "body"})
        external_id = str((data.get("order_id") if topic.startswith("refunds/") else data.get("id")) or "")
        return [
            PushItem(
                topic=topic,
                event_id=request.header("x-shopify-webhook-id")
                or request.header("x-shopify-event-id")
                or body_hash(request.body),
                external_id=external_id,
                body=request.body.decode(),
            )
        ]

    def interpret(self, topic: str, payload: Any) -> list[Action]:
        if topic == ORDER_TOPIC or topic in ORDER_TOPICS:
            return [OrderVersion(payload)]
        if topic == "refunds/create":
            # The body is a Refund resource, not an Order (https://shopify.dev/docs/api/webhooks/latest, topic
            # refunds/create): its order_id (a number, or a string) names the order the refund is recorded on.
            order_id = str(payload.get("order_id") or "").strip() if isinstance(payload, dict) else ""
            if not order_id:
                raise PayloadInvalid(
                    _("order_id: missing; a refund is recorded on its order."), extra={"field": "order_id"}
                )
            return [RefundEvent(external_id=order_id, refund=_refund(payload, 0))]
        return [Ignore(f"topic {topic} is not about orders")]

    def prepare(self, native: dict[str, Any]) -> dict[str, Any]:
        native = dict(native)
        if native.get("cancelled_at"):
            status = "cancelled"
        elif native.get("fulfillment_status") == "fulfilled":
            status = "fulfilled"
        elif native.get("financial_status"):
            status = native["financial_status"]
        else:
            raise PayloadInvalid(_("status (financial_status): missing."), extra={"field": "status"})
        native["_oh_status"] = status
        customer = native.get("customer") or {}
        name = " ".join(p for p in (customer.get("first_name"), customer.get("last_name")) if p)
        native["_oh_buyer"] = name or native.get("email") or customer.get("email") or ""
        ship = native.get("shipping_address") or {}
        native["_oh_address"] = " ".join(p for p in (ship.get("address1"), ship.get("address2")) if p)
        if not native.get("taxes_included") and convert(native.get("total_tax") or "0", "yuan", field="total_tax") > 0:
            raise PayloadInvalid(
                _(
                    "total_tax: %(total_tax)s is charged on top of the prices "
                    "(taxes_included false); Order Hub orders carry tax-inclusive prices "
                    "only."
                )
                % {"total_tax": native.get("total_tax")},
                extra={"field": "total_tax", "value": str(native.get("total_tax"))},
            )
        tip = convert(native.get("total_tip_received") or "0", "yuan", field="total_tip_received")
        if tip > 0:
            # total_price includes tips ("…shipping, taxes, and tips"); an order has no place for one.
            raise PayloadInvalid(
                _(
                    "total_tip_received: a tip of %(tip)s is part of total_price; Order "
                    "Hub orders carry goods, discounts and shipping only, so the paid "
                    "amount would be misstated."
                )
                % {"tip": tip},
                extra={"field": "total_tip_received", "value": str(tip)},
            )
        native["_oh_shipping"], native["_oh_discount"] = (str(amount) for amount in _shipping_and_discounts(native))
        return native

    def finish(self, native: dict[str, Any], values: dict[str, Any], read: PlatformOrder) -> PlatformOrder:
        order = read.order
        # Payloads without discount_allocations (older versions, some apps) leave the split unknown.
        line_discounts_if_consistent(order, [line.discount for line in order.data.lines])
        presale_attach(order, _deposit_presale(native, order))
        refunds = [_refund(refund, index) for index, refund in enumerate(native.get("refunds") or [])]
        read.refunds = [r for r in refunds if r.amount > 0]
        return read

    def client(self, connection) -> ShopifyClient:
        return ShopifyClient(connection)

    def ack(self) -> dict[str, Any]:
        return {"ok": True}


def _shipping_and_discounts(native: dict[str, Any]) -> tuple[Decimal, Decimal]:
    """(shipping the buyer paid for, discounts on the goods) from Shopify's totals.

    Shopify counts a shipping discount (a free-shipping code) in total_discounts and allocates it to the
    shipping line; Order Hub's order discount is what the lines carry, and its shipping is net of the shipping
    discount. Which reading applies is decided by Shopify's own identity total_price = total_line_items_price
    − total_discounts + shipping before discounts (taxes included); an order that fits neither reading fails
    in the order's amount check with the numbers."""
    shipping_lines = native.get("shipping_lines")
    if shipping_lines is None:
        # Every order has the list (empty when nothing ships); without it shipping discounts are unknown.
        raise PayloadInvalid(_("shipping_lines: missing."), extra={"field": "shipping_lines"})
    gross = extract(native, spec_parse(SHIPPING_GROSS), field="shipping_fee") or ZERO
    if not isinstance(shipping_lines, list):
        raise PayloadInvalid(_("shipping_lines: expected a list."), extra={"field": "shipping_lines"})
    shipping_discount = ZERO
    for index, line in enumerate(shipping_lines):
        where = f"shipping_lines[{index}]"
        if not isinstance(line, dict):
            raise PayloadInvalid(_("%(where)s: expected an object.") % {"where": where}, extra={"field": where})
        allocated = extract(line, spec_parse(SHIPPING_DISCOUNTS), field=f"{where}.discount_allocations")
        if allocated is None and line.get("discounted_price") not in (None, "") and line.get("price") not in (None, ""):
            price = convert(line["price"], "yuan", field=f"{where}.price")
            allocated = price - convert(line["discounted_price"], "yuan", field=f"{where}.discounted_price")
        shipping_discount += allocated or ZERO
    discounts = extract(native, spec_parse(DISCOUNTS), field="discount_merchant")
    if discounts is None:
        raise PayloadInvalid(
            _("discount_merchant (%(DISCOUNTS)s): missing.") % {"DISCOUNTS": DISCOUNTS},
            extra={"field": "total_discounts"},
        )
    if shipping_discount:
        for key in ("total_line_items_price", "total_price"):
            if native.get(key) in (None, ""):
                raise PayloadInvalid(
                    _("%(key)s: missing; the shipping discount cannot be told from the goods discount without it.")
                    % {"key": key},
                    extra={"field": key},
                )
        goods = convert(native["total_line_items_price"], "yuan", field="goods_amount")
        paid = convert(native["total_price"], "yuan", field="paid_amount")
        if goods - discounts + gross == paid:
            discounts -= shipping_discount
    return gross - shipping_discount, discounts


def _deposit_presale(native: dict[str, Any], order: ChannelOrder) -> PresaleInput | None:
    """A deposit order — partially paid with a balance outstanding (payment terms give the deadline), or one
    with payment terms now fully paid — else ``None``. Ordinary orders carry total_outstanding 0.00 and no
    payment terms."""
    status = native.get("financial_status")
    if status not in ("partially_paid", "paid", "partially_refunded"):
        return None  # nothing paid yet: an ordinary unpaid order
    terms = native.get("payment_terms") if isinstance(native.get("payment_terms"), dict) else None
    if native.get("total_outstanding") in (None, ""):
        if status == "partially_paid" and terms is not None:
            raise PayloadInvalid(
                _("total_outstanding: missing on a partially paid order with payment terms; the balance is unknown."),
                extra={"field": "total_outstanding"},
            )
        return None
    outstanding = convert(native["total_outstanding"], "yuan", field="total_outstanding")
    owed = status == "partially_paid" and outstanding > 0
    settled = outstanding == 0 and terms is not None
    if not (owed or settled):
        return None
    due = None
    for index, schedule in enumerate((terms or {}).get("payment_schedules") or []):
        if isinstance(schedule, dict) and not schedule.get("completed_at") and schedule.get("due_at"):
            due = convert(schedule["due_at"], "iso", field=f"payment_terms.payment_schedules[{index}].due_at")
            break
    return PresaleInput(
        deposit=order.data.paid_amount - outstanding if owed else None,
        balance=outstanding if owed else None,
        deposit_paid=True,
        balance_paid=settled,
        balance_due_at=due,
        deposit_paid_at=order.data.paid_at,
        platform_state=str(status),
    )


def _refund(refund: dict[str, Any], index: int) -> RefundInput:
    """One refund of Shopify's Refund resource (REST Admin API, https://shopify.dev/docs/api/admin-rest/latest/
    resources/refund; the ``refunds/create`` webhook's body and each item of an order's ``refunds``). Its amount is
    the platform's total, what went back: the successful ``refund`` transactions. Apart from it, what Shopify says
    of the parts: the named lines' units and subtotals, and the shipping refunded."""
    if not isinstance(refund, dict) or not refund.get("id"):
        raise PayloadInvalid(
            _("refunds[%(index)s]: needs an id.") % {"index": index}, extra={"field": f"refunds[{index}]"}
        )
    amount: Decimal = ZERO
    for position, transaction in enumerate(refund.get("transactions") or []):
        if not isinstance(transaction, dict):
            raise PayloadInvalid(
                _("refunds[%(index)s].transactions[%(position)s]: a transaction must be an object.")
                % {"index": index, "position": position},
                extra={"field": f"refunds[{index}].transactions[{position}]"},
            )
        # Shopify sends a status (pending, failure, success, error); one absent or null counts as success.
        if transaction.get("kind") == "refund" and (transaction.get("status") or "success") == "success":
            amount += convert(transaction.get("amount", "0"), "yuan", field=f"refunds[{index}].transactions.amount")
    when = (
        convert(refund["created_at"], "iso", field=f"refunds[{index}].created_at") if refund.get("created_at") else None
    )
    line_ids, quantities, amounts = _refund_lines(refund, index)
    return RefundInput(
        external_id=str(refund["id"]),
        amount=amount,
        status="refunded",
        reason=(refund.get("note") or "shopify refund")[:255],
        requested_at=when,
        refunded_at=when,
        line_ids=line_ids,
        line_quantities=quantities,
        line_amounts=amounts,
        shipping=_refund_shipping(refund, index),
    )


def _shop_money(item: dict[str, Any], money_set: str, plain: str, where: str) -> Decimal | None:
    """An amount of a refund's part: ``<money_set>.shop_money.amount`` (the shop's currency, as Order Hub's
    orders are), else the older plain ``<plain>``; None when neither is there. Strings or numbers."""
    bag = item.get(money_set)
    value = ((bag.get("shop_money") or {}).get("amount")) if isinstance(bag, dict) else None
    field = f"{where}.{money_set}.shop_money.amount"
    if value in (None, ""):
        value, field = item.get(plain), f"{where}.{plain}"
    if value in (None, ""):
        return None
    return convert(value, "yuan", field=field)


def _refund_shipping(refund: dict[str, Any], index: int) -> Decimal:
    """The shipping a refund gave back: its ``refund_shipping_lines`` [{shipping_line_id, subtotal_amount_set}]
    (REST Admin API 2024-10 on), else — older versions — its ``order_adjustments`` of kind ``shipping_refund``,
    whose ``amount`` is the shipping refunded written negative (Shopify's own example: a 5.00 shipping refund is
    an adjustment of ``-5.00``). Nothing when it names none."""
    where = f"refunds[{index}]"
    lines = refund.get("refund_shipping_lines") or []
    adjustments = refund.get("order_adjustments") or []
    for name, value in (("refund_shipping_lines", lines), ("order_adjustments", adjustments)):
        if not isinstance(value, list) or not all(isinstance(item, dict) for item in value):
            raise PayloadInvalid(
                _("%(where)s.%(name)s: expected a list of objects.") % {"where": where, "name": name},
                extra={"field": f"{where}.{name}"},
            )
    if lines:
        parts = [
            _shop_money(line, "subtotal_amount_set", "subtotal_amount", f"{where}.refund_shipping_lines[{position}]")
            for position, line in enumerate(lines)
        ]
        return max(sum((part for part in parts if part is not None), ZERO), ZERO)
    written = [
        _shop_money(adjustment, "amount_set", "amount", f"{where}.order_adjustments[{position}]")
        for position, adjustment in enumerate(adjustments)
        if adjustment.get("kind") == "shipping_refund"
    ]
    return max(-sum((part for part in written if part is not None), ZERO), ZERO)


def _refund_lines(refund: dict[str, Any], index: int) -> tuple[tuple[str, ...], dict[str, int], dict[str, Decimal]]:
    """The order lines a refund is about: ``refund_line_items`` [{id, line_item_id, quantity, restock_type,
    subtotal, subtotal_set, total_tax, line_item {…}}] (Shopify's Refund resource, REST Admin API; ``quantity`` is
    the refunded units, ``restock_type`` ``cancel`` for units not fulfilled yet, ``subtotal_set`` what was refunded
    for them). Ids and quantities may come as numbers or strings; the same line twice adds up; an item without a
    quantity refunds its line whole; a refund without items (or with an empty or null list) is money only. A line's
    amount is known when every item naming it has a subtotal."""
    items = refund.get("refund_line_items") or []
    if not isinstance(items, list):
        raise PayloadInvalid(
            _("refunds[%(index)s].refund_line_items: expected a list.") % {"index": index},
            extra={"field": f"refunds[{index}].refund_line_items"},
        )
    named: dict[str, int | None] = {}  # line id → units, None for the whole line
    amounts: dict[str, Decimal | None] = {}  # line id → refunded for it, None when an item does not say
    for position, item in enumerate(items):
        where = f"refunds[{index}].refund_line_items[{position}]"
        if not isinstance(item, dict):
            raise PayloadInvalid(_("%(where)s: expected an object.") % {"where": where}, extra={"field": where})
        line = item.get("line_item_id") or (item.get("line_item") or {}).get("id")
        if line in (None, ""):
            raise PayloadInvalid(
                _("%(where)s: line_item_id is missing.") % {"where": where}, extra={"field": f"{where}.line_item_id"}
            )
        line_id = str(line).strip()
        quantity = whole_or_none(item.get("quantity"), f"{where}.quantity")
        before = named.get(line_id, 0)
        named[line_id] = None if quantity is None or before is None else before + max(quantity, 0)
        subtotal = _shop_money(item, "subtotal_set", "subtotal", where)
        earlier = amounts.get(line_id, ZERO)
        amounts[line_id] = None if subtotal is None or earlier is None else earlier + subtotal
    line_ids = tuple(line_id for line_id, units in named.items() if units is None or units > 0)
    return (
        line_ids,
        {line_id: named[line_id] for line_id in line_ids if named[line_id] is not None},
        {line_id: amounts[line_id] for line_id in line_ids if amounts[line_id] is not None},
    )


adapter = ShopifyAdapter(
    platform="shopify",
    defaults=DEFAULTS,
    currency="CNY",
    capabilities=frozenset(
        {"push", "poll", "ship", "ship_partial", "stock", "catalog", "refund_agree", "refund_notice"}
    ),
)
