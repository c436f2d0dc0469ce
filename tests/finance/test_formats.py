"""Statement formats: detection from content, parsing by header name, totals, and precise row errors."""

import datetime as dt
import io
from decimal import Decimal
from pathlib import Path

import pytest

from config.spreadsheets import SpreadsheetInvalid
from finance.formats import LineKind, ParseContext, statement_open
from finance.formats.base import SHANGHAI, money
from tests.finance import builders
from tests.finance.helpers import BILLS

SAMPLES = sorted(BILLS.iterdir())


def parse(data: bytes):
    reader = statement_open(io.BytesIO(data))
    ctx = ParseContext()
    lines = list(reader.lines(ctx))
    return reader, ctx, lines


def test_every_sample_is_covered_by_these_tests():
    assert {p.name for p in SAMPLES} == {
        "alipay_trade_20261111_业务明细.csv",
        "alipay_account_20261111-15_账务明细.csv",
        "wechatpay_tradebill_20261111_ALL.csv",
    }


@pytest.mark.parametrize("path", SAMPLES, ids=lambda p: p.name)
def test_every_sample_parses_to_the_totals_its_own_footer_states(path: Path):
    reader, ctx, lines = parse(path.read_bytes())

    assert ctx.errors == []
    assert ctx.declared, "the sample states its totals"
    assert {key: ctx.parsed.get(key) for key in ctx.declared} == ctx.declared
    assert all(isinstance(v, Decimal) for line in lines for v in (line.amount, line.fee, line.commission))


def test_alipay_trade_bill_is_read_from_gbk_with_tabs_and_footer(bills):
    reader, ctx, lines = parse((bills / "alipay_trade_20261111_业务明细.csv").read_bytes())

    assert (reader.code, reader.container) == ("alipay_trade", "csv/gb18030")
    assert ctx.declared == {
        "trade_count": 4,
        "trade_amount": Decimal("914.80"),
        "trade_fee": Decimal("-5.48"),
        "refund_count": 1,
        "refund_amount": Decimal("-88.80"),
        "refund_fee": Decimal("0.53"),
    }
    assert ctx.meta["account"] == "20881234567890120156"
    assert ctx.meta["period_start"] == dt.datetime(2026, 11, 11, tzinfo=SHANGHAI)
    first, second, third, refund, unknown = lines
    assert (first.row, first.kind, first.order_ref, first.transaction_id) == (
        6,
        LineKind.PAYMENT,
        "OH20261111-000101",
        "2026111122001400001234567890",
    )
    assert (first.amount, first.fee, first.gross) == (Decimal("267.00"), Decimal("-1.60"), Decimal("267.00"))
    assert (second.merchant_discount, second.platform_discount) == (Decimal("10.00"), Decimal("0.00"))
    assert (third.platform_discount, third.merchant_discount) == (Decimal("10.00"), Decimal("0.00"))
    assert (refund.kind, refund.amount, refund.fee, refund.refund_ref) == (
        LineKind.REFUND,
        Decimal("-88.80"),
        Decimal("0.53"),
        "2026111109300001RF",
    )
    assert refund.occurred_at == dt.datetime(2026, 11, 11, 9, 30, 12, tzinfo=SHANGHAI)
    assert unknown.order_ref == "OH20261111-000199"


def test_alipay_ledger_splits_income_expense_commission_fee_refund_and_withdrawal(bills):
    reader, ctx, lines = parse((bills / "alipay_account_20261111-15_账务明细.csv").read_bytes())

    assert reader.code == "alipay_account"
    kinds = [(line.kind, line.net, line.platform_ref) for line in lines]
    assert kinds == [
        (LineKind.SETTLEMENT, Decimal("178.20"), "3987456123001234567"),
        (LineKind.COMMISSION, Decimal("-8.91"), "3987456123001234567"),
        (LineKind.FEE, Decimal("-1.07"), "3987456123001234567"),
        (LineKind.REFUND, Decimal("-88.80"), "3987456123001234567"),
        (LineKind.WITHDRAWAL, Decimal("-1000.00"), ""),
    ]
    assert lines[1].commission == Decimal("-8.91") and lines[1].amount == 0
    assert lines[2].fee == Decimal("-1.07") and lines[2].amount == 0
    assert ctx.meta.get("warnings") is None  # the running balance follows row by row


