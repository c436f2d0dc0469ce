"""Alipay: the merchant trade bill (业务明细) and the account ledger (账务明细).

Both are downloaded from the Alipay merchant portal (or ``alipay.data.dataservice.bill.downloadurl.query``)
as GBK CSV with ``#`` lines before and after the table; the footer states the file's own totals, which the
importer checks. Long numbers are padded with a tab so Excel keeps them as text.
"""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

from django.utils.translation import gettext as _

from finance.formats.base import (
    _STRIP,
    CST,
    ZERO,
    Column,
    Flow,
    LineKind,
    ParseContext,
    ParsedLine,
    RowInvalid,
    StatementFormat,
    cached_money,
    clean,
    fast_when,
    money,
    preamble_account_and_period,
)

TMALL_PREFIX = "T200P"  # 商户订单号 of Taobao/Tmall trades in Alipay files: T200P + Taobao tid


def _footer_number(pattern: str, text: str) -> Decimal | None:
    found = re.search(pattern, text)
    if not found:
        return None
    return money(found.group(1), "footer")


_YUAN = r"\s*([-+]?[\d,]+(?:\.\d+)?)\s*元"


def _footer_declare(text: str, ctx: ParseContext, *, sections: dict[str, str], totals: dict[str, str]) -> None:
    """Read a footer line's declared count (``N笔``) and totals into ``ctx.declared``.

    ``sections`` maps the footer's label (``交易合计``) to the key prefix (``trade``); ``totals`` maps a key
    suffix to the words before the amount (``amount`` → ``商家实收共``)."""
    for label, prefix in sections.items():
        if label not in text:
            continue
        count = re.search(r"(\d+)\s*笔", text)
        if count:
            ctx.declared[f"{prefix}_count"] = int(count.group(1))
        for suffix, words in totals.items():
            value = _footer_number(words + _YUAN, text)
            if value is not None:
                ctx.declared[f"{prefix}_{suffix}"] = value


