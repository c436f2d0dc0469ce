"""Order files: XLSX and GBK CSV from shared/samples/imports, header synonyms, row errors, preview, import
in the background, and a second import of the same file creating nothing."""

import io
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from integrations.exceptions import ImportInvalid
from integrations.imports import file_parse, import_job_create, import_job_start
from integrations.mapping import overrides_forget
from integrations.models import FieldMapping, ImportJob
from orders.models import Order
from tests.integrations.helpers import make_shop
from tests.samples import SAMPLES

pytestmark = pytest.mark.django_db

PDD_FILE = SAMPLES / "imports" / "pdd_orders_export_20261111.xlsx"
POS_FILE = SAMPLES / "imports" / "pos_store_sales_20261111.csv"


@pytest.fixture
def pdd_shop(skus, warehouse):
    return make_shop("pdd-import", "pdd", warehouse).shop


@pytest.fixture
def pos_shop(skus, warehouse):
    return make_shop("pos-sz01", "pos", warehouse).shop


def errors_of(parsed):
    return [(e.row, e.column, e.value, e.reason) for e in parsed.errors]


def test_pdd_export_row_4_reports_each_problem_precisely(skus):
    parsed = file_parse(PDD_FILE.read_bytes(), PDD_FILE.name, "pdd_export")

    assert errors_of(parsed) == [
        (4, "商品数量(件)", "x", "不是大于等于 1 的整数"),
        (4, "手机", "13", "不是电话号码（11 位手机号、脱敏的 138****5678 或座机）"),
        (4, "详细地址", "", "必填"),
    ]
    assert set(parsed.good_orders) == {"261111-482019375610301", "261111-482019375610302"}
    assert parsed.bad_orders == {"261111-482019375610303"}


def test_pos_csv_in_gbk_reports_the_repeated_row_the_unknown_sku_and_the_missing_consignee(skus):
    parsed = file_parse(POS_FILE.read_bytes(), POS_FILE.name, "pos")

    assert parsed.duplicates == [(4, 3)]
    assert errors_of(parsed) == [
        (5, "收件人", "", "必填"),
        (5, "收货地址", "", "必填"),
        (5, "货号", "NO-SUCH-SKU", "不是已知的 SKU 编码"),
    ]
    assert set(parsed.good_orders) == {"POS-SZ01-20261111-0001", "POS-SZ01-20261111-0002"}


def test_utf8_csv_with_the_standard_template_and_synonyms(skus):
    text = (
        "订单编号,商家编码,购买数量,单价,收货人姓名,联系手机,收货地址\n"
        "A1,CUP-BLUE,2,39.90,张三,13812345678,浙江省杭州市西湖区文三路 100 号\n"
    )
    parsed = file_parse(text.encode("utf-8"), "orders.csv", "standard")
    assert parsed.errors == []
    ((_key, (row,)),) = parsed.good_orders.items()
    assert row.values["quantity"] == 2 and row.values["unit_price"] == Decimal("39.90")


def test_a_header_synonym_added_by_staff_is_recognised(skus):
    text = "Bestellnummer,商家编码,数量,单价,收货人,手机\nB1,CUP-BLUE,1,39.90,李四,13812345678\n"
    with pytest.raises(ImportInvalid, match="external_id"):
        file_parse(text.encode(), "orders.csv", "standard")
    FieldMapping.objects.create(profile="standard", section="header", key="external_id", value="订单号|Bestellnummer")
    overrides_forget()
    assert file_parse(text.encode(), "orders.csv", "standard").errors == []


def test_files_that_cannot_be_read_say_why(skus):
    with pytest.raises(ImportInvalid, match=r"orders.pdf：只能导入 \.xlsx 和 \.csv 文件"):
        file_parse(b"x", "orders.pdf", "pos")
    with pytest.raises(ImportInvalid, match="orders.xlsx：无法读取的 XLSX 工作簿"):
        file_parse(b"not a zip", "orders.xlsx", "pdd_export")
    with pytest.raises(ImportInvalid, match="缺少必需的列：external_id"):
        file_parse("货号,数量\nX,1\n".encode(), "orders.csv", "pos")


def _upload(path):
    return SimpleUploadedFile(path.name, path.read_bytes())


def test_preview_then_import_creates_the_good_orders_and_a_second_import_creates_none(
    pdd_shop, settings, tmp_path, django_capture_on_commit_callbacks
):
    settings.MEDIA_ROOT = tmp_path
    job, report = import_job_create(shop=pdd_shop, profile="pdd_export", upload=_upload(PDD_FILE))
    assert (report["rows"], report["orders"], report["bad_orders"]) == (3, 2, 1)
    assert report["sample"][0]["lines"] == ["CUP-BLUE × 2 @ 39.90"]
    assert Order.objects.count() == 0  # a preview writes no order

    with django_capture_on_commit_callbacks(execute=True):
        assert import_job_start(job=job) is True
    job.refresh_from_db()
    assert (job.status, job.created, job.duplicates, job.failed, job.progress_percent) == ("done", 2, 0, 0, 100)
    order = Order.objects.get(external_id="261111-482019375610301")
    assert (order.source, order.status) == ("import", "approved")  # paid, then approved by the automatic review
    assert (order.goods_amount, order.discount_merchant, order.discount_platform, order.paid_amount) == (
        Decimal("79.80"),
        Decimal("5.00"),
        Decimal("5.00"),
        Decimal("69.80"),
    )
    assert (order.province, order.city, order.district, order.address) == (
        "广东省",
        "深圳市",
        "南山区",
        "粤海街道科技园南区 8 栋 301",
    )
    line = order.lines.get()
    assert (line.sku.code, line.quantity, line.unit_price) == ("CUP-BLUE", 2, Decimal("39.90"))

    again, _report = import_job_create(shop=pdd_shop, profile="pdd_export", upload=_upload(PDD_FILE))
    with django_capture_on_commit_callbacks(execute=True):
        import_job_start(job=again)
    again.refresh_from_db()
    assert (again.status, again.created, again.duplicates) == ("done", 0, 2)
    assert Order.objects.count() == 2
    assert import_job_start(job=again) is False  # a finished job does not run twice


def test_pos_import_groups_rows_and_reads_the_one_line_address(
    pos_shop, settings, tmp_path, django_capture_on_commit_callbacks
):
    settings.MEDIA_ROOT = tmp_path
    job, report = import_job_create(shop=pos_shop, profile="pos", upload=_upload(POS_FILE))
    assert report["duplicates"] == [{"row": 4, "repeats": 3}]
    with django_capture_on_commit_callbacks(execute=True):
        import_job_start(job=job)

    order = Order.objects.get(external_id="POS-SZ01-20261111-0002")
    assert (order.province, order.city, order.district, order.address) == (
        "广东省",
        "深圳市",
        "福田区",
        "福华三路 88 号",
    )
    assert order.lines.get().quantity == 3
    assert order.paid_amount == Decimal("297.00") and order.payment_method == "支付宝"
    assert ImportJob.objects.get().created == 2


def test_xlsx_written_by_openpyxl_with_numbers_as_numbers(skus):
    import openpyxl

    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(["订单号", "商家编码", "数量", "单价", "收货人", "手机"])
    sheet.append(["C1", "CUP-BLUE", 2, 39.9, "王五", 13612345678])
    buffer = io.BytesIO()
    workbook.save(buffer)
    parsed = file_parse(buffer.getvalue(), "numbers.xlsx", "standard")
    assert parsed.errors == []
    (row,) = parsed.good_orders["C1"]
    assert row.values["consignee_phone"] == "13612345678" and row.values["unit_price"] == Decimal("39.90")
