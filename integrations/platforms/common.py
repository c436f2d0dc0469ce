"""Small mapping helpers several adapters share."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

from integrations.exceptions import PayloadInvalid
from integrations.mapping import convert
from orders.channel import ChannelOrder
from orders.shaping.presale import PRESALE_TAG, PresaleInput
from orders.states import Status

ZERO = Decimal("0.00")


def whole_or_none(value: Any, field: str) -> int | None:
    """A numeric code a platform may send as a number or as a string ("4"); None when absent or empty."""
    if value in (None, ""):
        return None
    try:
        return int(str(value).strip())
    except ValueError:
        raise PayloadInvalid(
            _("%(field)s: %(value)r is not a whole number.") % {"field": field, "value": value}, extra={"field": field}
        ) from None


def goods_total(order: ChannelOrder) -> Decimal:
    data = order.data
    if data.goods_amount is not None:
        return data.goods_amount
    return sum((line.unit_price * line.quantity for line in data.lines), ZERO)


def discount_remainder(order: ChannelOrder) -> None:
    """The platform-funded discount is what the buyer was spared beyond the shop's own discount:
    goods + shipping − shop discount − paid. Negative means the platform's numbers do not add up."""
    data = order.data
    if data.paid_amount is None:
        return
    goods = goods_total(order)
    platform = goods + data.shipping_fee - data.discount_merchant - data.paid_amount
    if platform < 0:
        raise PayloadInvalid(
            _(
                "amounts: paid %(data_paid_amount)s is more than goods %(goods)s + "
                "shipping %(data_shipping_fee)s − shop discount "
                "%(data_discount_merchant)s for order %(data_external_id)s."
            )
            % {
                "data_paid_amount": data.paid_amount,
                "goods": goods,
                "data_shipping_fee": data.shipping_fee,
                "data_discount_merchant": data.discount_merchant,
                "data_external_id": data.external_id,
            },
            extra={"field": "paid_amount", "value": str(data.paid_amount)},
        )
    data.discount_platform = platform


def line_discounts_if_consistent(order: ChannelOrder, per_line: list[Decimal]) -> None:
    """Use per-line discounts only when they add up to the order's discounts; otherwise leave the lines
    undiscounted (the order totals stay right, the split is unknown)."""
    data = order.data
    total = data.discount_platform + data.discount_merchant
    if (
        len(per_line) == len(data.lines)
        and sum(per_line, ZERO) == total
        and all(d <= line.unit_price * line.quantity for d, line in zip(per_line, data.lines, strict=True))
    ):
        for line, discount in zip(data.lines, per_line, strict=True):
            line.discount = discount
    elif sum((line.discount for line in data.lines), ZERO) != total:
        for line in data.lines:
            line.discount = ZERO


def presale_attach(order: ChannelOrder, presale: PresaleInput | None) -> None:
    """Make ``order`` a presale order: tagged ``presale`` (its stock comes from the presale pool) and, once
    the deposit is paid, paid in Order Hub's sense — the presale terms then hold it until the balance is
    paid, so it is never released to the warehouse before. The platform may still call such an order
    unpaid (Taobao WAIT_BUYER_PAY with FRONT_PAID_FINAL_NOPAID)."""
    if presale is None:
        return
    data = order.data
    for name, amount in (("deposit", presale.deposit), ("balance", presale.balance)):
        if amount is not None and amount < 0:
            raise PayloadInvalid(
                _(
                    "presale.%(name)s: %(amount)s is negative (deposit more than the "
                    "order's total %(data_paid_amount)s)."
                )
                % {"name": name, "amount": amount, "data_paid_amount": data.paid_amount},
                extra={"field": f"presale.{name}", "value": str(amount)},
            )
    if presale.deposit_paid and not presale.balance_paid and (presale.deposit is None or presale.balance is None):
        # Terms are what keep the order from the warehouse until the balance is paid: never go on without them.
        raise PayloadInvalid(
            _(
                "presale (%(presale_platform_state)s): the deposit is paid but the "
                "payload does not say how much; the order cannot be held for its "
                "balance without it."
            )
            % {"presale_platform_state": presale.platform_state},
            extra={"field": "presale.deposit"},
        )
    order.presale = presale
    if PRESALE_TAG not in data.tags:
        data.tags.append(PRESALE_TAG)
    if presale.deposit_paid and order.target_status == Status.PENDING_PAYMENT:
        order.target_status = Status.PAID
        data.status = Status.PAID
        data.paid_at = presale.deposit_paid_at or data.paid_at or data.placed_at or timezone.now()


def presale_from_step(
    order: ChannelOrder,
    *,
    state: Any,
    deposit_paid: bool,
    balance_paid: bool,
    deposit_known: bool,
    deposit_value: Any,
    field: str,
    missing: str,
) -> PresaleInput:
    """The terms of a step trade (Taobao step trades, Pinduoduo 定金订单): both stages are paid at the order's
    payment time; where ``deposit_known`` the deposit (yuan, in ``field``) must be given — ``missing`` says why
    otherwise — and the balance is what the order costs beyond it."""
    deposit = balance = None
    if deposit_known:
        if deposit_value in (None, ""):
            raise PayloadInvalid(
                _("%(field)s: %(missing)s") % {"field": field, "missing": missing}, extra={"field": field}
            )
        deposit = convert(deposit_value, "yuan", field=field)
        balance = order.data.paid_amount - deposit
    return PresaleInput(
        deposit=deposit,
        balance=balance,
        deposit_paid=deposit_paid,
        balance_paid=balance_paid,
        deposit_paid_at=order.data.paid_at if deposit_paid else None,
        balance_paid_at=order.data.paid_at if balance_paid else None,
        platform_state=str(state),
    )
