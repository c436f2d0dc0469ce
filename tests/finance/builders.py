"""Statement files built by tests, in the documented layouts of the formats without a real sample.

Each builder takes rows as dicts keyed by header name (missing keys are empty cells) and returns bytes.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable

from openpyxl import Workbook

UNIONPAY_HEADER = [
    "交易时间",
    "商户订单号",
    "查询流水号",
    "原查询流水号",
    "交易类型",
    "交易金额",
    "手续费",
    "清算金额",
    "清算日期",
    "卡号",
]
TAOBAO_HEADER = ["结算时间", "订单号", "子订单号", "收支项目", "金额（元）", "支付宝交易号", "商品名称"]
JD_HEADER = ["订单编号", "费用名称", "收支方向", "金额", "费用结算时间", "单据编号", "商品名称"]
PDD_HEADER = ["商户订单号", "发生时间", "收入金额（+元）", "支出金额（-元）", "账务类型", "备注"]
DOUYIN_HEADER = [
    "结算时间",
    "订单号",
    "子订单号",
    "商品名称",
    "订单总价",
    "实际支付",
    "运费",
    "平台补贴",
    "平台服务费",
    "佣金",
    "结算金额",
    "结算类型",
]
BANK_HEADER = ["交易日期", "交易时间", "借方金额", "贷方金额", "余额", "对方户名", "对方账号", "摘要", "流水号"]
ALIPAY_TRADE_HEADER = [
    "支付宝交易号",
    "商户订单号",
    "业务类型",
    "商品名称",
    "创建时间",
    "完成时间",
    "门店编号",
    "门店名称",
    "操作员",
    "终端号",
    "对方账户",
    "订单金额（元）",
    "商家实收（元）",
    "支付宝红包（元）",
    "集分宝（元）",
    "支付宝优惠（元）",
    "商家优惠（元）",
    "券核销金额（元）",
    "券名称",
    "商家红包消费金额（元）",
    "卡消费金额（元）",
    "退款批次号/请求号",
    "服务费（元）",
    "分润（元）",
    "备注",
]


def csv_bytes(header: list[str], rows: Iterable[dict], *, encoding="utf-8", before=(), after=(), totals=None) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    for line in before:
        out.write(line + "\r\n")
    writer.writerow(header)
    for row in rows:
        writer.writerow([row.get(name, "") for name in header])
    if totals is not None:
        writer.writerow([totals.get(name, "") for name in header])
    for line in after:
        out.write(line + "\r\n")
    return out.getvalue().encode(encoding)


def xlsx_bytes(header: list[str], rows: Iterable[dict], *, title_rows=(), totals=None) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    for title in title_rows:
        sheet.append([title])
    sheet.append(header)
    for row in rows:
        sheet.append([row.get(name) for name in header])
    if totals is not None:
        sheet.append([totals.get(name) for name in header])
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def alipay_trade_bill(
    rows: list[dict], *, start="2026年11月11日 00:00:00", end="2026年11月12日 00:00:00", footer: bool = True
) -> bytes:
    """An Alipay 业务明细 in the sample's layout (GBK, # header and footer, tab-padded numbers)."""
    from decimal import Decimal

    trades = [r for r in rows if r.get("业务类型") == "交易"]
    refunds = [r for r in rows if r.get("业务类型") == "退款"]

    def total(items, name):
        return sum((Decimal(str(r.get(name) or "0")) for r in items), Decimal("0.00"))

    padded = [
        {**r, "支付宝交易号": f"{r.get('支付宝交易号', '')}\t", "商户订单号": f"{r.get('商户订单号', '')}\t"}
        for r in rows
    ]
    after = [
        "#-----------------------------------------业务明细列表结束------------------------------------",
    ]
    if footer:
        for label, items in (("交易", trades), ("退款", refunds)):
            amount, fee = total(items, "商家实收（元）"), total(items, "服务费（元）")
            after.append(f"#{label}合计：{len(items)}笔，商家实收共{amount:.2f}元，服务费共{fee:.2f}元")
    after.append("#导出时间：[2026年11月12日 09:12:33]")
    return csv_bytes(
        ALIPAY_TRADE_HEADER,
        padded,
        encoding="gbk",
        before=[
            "#支付宝业务明细查询",
            "#账号：[20881234567890120156]",
            f"#起始日期：[{start}]   终止日期：[{end}]",
            "#-----------------------------------------业务明细列表----------------------------------------",
        ],
        after=after,
    )
