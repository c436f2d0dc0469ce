"""Excel exports (reports, differences, vouchers) open in openpyxl with the right totals; vouchers balance."""

import datetime as dt
import io
from decimal import Decimal

import pytest
from openpyxl import load_workbook

from finance.exceptions import ExportInvalid
from finance.models import AccountMapping, Difference, DifferenceStatus, ExportJob, Voucher
from finance.services.differences import difference_status_set
from finance.services.exports import export_build, export_request
from finance.services.reconciliation import reconcile
from finance.services.statements import statement_import_file
from finance.services.vouchers import KINGDEE_COLUMNS, YONYOU_COLUMNS, vouchers_draft
from tests.finance.helpers import BILLS, sample_bill_orders

pytestmark = pytest.mark.django_db

D11 = dt.date(2026, 11, 11)
D15 = dt.date(2026, 11, 15)


@pytest.fixture
def reconciled(world, entities, admin_user):
    """The three sample bills against their orders (see test_reconciliation), reconciled 11-11 … 11-15."""
    sku = world["skus"][0]
    sku.category = "美妆"
    sku.save()
    sample_bill_orders(world=world, entities=entities, sku=sku)
    for path in sorted(BILLS.iterdir()):
        statement_import_file(path_or_file=str(path), user=admin_user, entity=entities["a"])
    reconcile(date_from=D11, date_to=D15)
    return entities


def build(user, kind, layout="excel", **params):
    job = export_request(user=user, kind=kind, layout=layout, params=params)
    job = export_build(job_id=job.pk)
    assert job.status == ExportJob.Status.DONE, job.error
    with job.file.open("rb") as handle:
        workbook = load_workbook(io.BytesIO(handle.read()))
    return job, workbook.active


def values(sheet):
    return [[cell.value for cell in row] for row in sheet.iter_rows()]


def dec(value) -> Decimal:
    return Decimal(str(value)).quantize(Decimal("0.01"))


def test_report_by_date_is_typed_frozen_and_totalled(reconciled, admin_user):
    job, sheet = build(admin_user, ExportJob.Kind.REPORT, date_from="2026-11-11", date_to="2026-11-15", group_by="date")

    rows = values(sheet)
    header, data, total = rows[0], rows[1:-1], rows[-1]
    assert header[:4] == ["日期 Date", "销售 Sales", "退款 Refunds", "净销售 Net sales"]
    assert sheet.freeze_panes == "A2"
    assert isinstance(data[0][0], dt.datetime) and sheet["A2"].number_format == "yyyy-mm-dd"
    assert sheet["B2"].number_format == "#,##0.00" and sheet["A1"].font.b
    assert total[0] == "合计 Total"
    assert dec(total[1]) == Decimal("654.80")  # 267 + 69.80 + 119 + 199 (sales)
    assert dec(total[2]) == Decimal("287.80")  # 88.80 + 199 (refunds)
    for column in range(1, len(header)):
        if header[column] != "未结差异数 Open differences":
            assert dec(total[column]) == sum((dec(r[column] or 0) for r in data), Decimal("0.00"))
    assert job.rows == len(data)


@pytest.mark.parametrize("group_by", ["channel", "shop", "entity", "category"])
def test_report_groups(reconciled, admin_user, group_by):
    _job, sheet = build(
        admin_user, ExportJob.Kind.REPORT, date_from="2026-11-11", date_to="2026-11-15", group_by=group_by
    )

    rows = values(sheet)
    sales_column = rows[0].index("销售 Sales")
    total = rows[-1]
    expected = Decimal("654.80") if group_by != "category" else Decimal("674.80")  # category: goods before discounts
    assert dec(total[sales_column]) == expected
    if group_by == "category":
        assert [r[0] for r in rows[1:-1]] == ["美妆"]
    if group_by == "shop":
        assert sorted(r[0] for r in rows[1:-1] if r[0]) == ["shop-a", "shop-wx"]


def test_difference_export_totals_expected_actual_and_difference(reconciled, admin_user):
    _job, sheet = build(admin_user, ExportJob.Kind.DIFFERENCES, date_from="2026-11-11", date_to="2026-11-15")

    rows = values(sheet)
    data, total = rows[1:-1], rows[-1]
    assert len(data) == Difference.objects.count() == 2
    assert dec(total[12]) == sum((d.difference for d in Difference.objects.all()), Decimal("0.00"))
    assert dec(total[11]) == Decimal("598.60")  # 139.60 duplicate + 459.00 unknown
    assert total[15] is None  # ages are not totalled


def test_exports_show_only_what_the_requester_may_see(reconciled, finance, entities):
    from finance.services.entities import entity_access_grant

    entity_access_grant(who=finance, entities=[entities["b"]])
    _job, sheet = build(finance, ExportJob.Kind.DIFFERENCES, date_from="2026-11-11", date_to="2026-11-15")
    assert len(values(sheet)) == 2  # header and totals only

    with pytest.raises(ExportInvalid):
        export_request(user=finance, kind=ExportJob.Kind.VOUCHERS, params={"entity": entities["a"].code})


def test_export_build_is_idempotent(reconciled, admin_user):
    job, _sheet = build(admin_user, ExportJob.Kind.DIFFERENCES)
    name = job.file.name

    again = export_build(job_id=job.pk)

    assert again.file.name == name and again.status == ExportJob.Status.DONE


