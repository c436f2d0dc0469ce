"""Statement import: samples with their totals, duplicates refused, bad rows reported, background import."""

import io
from decimal import Decimal
from unittest import mock

import pytest
from django.utils import translation

from finance.exceptions import EntityNotAllowed, EntityRequired, StatementDuplicate, StatementInvalid
from finance.models import Statement, StatementLine
from finance.services import statements as statements_service
from finance.services.statements import statement_import, statement_import_file, statement_upload
from tests.finance import builders
from tests.finance.helpers import BILLS, paid_order

pytestmark = pytest.mark.django_db

SAMPLES = sorted(BILLS.iterdir())


@pytest.mark.parametrize("path", SAMPLES, ids=lambda p: p.name)
def test_every_sample_imports_with_totals_equal_to_its_own_footer(path, admin_user):
    statement = statement_import_file(path_or_file=str(path), user=admin_user)

    assert statement.status == Statement.Status.IMPORTED
    assert statement.totals_ok is True
    assert statement.declared_totals
    assert {k: statement.parsed_totals[k] for k in statement.declared_totals} == statement.declared_totals
    assert statement.error_count == 0
    assert statement.line_count == statement.lines.count() == statement.rows_read
    assert statement.progress == 100


def test_sample_totals_are_stored_as_the_file_states_them(bills, admin_user):
    statement = statement_import_file(path_or_file=str(bills / "alipay_trade_20261111_业务明细.csv"), user=admin_user)

    assert statement.declared_totals == {
        "trade_count": 4,
        "trade_amount": "914.80",
        "trade_fee": "-5.48",
        "refund_count": 1,
        "refund_amount": "-88.80",
        "refund_fee": "0.53",
    }
    assert (statement.amount_total, statement.fee_total) == (Decimal("826.00"), Decimal("-4.95"))
    assert statement.account == "20881234567890120156"
    assert str(statement.first_date) == str(statement.last_date) == "2026-11-11"


def test_the_same_file_imported_twice_is_refused_with_a_clear_message(bills, admin_user):
    path = bills / "wechatpay_tradebill_20261111_ALL.csv"
    first = statement_import_file(path_or_file=str(path), user=admin_user)

    with translation.override("en"), pytest.raises(StatementDuplicate) as excinfo:
        statement_import_file(path_or_file=str(path), filename="renamed.csv", user=admin_user)

    message = excinfo.value.message
    assert "renamed.csv was imported before" in message
    assert f"statement #{first.pk}" in message and first.filename in message
    assert excinfo.value.extra["statement_id"] == first.pk
    assert excinfo.value.status == 409
    assert Statement.objects.count() == 1 and StatementLine.objects.count() == 3


def test_a_file_in_no_known_format_is_refused_and_nothing_is_stored(admin_user):
    with pytest.raises(StatementInvalid) as excinfo:
        statement_upload(file=io.BytesIO("名称,数量\n苹果,1\n".encode()), filename="fruit.csv", user=admin_user)

    assert excinfo.value.message.startswith("fruit.csv：不是订单中枢认识的对账单格式")
    assert not Statement.objects.exists()


def test_bad_rows_are_reported_precisely_and_every_other_row_is_kept(bills, admin_user):
    text = (bills / "alipay_trade_20261111_业务明细.csv").read_bytes().decode("gbk")
    broken = text.replace(",79.80,69.80,", ",79.80,六十九,")

    statement = statement_upload(file=io.BytesIO(broken.encode("gbk")), filename="broken.csv", user=admin_user)
    statement = statement_import(statement_id=statement.pk)

    assert statement.status == Statement.Status.IMPORTED
    assert statement.errors == [{"row": 7, "column": "商家实收（元）", "value": "六十九", "reason": "不是金额"}]
    assert list(statement.lines.values_list("row", flat=True)) == [6, 8, 9, 10]
    assert statement.totals_ok is False
    assert statement.message.startswith("文件自带的合计与各行不符（") and "trade_amount" in statement.message
    assert statement.message.endswith("）；1 行有错误，未导入。")


