"""Journal vouchers (会计凭证) drafted from reconciled results, with a configurable account mapping.

One voucher per legal entity and business day. Its entries, each a balanced debit/credit pair:

==================  ===========================================  ============================================
item                debit                                        credit
==================  ===========================================  ============================================
sales               receivable (per channel)                     revenue (+ output VAT when the entity has a rate)
refunds             refund (sales returns)                       receivable (per channel)
cash received       cash (per source: Alipay, WeChat Pay, …)     receivable (per channel)
payment fees        payment_fee                                  cash (per source)
commission          commission                                   cash (per source)
withdrawals         bank                                         cash (per source)
written-off diffs   difference (loss) / receivable (gain)        receivable / difference
==================  ===========================================  ============================================

Sales are the entity's orders paid that day; refunds its refunds refunded that day; cash, fees and
commission the matched (reconciled) statement lines of that day — lines matching no order are
differences, not bookings. Accounts come from ``AccountMapping`` (entity + item + source, most specific
first) and fall back to ``DEFAULT_ACCOUNTS``. A voucher that was exported is never redrafted.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.db import transaction
from django.db.models import Max, Q, Sum
from django.db.models.functions import TruncDate
from django.utils.translation import gettext as _

from aftersales.models import Case
from finance.exceptions import VoucherInvalid
from finance.formats.base import SHANGHAI, LineKind
from finance.models import (
    AccountItem,
    AccountMapping,
    Difference,
    DifferenceStatus,
    LegalEntity,
    ShopEntity,
    StatementLine,
    Voucher,
    VoucherLine,
)
from finance.services.reconciliation import day_bounds
from orders.models import Order, Platform

ZERO = Decimal("0.00")
CENT = Decimal("0.01")
A = AccountItem

DEFAULT_ACCOUNTS: dict[str, tuple[str, str]] = {
    A.RECEIVABLE: ("1122", "应收账款"),
    A.REVENUE: ("6001", "主营业务收入"),
    A.OUTPUT_VAT: ("22210102", "应交税费-应交增值税-销项税额"),
    A.REFUND: ("6001", "主营业务收入"),
    A.PAYMENT_FEE: ("660303", "财务费用-手续费"),
    A.COMMISSION: ("660107", "销售费用-平台佣金"),
    A.CASH: ("1012", "其他货币资金"),
    A.BANK: ("1002", "银行存款"),
    A.DIFFERENCE: ("6711", "营业外支出-对账差异"),
}
DEFAULT_CASH_ACCOUNTS: dict[str, tuple[str, str]] = {
    "alipay": ("101201", "其他货币资金-支付宝"),
    "wechat": ("101202", "其他货币资金-微信支付"),
    "unionpay": ("101203", "其他货币资金-银联"),
    "taobao": ("101204", "其他货币资金-淘宝天猫"),
    "jd": ("101205", "其他货币资金-京东"),
    "pdd": ("101206", "其他货币资金-拼多多"),
    "douyin": ("101207", "其他货币资金-抖音"),
    "bank": ("1002", "银行存款"),
}
SOURCE_NAMES = {
    "alipay": "支付宝",
    "wechat": "微信支付",
    "unionpay": "银联",
    "taobao": "淘宝天猫",
    "jd": "京东",
    "pdd": "拼多多",
    "douyin": "抖音",
    "bank": "银行",
}
CHANNEL_NAMES = dict(Platform.choices)


@dataclass
class Account:
    code: str
    name: str
    aux_type: str = ""
    aux_code: str = ""


class Chart:
    """The account for an item, per entity and source (the most specific mapping row wins)."""

    def __init__(self, entity: LegalEntity):
        self.rows = list(AccountMapping.objects.filter(Q(entity=entity) | Q(entity__isnull=True)))

    def account(self, item: str, source: str = "") -> Account:
        best = None
        best_rank = -1
        for row in self.rows:
            if row.item != item or (row.source and row.source != source):
                continue
            rank = (2 if row.entity_id else 0) + (1 if row.source else 0)
            if rank > best_rank:
                best, best_rank = row, rank
        if best is not None:
            return Account(best.account_code, best.account_name, best.aux_type, best.aux_code)
        if item == A.CASH and source in DEFAULT_CASH_ACCOUNTS:
            return Account(*DEFAULT_CASH_ACCOUNTS[source])
        return Account(*DEFAULT_ACCOUNTS[item])


class _Draft:
    def __init__(self, chart: Chart):
        self.chart = chart
        self.lines: list[VoucherLine] = []

    def pair(self, summary: str, amount: Decimal, debit: tuple[str, str, str], credit: tuple[str, str, str]) -> None:
        """Debit ``debit`` and credit ``credit`` with ``amount`` (a negative amount swaps them). Each side is
        ``(item, source, aux channel)``."""
        amount = amount.quantize(CENT)
        if amount == 0:
            return
        if amount < 0:
            debit, credit, amount = credit, debit, -amount
        self.side(summary, debit, debit=amount)
        self.side(summary, credit, credit=amount)

    def side(self, summary: str, where: tuple[str, str, str], *, debit=ZERO, credit=ZERO) -> None:
        item, source, channel = where
        account = self.chart.account(item, source)
        aux_type, aux_code = account.aux_type, account.aux_code
        if not aux_code and channel and item == A.RECEIVABLE:
            aux_type, aux_code = "客户", channel
        self.lines.append(
            VoucherLine(
                seq=len(self.lines) + 1,
                item=item,
                summary=summary[:200],
                account_code=account.code,
                account_name=account.name,
                debit=debit,
                credit=credit,
                aux_type=aux_type,
                aux_code=aux_code,
            )
        )


def _split_vat(gross: Decimal, rate: Decimal) -> tuple[Decimal, Decimal]:
    if not rate:
        return gross, ZERO
    net = (gross / (1 + rate)).quantize(CENT, rounding=ROUND_HALF_UP)
    return net, gross - net


def voucher_amounts(*, entity: LegalEntity, date_from: dt.date, date_to: dt.date) -> dict[dt.date, dict]:
    """Per day: sales and refunds per channel, and per (source, channel) the cash, fees, commission and
    withdrawals of the entity's reconciled lines."""
    start, end = day_bounds(date_from, date_to)
    shop_ids = list(ShopEntity.objects.filter(entity=entity).values_list("shop_id", flat=True))
    days: dict[dt.date, dict] = defaultdict(
        lambda: {
            "sales": defaultdict(Decimal),
            "refunds": defaultdict(Decimal),
            "lines": defaultdict(Decimal),
            "differences": defaultdict(Decimal),
        }
    )
    sales = (
        Order.objects.filter(shop_id__in=shop_ids, paid_at__gte=start, paid_at__lt=end)
        .annotate(day=TruncDate("paid_at", tzinfo=SHANGHAI))
        .values("day", "shop__platform")
        .annotate(total=Sum("paid_amount"))
        .order_by()
    )
    for row in sales:
        days[row["day"]]["sales"][row["shop__platform"]] += _d(row["total"])
    refunds = (
        Case.objects.filter(
            order__shop_id__in=shop_ids, status=Case.Status.REFUNDED, refunded_at__gte=start, refunded_at__lt=end
        )
        .annotate(day=TruncDate("refunded_at", tzinfo=SHANGHAI))
        .values("day", "order__shop__platform")
        .annotate(total=Sum("amount"))
        .order_by()
    )
    for row in refunds:
        days[row["day"]]["refunds"][row["order__shop__platform"]] += _d(row["total"])
    lines = (
        StatementLine.objects.filter(business_date__gte=date_from, business_date__lte=date_to)
        .filter(
            Q(order__shop_id__in=shop_ids)
            | Q(order__isnull=True, statement__entity=entity, kind__in=sorted(LineKind.KNOWN_ITEMS))
        )
        .values("business_date", "source", "kind", "order__shop__platform")
        .annotate(amount=Sum("amount"), fee=Sum("fee"), commission=Sum("commission"))
        .order_by()
    )
    for row in lines:
        bucket = days[row["business_date"]]["lines"]
        key = (row["source"], row["order__shop__platform"] or "")
        kind = row["kind"]
        if kind in LineKind.ORDER_KINDS:
            bucket[(*key, "cash")] += _d(row["amount"])
        elif kind == LineKind.WITHDRAWAL:
            bucket[(*key, "withdrawal")] += _d(row["amount"])
        bucket[(*key, "fee")] += _d(row["fee"])
        bucket[(*key, "commission")] += _d(row["commission"])
    accepted = (
        Difference.objects.filter(
            entity=entity, status=DifferenceStatus.ACCEPTED, business_date__gte=date_from, business_date__lte=date_to
        )
        .values("business_date", "source", "channel")
        .annotate(total=Sum("difference"))
        .order_by()
    )
    for row in accepted:
        days[row["business_date"]]["differences"][(row["source"], row["channel"])] += _d(row["total"])
    return days


