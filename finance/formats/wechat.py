"""WeChat Pay trade bill (交易账单, ``downloadbill`` with bill_type ALL).

UTF-8, every field prefixed with a backtick so Excel keeps long numbers as text, one row per payment
(交易状态 SUCCESS) or refund (REFUND), then a summary header (总交易单数, …) and its one row of totals.
Columns are read by header name, never by position: WeChat has added columns over the years.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.utils.translation import gettext as _

from finance.formats.base import (
    Column,
    Flow,
    LineKind,
    ParseContext,
    ParsedLine,
    RowInvalid,
    StatementFormat,
    clean,
    money,
    rate,
)

SUMMARY_COLUMNS = {
    "总交易单数": "count",
    "应结订单总金额": "settlement_total",
    "退款总金额": "refund_total",
    "充值券退款总金额": "voucher_refund_total",
    "手续费总金额": "fee_total",
    "订单总金额": "order_total",
    "申请退款总金额": "refund_request_total",
}


def _id(text: str) -> str:
    """WeChat writes ``0`` where a refund id does not apply."""
    return "" if text in ("", "0") else text


class WeChatPayTradeBill(StatementFormat):
    code = "wechat_trade"
    label = "WeChat Pay trade bill (交易账单)"
    source = "wechat"
    flow = Flow.PAYMENT
    documented = "WeChat Pay merchant platform → 交易中心 → 账单下载 → 交易账单 (sample: wechatpay_tradebill_*.csv)"
    columns = (
        Column("交易时间"),
        Column("微信订单号"),
        Column("商户订单号"),
        Column("用户标识", required=False),
        Column("交易状态"),
        Column("货币种类", required=False),
        Column("应结订单金额"),
        Column("代金券金额", aliases=("代金券或立减优惠金额",), required=False),
        Column("微信退款单号", required=False),
        Column("商户退款单号", required=False),
        Column("退款金额"),
        Column("充值券退款金额", required=False),
        Column("商品名称", required=False),
        Column("手续费"),
        Column("费率", required=False),
        Column("订单金额", aliases=("总金额",), required=False),
        Column("申请退款金额", required=False),
    )
    signature = ("微信订单号", "商户订单号", "交易状态", "应结订单金额", "手续费")

    def parse_row(self, number: int, cells: list[Any], ctx: ParseContext) -> ParsedLine | None:
        status = self.text(cells, "交易状态").upper()
        m = self.money
        settle = m(cells, "应结订单金额", required=True)
        refund = m(cells, "退款金额")
        fee_charged = m(cells, "手续费", required=True)
        gross = self.money_or_none(cells, "订单金额")
        coupon = m(cells, "代金券金额")
        if status == "SUCCESS":
            kind, amount = LineKind.PAYMENT, settle
        elif status == "REFUND":
            kind, amount = LineKind.REFUND, -abs(refund)
        elif status == "REVOKED":
            kind, amount = LineKind.OTHER, Decimal("0.00")
        else:
            raise RowInvalid("交易状态", status, _("is not SUCCESS, REFUND or REVOKED"))
        line = ParsedLine(
            row=number,
            kind=kind,
            occurred_at=self.when(cells, "交易时间"),
            amount=amount,
            fee=-fee_charged,  # the bill shows the fee charged (positive) or returned on a refund (negative)
            gross=gross,
            platform_discount=coupon,
            fee_rate=rate(self.cell(cells, "费率"), "费率"),
            currency=self.text(cells, "货币种类") or "CNY",
            order_ref=self.text(cells, "商户订单号"),
            transaction_id=self.text(cells, "微信订单号"),
            refund_ref=_id(self.text(cells, "商户退款单号")) or _id(self.text(cells, "微信退款单号")),
            description=self.text(cells, "商品名称"),
            counterparty=self.text(cells, "用户标识"),
        )
        if not line.order_ref and not line.transaction_id:
            raise RowInvalid("商户订单号", "", _("is empty and so is 微信订单号: the row cannot be matched"))
        ctx.add("count", 1)
        ctx.add("settlement_total", settle)
        ctx.add("refund_total", refund)
        ctx.add("voucher_refund_total", m(cells, "充值券退款金额"))
        ctx.add("fee_total", fee_charged)
        ctx.add("order_total", gross or Decimal("0.00"))
        ctx.add("refund_request_total", m(cells, "申请退款金额"))
        return line

    def is_summary(self, first: str, cells: list[Any]) -> bool:
        return first == "总交易单数"

    def summary(self, number, cells, rows, ctx: ParseContext) -> None:
        header = [clean(c) for c in cells]
        try:
            values_number, values = next(rows)
        except StopIteration:
            ctx.error(number, "总交易单数", "", _("the summary header has no row of totals after it"))
            return
        for index, name in enumerate(header):
            key = SUMMARY_COLUMNS.get(name)
            if key is None or index >= len(values):
                continue
            raw = values[index]
            try:
                ctx.declared[key] = int(clean(raw)) if key == "count" else money(raw, name)
            except (RowInvalid, ValueError):
                ctx.error(values_number, name, clean(raw), _("summary row: is not a number"))