def test_lines_are_matched_to_orders_by_number_and_by_tmall_tid(world, bills, admin_user):
    sku = world["skus"][0]
    by_number = paid_order(shop=world["shop_a"], number="OH20261111000101", sku=sku, price="267.00")
    by_tid = paid_order(shop=world["shop_b"], sku=sku, price="267.00", external_id="3987456123001234567")

    trade = statement_import_file(path_or_file=str(bills / "alipay_trade_20261111_业务明细.csv"), user=admin_user)
    ledger = statement_import_file(path_or_file=str(bills / "alipay_account_20261111-15_账务明细.csv"), user=admin_user)

    assert list(trade.lines.filter(order=by_number).values_list("row", "match_rule")) == [(6, "number"), (9, "number")]
    assert set(ledger.lines.filter(order=by_tid).values_list("match_rule", flat=True)) == {"external_id"}
    assert ledger.lines.filter(order=by_tid).count() == 4
    assert ledger.lines.get(kind="withdrawal").match_rule == "known_item"
    assert trade.matched_count == 2 and ledger.matched_count == 4


def test_a_line_with_only_a_transaction_id_inherits_the_order_of_its_payment(world, admin_user):
    order = paid_order(shop=world["shop_a"], number="OH20261111000301", sku=world["skus"][0], price="100.00")
    rows = [
        {
            "交易时间": "2026-11-11 10:00:00",
            "商户订单号": "OH20261111000301",
            "查询流水号": "Q1",
            "交易类型": "消费",
            "交易金额": "100.00",
            "手续费": "0.38",
        },
        {
            "交易时间": "2026-11-11 12:00:00",
            "商户订单号": "",
            "查询流水号": "Q2",
            "原查询流水号": "Q1",
            "交易类型": "退货",
            "交易金额": "40.00",
            "手续费": "-0.15",
        },
    ]
    data = builders.csv_bytes(builders.UNIONPAY_HEADER, rows)

    statement = statement_import_file(path_or_file=io.BytesIO(data), filename="unionpay.csv", user=admin_user)

    assert list(statement.lines.order_by("row").values_list("order_id", "match_rule")) == [
        (order.pk, "number"),
        (order.pk, "transaction"),
    ]


def test_a_platform_order_id_in_two_shops_is_ambiguous_unless_the_statement_names_its_shop(world, admin_user):
    sku = world["skus"][0]
    paid_order(shop=world["shop_a"], sku=sku, external_id="300012345678")
    in_b = paid_order(shop=world["shop_b"], sku=sku, external_id="300012345678")
    rows = [{"订单编号": "300012345678", "费用名称": "货款", "金额": "99.00", "费用结算时间": "2026-11-13 08:00:00"}]
    data = builders.csv_bytes(builders.JD_HEADER, rows)

    unscoped = statement_import_file(path_or_file=io.BytesIO(data), filename="jd.csv", user=admin_user)
    line = unscoped.lines.get()
    assert (line.order_id, line.match_rule) == (None, "ambiguous")

    scoped = statement_import_file(
        path_or_file=io.BytesIO(data + b"\r\n"), filename="jd2.csv", user=admin_user, shop=world["shop_b"]
    )
    assert scoped.lines.get().order_id == in_b.pk


def test_import_is_idempotent_once_claimed(bills, admin_user):
    statement = statement_import_file(path_or_file=str(bills / "wechatpay_tradebill_20261111_ALL.csv"), user=admin_user)

    again = statement_import(statement_id=statement.pk)

    assert again.status == Statement.Status.IMPORTED
    assert StatementLine.objects.filter(statement=statement).count() == 3


