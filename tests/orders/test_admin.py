"""The Django admin: scoped like the rest of Order Hub, masked for finance, status changes via services,
shop connection secrets write-only, and every model registered with its history."""

from decimal import Decimal

import pytest
from django.apps import apps
from django.contrib import admin
from django.contrib.auth.models import Permission
from django.contrib.messages import get_messages
from django.urls import reverse
from django.utils import translation
from guardian.shortcuts import get_perms
from simple_history.admin import SimpleHistoryAdmin

from aftersales.services import refund_record
from integrations.models import ShopConnection
from orders.access import shop_access_grant
from orders.models import Order, OrderEvent, Shop
from orders.roles import ADMIN_APPS
from orders.services import order_transition
from orders.states import HoldReason, Status
from tests.factories import UserFactory, make_order

pytestmark = pytest.mark.django_db

RAW_PHONE = "13812345678"
RAW_ADDRESS = "文三路100号2幢301室"


@pytest.fixture
def order_a(world):
    return make_order(shop=world["shop_a"], status=Status.PAID)


@pytest.fixture
def order_b(world):
    return make_order(shop=world["shop_b"], status=Status.PAID)


def _change_url(obj):
    return reverse(f"admin:{obj._meta.app_label}_{obj._meta.model_name}_change", args=[obj.pk])


def _messages(response):
    return [str(m) for m in get_messages(response.wsgi_request)]


# --- scope -------------------------------------------------------------------------------------------------


def test_warehouse_user_gets_404_on_another_warehouses_order(client, warehouse_b, order_a, order_b):
    client.force_login(warehouse_b)

    assert client.get(_change_url(order_a)).status_code == 404
    assert client.get(reverse("admin:orders_order_history", args=[order_a.pk])).status_code == 404
    history_id = order_a.history.latest().history_id
    assert client.get(f"{_change_url(order_a).removesuffix('change/')}history/{history_id}/").status_code == 404
    own = client.get(_change_url(order_b))
    assert own.status_code == 200
    assert order_b.number in own.content.decode()
    assert reverse("order-detail", args=[order_b.number]) in own.content.decode()  # "view on site"


def test_order_changelist_lists_only_visible_orders(client, warehouse_b, order_a, order_b):
    client.force_login(warehouse_b)

    response = client.get(reverse("admin:orders_order_changelist"))

    assert response.status_code == 200
    assert list(response.context["cl"].result_list) == [order_b]
    html = response.content.decode()
    assert order_a.number not in html
    # the shop filter offers no shop the user cannot see
    assert "天猫旗舰店" not in html


def test_outsider_cannot_open_the_order_admin(client, outsider, order_a):
    client.force_login(outsider)

    assert client.get(reverse("admin:orders_order_changelist")).status_code == 403
    assert client.get(_change_url(order_a)).status_code in (403, 404)


def test_timeline_and_refund_admin_are_scoped_by_order(client, warehouse_b, admin_user, order_a, order_b):
    refund_a, _ = refund_record(order=order_a, amount=Decimal("10.00"), external_id="R-A", system="tests")
    refund_b, _ = refund_record(order=order_b, amount=Decimal("10.00"), external_id="R-B", system="tests")
    client.force_login(admin_user)
    assert client.get(_change_url(refund_a)).status_code == 200
    client.force_login(warehouse_b)
    warehouse_b.user_permissions.add(Permission.objects.get(codename="view_case"))

    events = client.get(reverse("admin:orders_orderevent_changelist")).context["cl"].result_list
    refunds = client.get(reverse("admin:aftersales_case_changelist")).context["cl"].result_list

    assert {e.order_id for e in events} == {order_b.pk}
    assert list(refunds) == [refund_b]
    assert client.get(_change_url(refund_a)).status_code == 404
    assert client.get(_change_url(order_a.events.first())).status_code == 404


def test_shop_and_warehouse_admin_show_only_granted_ones(client, cs_a, warehouse_b, world):
    client.force_login(cs_a)
    shops = client.get(reverse("admin:orders_shop_changelist")).context["cl"].result_list
    assert [s.code for s in shops] == ["shop-a"]
    assert client.get(_change_url(world["shop_b"])).status_code == 404

    client.force_login(warehouse_b)
    warehouses = client.get(reverse("admin:inventory_warehouse_changelist")).context["cl"].result_list
    assert [w.code for w in warehouses] == ["wh-b"]
    assert client.get(_change_url(world["wh_a"])).status_code == 404


# --- masking -----------------------------------------------------------------------------------------------