def test_wechat_bill_strips_backticks_and_reads_the_summary_rows(bills):
    reader, ctx, lines = parse((bills / "wechatpay_tradebill_20261111_ALL.csv").read_bytes())

    assert (reader.code, reader.container) == ("wechat_trade", "csv/utf-8")
    assert ctx.declared["count"] == 3 and ctx.declared["fee_total"] == Decimal("0.42")
    pay, pay2, refund = lines
    assert (pay.order_ref, pay.transaction_id, pay.amount, pay.fee, pay.fee_rate) == (
        "OH20261111-000102",
        "4200002345202611110987654321",
        Decimal("69.80"),
        Decimal("-0.42"),
        Decimal("0.006"),
    )
    assert (refund.kind, refund.amount, refund.fee, refund.refund_ref) == (
        LineKind.REFUND,
        Decimal("-199.00"),
        Decimal("1.19"),
        "RF20261111-000150-1",
    )
    assert pay.refund_ref == ""  # WeChat writes 0 where no refund id applies


def test_wechat_columns_are_found_by_name_not_position(bills):
    text = (bills / "wechatpay_tradebill_20261111_ALL.csv").read_text("utf-8")
    rows = [line.split(",") for line in text.splitlines()]
    header_len = len(rows[0])
    order = list(range(header_len))[::-1]  # every table column reversed
    shuffled = [",".join(r[i] for i in order) if len(r) == header_len else ",".join(r) for r in rows]

    _reader, ctx, lines = parse("\n".join(shuffled).encode())

    assert [(line.order_ref, line.amount) for line in lines] == [
        ("OH20261111-000102", Decimal("69.80")),
        ("OH20261111-000150", Decimal("199.00")),
        ("OH20261111-000150", Decimal("-199.00")),
    ]
    assert {k: ctx.parsed[k] for k in ctx.declared} == ctx.declared


def test_format_is_detected_from_content_whatever_the_file_is_called(bills):
    data = (bills / "alipay_account_20261111-15_账务明细.csv").read_bytes()
    reader, _ctx, _lines = parse(data)  # no filename at all
    assert reader.code == "alipay_account"


def test_a_bad_row_is_reported_with_row_column_value_and_reason_and_the_rest_is_kept(bills):
    text = (bills / "alipay_trade_20261111_业务明细.csv").read_bytes().decode("gbk")
    text = text.replace(
        "冻干咖啡粉 24 颗,2026-11-11 01:20:44,2026-11-11 01:20:45",
        "冻干咖啡粉 24 颗,2026-11-11 01:20:44,2026-13-45 99:00",
    )
    text = text.replace(",459.00,459.00,", ",459.00,45x.00,")

    _reader, ctx, lines = parse(text.encode("gbk"))

    assert [str(e) for e in ctx.errors] == [
        "第 8 行，完成时间 列: '2026-13-45 99:00' 不是日期时间（应为 YYYY-MM-DD HH:MM:SS）",
        "第 10 行，商家实收（元） 列: '45x.00' 不是金额",
    ]
    assert [line.row for line in lines] == [6, 7, 9]
    assert ctx.parsed["trade_count"] == 2 != ctx.declared["trade_count"]


def test_an_unknown_file_names_the_closest_format_and_its_missing_columns():
    data = "支付宝交易号,商户订单号,业务类型,金额\n1,2,交易,3\n".encode()

    with pytest.raises(SpreadsheetInvalid) as excinfo:
        parse(data)

    assert excinfo.value.extra["closest_format"] == "alipay_trade"
    assert "商家实收（元）" in excinfo.value.message and "第 1 行" in excinfo.value.message


