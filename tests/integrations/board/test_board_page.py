"""The command center's page and JSON: stored panels, the refresh task, who may open them, drill-down links."""

import datetime as dt
from decimal import Decimal
from unittest import mock

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from integrations.board import snapshots
from integrations.board.models import BoardSnapshot
from integrations.tasks import SCHEDULES
from integrations.tasks import board_snapshots_refresh as refresh_task
from orders.models import Order
from orders.states import Status
from tests.factories import make_order

pytestmark = pytest.mark.django_db


def client_for(user):
    client = Client()
    client.force_login(user)
    return client


def test_refresh_stores_every_panel_and_the_json_serves_them(manager, world):
    order = make_order(shop=world["shop_a"], skus=[(world["skus"][0], 1, Decimal("10.00"))])
    Order.objects.filter(pk=order.pk).update(status=Status.PAID)

    assert refresh_task() == {
        "panels": {panel: "ok" for panel in snapshots.PANELS},
        "rules": {"raised": 0, "resolved": 0},
    }

    now = BoardSnapshot.objects.get(panel="now")
    assert now.computed_at is not None and now.error == ""
    payload = client_for(manager).get(reverse("board:data")).json()
    data = payload["panels"]["now"]["data"]
    paid = next(row for row in data["backlog"]["rows"] if row["status"] == "paid")
    assert paid["buckets"]["0-10m"] == 1
    assert paid["links"]["0-10m"] == "/orders/?status=paid&age=0-10m"
    assert data["oversold"]["units"] == 0
    assert payload["labels"]["status"]["paid"] == "已付款"


def test_the_drill_down_link_of_a_backlog_cell_lists_exactly_its_orders(manager, world):
    mine = make_order(shop=world["shop_a"], skus=[(world["skus"][0], 1, Decimal("10.00"))])
    other = make_order(shop=world["shop_b"], skus=[(world["skus"][0], 1, Decimal("10.00"))])
    Order.objects.filter(pk=mine.pk).update(status=Status.PAID)
    Order.objects.filter(pk=other.pk).update(status=Status.PAID)
    Order.objects.filter(pk=other.pk).update(created_at=other.created_at - dt.timedelta(hours=2))
    snapshots.board_snapshots_refresh()
    link = BoardSnapshot.objects.get(panel="now").data["backlog"]["rows"][0]["links"]["0-10m"]

    page = client_for(manager).get(link)

    assert page.status_code == 200
    assert [row["order"].number for row in page.context["rows"]] == [mine.number]


def test_a_failing_panel_keeps_its_last_figures_and_shows_the_error(manager, world):
    snapshots.board_snapshots_refresh()
    before = BoardSnapshot.objects.get(panel="now").data

    with mock.patch.dict(snapshots.PANELS, {"now": mock.Mock(side_effect=RuntimeError("database went away"))}):
        outcome = snapshots.board_snapshots_refresh()

    assert outcome["now"] == "RuntimeError: database went away"
    stored = BoardSnapshot.objects.get(panel="now")
    assert stored.data == before and stored.error == "RuntimeError: database went away"
    assert client_for(manager).get(reverse("board:data")).json()["panels"]["now"]["error"] == stored.error


def test_the_page_loads_the_vendored_chart_library_and_the_stored_figures(manager):
    snapshots.board_snapshots_refresh()

    page = client_for(manager).get(reverse("board:page"))

    html = page.content.decode()
    assert page.status_code == 200
    assert "/static/board/vendor/echarts-6.1.0.min.js" in html and "cdn" not in html.split("<main>")[1].lower()
    assert 'id="board-initial"' in html and "指挥中心" in html


def test_the_board_is_for_managers_not_for_other_roles(cs_a, warehouse_b, finance, outsider):
    for user in (cs_a, warehouse_b, finance, outsider):
        assert client_for(user).get(reverse("board:data")).status_code == 403


def test_the_refresh_runs_every_minute():
    schedule = next(s for s in SCHEDULES if s["name"] == "integrations.board_snapshots_refresh")
    assert (schedule["schedule_type"], schedule["minutes"]) == ("I", 1)


def test_the_heat_map_and_money_are_recomputed_every_15_minutes_the_others_every_run(world):
    start = timezone.now()
    snapshots.board_snapshots_refresh(now=start)

    soon = snapshots.board_snapshots_refresh(now=start + dt.timedelta(minutes=1))
    later = snapshots.board_snapshots_refresh(now=start + dt.timedelta(minutes=15))

    assert soon == {"now": "ok", "flow": "ok", "connections": "ok", "heatmap": "not due", "money": "not due"}
    assert later == {panel: "ok" for panel in snapshots.PANELS}
    asked = snapshots.board_snapshots_refresh(panels=["heatmap"], now=start + dt.timedelta(minutes=16))
    assert asked == {"heatmap": "ok"}  # asked for by name (the admin's action): computed whenever


def test_home_and_navigation_link_the_board_only_for_those_who_may_open_it(manager, cs_a):
    assert client_for(manager).get(reverse("home")).content.decode().count('href="/board/"') == 2
    assert 'href="/board/"' not in client_for(cs_a).get(reverse("home")).content.decode()