def _d(value) -> Decimal:
    return ZERO if value is None else Decimal(str(value)).quantize(CENT)


@transaction.atomic
def vouchers_draft(*, entity: LegalEntity, date_from: dt.date, date_to: dt.date, user=None) -> dict[str, int]:
    """Draft (or redraft) the entity's vouchers for each day with activity. Exported vouchers are kept as
    they are. Returns counts of drafted, unchanged-because-exported and empty days."""
    if date_to < date_from:
        raise VoucherInvalid(_("date_to: must not be before date_from."), extra={"field": "date_to"})
    chart = Chart(entity)
    drafted = kept = 0
    for day, amounts in sorted(voucher_amounts(entity=entity, date_from=date_from, date_to=date_to).items()):
        existing = Voucher.objects.select_for_update().filter(entity=entity, date=day, source="").first()
        if existing is not None and existing.status == Voucher.Status.EXPORTED:
            kept += 1
            continue
        draft = _Draft(chart)
        label = f"{day:%Y-%m-%d}"
        for channel, total in sorted(amounts["sales"].items()):
            name = CHANNEL_NAMES.get(channel, channel)
            net, vat = _split_vat(total, entity.vat_rate)
            draft.side(f"{label} {name} 销售收入", (A.RECEIVABLE, "", channel), debit=total)
            draft.side(f"{label} {name} 销售收入", (A.REVENUE, "", channel), credit=net)
            if vat:
                draft.side(f"{label} {name} 销项税额", (A.OUTPUT_VAT, "", channel), credit=vat)
        for channel, total in sorted(amounts["refunds"].items()):
            name = CHANNEL_NAMES.get(channel, channel)
            draft.pair(f"{label} {name} 销售退款", total, (A.REFUND, "", channel), (A.RECEIVABLE, "", channel))
        for (source, channel, what), total in sorted(amounts["lines"].items()):
            src = SOURCE_NAMES.get(source, source)
            if what == "cash":
                draft.pair(f"{label} {src} 收款", total, (A.CASH, source, ""), (A.RECEIVABLE, "", channel))
            elif what == "fee":
                draft.pair(f"{label} {src} 手续费", -total, (A.PAYMENT_FEE, source, ""), (A.CASH, source, ""))
            elif what == "commission":
                draft.pair(f"{label} {src} 平台佣金", -total, (A.COMMISSION, source, ""), (A.CASH, source, ""))
            elif what == "withdrawal":
                draft.pair(f"{label} {src} 提现", -total, (A.BANK, "", ""), (A.CASH, source, ""))
        for (source, channel), total in sorted(amounts["differences"].items()):
            draft.pair(f"{label} 对账差异核销", -total, (A.DIFFERENCE, source, ""), (A.RECEIVABLE, "", channel))
        if not draft.lines:
            continue
        debit = sum((line.debit for line in draft.lines), ZERO)
        credit = sum((line.credit for line in draft.lines), ZERO)
        if debit != credit:  # every entry is a balanced pair; this would be a bug
            raise VoucherInvalid(
                _("The draft for %(day)s does not balance: debit %(debit)s, credit %(credit)s.")
                % {"day": day, "debit": debit, "credit": credit}
            )
        if existing is None:
            last = Voucher.objects.filter(entity=entity, date__year=day.year, date__month=day.month).aggregate(
                n=Max("number")
            )["n"]
            existing = Voucher(entity=entity, date=day, source="", number=(last or 0) + 1, created_by=user)
        existing.debit_total, existing.credit_total, existing.currency = debit, credit, entity.currency
        existing.save()
        existing.lines.all().delete()
        for line in draft.lines:
            line.voucher = existing
        VoucherLine.objects.bulk_create(draft.lines)
        drafted += 1
    return {"drafted": drafted, "kept_exported": kept}


