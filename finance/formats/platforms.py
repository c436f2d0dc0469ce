"""Settlement exports of the sales platforms: Taobao/Tmall, JD, Pinduoduo, Douyin.

These are what a platform pays the merchant per order (货款), what it deducts (commission, payment fees),
what it adds (platform-funded subsidies) and what it takes back (refunds, compensation). No real files are
in shared/samples; the columns below follow the platforms' documented back-office exports (the header
names they print), and every column is found by its header name — aliases cover the variants different
export screens use. Each may end with a ``合计`` row whose totals are checked. Tests build files in these
layouts (tests/finance/builders.py).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.utils.translation import gettext as _

from finance.formats.alipay import TMALL_PREFIX, ledger_kind
from finance.formats.base import (
    ZERO,
    Column,
    Flow,
    LineKind,
    ParseContext,
    ParsedLine,
    RowInvalid,
    StatementFormat,
)

SUBSIDY_WORDS = ("补贴", "优惠券结算", "购物券", "红包", "京豆", "东券", "平台优惠")


def item_kind(text: str) -> tuple[str, bool]:
    """A settlement item (费用名称/收支项目/账务类型) as ``(kind, is_platform_subsidy)``."""
    if any(word in text for word in SUBSIDY_WORDS) and "退" not in text:
        return LineKind.SETTLEMENT, True
    if text in ("运费", "运费收入"):
        return LineKind.SETTLEMENT, False
    return ledger_kind(text), False


def _signed(fmt: StatementFormat, cells: list[Any]) -> Decimal:
    """One signed amount from either a signed 金额 column or a 收入/支出 pair."""
    if "金额" in fmt.index:
        value = fmt.money(cells, "金额", required=True)
        direction = fmt.text(cells, "收支方向") if "收支方向" in fmt.index else ""
        if direction in ("支出", "出账", "扣款"):
            value = -abs(value)
        elif direction in ("收入", "入账"):
            value = abs(value)
        return value
    income = fmt.money_or_none(cells, "收入金额")
    expense = fmt.money_or_none(cells, "支出金额")
    if income and expense:
        raise RowInvalid("支出金额", expense, _("is set although 收入金额 is too: a row is one or the other"))
    if income is None and expense is None:
        raise RowInvalid("收入金额", "", _("and 支出金额 are both empty"))
    return income if income else -abs(expense or ZERO)


def _put(line: ParsedLine, kind: str, value: Decimal, subsidy: bool) -> None:
    if kind == LineKind.FEE:
        line.fee = value
    elif kind == LineKind.COMMISSION:
        line.commission = value
    else:
        line.amount = value
        if subsidy:
            line.platform_discount = value
            line.has_discounts = True


def _require_amount_columns(fmt: StatementFormat) -> None:
    if "金额" not in fmt.index and not ("收入金额" in fmt.index and "支出金额" in fmt.index):
        from config.spreadsheets import SpreadsheetInvalid

        raise SpreadsheetInvalid(
            _(
                "%(fmt_label)s: the header row (row %(fmt_header_row)s) needs either a 金额 column or both 收入金额 "
                "and 支出金额."
            )
            % {"fmt_label": fmt.label, "fmt_header_row": fmt.header_row},
            extra={"row": fmt.header_row, "missing_columns": ["金额"]},
        )


class _ItemisedSettlement(StatementFormat):
    """One row per order and settlement item, with a signed amount or an income/expense pair."""

    flow = Flow.SETTLEMENT
    order_column = "订单号"
    item_column = "收支项目"
    time_column = "结算时间"

    def __init__(self, header: list[Any], header_row: int):
        super().__init__(header, header_row)
        _require_amount_columns(self)

    def summary_columns(self) -> list[tuple[str, str]]:
        return [("金额", "amount_total"), ("收入金额", "income_total"), ("支出金额", "expense_total")]

    def parse_row(self, number: int, cells: list[Any], ctx: ParseContext) -> ParsedLine | None:
        item = self.text(cells, self.item_column)
        if not item:
            raise RowInvalid(self.item_column, "", _("is empty"))
        value = _signed(self, cells)
        kind, subsidy = item_kind(item)
        order_ref = self.text(cells, self.order_column)
        if kind in LineKind.ORDER_KINDS and not order_ref:
            raise RowInvalid(
                self.order_column, "", _("is empty but the item %(item)r belongs to an order") % {"item": item}
            )
        line = ParsedLine(
            row=number,
            kind=kind,
            occurred_at=self.when(cells, self.time_column),
            order_ref=order_ref,
            platform_ref=order_ref[len(TMALL_PREFIX) :] if order_ref.startswith(TMALL_PREFIX) else order_ref,
            transaction_id=self.text(cells, "流水号"),
            refund_ref=self.text(cells, "退款单号"),
            description=(self.text(cells, "商品名称") or item)[:200],
        )
        if item in ("运费", "运费收入"):
            line.postage = value
        _put(line, kind, value, subsidy)
        ctx.add("count", 1)
        return line


class TaobaoSettlement(_ItemisedSettlement):
    code = "taobao_settlement"
    label = "Taobao/Tmall settlement details (结算明细)"
    source = "taobao"
    documented = "千牛 → 财务 → 资金/结算明细 export: 结算时间, 订单号, 子订单号, 收支项目, 金额 (or 收入金额/支出金额)"
    columns = (
        Column("结算时间", aliases=("入账时间", "账单时间")),
        Column("订单号", aliases=("主订单号", "订单编号", "淘宝订单号")),
        Column("子订单号", required=False),
        Column("收支项目", aliases=("账单项目", "费用项目")),
        Column("金额", aliases=("金额（元）", "结算金额（元）"), required=False),
        Column("收入金额", aliases=("收入金额（元）", "收入（元）"), required=False),
        Column("支出金额", aliases=("支出金额（元）", "支出（元）"), required=False),
        Column("流水号", aliases=("支付宝交易号", "账务流水号"), required=False),
        Column("退款单号", aliases=("退款编号",), required=False),
        Column("商品名称", aliases=("宝贝标题",), required=False),
    )
    signature = ("结算时间", "订单号", "收支项目")


class JDSettlement(_ItemisedSettlement):
    code = "jd_settlement"
    label = "JD settlement details (结算单明细)"
    source = "jd"
    documented = "京麦 → 财务 → 结算单 → 明细导出: 订单编号, 费用名称, 收支方向, 金额, 费用结算时间"
    order_column = "订单编号"
    item_column = "费用名称"
    time_column = "费用结算时间"
    columns = (
        Column("订单编号", aliases=("订单号",)),
        Column("费用名称", aliases=("费用项", "费用类型")),
        Column("收支方向", required=False),
        Column("金额", aliases=("应结金额", "金额（元）", "结算金额")),
        Column("费用结算时间", aliases=("结算时间", "账单时间", "费用发生时间")),
        Column("流水号", aliases=("单据编号",), required=False),
        Column("退款单号", aliases=("售后服务单号", "服务单号"), required=False),
        Column("商品名称", required=False),
    )
    signature = ("订单编号", "费用名称", "费用结算时间")


class PinduoduoLedger(_ItemisedSettlement):
    code = "pdd_ledger"
    label = "Pinduoduo account details (账务明细)"
    source = "pdd"
    documented = (
        "拼多多商家后台 → 账户资金 → 账务明细 export: 商户订单号, 发生时间, 收入金额（+元）, 支出金额（-元）, 账务类型"
    )
    order_column = "商户订单号"
    item_column = "账务类型"
    time_column = "发生时间"
    columns = (
        Column("商户订单号", aliases=("订单编号", "订单号")),
        Column("发生时间"),
        Column("收入金额", aliases=("收入金额（+元）",)),
        Column("支出金额", aliases=("支出金额（-元）",)),
        Column("账务类型"),
        Column("流水号", aliases=("账务流水号",), required=False),
        Column("退款单号", aliases=("售后单号",), required=False),
        Column("商品名称", aliases=("业务描述", "备注"), required=False),
    )
    signature = ("商户订单号", "发生时间", "账务类型", "收入金额")


class DouyinSettlement(StatementFormat):
    code = "douyin_settlement"
    label = "Douyin shop settlement bill (结算账单)"
    source = "douyin"
    flow = Flow.SETTLEMENT
    documented = (
        "抖店 → 资金 → 结算账单 → 订单明细 export: 结算时间, 订单号, 订单总价, 实际支付, 运费, 平台补贴, "
        "平台服务费, 佣金, 渠道分成, 招商服务费, 结算金额, 结算类型 (amounts in yuan)"
    )
    columns = (
        Column("结算时间"),
        Column("订单号", aliases=("主订单号",)),
        Column("子订单号", required=False),
        Column("商品名称", required=False),
        Column("订单总价", aliases=("订单总价（元）",)),
        Column("实际支付", aliases=("实付金额", "实际支付（元）"), required=False),
        Column("运费", aliases=("运费（元）",), required=False),
        Column("平台补贴", aliases=("平台补贴（元）",), required=False),
        Column("抖音支付补贴", required=False),
        Column("达人补贴", required=False),
        Column("平台服务费", aliases=("平台服务费（元）",), required=False),
        Column("佣金", aliases=("达人佣金", "佣金（元）"), required=False),
        Column("渠道分成", required=False),
        Column("招商服务费", required=False),
        Column("其他分成", required=False),
        Column("结算金额", aliases=("结算金额（元）",)),
        Column("结算类型", aliases=("动账类型", "业务类型"), required=False),
        Column("流水号", aliases=("结算单号", "动账流水号"), required=False),
    )
    signature = ("结算时间", "订单号", "订单总价", "结算金额")

    CHARGES = ("平台服务费", "佣金", "渠道分成", "招商服务费", "其他分成")

    def summary_columns(self) -> list[tuple[str, str]]:
        return [("订单总价", "gross_total"), ("结算金额", "settlement_total")]

    def parse_row(self, number: int, cells: list[Any], ctx: ParseContext) -> ParsedLine | None:
        m = self.money
        settled = m(cells, "结算金额", required=True)
        charges = sum((abs(m(cells, name)) for name in self.CHARGES), ZERO)
        subsidy = m(cells, "平台补贴") + m(cells, "抖音支付补贴") + m(cells, "达人补贴")
        refund = "退款" in self.text(cells, "结算类型") or settled < 0
        order_ref = self.text(cells, "订单号")
        if not order_ref:
            raise RowInvalid("订单号", "", _("is empty"))
        line = ParsedLine(
            row=number,
            kind=LineKind.REFUND if refund else LineKind.SETTLEMENT,
            occurred_at=self.when(cells, "结算时间"),
            commission=-charges,
            amount=settled + charges,
            gross=m(cells, "订单总价"),
            postage=self.money_or_none(cells, "运费"),
            platform_discount=subsidy,
            has_discounts=not refund,
            order_ref=order_ref,
            platform_ref=order_ref,
            transaction_id=self.text(cells, "流水号"),
            description=self.text(cells, "商品名称"),
        )
        ctx.add("count", 1)
        return line


__all__ = ["DouyinSettlement", "JDSettlement", "PinduoduoLedger", "TaobaoSettlement", "item_kind"]
