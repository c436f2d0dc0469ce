"""/metrics: the command center's figures, queues and requests in Prometheus text; closed to the public."""

from decimal import Decimal

import pytest
from django.test import Client, override_settings
from prometheus_client.parser import text_string_to_metric_families

from integrations.board.snapshots import board_snapshots_refresh
from orders.models import Order
from orders.states import Status
from tests.factories import InboxMessageFactory, ShopConnectionFactory, make_order

pytestmark = pytest.mark.django_db


def samples(body: bytes) -> dict[tuple[str, tuple], float]:
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(body.decode())
        for sample in family.samples
    }


@override_settings(METRICS_TOKEN="scrape-secret")
def test_a_scraper_with_the_token_reads_the_stored_figures_and_the_queues(world):
    order = make_order(shop=world["shop_a"], skus=[(world["skus"][0], 1, Decimal("10.00"))])
    Order.objects.filter(pk=order.pk).update(status=Status.PAID)
    connection = ShopConnectionFactory(shop=world["shop_b"], consecutive_failures=4)
    InboxMessageFactory(shop=connection.shop, topic="", status="dead")
    board_snapshots_refresh()

    response = Client().get("/metrics", HTTP_AUTHORIZATION="Bearer scrape-secret")

    assert response.status_code == 200 and response["Content-Type"].startswith("text/plain")
    found = samples(response.content)
    assert found[("orderhub_backlog_orders", (("age", "0-10m"), ("status", "paid")))] == 1
    assert found[("orderhub_backlog_orders", (("age", "4h+"), ("status", "paid")))] == 0
    assert found[("orderhub_oversold_units", ())] == 0
    assert found[("orderhub_shop_consecutive_failures", (("shop", "shop-b"),))] == 4
    assert found[("orderhub_inbox_messages", (("status", "dead"),))] == 1
    assert ("orderhub_task_queue_size", ()) in found
    assert found[("orderhub_board_panel_age_seconds", (("panel", "now"),))] >= 0


@override_settings(METRICS_TOKEN="scrape-secret")
def test_requests_are_counted_by_route_and_status_class(world):
    client = Client()
    before = samples(client.get("/metrics", HTTP_AUTHORIZATION="Bearer scrape-secret").content)
    client.get("/healthz")
    after = samples(client.get("/metrics", HTTP_AUTHORIZATION="Bearer scrape-secret").content)

    key = ("orderhub_http_requests_total", (("method", "GET"), ("route", "healthz"), ("status", "2xx")))
    assert after[key] == before.get(key, 0) + 1


@override_settings(METRICS_TOKEN="scrape-secret")
def test_a_wrong_token_or_no_credentials_get_401_and_other_roles_403(cs_a, manager):
    assert Client().get("/metrics", HTTP_AUTHORIZATION="Bearer wrong").status_code == 401
    anonymous = Client().get("/metrics")
    assert anonymous.status_code == 401 and anonymous["WWW-Authenticate"].startswith("Bearer")
    cs = Client()
    cs.force_login(cs_a)
    assert cs.get("/metrics").status_code == 403
    boss = Client()
    boss.force_login(manager)
    assert boss.get("/metrics").status_code == 200


@override_settings(METRICS_TOKEN="")
def test_without_a_token_configured_a_bearer_header_opens_nothing(world):
    assert Client().get("/metrics", HTTP_AUTHORIZATION="Bearer ").status_code == 401