def test_finance_sees_phone_and_address_masked_in_admin(client, finance, order_a, cs_a):
    # a change of phone and address puts the old and new values into the history
    order_a.consignee_phone = "13987654321"
    order_a.address = "延安路1号"
    order_a.buyer_email = "lin.secret@example.com"
    order_a.save()
    client.force_login(finance)

    pages = [
        client.get(reverse("admin:orders_order_changelist")),
        client.get(_change_url(order_a)),
        client.get(reverse("admin:orders_order_history", args=[order_a.pk])),
        client.get(
            reverse("admin:orders_order_simple_history", args=[order_a.pk, order_a.history.earliest().history_id])
        ),
    ]

    for response in pages:
        assert response.status_code == 200
        html = response.content.decode()
        for secret in (RAW_PHONE, RAW_ADDRESS, "13987654321", "延安路1号", "lin.secret"):
            assert secret not in html, (response.request["PATH_INFO"], secret)
    assert "139****4321" in pages[0].content.decode()
    assert "139****4321" in pages[1].content.decode()
    assert "延****" in pages[1].content.decode()


def test_cs_sees_the_consignee_in_full_in_admin(client, cs_a, order_a):
    client.force_login(cs_a)

    for url in (reverse("admin:orders_order_changelist"), _change_url(order_a)):
        html = client.get(url).content.decode()
        assert RAW_PHONE in html
        assert RAW_ADDRESS in html


# --- writes ------------------------------------------------------------------------------------------------


def test_status_fields_are_read_only_and_edits_are_recorded(client, cs_a, order_a):
    client.force_login(cs_a)
    form = client.get(_change_url(order_a)).context["adminform"].form
    assert "status" not in form.fields and "hold_reason" not in form.fields and "paid_amount" not in form.fields
    # the order moves on while the page is open: saving the form must not put the status back
    order_transition(order=order_a, to_status=Status.APPROVED, system="tests")
    data = {name: form.initial.get(name) for name in form.fields}
    data.update(
        {"seller_memo": "送礼，不要放发票", "tags": "[]", "initial-tags": "[]", "priority": "0", "queue": "normal"}
    )
    data.update({f"{prefix}-{key}": value for prefix in ("lines", "events") for key, value in _empty_formset(prefix)})
    data = {k: ("" if v is None else v) for k, v in data.items()}

    response = client.post(_change_url(order_a), data)

    assert response.status_code == 302, response.context["adminform"].form.errors if response.context else ""
    order_a.refresh_from_db()
    assert order_a.seller_memo == "送礼，不要放发票"
    assert order_a.status == Status.APPROVED
    update = order_a.events.get(kind=OrderEvent.Kind.UPDATED)
    assert update.actor == cs_a and update.data["fields"] == ["seller_memo"]
    with translation.override("zh-hans"):
        assert update.reason_display == "在管理后台修改：seller_memo"  # stored as a message: in each reader's language
    with translation.override("en"):
        assert update.reason_display == "Edited in admin: seller_memo"


def _empty_formset(prefix):
    return [("TOTAL_FORMS", "0"), ("INITIAL_FORMS", "0"), ("MIN_NUM_FORMS", "0"), ("MAX_NUM_FORMS", "1000")]


def test_admin_actions_go_through_the_lifecycle_and_report_each_failure(client, manager, world):
    paid = make_order(shop=world["shop_a"], status=Status.PAID)
    pending = make_order(shop=world["shop_a"])  # pending payment cannot be approved
    client.force_login(manager)
    url = reverse("admin:orders_order_changelist")

    response = client.post(url, {"action": "approve", "_selected_action": [paid.pk, pending.pk]}, follow=True)

    paid.refresh_from_db()
    pending.refresh_from_db()
    assert paid.status == Status.APPROVED
    assert pending.status == Status.PENDING_PAYMENT
    messages = _messages(response)
    assert any(pending.number in m and "不能从" in m for m in messages)
    assert not any(paid.number in m for m in messages)
    assert paid.events.get(kind=OrderEvent.Kind.TRANSITION).actor == manager

    client.post(url, {"action": "hold_manual", "_selected_action": [paid.pk]})
    paid.refresh_from_db()
    assert (paid.status, paid.hold_reason) == (Status.ON_HOLD, HoldReason.MANUAL)

    client.post(url, {"action": "cancel", "_selected_action": [paid.pk, pending.pk]})
    paid.refresh_from_db()
    pending.refresh_from_db()
    assert paid.status == pending.status == Status.CANCELLED


def test_finance_gets_no_status_actions(client, finance, order_a):
    client.force_login(finance)
    url = reverse("admin:orders_order_changelist")

    page = client.get(url)
    client.post(url, {"action": "approve", "_selected_action": [order_a.pk]})

    action_form = page.context["action_form"]  # None when no action at all is offered
    offered = [name for name, _label in action_form.fields["action"].choices] if action_form else []
    assert not {"approve", "hold_manual", "cancel"} & set(offered)
    order_a.refresh_from_db()
    assert order_a.status == Status.PAID


# --- shop connection secrets -------------------------------------------------------------------------------

SECRETS = {
    "app_secret": "S3cr3t-app-XYZ",
    "access_token": "tok-ACCESS-123456",
    "refresh_token": "tok-REFRESH-654321",
    "webhook_secret": "hook-SECRET-777",
}


@pytest.fixture
def connection(world):
    return ShopConnection.objects.create(
        shop=world["shop_a"], base_url="https://api.example.com", app_key="public-key", **SECRETS
    )


