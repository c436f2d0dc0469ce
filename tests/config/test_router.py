"""The replica router: heavy reads on the replica, read-your-writes, and the fall back to the primary when the
replica lags or is gone. The "replica" here is a second connection to the test database (what the router
decides is the same; a real streaming replica's lag is shown by the cluster drill, `make cluster-check`)."""

import pytest
from django.db import connection, connections
from django.test.utils import CaptureQueriesContext
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from config import router
from orders.states import Status
from tests.factories.orders import make_order

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True, databases=["default", router.REPLICA])]


def _replica_alias(**overrides):
    if router.REPLICA in connections.settings:
        connections[router.REPLICA].close()
        del connections[router.REPLICA]
    connections.settings[router.REPLICA] = {**connection.settings_dict, **overrides}
    router._lag_cache.update(at=float("-inf"), lag=None)


@pytest.fixture(scope="module", autouse=True)
def _replica_alias_for_this_module(django_db_setup, django_db_blocker):
    """A "replica" database alias for these tests only (before the test case is built, which must know it):
    another connection to the test database, which a transaction=True test commits to."""
    _replica_alias()
    yield
    with django_db_blocker.unblock():
        connections[router.REPLICA].close()
    del connections[router.REPLICA]
    del connections.settings[router.REPLICA]


@pytest.fixture
def replica(settings):
    settings.DB_REPLICA_MAX_LAG_SECONDS = 5
    settings.DB_REPLICA_LAG_CHECK_SECONDS = 0
    _replica_alias()
    return connections[router.REPLICA]


@pytest.fixture
def unreachable_replica(settings):
    settings.DB_REPLICA_LAG_CHECK_SECONDS = 0
    _replica_alias(PORT="1", OPTIONS={**connection.settings_dict["OPTIONS"], "connect_timeout": 1})
    yield
    _replica_alias()


def _order_queries(captured) -> int:
    return sum('"orders_order"' in q["sql"] for q in captured.captured_queries)


def _list(client, url="/orders/"):
    with CaptureQueriesContext(connection) as primary, CaptureQueriesContext(connections[router.REPLICA]) as replica:
        response = client.get(url)
    assert response.status_code == 200
    return _order_queries(primary), _order_queries(replica)


@pytest.fixture
def orders(world):
    return [make_order(shop=world["shop_a"], status=Status.PAID) for _ in range(3)]


def test_the_order_list_is_read_from_the_replica_and_an_order_page_from_the_primary(client, manager, orders, replica):
    client.force_login(manager)

    on_primary, on_replica = _list(client)
    assert on_primary == 0 and on_replica >= 1

    with CaptureQueriesContext(connections[router.REPLICA]) as replica_queries:
        assert client.get(f"/orders/{orders[0].number}/").status_code == 200
    assert _order_queries(replica_queries) == 0  # a page someone acts on shows the primary's truth


def test_after_writing_a_user_reads_the_primary_until_the_pin_expires(client, manager, orders, replica):
    client.force_login(manager)
    assert _list(client)[1] >= 1

    response = client.post(f"/orders/{orders[0].number}/notes/", {"text": "客户要求周五发货"})

    assert response.status_code == 302
    pin = response.cookies[router.PIN_COOKIE]
    assert pin["max-age"] == 15 and pin["httponly"]
    on_primary, on_replica = _list(client)
    assert on_primary >= 1 and on_replica == 0  # read-your-writes

    del client.cookies[router.PIN_COOKIE]  # what the browser does once max-age has passed
    assert _list(client)[1] >= 1


def test_an_api_client_that_wrote_is_pinned_by_its_token_others_are_not(manager, world, replica, settings):
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    writer, reader = APIClient(), APIClient()
    writer.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=manager).key}")
    other = type(manager).objects.create(username="reader", is_staff=True)
    other.groups.set(manager.groups.all())
    from orders.access import shop_access_grant

    shop_access_grant(who=other, shops=[world["shop_a"]])
    reader.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=other).key}")
    make_order(shop=world["shop_a"], status=Status.PAID)

    assert writer.post("/api/v1/orders/", {}, format="json").status_code == 400  # a write attempt pins too
    writer.cookies.clear()  # API clients keep no cookies

    assert _list(writer, "/api/v1/orders/")[0] >= 1
    assert _list(reader, "/api/v1/orders/")[1] >= 1


def test_reads_fall_back_to_the_primary_while_the_replica_lags_more_than_the_limit(
    client, manager, orders, replica, settings
):
    client.force_login(manager)
    settings.DB_REPLICA_MAX_LAG_SECONDS = -1  # any measured lag (here 0 s) is too much
    before = router.fallbacks["replica_lagging"]

    on_primary, on_replica = _list(client)

    assert on_primary >= 1 and on_replica == 0
    assert router.fallbacks["replica_lagging"] > before


def test_an_unreachable_replica_sends_reads_to_the_primary_and_readyz_says_so(
    client, manager, orders, unreachable_replica
):
    client.force_login(manager)

    with CaptureQueriesContext(connection) as primary:
        response = client.get("/orders/")  # the replica's connection attempt fails in under a second

    assert response.status_code == 200 and _order_queries(primary) >= 1
    ready = client.get("/readyz")
    assert ready.status_code == 200  # the node still serves, from the primary
    assert ready.json()["checks"]["replica"]["ok"] is False


def test_readyz_reports_the_replica_lag(client, replica):
    check = client.get("/readyz").json()["checks"]["replica"]

    assert check["ok"] is True and check["lag_s"] == 0 and check["reads"] == "replica"


def test_writes_and_reads_inside_a_transaction_stay_on_the_primary(replica):
    from django.db import transaction

    from orders.models import Order

    with router.replica_reads():
        assert router.PrimaryReplicaRouter().db_for_read(Order) == router.REPLICA
        with transaction.atomic():
            assert router.PrimaryReplicaRouter().db_for_read(Order) == "default"
        assert router.PrimaryReplicaRouter().db_for_write(Order) == "default"
    assert router.PrimaryReplicaRouter().db_for_read(Order) == "default"


def test_every_view_named_for_the_replica_exists(settings):
    from django.urls import get_resolver

    names = set()

    def walk(patterns, namespace=""):
        for pattern in patterns:
            if hasattr(pattern, "url_patterns"):
                walk(pattern.url_patterns, f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace)
            elif pattern.name:
                names.add(f"{namespace}{pattern.name}")

    walk(get_resolver().url_patterns)
    assert set(settings.DB_REPLICA_VIEWS) - names == set()
