"""Back-office finance pages: consistency chart, statements upload, difference work items, exports, vouchers."""

import datetime as dt
import re
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import translation

from finance.models import Difference, DifferenceComment, DifferenceStatus, ExportJob, Statement, Voucher
from finance.services.reconciliation import reconcile
from finance.services.statements import statement_import_file
from tests.finance.helpers import BILLS, paid_order

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english(settings):
    """Pages are asserted in English (the default language, zh-hans, is translated by the back office): the
    clients ask for English (Accept-Language) and what the tests write outside a request is written in English,
    whatever language an earlier test left active."""
    settings.LANGUAGE_CODE = "en"
    with translation.override("en", deactivate=True):
        yield


@pytest.fixture
def client():
    return Client(headers={"accept-language": "en"})


@pytest.fixture
def admin_client(admin_user):
    client = Client(headers={"accept-language": "en"})
    client.force_login(admin_user)
    return client


def _reconcile_sample(world, entities, admin_user):
    """Order ...0102 paid once in Order Hub and charged by Alipay and WeChat Pay; a payment for an unknown order."""
    sku = world["skus"][0]
    paid_order(
        shop=world["shop_a"],
        number="OH20261111000102",
        paid="2026-11-11 00:10:03",
        sku=sku,
        price="79.80",
        discount_merchant="10.00",
    )
    for name in ("alipay_trade_20261111_业务明细.csv", "wechatpay_tradebill_20261111_ALL.csv"):
        statement_import_file(path_or_file=str(BILLS / name), user=admin_user, entity=entities["a"])
    reconcile(date_from=dt.date(2026, 11, 11))


@pytest.fixture
def reconciled(world, entities, admin_user):
    _reconcile_sample(world, entities, admin_user)
    return entities


@pytest.fixture
def client_a(client, finance_a):
    client.force_login(finance_a)
    return client


def test_pages_need_the_finance_role(client, outsider, world):
    client.force_login(outsider)
    for url in (
        "/finance/",
        "/finance/statements/",
        "/finance/differences/",
        "/finance/exports/",
        "/finance/vouchers/",
    ):
        assert client.get(url).status_code == 403, url
    client.logout()
    assert client.get("/finance/").status_code == 302


def test_consistency_page_shows_days_channels_and_an_inline_svg_chart(reconciled, client_a):
    response = client_a.get("/finance/", {"date_from": "2026-11-10", "date_to": "2026-11-12"})

    assert response.status_code == 200
    html = response.content.decode()
    assert '<svg class="fin-chart"' in html and "<rect" in html
    assert "<script src=" not in html  # no JS libraries
    assert "2026-11-11" in html and "tmall" in html
    row = next(r for r in response.context["rows"] if r["channel"] == "tmall")
    assert (row["expected"], row["received"], row["difference"]) == (
        Decimal("69.80"),
        Decimal("139.60"),
        Decimal("69.80"),
    )
    assert [d["date"] for d in response.context["chart"]["days"]] == [dt.date(2026, 11, 11)]


def test_upload_page_imports_and_shows_the_summary(client_a, entities):
    data = (BILLS / "wechatpay_tradebill_20261111_ALL.csv").read_bytes()
    response = client_a.post(
        "/finance/statements/", {"file": SimpleUploadedFile("wx.csv", data), "entity": "ent-a"}, follow=True
    )

    statement = Statement.objects.get()
    assert response.redirect_chain[-1][0] == f"/finance/statements/{statement.pk}/"
    html = response.content.decode()
    assert "wx.csv imported: 3 lines" in html
    assert "settlement_total" in html and "268.80" in html


def test_upload_page_shows_the_duplicate_message(client_a, entities):
    data = (BILLS / "wechatpay_tradebill_20261111_ALL.csv").read_bytes()
    client_a.post("/finance/statements/", {"file": SimpleUploadedFile("wx.csv", data), "entity": "ent-a"})

    response = client_a.post(
        "/finance/statements/", {"file": SimpleUploadedFile("again.csv", data), "entity": "ent-a"}, follow=True
    )

    assert "again.csv was imported before" in response.content.decode()
    assert Statement.objects.count() == 1


def test_big_uploads_show_a_progress_bar_fed_by_json(client_a, entities, settings):
    settings.FINANCE_SYNC_IMPORT_MAX_BYTES = 10
    data = (BILLS / "wechatpay_tradebill_20261111_ALL.csv").read_bytes()
    response = client_a.post(
        "/finance/statements/", {"file": SimpleUploadedFile("wx.csv", data), "entity": "ent-a"}, follow=True
    )

    statement = Statement.objects.get()
    assert statement.status == Statement.Status.PENDING  # queued after commit; the test transaction never commits
    html = response.content.decode()
    assert 'role="progressbar"' in html and f"/finance/statements/{statement.pk}/progress/" in html
    progress = client_a.get(f"/finance/statements/{statement.pk}/progress/").json()
    assert progress == {"status": "pending", "progress": 0, "finished": False}