def test_a_failure_while_importing_removes_the_written_lines_and_marks_the_statement(bills, admin_user, monkeypatch):
    monkeypatch.setattr(statements_service, "CHUNK", 2)
    real_rows = statements_service._rows
    calls = {"n": 0}

    def failing(*args, **kwargs):
        calls["n"] += 1
        if calls["n"] == 2:
            raise RuntimeError("disk full")
        return real_rows(*args, **kwargs)

    monkeypatch.setattr(statements_service, "_rows", failing)
    with open(bills / "alipay_trade_20261111_业务明细.csv", "rb") as handle:
        statement = statement_upload(file=handle, filename="trade.csv", user=admin_user)

    with pytest.raises(RuntimeError):
        statement_import(statement_id=statement.pk)

    statement.refresh_from_db()
    assert statement.status == Statement.Status.FAILED
    assert "disk full" in statement.message
    assert not StatementLine.objects.filter(statement=statement).exists()


def test_large_files_import_in_chunks_with_progress(admin_user, monkeypatch):
    monkeypatch.setattr(statements_service, "CHUNK", 50)
    rows = [
        {
            "支付宝交易号": f"2026111122{i:018d}",
            "商户订单号": f"OH20261111{i:06d}",
            "业务类型": "交易",
            "完成时间": "2026-11-11 10:00:00",
            "订单金额（元）": "10.00",
            "商家实收（元）": "10.00",
            "服务费（元）": "-0.06",
        }
        for i in range(1, 401)
    ]
    data = builders.alipay_trade_bill(rows)
    seen = []

    statement = statement_import_file(
        path_or_file=io.BytesIO(data),
        filename="big.csv",
        user=admin_user,
        progress=lambda done, total: seen.append(done),
    )

    assert statement.line_count == 400 and statement.totals_ok is True
    assert len(seen) >= 5 and seen == sorted(seen)


def test_background_import_runs_after_commit(bills, admin_user, django_capture_on_commit_callbacks):
    from config.tasks import enqueue_on_commit

    with open(bills / "wechatpay_tradebill_20261111_ALL.csv", "rb") as handle:
        statement = statement_upload(file=handle, filename="wx.csv", user=admin_user)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        enqueue_on_commit("finance.tasks.statement_import", statement.pk)

    assert len(callbacks) == 1
    statement.refresh_from_db()
    assert statement.status == Statement.Status.IMPORTED and statement.line_count == 3


def test_a_finance_user_must_name_an_entity_they_hold(bills, finance, entities):
    from finance.services.entities import entity_access_grant

    path = bills / "wechatpay_tradebill_20261111_ALL.csv"
    with open(path, "rb") as handle, pytest.raises(EntityRequired):
        statement_upload(file=handle, filename="wx.csv", user=finance)
    with open(path, "rb") as handle, pytest.raises(EntityNotAllowed):
        statement_upload(file=handle, filename="wx.csv", user=finance, entity=entities["b"])

    entity_access_grant(who=finance, entities=[entities["a"]])
    with open(path, "rb") as handle:
        statement = statement_upload(file=handle, filename="wx.csv", user=finance)
    assert statement.entity == entities["a"]


def test_statement_entity_is_taken_from_its_shop(bills, admin_user, entities, world):
    with open(bills / "wechatpay_tradebill_20261111_ALL.csv", "rb") as handle:
        statement = statement_upload(file=handle, filename="wx.csv", user=admin_user, shop=world["shop_b"])
    assert statement.entity == entities["b"]


def test_the_stored_file_is_kept_for_the_record(bills, admin_user):
    statement = statement_import_file(path_or_file=str(bills / "wechatpay_tradebill_20261111_ALL.csv"), user=admin_user)
    with statement.file.open("rb") as handle:
        assert handle.read() == (bills / "wechatpay_tradebill_20261111_ALL.csv").read_bytes()


def test_nothing_is_written_when_detection_fails_mid_way(admin_user):
    with mock.patch(
        "finance.services.statements.statement_open", side_effect=statements_service.SpreadsheetInvalid("x")
    ):
        with pytest.raises(StatementInvalid):
            statement_upload(file=io.BytesIO(b"a,b\n"), filename="x.csv", user=admin_user)
    assert not Statement.objects.exists()