def test_a_file_with_no_known_header_is_refused():
    with pytest.raises(SpreadsheetInvalid, match="没有一行是已知列名的表头"):
        parse(b"hello,world\n1,2\n")


def test_old_excel_files_are_refused_with_advice():
    with pytest.raises(SpreadsheetInvalid, match="不支持旧版 .xls 工作簿：请另存为 .xlsx 或 CSV"):
        parse(b"\xd0\xcf\x11\xe0" + b"\0" * 100)


def test_unionpay_details_payments_refunds_and_totals_row():
    rows = [
        {
            "交易时间": "2026-11-11 10:00:00",
            "商户订单号": "OH20261111000301",
            "查询流水号": "Q1",
            "交易类型": "消费",
            "交易金额": "100.00",
            "手续费": "0.38",
            "清算金额": "99.62",
        },
        {
            "交易时间": "20261111120000",
            "商户订单号": "OH20261111000301",
            "查询流水号": "Q2",
            "原查询流水号": "Q1",
            "交易类型": "退货",
            "交易金额": "40.00",
            "手续费": "-0.15",
            "清算金额": "-39.85",
        },
    ]
    data = builders.csv_bytes(
        builders.UNIONPAY_HEADER,
        rows,
        encoding="gbk",
        totals={"交易时间": "合计", "交易金额": "140.00", "手续费": "0.23", "清算金额": "59.77"},
    )

    reader, ctx, (pay, refund) = parse(data)

    assert reader.code == "unionpay_trade"
    assert (pay.kind, pay.amount, pay.fee, pay.transaction_id) == (
        LineKind.PAYMENT,
        Decimal("100.00"),
        Decimal("-0.38"),
        "Q1",
    )
    assert (refund.kind, refund.amount, refund.fee, refund.transaction_id, refund.refund_ref) == (
        LineKind.REFUND,
        Decimal("-40.00"),
        Decimal("0.15"),
        "Q1",
        "Q2",
    )
    assert refund.occurred_at == dt.datetime(2026, 11, 11, 12, tzinfo=SHANGHAI)
    assert ctx.declared == {
        "amount_total": Decimal("140.00"),
        "fee_total": Decimal("0.23"),
        "settlement_total": Decimal("59.77"),
    }
    assert {k: ctx.parsed[k] for k in ctx.declared} == ctx.declared


def test_unionpay_row_whose_settlement_does_not_add_up_is_reported():
    rows = [
        {
            "交易时间": "2026-11-11 10:00:00",
            "商户订单号": "A1",
            "查询流水号": "Q1",
            "交易类型": "消费",
            "交易金额": "100.00",
            "手续费": "0.38",
            "清算金额": "99.00",
        }
    ]

    _reader, ctx, lines = parse(builders.csv_bytes(builders.UNIONPAY_HEADER, rows))

    assert lines == []
    assert ctx.errors[0].column == "清算金额" and "99.62" in ctx.errors[0].reason


def test_taobao_settlement_items_become_settlement_commission_fee_refund_and_subsidy():
    rows = [
        {
            "结算时间": "2026-11-14 10:02:11",
            "订单号": "3987456123001234567",
            "收支项目": "交易收入",
            "金额（元）": "178.20",
        },
        {
            "结算时间": "2026-11-14 10:02:11",
            "订单号": "3987456123001234567",
            "收支项目": "天猫佣金",
            "金额（元）": "-8.91",
        },
        {
            "结算时间": "2026-11-14 10:02:11",
            "订单号": "3987456123001234567",
            "收支项目": "信用卡支付服务费",
            "金额（元）": "-1.07",
        },
        {
            "结算时间": "2026-11-14 10:02:11",
            "订单号": "3987456123001234567",
            "收支项目": "天猫购物券补贴",
            "金额（元）": "5.00",
        },
        {
            "结算时间": "2026-11-15 09:00:00",
            "订单号": "3987456123001234567",
            "收支项目": "售后退款",
            "金额（元）": "-20.00",
        },
    ]
    data = builders.csv_bytes(builders.TAOBAO_HEADER, rows, totals={"结算时间": "合计", "金额（元）": "153.22"})

    reader, ctx, lines = parse(data)

    assert reader.code == "taobao_settlement"
    assert [(line.kind, line.net) for line in lines] == [
        (LineKind.SETTLEMENT, Decimal("178.20")),
        (LineKind.COMMISSION, Decimal("-8.91")),
        (LineKind.FEE, Decimal("-1.07")),
        (LineKind.SETTLEMENT, Decimal("5.00")),
        (LineKind.REFUND, Decimal("-20.00")),
    ]
    assert lines[3].platform_discount == Decimal("5.00") and lines[3].has_discounts
    assert ctx.declared == {"amount_total": Decimal("153.22")} and ctx.parsed["amount_total"] == Decimal("153.22")