class AlipayTradeBill(StatementFormat):
    code = "alipay_trade"
    label = "Alipay trade bill (业务明细)"
    source = "alipay"
    flow = Flow.PAYMENT
    documented = "Alipay merchant portal → 对账中心 → 业务明细 (sample: alipay_trade_*_业务明细.csv)"
    columns = (
        Column("支付宝交易号"),
        Column("商户订单号"),
        Column("业务类型"),
        Column("商品名称", required=False),
        Column("创建时间", required=False),
        Column("完成时间"),
        Column("对方账户", required=False),
        Column("订单金额（元）"),
        Column("商家实收（元）"),
        Column("支付宝红包（元）", required=False),
        Column("集分宝（元）", required=False),
        Column("支付宝优惠（元）", required=False),
        Column("商家优惠（元）", required=False),
        Column("商家红包消费金额（元）", required=False),
        Column("退款批次号/请求号", required=False),
        Column("服务费（元）"),
        Column("分润（元）", required=False),
        Column("备注", required=False),
    )
    signature = ("支付宝交易号", "商户订单号", "业务类型", "商家实收（元）", "服务费（元）")

    KINDS = {"交易": LineKind.PAYMENT, "退款": LineKind.REFUND}
    MONEY = (
        "订单金额（元）",
        "商家实收（元）",
        "支付宝红包（元）",
        "集分宝（元）",
        "支付宝优惠（元）",
        "商家优惠（元）",
        "商家红包消费金额（元）",
        "服务费（元）",
        "分润（元）",
    )
    TEXT = (
        "业务类型",
        "完成时间",
        "创建时间",
        "商户订单号",
        "支付宝交易号",
        "退款批次号/请求号",
        "商品名称",
        "对方账户",
    )

    def __init__(self, header: list[Any], header_row: int):
        super().__init__(header, header_row)
        # Column positions; a column the file lacks reads the empty cell appended to every row (index -1).
        self._at = {name: self.index.get(name, -1) for name in (*self.MONEY, *self.TEXT)}
        self._sums_by_kind: dict[str, list] = {}

    def parse_row(self, number: int, cells: list[Any], ctx: ParseContext) -> ParsedLine | None:
        # The hot path of large imports: positions resolved once, cells read directly, amounts cached.
        if len(cells) < self.width:
            cells = cells + [""] * (self.width - len(cells))
        if cells[0].__class__ is not str:  # an Excel copy of the bill: cells as text
            cells = [clean(c) for c in cells]
        cells.append("")
        at = self._at
        strip = _STRIP
        kind_text = cells[at["业务类型"]].strip(strip)
        kind = self.KINDS.get(kind_text)
        if kind is None:
            if not kind_text:
                raise RowInvalid("业务类型", kind_text, _("is empty (expected 交易 or 退款)"))
            kind = LineKind.OTHER
        amount = cached_money(cells[at["商家实收（元）"]], "商家实收（元）", required=True)
        fee = cached_money(cells[at["服务费（元）"]], "服务费（元）")
        platform = (
            cached_money(cells[at["支付宝红包（元）"]], "支付宝红包（元）")
            + cached_money(cells[at["集分宝（元）"]], "集分宝（元）")
            + cached_money(cells[at["支付宝优惠（元）"]], "支付宝优惠（元）")
        )
        merchant = cached_money(cells[at["商家优惠（元）"]], "商家优惠（元）") + cached_money(
            cells[at["商家红包消费金额（元）"]], "商家红包消费金额（元）"
        )
        stamp, column = cells[at["完成时间"]].strip(strip), "完成时间"
        if not stamp:
            stamp, column = cells[at["创建时间"]].strip(strip), "创建时间"
        occurred = fast_when(stamp, column)
        order_ref = cells[at["商户订单号"]].strip(strip)
        transaction_id = cells[at["支付宝交易号"]].strip(strip)
        if not order_ref and not transaction_id:
            raise RowInvalid("商户订单号", "", _("is empty and so is 支付宝交易号: the row cannot be matched"))
        line = ParsedLine(
            number,
            kind,
            occurred,
            amount,
            fee,
            cached_money(cells[at["分润（元）"]], "分润（元）"),
            platform,
            merchant,
            kind == LineKind.PAYMENT,
            cached_money(cells[at["订单金额（元）"]], "订单金额（元）"),
            None,
            None,
            "CNY",
            order_ref,
            order_ref[5:] if order_ref.startswith(TMALL_PREFIX) else "",
            transaction_id,
            cells[at["退款批次号/请求号"]].strip(strip),
            cells[at["商品名称"]].strip(strip),
            cells[at["对方账户"]].strip(strip),
            None,
            stamp if occurred.tzinfo is CST else "",
        )
        sums = self._sums_by_kind.get(kind)
        if sums is None:
            sums = self._sums_by_kind[kind] = [0, ZERO, ZERO]
        sums[0] += 1
        sums[1] += amount
        sums[2] += fee
        return line

    def finish(self, ctx: ParseContext) -> None:
        for kind, (count, amount, fee) in self._sums_by_kind.items():
            prefix = "trade" if kind == LineKind.PAYMENT else "refund" if kind == LineKind.REFUND else "other"
            ctx.add(f"{prefix}_count", count)
            ctx.add(f"{prefix}_amount", amount)
            ctx.add(f"{prefix}_fee", fee)

    def comment(self, number: int, text: str, ctx: ParseContext) -> None:
        _footer_declare(
            text,
            ctx,
            sections={"交易合计": "trade", "退款合计": "refund"},
            totals={"amount": "商家实收共", "fee": "服务费共"},
        )

    def preamble(self, lines: list[str], ctx: ParseContext) -> None:
        preamble_account_and_period(lines, ctx)


def ledger_kind(text: str) -> str:
    """An Alipay (or platform) ledger's 业务类型 as a line kind."""
    if "提现" in text:
        return LineKind.WITHDRAWAL
    if "退款" in text:
        return LineKind.REFUND
    if any(word in text for word in ("运费险", "运费补偿", "赔付", "补偿")):
        return LineKind.COMPENSATION
    if any(word in text for word in ("技术服务费", "佣金", "分佣")):
        return LineKind.COMMISSION
    if any(word in text for word in ("手续费", "支付服务费", "花呗", "信用卡")):
        return LineKind.FEE
    if any(word in text for word in ("交易付款", "在线支付", "交易收款", "交易收入", "货款", "确认收货", "结算")):
        return LineKind.SETTLEMENT
    return LineKind.OTHER