def test_exports_are_generated_in_the_background_after_commit(
    reconciled, admin_user, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        job = export_request(user=admin_user, kind=ExportJob.Kind.DIFFERENCES, params={})
    job.refresh_from_db()
    assert job.status == ExportJob.Status.DONE and job.rows == 2


def test_vouchers_balance_and_book_sales_refunds_cash_fees_commission_and_withdrawal(reconciled, admin_user):
    entity = reconciled["a"]

    result = vouchers_draft(entity=entity, date_from=D11, date_to=D15, user=admin_user)

    vouchers = list(Voucher.objects.filter(entity=entity).order_by("date"))
    assert result == {"drafted": len(vouchers), "kept_exported": 0}
    assert [v.date.day for v in vouchers] == [11, 14, 15]
    assert [v.number for v in vouchers] == [1, 2, 3]
    for voucher in vouchers:
        lines = list(voucher.lines.all())
        assert sum(line.debit for line in lines) == sum(line.credit for line in lines) == voucher.debit_total
    day11 = {(line.summary, line.account_code): (line.debit, line.credit) for line in vouchers[0].lines.all()}
    assert day11[("2026-11-11 天猫 销售收入", "1122")] == (Decimal("455.80"), Decimal("0"))
    assert day11[("2026-11-11 天猫 销售收入", "6001")] == (Decimal("0"), Decimal("455.80"))
    assert day11[("2026-11-11 天猫 销售退款", "6001")] == (Decimal("88.80"), Decimal("0"))
    assert day11[("2026-11-11 支付宝 收款", "101201")][0] > 0
    assert day11[("2026-11-11 微信支付 手续费", "660303")] == (Decimal("0.42"), Decimal("0"))
    day14 = {(line.summary, line.account_code): (line.debit, line.credit) for line in vouchers[1].lines.all()}
    assert day14[("2026-11-14 支付宝 平台佣金", "660107")] == (Decimal("8.91"), Decimal("0"))
    day15 = {(line.summary, line.account_code): (line.debit, line.credit) for line in vouchers[2].lines.all()}
    assert day15 == {
        ("2026-11-15 支付宝 提现", "1002"): (Decimal("1000.00"), Decimal("0")),
        ("2026-11-15 支付宝 提现", "101201"): (Decimal("0"), Decimal("1000.00")),
    }


def test_account_mapping_and_vat_are_configurable(reconciled, admin_user):
    entity = reconciled["a"]
    entity.vat_rate = Decimal("0.13")
    entity.save()
    AccountMapping.objects.create(
        entity=entity, item="revenue", account_code="600101", account_name="主营业务收入-线上"
    )
    AccountMapping.objects.create(item="cash", source="alipay", account_code="101299", account_name="支付宝-备付")

    vouchers_draft(entity=entity, date_from=D11, date_to=D11)

    lines = list(Voucher.objects.get(date=D11).lines.all())
    sale = ("2026-11-11 天猫 销售收入", "2026-11-11 天猫 销项税额")
    tmall = {line.account_code: line for line in lines if line.summary in sale}
    assert (
        tmall["600101"].credit == (Decimal("455.80") / Decimal("1.13")).quantize(Decimal("0.01")) == Decimal("403.36")
    )
    assert tmall["600101"].credit + tmall["22210102"].credit == tmall["1122"].debit == Decimal("455.80")
    assert {line.account_code for line in lines if line.item == "cash"} == {"101299", "101202"}


def test_accepted_differences_are_written_off(reconciled, admin_user):
    duplicate = Difference.objects.get(type="duplicate_charge")
    difference_status_set(difference=duplicate, status=DifferenceStatus.ACCEPTED, actor=admin_user, note="ok")

    vouchers_draft(entity=reconciled["a"], date_from=D11, date_to=D11)

    lines = [line for line in Voucher.objects.get(date=D11).lines.all() if line.item == "difference"]
    assert [(line.account_code, line.credit) for line in lines] == [("6711", Decimal("69.80"))]


@pytest.mark.parametrize(("layout", "columns"), [("kingdee", KINGDEE_COLUMNS), ("yonyou", YONYOU_COLUMNS)])
def test_voucher_export_in_kingdee_and_yonyou_layouts(reconciled, admin_user, layout, columns):
    vouchers_draft(entity=reconciled["a"], date_from=D11, date_to=D15)

    job, sheet = build(
        admin_user, ExportJob.Kind.VOUCHERS, layout, entity="ent-a", date_from="2026-11-11", date_to="2026-11-15"
    )

    rows = values(sheet)
    assert rows[0] == columns
    debit, credit = columns.index("借方金额"), columns.index("贷方金额")
    data, total = rows[1:-1], rows[-1]
    assert (
        dec(total[debit]) == dec(total[credit]) == sum((v.debit_total for v in Voucher.objects.all()), Decimal("0.00"))
    )
    assert len(data) == sum(v.lines.count() for v in Voucher.objects.all())
    assert set(Voucher.objects.values_list("status", flat=True)) == {Voucher.Status.EXPORTED}
    if layout == "kingdee":
        assert data[0][columns.index("凭证字")] == "记" and data[0][columns.index("币别")] == "RMB"


def test_exported_vouchers_are_not_redrafted(reconciled, admin_user):
    vouchers_draft(entity=reconciled["a"], date_from=D11, date_to=D11)
    Voucher.objects.update(status=Voucher.Status.EXPORTED)
    before = list(Voucher.objects.get().lines.values_list("debit", "credit"))

    result = vouchers_draft(entity=reconciled["a"], date_from=D11, date_to=D11)

    assert result == {"drafted": 0, "kept_exported": 1}
    assert list(Voucher.objects.get().lines.values_list("debit", "credit")) == before
