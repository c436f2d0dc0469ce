"""Bank account statements (对账单/交易明细) as CSV or XLSX.

Every bank prints its own header; the columns are found by the names Chinese banks use (交易日期/交易日/
记账日期, 贷方金额/收入金额, 借方金额/支出金额, 余额, 对方户名, 摘要, 流水号). Credits become ``bank_in``
lines, debits ``bank_out``. The running balance is checked row by row (a break is reported as a warning:
rows may be missing) and a ``合计`` row, when present, against the rows.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.utils.translation import gettext as _

from finance.formats.base import Column, Flow, LineKind, ParseContext, ParsedLine, RowInvalid, StatementFormat


class BankStatement(StatementFormat):
    code = "bank_statement"
    label = "Bank statement (银行对账单)"
    source = "bank"
    flow = Flow.BANK
    documented = (
        "Online banking → 账户明细/对账单 export (CSV or XLSX): 交易日期, 交易时间, 借方金额, 贷方金额, 余额, "
        "对方户名, 摘要, 流水号"
    )
    columns = (
        Column("交易日期", aliases=("交易日", "记账日期", "入账日期", "日期")),
        Column("交易时间", required=False),
        Column("借方金额", aliases=("借方发生额", "支出金额", "支出", "付款金额")),
        Column("贷方金额", aliases=("贷方发生额", "收入金额", "收入", "收款金额")),
        Column("余额", aliases=("账户余额", "余额（元）")),
        Column("对方户名", aliases=("对方名称", "收(付)方名称", "对方账户名称", "对方单位")),
        Column("对方账号", aliases=("收(付)方账号", "对方账户"), required=False),
        Column("摘要", aliases=("用途", "交易摘要", "附言"), required=False),
        Column("流水号", aliases=("交易流水号", "银行流水号", "凭证号"), required=False),
        Column("币种", aliases=("币别",), required=False),
    )
    signature = ("交易日期", "借方金额", "贷方金额", "余额", "对方户名")

    def __init__(self, header: list[Any], header_row: int):
        super().__init__(header, header_row)
        self._balance: Decimal | None = None

    def summary_columns(self) -> list[tuple[str, str]]:
        return [("借方金额", "debit_total"), ("贷方金额", "credit_total")]

    def parse_row(self, number: int, cells: list[Any], ctx: ParseContext) -> ParsedLine | None:
        debit = self.money(cells, "借方金额")
        credit = self.money(cells, "贷方金额")
        if debit and credit:
            raise RowInvalid("贷方金额", credit, _("is set although 借方金额 is too: a row is one or the other"))
        if not debit and not credit:
            raise RowInvalid("贷方金额", "", _("and 借方金额 are both empty or zero"))
        amount = credit if credit else -abs(debit)
        line = ParsedLine(
            row=number,
            kind=LineKind.BANK_IN if credit else LineKind.BANK_OUT,
            occurred_at=self.when(cells, "交易日期", time_name="交易时间"),
            amount=amount,
            currency=(self.text(cells, "币种") or "CNY").replace("人民币", "CNY"),
            transaction_id=self.text(cells, "流水号"),
            description=(self.text(cells, "摘要") or "")[:200],
            counterparty=self.text(cells, "对方户名"),
            balance=self.money_or_none(cells, "余额"),
        )
        if line.balance is not None:
            if self._balance is not None and self._balance + amount != line.balance:
                ctx.meta.setdefault("warnings", []).append(
                    {
                        "row": number,
                        "column": "余额",
                        "value": str(line.balance),
                        "reason": _(
                            "does not follow from the previous balance %(previous)s and this row's %(amount)s "
                            "(expected %(expected)s); rows may be missing"
                        )
                        % {"previous": self._balance, "amount": amount, "expected": self._balance + amount},
                    }
                )
            self._balance = line.balance
        ctx.add("count", 1)
        return line