# --- export layouts -------------------------------------------------------------------------------------------

EXCEL_COLUMNS = [
    "凭证日期",
    "凭证字",
    "凭证号",
    "分录号",
    "摘要",
    "科目代码",
    "科目名称",
    "借方金额",
    "贷方金额",
    "币别",
    "核算项目类型",
    "核算项目编码",
]
KINGDEE_COLUMNS = [
    "日期",
    "会计年度",
    "会计期间",
    "凭证字",
    "凭证号",
    "分录号",
    "摘要",
    "科目代码",
    "科目名称",
    "币别",
    "汇率",
    "原币金额",
    "借方金额",
    "贷方金额",
    "制单人",
    "核算维度",
]
YONYOU_COLUMNS = [
    "凭证类别",
    "凭证号",
    "制单日期",
    "附单据数",
    "摘要",
    "科目编码",
    "科目名称",
    "借方金额",
    "贷方金额",
    "币种",
    "汇率",
    "外币金额",
    "部门",
    "个人",
    "客户",
    "供应商",
    "项目",
    "制单人",
]
LAYOUT_COLUMNS = {"excel": EXCEL_COLUMNS, "kingdee": KINGDEE_COLUMNS, "yonyou": YONYOU_COLUMNS}
MONEY_COLUMNS = {"借方金额", "贷方金额", "原币金额", "外币金额"}
DATE_COLUMNS = {"凭证日期", "日期", "制单日期"}


