"""Entity permissions, the 财务 role, management commands, reminders and schedules."""

import datetime as dt
import json
from decimal import Decimal
from importlib import import_module
from io import StringIO

import pytest
from django.contrib.auth.models import Group
from django.core import mail
from django.core.management import CommandError, call_command
from django.utils import timezone, translation

from finance.models import Difference, LegalEntity, ShopEntity, Statement
from finance.selectors import difference_list_for_user, entity_list_for_user, statement_list_for_user
from finance.services.differences import difference_assign, differences_remind
from finance.services.entities import entity_access_grant, entity_access_revoke, shop_entity_set
from finance.services.reconciliation import reconcile
from finance.services.statements import statement_import_file
from finance.tasks import SCHEDULES
from orders import roles
from tests.factories import UserFactory
from tests.finance.helpers import BILLS

pytestmark = pytest.mark.django_db


@pytest.fixture
def two_entities_with_differences(world, entities, admin_user):
    statement_import_file(
        path_or_file=str(BILLS / "alipay_trade_20261111_业务明细.csv"), user=admin_user, entity=entities["a"]
    )
    statement_import_file(
        path_or_file=str(BILLS / "wechatpay_tradebill_20261111_ALL.csv"), user=admin_user, entity=entities["b"]
    )
    reconcile(date_from=dt.date(2026, 11, 11))
    return entities


def test_finance_users_see_only_granted_entities_and_their_data(two_entities_with_differences, finance):
    entities = two_entities_with_differences
    assert list(entity_list_for_user(finance)) == []
    assert not difference_list_for_user(finance).exists()

    entity_access_grant(who=finance, entities=entities["a"])

    assert list(entity_list_for_user(finance)) == [entities["a"]]
    assert {d.entity_id for d in difference_list_for_user(finance)} == {entities["a"].pk}
    assert {s.entity_id for s in statement_list_for_user(finance)} == {entities["a"].pk}

    entity_access_revoke(who=finance, entities=[entities["a"]])
    assert not difference_list_for_user(finance).exists()


def test_a_grant_to_a_group_reaches_its_members(two_entities_with_differences):
    team = Group.objects.create(name="华东财务")
    member = UserFactory(username="member")
    member.groups.add(team)

    entity_access_grant(who=team, entities=[two_entities_with_differences["b"]])

    assert list(entity_list_for_user(member)) == [two_entities_with_differences["b"]]


def test_administrators_and_superusers_see_every_entity(two_entities_with_differences, admin_user):
    superuser = UserFactory(username="root", is_superuser=True)
    assert entity_list_for_user(admin_user).count() == entity_list_for_user(superuser).count() == 2
    assert difference_list_for_user(admin_user).count() == Difference.objects.count()


def test_the_finance_role_holds_the_finance_permissions(finance):
    for perm in (
        "finance.add_statement",
        "finance.view_difference",
        "finance.change_difference",
        "finance.add_exportjob",
        "finance.add_voucher",
        "finance.add_reconciliationrun",
    ):
        assert finance.has_perm(perm), perm
    assert not finance.has_perm("finance.view_all_entities")
    assert "finance.view_difference" in roles.ROLE_PERMISSIONS[roles.FINANCE]


def test_shop_entity_link_moves_a_shop(world, entities):
    link = shop_entity_set(shop=world["shop_a"], entity=entities["b"])
    assert link.entity == entities["b"]
    assert ShopEntity.objects.get(shop=world["shop_a"]).entity == entities["b"]


def test_import_statement_command_prints_totals_and_refuses_duplicates(world, entities):
    out = StringIO()
    path = str(BILLS / "alipay_trade_20261111_业务明细.csv")

    call_command("import_statement", path, "--entity", "ent-a", stdout=out, stderr=StringIO())

    text = out.getvalue()
    assert "Alipay trade bill" in text and "lines: 5 of 5 data rows" in text
    assert "the file's own totals agree with its rows" in text
    assert "trade_amount: file 914.80, parsed 914.80 ok" in text
    with pytest.raises(CommandError, match="已导入过"):
        call_command("import_statement", path, stdout=StringIO(), stderr=StringIO())
    assert Statement.objects.get().entity == entities["a"]


