"""Personal data: revealing a masked consignee takes a permission and a reason and is logged; the retention
run erases consignee data of orders final for longer than the retention period, keeping what finance needs."""

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from orders.models import ConsigneeReveal, Order, OrderEvent
from orders.services import consignees_anonymise_due
from orders.states import Status
from orders.tasks import SCHEDULES
from tests.factories import ShopFactory, make_order

pytestmark = pytest.mark.django_db


@pytest.fixture
def order(world):
    return make_order(shop=world["shop_a"], status=Status.PAID, buyer_remark="晚上送，电话 13900001111")


def _reveal(client, order, reason="买家来电核对退款", address="203.0.113.7"):
    return client.post(reverse("order-consignee-reveal", args=[order.number]), {"reason": reason}, REMOTE_ADDR=address)


def test_finance_sees_the_consignee_masked_and_may_reveal_it(client, finance, order):
    client.force_login(finance)
    page = client.get(reverse("order-detail", args=[order.number])).content.decode()
    assert "138****5678" in page and "13812345678" not in page
    assert reverse("order-consignee-reveal", args=[order.number]) in page


def test_a_reveal_with_a_reason_shows_phone_and_address_and_is_logged(client, finance, order):
    client.force_login(finance)

    response = _reveal(client, order)

    page = response.content.decode()
    assert response.status_code == 200
    assert "13812345678" in page and "文三路100号2幢301室" in page
    assert response["Cache-Control"] == "no-store"
    (log,) = ConsigneeReveal.objects.all()
    assert (log.order, log.user, log.reason, log.ip_address) == (order, finance, "买家来电核对退款", "203.0.113.7")
    assert timezone.now() - log.at < dt.timedelta(minutes=1)


def test_a_reveal_without_a_reason_shows_nothing_and_logs_nothing(client, finance, order):
    client.force_login(finance)

    response = _reveal(client, order, reason="  ")

    assert response.status_code == 302
    assert ConsigneeReveal.objects.count() == 0
    assert "13812345678" not in client.get(response["Location"]).content.decode()


def test_without_the_reveal_permission_nothing_is_revealed(client, finance, order):
    finance.groups.clear()
    from django.contrib.auth.models import Permission

    finance.user_permissions.add(Permission.objects.get(codename="view_order"))
    client.force_login(finance)

    response = _reveal(client, order)

    assert response.status_code == 302
    assert ConsigneeReveal.objects.count() == 0


def test_an_order_of_a_shop_one_may_not_see_cannot_be_revealed(client, finance, world):
    other = make_order(shop=ShopFactory(code="shop-c", default_warehouse=world["wh_a"]), status=Status.PAID)
    client.force_login(finance)

    assert _reveal(client, other).status_code == 404
    assert ConsigneeReveal.objects.count() == 0


def test_roles_that_see_the_consignee_are_not_offered_a_reveal(client, cs_a, order):
    client.force_login(cs_a)
    page = client.get(reverse("order-detail", args=[order.number])).content.decode()
    assert "13812345678" in page
    assert reverse("order-consignee-reveal", args=[order.number]) not in page


def test_the_reveal_log_is_in_the_admin_read_only(client, admin_user, finance, order):
    client.force_login(finance)
    _reveal(client, order)
    client.force_login(admin_user)
    changelist = client.get(reverse("admin:orders_consigneereveal_changelist"))
    assert changelist.status_code == 200 and "买家来电核对退款" in changelist.content.decode()
    assert client.get(reverse("admin:orders_consigneereveal_add")).status_code == 403


# --- retention ----------------------------------------------------------------------------------------------


def _final(order, status, *, days_ago):
    """Arrange: the order reached ``status`` ``days_ago`` days ago."""
    Order.objects.filter(pk=order.pk).update(status=status)
    event = OrderEvent.objects.create(order=order, kind=OrderEvent.Kind.TRANSITION, to_status=status, system="tests")
    OrderEvent.objects.filter(pk=event.pk).update(at=timezone.now() - dt.timedelta(days=days_ago))
    order.refresh_from_db()
    return order


def test_consignee_data_of_orders_final_past_the_retention_period_is_erased(world, settings):
    settings.CONSIGNEE_RETENTION_DAYS = 180
    old = _final(
        make_order(shop=world["shop_a"], status=Status.PAID, buyer_nick="tb_lin", buyer_email="lin@example.com"),
        Status.COMPLETED,
        days_ago=181,
    )
    Order.objects.filter(pk=old.pk).update(consignee_cipher={"oaid": "xyz"}, postal_code="310012")
    paid_before = old.paid_amount

    assert consignees_anonymise_due() == 1

    old.refresh_from_db()
    assert (old.consignee_phone, old.address, old.postal_code, old.consignee_cipher, old.buyer_remark) == (
        "",
        "",
        "",
        {},
        "",
    )
    assert (old.consignee_name, old.buyer_nick, old.buyer_email) == ("张**", "t**", "")
    # what finance and reports need stays
    assert (old.province, old.city, old.district, old.paid_amount) == ("浙江省", "杭州市", "西湖区", paid_before)
    assert old.external_id and old.lines.count() == 1 and old.paid_amount > Decimal("0")
    # …and no old version of the order still holds it
    assert set(old.history.values_list("consignee_phone", flat=True)) == {""}
    assert set(old.history.values_list("address", flat=True)) == {""}
    assert old.events.filter(system="retention").count() == 1


def test_orders_still_within_the_period_or_not_final_keep_their_consignee(world, settings):
    settings.CONSIGNEE_RETENTION_DAYS = 180
    recent = _final(make_order(shop=world["shop_a"], status=Status.PAID), Status.COMPLETED, days_ago=30)
    open_order = make_order(shop=world["shop_a"], status=Status.PAID)
    OrderEvent.objects.filter(order=open_order).update(at=timezone.now() - dt.timedelta(days=400))

    assert consignees_anonymise_due() == 0

    assert Order.objects.get(pk=recent.pk).consignee_phone == "13812345678"
    assert Order.objects.get(pk=open_order.pk).consignee_phone == "13812345678"


def test_cancelled_and_closed_orders_are_anonymised_too_and_a_second_run_changes_nothing(world):
    cancelled = _final(make_order(shop=world["shop_a"], status=Status.PAID), Status.CANCELLED, days_ago=200)
    closed = _final(make_order(shop=world["shop_a"]), Status.CLOSED, days_ago=200)

    assert consignees_anonymise_due(days=90) == 2
    assert consignees_anonymise_due(days=90) == 0
    assert {o.consignee_phone for o in Order.objects.filter(pk__in=[cancelled.pk, closed.pk])} == {""}


def test_the_retention_runs_daily():
    (schedule,) = [s for s in SCHEDULES if s["func"] == "orders.tasks.consignees_anonymise_due"]
    assert schedule["schedule_type"] == "D"