def voucher_rows(voucher: Voucher, layout: str, *, preparer: str = "") -> list[list]:
    """The voucher's lines as rows of ``LAYOUT_COLUMNS[layout]``."""
    rows = []
    for line in voucher.lines.all():
        amount = line.debit or line.credit
        if layout == "kingdee":
            aux = f"{line.aux_type}---{line.aux_code}" if line.aux_code else ""
            rows.append(
                [
                    voucher.date,
                    voucher.date.year,
                    voucher.date.month,
                    voucher.word,
                    voucher.number,
                    line.seq,
                    line.summary,
                    line.account_code,
                    line.account_name,
                    "RMB" if voucher.currency == "CNY" else voucher.currency,
                    1,
                    amount,
                    line.debit,
                    line.credit,
                    preparer,
                    aux,
                ]
            )
        elif layout == "yonyou":
            customer = line.aux_code if line.aux_type == "客户" else ""
            rows.append(
                [
                    voucher.word,
                    voucher.number,
                    voucher.date,
                    0,
                    line.summary,
                    line.account_code,
                    line.account_name,
                    line.debit,
                    line.credit,
                    "人民币" if voucher.currency == "CNY" else voucher.currency,
                    1,
                    amount,
                    "",
                    "",
                    customer,
                    "",
                    "",
                    preparer,
                ]
            )
        else:
            rows.append(
                [
                    voucher.date,
                    voucher.word,
                    voucher.number,
                    line.seq,
                    line.summary,
                    line.account_code,
                    line.account_name,
                    line.debit,
                    line.credit,
                    voucher.currency,
                    line.aux_type,
                    line.aux_code,
                ]
            )
    return rows