def test_jd_settlement_uses_the_direction_column_for_the_sign():
    rows = [
        {
            "订单编号": "300012345678",
            "费用名称": "货款",
            "收支方向": "收入",
            "金额": "259.00",
            "费用结算时间": "2026-11-13 08:00:00",
        },
        {
            "订单编号": "300012345678",
            "费用名称": "佣金",
            "收支方向": "支出",
            "金额": "20.72",
            "费用结算时间": "2026-11-13 08:00:00",
        },
        {
            "订单编号": "300012345678",
            "费用名称": "京豆",
            "收支方向": "收入",
            "金额": "3.00",
            "费用结算时间": "2026-11-13 08:00:00",
        },
        {
            "订单编号": "300012345678",
            "费用名称": "运费",
            "收支方向": "收入",
            "金额": "6.00",
            "费用结算时间": "2026-11-13 08:00:00",
        },
    ]

    reader, _ctx, lines = parse(builders.csv_bytes(builders.JD_HEADER, rows))

    assert reader.code == "jd_settlement"
    assert [(line.kind, line.net, line.platform_ref) for line in lines] == [
        (LineKind.SETTLEMENT, Decimal("259.00"), "300012345678"),
        (LineKind.COMMISSION, Decimal("-20.72"), "300012345678"),
        (LineKind.SETTLEMENT, Decimal("3.00"), "300012345678"),
        (LineKind.SETTLEMENT, Decimal("6.00"), "300012345678"),
    ]
    assert lines[3].postage == Decimal("6.00")


def test_pdd_ledger_reads_income_and_expense_columns_from_xlsx():
    rows = [
        {
            "商户订单号": "261111-123456789012345",
            "发生时间": dt.datetime(2026, 11, 12, 9, 0),
            "收入金额（+元）": 59.9,
            "支出金额（-元）": None,
            "账务类型": "交易收入",
        },
        {
            "商户订单号": "261111-123456789012345",
            "发生时间": dt.datetime(2026, 11, 12, 9, 0),
            "收入金额（+元）": None,
            "支出金额（-元）": -0.36,
            "账务类型": "技术服务费",
        },
        {
            "商户订单号": "",
            "发生时间": "2026-11-13 10:00:00",
            "收入金额（+元）": None,
            "支出金额（-元）": 500,
            "账务类型": "提现",
        },
    ]
    reader, _ctx, lines = parse(builders.xlsx_bytes(builders.PDD_HEADER, rows))

    assert (reader.code, reader.container) == ("pdd_ledger", "xlsx")
    assert [(line.kind, line.net) for line in lines] == [
        (LineKind.SETTLEMENT, Decimal("59.90")),
        (LineKind.COMMISSION, Decimal("-0.36")),
        (LineKind.WITHDRAWAL, Decimal("-500.00")),
    ]
    assert lines[0].occurred_at == dt.datetime(2026, 11, 12, 9, tzinfo=SHANGHAI)