def test_statement_detail_lists_bad_rows(client_a, entities, admin_user):
    text = (
        (BILLS / "wechatpay_tradebill_20261111_ALL.csv")
        .read_text("utf-8")
        .replace("`69.80,`0.00,`0,", "`6x.80,`0.00,`0,")
    )
    import io

    statement = statement_import_file(
        path_or_file=io.BytesIO(text.encode()), filename="bad.csv", user=admin_user, entity=entities["a"]
    )

    html = client_a.get(f"/finance/statements/{statement.pk}/").content.decode()
    assert "1 row could not be imported" in html
    assert "应结订单金额" in html and "6x.80" in html and "is not an amount" in html


def test_difference_work_list_and_its_actions(reconciled, client_a, finance_a):
    listing = client_a.get("/finance/differences/")
    assert listing.status_code == 200
    duplicate = Difference.objects.get(type="duplicate_charge")
    assert f"/finance/differences/{duplicate.pk}/" in listing.content.decode()

    url = f"/finance/differences/{duplicate.pk}/"
    client_a.post(url, {"action": "take"})
    client_a.post(url, {"action": "comment", "body": "Called the buyer; refund on the way."})
    client_a.post(url, {"action": "status", "status": "investigating", "note": ""})
    refused = client_a.post(url, {"action": "status", "status": "accepted", "note": ""}, follow=True)

    duplicate.refresh_from_db()
    assert (duplicate.owner, duplicate.status) == (finance_a, DifferenceStatus.INVESTIGATING)
    assert "say why the difference is written off" in refused.content.decode()
    bodies = [c.body for c in duplicate.comments.all()]
    assert "Called the buyer; refund on the way." in bodies
    assert any(b.startswith("Owner: nobody → finance") for b in bodies)
    detail = client_a.get(url).content.decode()
    assert "Called the buyer" in detail and "139.60" in detail


def test_difference_filters_on_the_page(reconciled, client_a):
    response = client_a.get("/finance/differences/", {"type": "missing_in_hub", "date_from": "2026-11-11"})
    assert {d.type for d in response.context["page"]} == {"missing_in_hub"}
    response = client_a.get("/finance/differences/", {"status": "resolved"})
    assert list(response.context["page"]) == []


def test_differences_of_other_entities_are_404(reconciled, client, finance, entities):
    from finance.services.entities import entity_access_grant

    entity_access_grant(who=finance, entities=[entities["b"]])
    client.force_login(finance)
    difference = Difference.objects.first()

    assert client.get(f"/finance/differences/{difference.pk}/").status_code == 404
    assert list(client.get("/finance/differences/").context["page"]) == []


def test_report_export_from_the_page_and_download(reconciled, client_a):
    response = client_a.post(
        "/finance/exports/",
        {"kind": "report", "date_from": "2026-11-11", "date_to": "2026-11-11", "group_by": "date", "entity": ""},
        follow=True,
    )

    job = ExportJob.objects.get()
    assert job.status == ExportJob.Status.QUEUED  # built after commit (see test_exports for the build)
    assert "The report is being generated." in response.content.decode()
    from finance.services.exports import export_build

    export_build(job_id=job.pk)
    download = client_a.get(f"/finance/exports/{job.pk}/download/")
    assert download.status_code == 200
    assert download["Content-Disposition"].startswith("attachment")
    assert b"".join(download.streaming_content)[:2] == b"PK"


def test_difference_export_button_keeps_the_filters(reconciled, client_a):
    client_a.post("/finance/exports/", {"kind": "differences", "type": "duplicate_charge"})

    assert ExportJob.objects.get().params == {"types": ["duplicate_charge"]}


def test_vouchers_page_drafts_and_shows_balanced_vouchers(reconciled, client_a):
    response = client_a.post(
        "/finance/vouchers/",
        {"action": "draft", "entity": "ent-a", "date_from": "2026-11-11", "date_to": "2026-11-11"},
        follow=True,
    )

    voucher = Voucher.objects.get()
    html = response.content.decode()
    assert "1 vouchers drafted" in html
    assert f"记-{voucher.number:04d}" in html
    assert re.search(r"销售收入", html)


