import pytest
from django.contrib.auth.models import Group
from django.core.management import call_command

from orders import roles
from orders.demo import DEMO_PASSWORD, DEMO_USERS
from orders.models import Alert, Order, Shop, Source
from orders.selectors import order_list_for_user
from orders.states import Status

pytestmark = pytest.mark.django_db


def test_roles_exist_after_migrate_with_their_permissions():
    names = set(Group.objects.values_list("name", flat=True))
    assert {roles.SALES_CS, roles.WAREHOUSE, roles.FINANCE, roles.MANAGER, roles.ADMIN} <= names
    finance = {p.codename for p in Group.objects.get(name=roles.FINANCE).permissions.all()}
    assert "view_order" in finance and "view_consignee_pii" not in finance and "change_order" not in finance
    manager = {p.codename for p in Group.objects.get(name=roles.MANAGER).permissions.all()}
    assert {"add_shop", "change_sku", "view_consignee_pii"} <= manager


def test_roles_sync_is_idempotent_and_restores_removed_permissions():
    group = Group.objects.get(name=roles.SALES_CS)
    group.permissions.clear()
    first = roles.roles_sync()
    assert roles.roles_sync() == first
    assert group.permissions.count() == first[roles.SALES_CS]


def test_seed_demo_loads_every_role_platform_and_status_once(django_user_model, capsys):
    call_command("seed_demo", "--orders", "120")
    out = capsys.readouterr().out
    assert DEMO_PASSWORD in out
    assert Shop.objects.values("platform").distinct().count() >= 6
    statuses = set(Order.objects.values_list("status", flat=True))
    assert {
        Status.PENDING_PAYMENT,
        Status.PAID,
        Status.SHIPPED,
        Status.COMPLETED,
        Status.CANCELLED,
    } <= statuses
    for username, group, *_ in DEMO_USERS:
        user = django_user_model.objects.get(username=username)
        assert user.check_password(DEMO_PASSWORD)
        assert user.groups.filter(name=group).exists()
    cs = django_user_model.objects.get(username="cs")
    assert 0 < order_list_for_user(cs).count() < Order.objects.count()
    # 120 demo orders + the presale step trade that integrations' part of the demo brings in (after-sales' part
    # adds the reshipment order of its re-ship case: made by staff, not by the demo loader).
    assert Order.objects.filter(source=Source.DEMO).count() == 121
    reships = Order.objects.exclude(source=Source.DEMO).count()
    assert Order.objects.filter(hold_reason="presale", presale__isnull=False).count() == 1
    # Every demo order was stamped by the database, so the demo can be followed from the first change.
    assert not Order.objects.filter(change_seq=0).exists()
    assert "/api/v1/orders/?cursor=" in out
    # The command center is full from the first visit: every panel computed over the demo, none failing.
    from integrations.board.models import BoardAlertRule, BoardSnapshot

    panels = BoardSnapshot.objects.filter(computed_at__isnull=False, error="")
    assert panels.count() == len(BoardSnapshot.Panel.values)
    assert panels.get(panel="now").data["backlog"]["total"] > 0
    from integrations.board.demo import DEMO_RULES

    active = set(BoardAlertRule.objects.filter(is_active=True).values_list("name", flat=True))
    assert active == {rule["name"] for rule in DEMO_RULES}  # incl. the one that rings the on-call phones
    # The alert deliveries: a demo alert with sent ones and one parked (DingTalk 130101), to replay from its page.
    from orders.models import AlertDelivery

    demo_alert = Alert.objects.get(key="demo:deliveries")
    assert demo_alert.resolved_at is None
    statuses = sorted(demo_alert.deliveries.values_list("status", flat=True))
    assert statuses == ["parked", "sent", "sent", "sent"]
    assert AlertDelivery.objects.get(alert=demo_alert, status="parked").error_code == "130101"

    call_command("seed_demo", "--once")
    assert "already loaded" in capsys.readouterr().out
    assert Order.objects.filter(source=Source.DEMO).count() == 121
    assert Order.objects.exclude(source=Source.DEMO).count() == reships


def test_schedules_sync_upserts_declared_schedules_and_removes_stale_ones(monkeypatch):
    from django_q.models import Schedule

    declared = [
        {
            "name": "orders.test_tick",
            "func": "orders.selectors.user_sees_all_orders",
            "schedule_type": "I",
            "minutes": 5,
        }
    ]
    monkeypatch.setattr("config.tasks.schedules_declared", lambda: declared)
    Schedule.objects.create(
        name="orders.gone", func="orders.selectors.shop_list_for_user", schedule_type="I", minutes=1
    )
    Schedule.objects.create(name="someone-elses", func="thirdparty.tick", schedule_type="I", minutes=1)

    call_command("schedules_sync")
    declared[0]["minutes"] = 10
    call_command("schedules_sync")

    assert set(Schedule.objects.values_list("name", "minutes")) == {
        ("orders.test_tick", 10),
        ("someone-elses", 1),
    }