def test_douyin_settlement_splits_charges_from_the_principal():
    rows = [
        {
            "结算时间": "2026/11/15 10:00:00",
            "订单号": "6925123456789012345",
            "订单总价": "120.00",
            "实际支付": "110.00",
            "运费": "0.00",
            "平台补贴": "10.00",
            "平台服务费": "6.00",
            "佣金": "12.00",
            "结算金额": "102.00",
            "结算类型": "订单结算",
        },
        {
            "结算时间": "2026/11/16 10:00:00",
            "订单号": "6925123456789012345",
            "订单总价": "0",
            "结算金额": "-30.00",
            "结算类型": "退款",
        },
    ]
    data = builders.csv_bytes(
        builders.DOUYIN_HEADER, rows, totals={"结算时间": "合计", "订单总价": "120.00", "结算金额": "72.00"}
    )

    reader, ctx, (settle, refund) = parse(data)

    assert reader.code == "douyin_settlement"
    assert (settle.kind, settle.amount, settle.commission, settle.platform_discount, settle.postage) == (
        LineKind.SETTLEMENT,
        Decimal("120.00"),
        Decimal("-18.00"),
        Decimal("10.00"),
        Decimal("0.00"),
    )
    assert settle.net == Decimal("102.00")
    assert (refund.kind, refund.amount) == (LineKind.REFUND, Decimal("-30.00"))
    assert {k: ctx.parsed[k] for k in ctx.declared} == ctx.declared


@pytest.mark.parametrize("container", ["csv", "xlsx"])
def test_bank_statement_in_csv_or_xlsx_with_title_rows_and_balance_check(container):
    rows = [
        {
            "交易日期": "20261116",
            "交易时间": "101530",
            "贷方金额": "1000.00",
            "借方金额": "",
            "余额": "51000.00",
            "对方户名": "支付宝（中国）网络技术有限公司",
            "摘要": "提现",
            "流水号": "B001",
        },
        {
            "交易日期": "20261116",
            "交易时间": "141000",
            "贷方金额": "",
            "借方金额": "200.00",
            "余额": "50800.00",
            "对方户名": "顺丰速运",
            "摘要": "运费",
            "流水号": "B002",
        },
        {
            "交易日期": "20261117",
            "交易时间": "090000",
            "贷方金额": "300.00",
            "借方金额": "",
            "余额": "50000.00",
            "对方户名": "京东",
            "摘要": "货款",
            "流水号": "B003",
        },
    ]
    if container == "csv":
        data = builders.csv_bytes(
            builders.BANK_HEADER, rows, encoding="gbk", before=["账号:6225880000008866,户名:杭州花间科技有限公司"]
        )
    else:
        data = builders.xlsx_bytes(
            builders.BANK_HEADER, rows, title_rows=["招商银行账户交易明细", "账号:6225880000008866"]
        )

    reader, ctx, lines = parse(data)

    assert reader.code == "bank_statement"
    assert [(line.kind, line.amount) for line in lines] == [
        (LineKind.BANK_IN, Decimal("1000.00")),
        (LineKind.BANK_OUT, Decimal("-200.00")),
        (LineKind.BANK_IN, Decimal("300.00")),
    ]
    assert lines[0].occurred_at == dt.datetime(2026, 11, 16, 10, 15, 30, tzinfo=SHANGHAI)
    (warning,) = ctx.meta["warnings"]
    assert warning["row"] == lines[2].row and warning["column"] == "余额" and "51100.00" in warning["reason"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1,234.50", "1234.50"),
        ("¥12.3", "12.30"),
        ("-0.42", "-0.42"),
        ("(5.00)", "-5.00"),
        ("`69.80", "69.80"),
        ("\t267.00\t", "267.00"),
        ('="88.80"', "88.80"),
    ],
)
def test_money_accepts_the_ways_statements_print_amounts(text, expected):
    assert money(text, "x") == Decimal(expected)


@pytest.mark.parametrize("text", ["1.234", "12,3.4.5", "NaN", "1e5", "abc"])
def test_money_refuses_what_is_not_an_amount_in_cents(text):
    from finance.formats.base import RowInvalid

    with pytest.raises(RowInvalid):
        money(text, "x")


def test_floats_stored_by_excel_become_exact_cents():
    assert money(69.80000000001, "x") == Decimal("69.80")