def test_import_statement_command_reports_bad_rows_and_json(world, entities, tmp_path):
    text = (BILLS / "wechatpay_tradebill_20261111_ALL.csv").read_text("utf-8").replace("`SUCCESS,`CMB", "`???,`CMB")
    path = tmp_path / "bad.csv"
    path.write_text(text, "utf-8")
    out = StringIO()

    call_command("import_statement", str(path), "--entity", "ent-a", "--json", stdout=out, stderr=StringIO())

    lines = out.getvalue().splitlines()
    assert "  row 2, column 交易状态: '???' 不是 SUCCESS、REFUND 或 REVOKED" in lines
    summary = json.loads(lines[-1])
    assert summary["error_count"] == 1 and summary["totals"]["ok"] is False


def test_import_statement_command_names_unknown_files(tmp_path):
    path = tmp_path / "x.csv"
    path.write_text("a,b\n1,2\n")
    with pytest.raises(CommandError, match="不是订单中枢认识的对账单格式"):
        call_command("import_statement", str(path), stdout=StringIO(), stderr=StringIO())


def test_reconcile_command_ends_with_json(two_entities_with_differences):
    out = StringIO()

    call_command("reconcile", "--date", "2026-11-11", stdout=out, stderr=StringIO())

    last = json.loads(out.getvalue().splitlines()[-1])
    assert last["by_type"] == {"missing_in_hub": 8}  # no orders: every payment and refund line
    assert last["created"] == 0  # the fixture ran it already: idempotent


def test_reconcile_command_rejects_bad_dates():
    with pytest.raises(CommandError, match="is not a date"):
        call_command("reconcile", "--date", "11/11/2026", stdout=StringIO())


def test_old_unresolved_differences_remind_their_owner_once_a_day(two_entities_with_differences, finance, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    finance.email = "finance@example.com"
    finance.save()
    entity_access_grant(who=finance, entities=[two_entities_with_differences["a"]])
    owned = Difference.objects.filter(entity__code="ent-a").first()
    difference_assign(difference=owned, owner=finance, actor=finance)
    later = timezone.now() + dt.timedelta(days=4)

    assert differences_remind(now=timezone.now()) == 0  # not old enough yet
    assert differences_remind(now=later) == 1
    assert mail.outbox[0].to == ["finance@example.com"]
    # the owned one and entity A's 4 unowned, in the site's language (Order Hub keeps no language per user)
    assert mail.outbox[0].subject == "[订单中枢] 有 5 条对账差异等你处理"
    assert mail.outbox[0].body.startswith("finance，您好：")
    assert differences_remind(now=later + dt.timedelta(hours=2)) == 0
    assert differences_remind(now=later + dt.timedelta(days=1, minutes=1)) == 1


def test_the_reminder_is_written_in_the_sites_language_whatever_language_is_active(
    two_entities_with_differences, finance, settings
):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.LANGUAGE_CODE = "en"
    finance.email = "finance@example.com"
    finance.save()
    entity_access_grant(who=finance, entities=[two_entities_with_differences["a"]])

    with translation.override("zh-hans"):  # a worker running in Chinese sends it
        assert differences_remind(now=timezone.now() + dt.timedelta(days=4)) == 1

    sent = mail.outbox[0]
    assert sent.subject == "[Order Hub] 5 reconciliation differences waiting for you"
    assert sent.body.startswith("Hello finance,")
    assert "days old): " in sent.body and "Order Hub → Finance → Differences" in sent.body
    assert "：" not in sent.body  # nothing of it in Chinese, the findings included


def test_schedules_are_declared_for_schedules_sync():
    assert {s["name"] for s in SCHEDULES} == {"finance.differences_remind", "finance.reconcile_recent"}
    for schedule in SCHEDULES:
        assert set(schedule) == {"name", "func", "schedule_type", "minutes"}
        module, func = schedule["func"].rsplit(".", 1)
        assert callable(getattr(import_module(module), func))


def test_legal_entity_vat_rate_is_a_fraction():
    from django.db import IntegrityError, transaction

    with pytest.raises(IntegrityError), transaction.atomic():
        LegalEntity.objects.create(code="x", name="x", vat_rate=Decimal("1.3"))  # meant 13%?


def test_imported_and_computed_finance_records_cannot_be_deleted_in_the_admin_but_a_statement_can(rf, admin_user):
    from django.contrib import admin as django_admin

    from finance.models import DailyBalance, ExportJob, StatementLine, Voucher

    request = rf.get("/")
    request.user = admin_user
    for model in (StatementLine, DailyBalance, Voucher, ExportJob):
        assert django_admin.site._registry[model].has_delete_permission(request) is False, model
    assert django_admin.site._registry[Statement].has_delete_permission(request) is True