def _connection_form_data(response):
    form = response.context["adminform"].form
    data = {}
    for name, field in form.fields.items():
        value = form.initial.get(name, field.initial)
        if name in SECRETS or name.startswith("clear_"):
            continue
        if value is None or value is False:
            continue
        data[name] = value.pk if hasattr(value, "pk") else value
    return data


def test_connection_secrets_never_appear_in_admin_html(client, manager, admin_user, connection):
    for user in (manager, admin_user):
        client.force_login(user)
        change = client.get(_change_url(connection))
        data = _connection_form_data(change)
        data["base_url"] = "https://api2.example.com"
        client.post(_change_url(connection), data)  # blank secrets: keep them
        pages = [
            client.get(reverse("admin:integrations_shopconnection_changelist")),
            change,
            client.get(_change_url(connection)),
            client.get(reverse("admin:integrations_shopconnection_history", args=[connection.pk])),
            client.get(reverse("admin:index")),
        ]
        for response in pages:
            assert response.status_code == 200
            html = response.content.decode()
            for secret in SECRETS.values():
                assert secret not in html
    connection.refresh_from_db()
    assert connection.base_url == "https://api2.example.com"
    assert {name: getattr(connection, name) for name in SECRETS} == SECRETS


def test_connection_secret_is_replaced_when_typed_and_cleared_on_request(client, manager, connection):
    client.force_login(manager)
    data = _connection_form_data(client.get(_change_url(connection)))

    client.post(_change_url(connection), {**data, "app_secret": "new-secret"})
    client.post(_change_url(connection), {**data, "clear_webhook_secret": "on"})

    connection.refresh_from_db()
    assert connection.app_secret == "new-secret"
    assert connection.webhook_secret == ""
    assert connection.access_token == SECRETS["access_token"]


def test_view_only_user_does_not_see_secrets(client, connection, world):
    viewer = UserFactory(username="viewer")
    viewer.user_permissions.add(Permission.objects.get(codename="view_shopconnection"))
    shop_access_grant(who=viewer, shops=world["shop_a"])
    client.force_login(viewer)

    response = client.get(_change_url(connection))

    assert response.status_code == 200
    html = response.content.decode()
    for secret in SECRETS.values():
        assert secret not in html


# --- granting access ---------------------------------------------------------------------------------------


def test_administrator_grants_shop_access_on_the_permissions_page(client, admin_user, world):
    newcomer = UserFactory(username="newcomer")
    client.force_login(admin_user)
    url = reverse("admin:orders_shop_permissions_manage_user", args=[world["shop_b"].pk, newcomer.pk])

    page = client.get(url)
    offered = [code for code, _name in page.context["form"].fields["permissions"].choices]
    client.post(url, {"permissions": ["access_shop"]})

    assert offered == ["access_shop"]
    assert get_perms(newcomer, world["shop_b"]) == ["access_shop"]


def test_only_administrators_may_grant_access(client, manager, world):
    client.force_login(manager)

    assert client.get(reverse("admin:orders_shop_permissions", args=[world["shop_a"].pk])).status_code == 403
    assert client.get(reverse("admin:inventory_warehouse_permissions", args=[world["wh_a"].pk])).status_code == 403


def test_manager_who_creates_a_shop_can_work_on_it(client, manager, world):
    client.force_login(manager)

    client.post(
        reverse("admin:orders_shop_add"),
        {"code": "shop-new", "name": "新店", "platform": "jd", "ship_within_hours": "48", "is_active": "on"},
    )

    shop = Shop.objects.get(code="shop-new")
    assert manager.has_perm("orders.access_shop", shop)


# --- every model ----------------------------------------------------------------------------------------------


def _project_models():
    return [
        model
        for label in ADMIN_APPS
        for model in apps.get_app_config(label).get_models()
        if not model.__name__.startswith("Historical")
    ]


def test_every_model_is_in_the_admin_with_its_history():
    missing = [m.__name__ for m in _project_models() if not admin.site.is_registered(m)]
    without_history = [
        m.__name__
        for m in _project_models()
        if admin.site.is_registered(m) and not isinstance(admin.site._registry[m], SimpleHistoryAdmin)
    ]

    assert missing == []
    assert without_history == []


def test_every_admin_page_opens_for_an_administrator(client, admin_user, order_a):
    refund_record(order=order_a, amount=Decimal("1.00"), external_id="R-1", system="tests")
    client.force_login(admin_user)

    for model in _project_models():
        if not admin.site.is_registered(model):
            continue
        opts = model._meta
        changelist = client.get(reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist"))
        assert changelist.status_code == 200, opts.label
        obj = model._default_manager.first()
        if obj is not None:
            assert client.get(_change_url(obj)).status_code == 200, opts.label
            assert (
                client.get(reverse(f"admin:{opts.app_label}_{opts.model_name}_history", args=[obj.pk])).status_code
                == 200
            ), opts.label
    assert Order.objects.count() == 1