def test_reconcile_button_queues_a_run(reconciled, client_a, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = client_a.post("/finance/reconcile/", {"date_from": "2026-11-11", "date_to": "2026-11-12"})

    assert response.status_code == 302
    from finance.models import ReconciliationRun

    run = ReconciliationRun.objects.first()
    assert (run.date_from, run.date_to, run.status) == (dt.date(2026, 11, 11), dt.date(2026, 11, 12), "done")


def test_admin_pages_for_finance_models_render(reconciled, admin_client):
    from finance.models import StatementLine

    for model in (
        "legalentity",
        "shopentity",
        "statement",
        "statementline",
        "difference",
        "reconciliationrun",
        "tolerance",
        "feerate",
        "dailybalance",
        "accountmapping",
        "voucher",
        "exportjob",
    ):
        assert admin_client.get(f"/admin/finance/{model}/").status_code == 200, model
    difference = Difference.objects.first()
    assert admin_client.get(f"/admin/finance/difference/{difference.pk}/change/").status_code == 200
    statement = Statement.objects.first()
    lines = StatementLine.objects.filter(statement=statement).count()
    assert lines
    admin_client.post(f"/admin/finance/statement/{statement.pk}/delete/", {"post": "yes"})
    assert not Statement.objects.filter(pk=statement.pk).exists()
    assert not StatementLine.objects.filter(statement_id=statement.pk).exists()


def test_pages_render_in_chinese_too(reconciled, client_a, settings):
    settings.LANGUAGE_CODE = "zh-hans"
    statement = Statement.objects.first()
    difference = Difference.objects.first()
    for url in (
        "/finance/",
        "/finance/statements/",
        f"/finance/statements/{statement.pk}/",
        "/finance/differences/",
        f"/finance/differences/{difference.pk}/",
        "/finance/exports/",
        "/finance/vouchers/",
    ):
        response = client_a.get(url, headers={"accept-language": ""})  # no preference: the default language
        assert response.status_code == 200, url
        assert 'lang="zh-hans"' in response.content.decode()


def test_a_difference_found_while_chinese_was_active_reads_in_each_readers_language(
    world, entities, admin_user, admin_client
):
    """The worker reconciles in Chinese; an English reader sees the finding in English, a Chinese one in Chinese:
    on the page, in the API and in the export, from the same stored row."""
    with translation.override("zh-hans"):
        _reconcile_sample(world, entities, admin_user)
    twice = Difference.objects.get(type="duplicate_charge")
    unknown = Difference.objects.filter(type="missing_in_hub", detail__endswith=": no order in Order Hub").first()
    assert twice.detail == "order OH20261111000102 was paid 2 times (alipay, wechat)"  # stored in English

    with translation.override("en"):
        assert twice.detail_display == "order OH20261111000102 was paid 2 times (alipay, wechat)"
        assert unknown.detail_display.endswith(": no order in Order Hub")
    with translation.override("zh-hans"):
        assert twice.detail_display == "订单 OH20261111000102 被付款 2 次（alipay, wechat）"
        assert unknown.detail_display.endswith("：订单中枢中没有该订单")  # the reason inside is translated too

    page = admin_client.get(f"/finance/differences/{twice.pk}/")
    assert "order OH20261111000102 was paid 2 times" in page.content.decode()
    chinese = Client(headers={"accept-language": "zh-hans"})
    chinese.force_login(admin_user)
    page = chinese.get(f"/finance/differences/{twice.pk}/")
    assert "订单 OH20261111000102 被付款 2 次" in page.content.decode()


def test_a_difference_stored_before_details_were_messages_shows_as_written(reconciled):
    difference = Difference.objects.get(type="duplicate_charge")
    Difference.objects.filter(pk=difference.pk).update(detail="订单 OH20261111000102 被付款 2 次", detail_message={})
    difference.refresh_from_db()

    with translation.override("en"):
        assert difference.detail_display == "订单 OH20261111000102 被付款 2 次"


def test_a_change_of_owner_or_status_made_in_chinese_reads_in_each_readers_language(reconciled, finance_a):
    duplicate = Difference.objects.get(type="duplicate_charge")
    url = f"/finance/differences/{duplicate.pk}/"
    chinese = Client(headers={"accept-language": "zh-hans"})
    chinese.force_login(finance_a)
    chinese.post(url, {"action": "take"})
    chinese.post(url, {"action": "status", "status": "investigating", "note": "等支付宝回复"})
    bodies = [c.body for c in duplicate.comments.all()]
    assert bodies[-2:] == ["Owner: nobody → finance.", "Status: Open → Investigating. 等支付宝回复"]  # in English

    shown = chinese.get(url).content.decode()
    assert "负责人：无人 → finance。" in shown and "状态：未处理 → 调查中。等支付宝回复" in shown
    english = Client(headers={"accept-language": "en"})
    english.force_login(finance_a)
    shown = english.get(url).content.decode()
    assert "Owner: nobody → finance." in shown and "Status: Open → Investigating. 等支付宝回复" in shown


def test_a_change_of_status_written_before_comments_were_messages_reads_in_the_readers_language(reconciled, finance_a):
    duplicate = Difference.objects.get(type="duplicate_charge")
    comment = DifferenceComment.objects.create(difference=duplicate, author=finance_a, body="Status: open → resolved.")
    typed = DifferenceComment.objects.create(difference=duplicate, author=finance_a, body="Called the buyer.")

    with translation.override("zh-hans"):
        assert comment.body_display == "状态：open → resolved。"
        assert typed.body_display == "Called the buyer."