class AlipayAccountLedger(StatementFormat):
    code = "alipay_account"
    label = "Alipay account ledger (账务明细)"
    source = "alipay"
    flow = Flow.SETTLEMENT
    documented = "Alipay merchant portal → 资金明细 → 账务明细 (sample: alipay_account_*_账务明细.csv)"
    columns = (
        Column("账务流水号"),
        Column("业务流水号"),
        Column("商户订单号"),
        Column("商品名称", required=False),
        Column("发生时间"),
        Column("对方账号", aliases=("对方账户",), required=False),
        Column("收入金额（+元）"),
        Column("支出金额（-元）"),
        Column("账户余额（元）", required=False),
        Column("业务类型"),
        Column("备注", required=False),
    )
    signature = ("账务流水号", "业务流水号", "收入金额（+元）", "支出金额（-元）")

    def __init__(self, header: list[Any], header_row: int):
        super().__init__(header, header_row)
        self._balance: Decimal | None = None

    def parse_row(self, number: int, cells: list[Any], ctx: ParseContext) -> ParsedLine | None:
        income = self.money_or_none(cells, "收入金额（+元）")
        expense = self.money_or_none(cells, "支出金额（-元）")
        if income and expense:
            raise RowInvalid(
                "支出金额（-元）", expense, _("is set although 收入金额（+元） is too: a row is one or the other")
            )
        if income is None and expense is None:
            raise RowInvalid("收入金额（+元）", "", _("and 支出金额（-元） are both empty"))
        value = income if income else -abs(expense or Decimal("0"))
        kind_text = self.text(cells, "业务类型")
        if not kind_text:
            raise RowInvalid("业务类型", "", _("is empty"))
        kind = ledger_kind(kind_text)
        merchant_ref = self.text(cells, "商户订单号")
        business_ref = self.text(cells, "业务流水号")
        if (
            kind == LineKind.SETTLEMENT
            and not merchant_ref.startswith(TMALL_PREFIX)
            and not business_ref.startswith(TMALL_PREFIX)
        ):
            kind = LineKind.PAYMENT  # a direct (non-Taobao) payment arrives in the account when the buyer pays
        line = ParsedLine(
            row=number,
            kind=kind,
            occurred_at=self.when(cells, "发生时间"),
            order_ref=merchant_ref,
            transaction_id=business_ref or self.text(cells, "账务流水号"),
            description=self.text(cells, "商品名称") or kind_text,
            counterparty=self.text(cells, "对方账号"),
            balance=self.money_or_none(cells, "账户余额（元）"),
        )
        if kind == LineKind.FEE:
            line.fee = value
        elif kind == LineKind.COMMISSION:
            line.commission = value
        else:
            line.amount = value
        for ref in (merchant_ref, business_ref):
            if ref.startswith(TMALL_PREFIX):
                line.platform_ref = ref[len(TMALL_PREFIX) :]
                break
        if income:
            ctx.add("income_count", 1)
            ctx.add("income_total", value)
        else:
            ctx.add("expense_count", 1)
            ctx.add("expense_total", value)
        if line.balance is not None:
            if self._balance is not None and self._balance + value != line.balance:
                ctx.meta.setdefault("warnings", []).append(
                    {
                        "row": number,
                        "column": "账户余额（元）",
                        "value": str(line.balance),
                        "reason": _(
                            "does not follow from the previous balance %(previous)s and this row's %(amount)s "
                            "(expected %(expected)s); rows may be missing"
                        )
                        % {"previous": self._balance, "amount": value, "expected": self._balance + value},
                    }
                )
            self._balance = line.balance
        return line

    def comment(self, number: int, text: str, ctx: ParseContext) -> None:
        _footer_declare(text, ctx, sections={"支出合计": "expense", "收入合计": "income"}, totals={"total": "共"})

    def preamble(self, lines: list[str], ctx: ParseContext) -> None:
        preamble_account_and_period(lines, ctx)


__all__ = ["AlipayAccountLedger", "AlipayTradeBill", "TMALL_PREFIX", "ledger_kind"]
