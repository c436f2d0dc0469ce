"""UnionPay online payments (银联全渠道) merchant reconciliation details, as CSV/XLSX exported from the UnionPay
merchant service portal. Column names follow the portal's 交易明细 export and the gateway's field names
(orderId 商户订单号, queryId 查询流水号, origQryId 原查询流水号, txnAmt 交易金额, settleAmt 清算金额).
No real sample is in shared/samples; tests build files in this layout. A ``合计`` row, when present, is
checked against the rows.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from finance.formats.base import Column, Flow, LineKind, ParseContext, ParsedLine, RowInvalid, StatementFormat

PAYMENT_TYPES = ("消费", "预授权完成", "消费（二维码）", "代收")
REFUND_TYPES = ("退货", "撤销", "消费撤销", "预授权完成撤销", "退款")


class UnionPayTradeDetails(StatementFormat):
    code = "unionpay_trade"
    label = "UnionPay merchant trade details (交易明细)"
    source = "unionpay"
    flow = Flow.PAYMENT
    documented = (
        "UnionPay merchant portal → 交易查询 → 交易明细 export: 交易时间, 商户订单号, 查询流水号, 原查询流水号, "
        "交易类型, 交易金额, 手续费, 清算金额, 清算日期"
    )
    columns = (
        Column("交易时间", aliases=("交易传输时间", "交易日期时间")),
        Column("商户订单号", aliases=("订单号",)),
        Column("查询流水号", aliases=("系统流水号", "交易流水号")),
        Column("原查询流水号", aliases=("原交易流水号",), required=False),
        Column("交易类型"),
        Column("交易金额", aliases=("交易金额（元）",)),
        Column("手续费", aliases=("商户手续费", "手续费（元）")),
        Column("清算金额", aliases=("清算金额（元）", "结算金额"), required=False),
        Column("清算日期", required=False),
        Column("卡号", required=False),
    )
    signature = ("商户订单号", "查询流水号", "交易类型", "交易金额", "手续费")

    def summary_columns(self) -> list[tuple[str, str]]:
        return [("交易金额", "amount_total"), ("手续费", "fee_total"), ("清算金额", "settlement_total")]

    def parse_row(self, number: int, cells: list[Any], ctx: ParseContext) -> ParsedLine | None:
        kind_text = self.text(cells, "交易类型")
        if kind_text in PAYMENT_TYPES:
            kind = LineKind.PAYMENT
        elif kind_text in REFUND_TYPES:
            kind = LineKind.REFUND
        else:
            raise RowInvalid(
                "交易类型", kind_text, _("is not one of %(kinds)s") % {"kinds": ", ".join(PAYMENT_TYPES + REFUND_TYPES)}
            )
        amount = abs(self.money(cells, "交易金额", required=True))
        fee = self.money(cells, "手续费")  # charged (positive) on a payment, returned (negative) on a refund
        query_id = self.text(cells, "查询流水号")
        line = ParsedLine(
            row=number,
            kind=kind,
            occurred_at=self.when(cells, "交易时间"),
            amount=amount if kind == LineKind.PAYMENT else -amount,
            fee=-fee if kind == LineKind.PAYMENT else abs(fee),
            gross=amount,
            order_ref=self.text(cells, "商户订单号"),
            transaction_id=query_id if kind == LineKind.PAYMENT else (self.text(cells, "原查询流水号") or query_id),
            refund_ref=query_id if kind == LineKind.REFUND else "",
            description=kind_text,
            counterparty=self.text(cells, "卡号"),
        )
        settled = self.money_or_none(cells, "清算金额")
        if settled is not None and abs(settled) != abs(line.amount + line.fee):
            raise RowInvalid(
                "清算金额",
                settled,
                _("is not 交易金额 %(amount)s less 手续费 %(fee)s (= %(net)s)")
                % {"amount": amount, "fee": abs(fee), "net": abs(line.amount + line.fee)},
            )
        ctx.add("count", 1)
        return line
