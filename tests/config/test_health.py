"""/healthz and /readyz: what HAProxy's checks and an operator see."""

import datetime as dt

import pytest
from django.db import connection
from django.utils import timezone

from config import health
from integrations.models import InboxMessage, WorkStatus
from tests.factories import InboxMessageFactory, ShopFactory


@pytest.fixture(autouse=True)
def _migrations_checked_again():
    health._migrated.clear()
    yield
    health._migrated.clear()


def test_healthz_answers_without_touching_the_database(client):
    response = client.get("/healthz")  # no django_db mark: a query would raise

    assert response.status_code == 200
    assert response.json() == {"status": "ok"}
    assert "no-cache" in response["Cache-Control"]


@pytest.mark.django_db
def test_readyz_is_ready_when_the_database_answers_and_every_migration_is_applied(client):
    response = client.get("/readyz")

    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ready"
    assert body["checks"]["database"]["ok"] is True
    assert body["checks"]["migrations"]["ok"] is True
    assert body["checks"]["queue"] == {"ok": True, "oldest_due_s": None, "ms": body["checks"]["queue"]["ms"]}
    assert "replica" not in body["checks"] and "redis" not in body["checks"]  # neither is configured


@pytest.mark.django_db
def test_readyz_is_not_ready_while_a_migration_of_this_code_is_not_applied(client):
    with connection.cursor() as cursor:
        cursor.execute(
            "DELETE FROM django_migrations WHERE app = 'orders' AND name = "
            "(SELECT max(name) FROM django_migrations WHERE app = 'orders') RETURNING name"
        )
        (latest,) = cursor.fetchone()

    response = client.get("/readyz")

    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "not_ready"
    assert body["checks"]["migrations"]["ok"] is False
    assert body["checks"]["migrations"]["unapplied"] == [f"orders.{latest}"]


@pytest.mark.django_db
def test_readyz_reports_old_waiting_work_without_taking_the_node_out(client, settings):
    settings.HEALTH_QUEUE_MAX_AGE_SECONDS = 300
    shop = ShopFactory(code="shop-q", platform="shopify")
    waited = timezone.now() - dt.timedelta(minutes=7)
    for minutes, status in [(7, WorkStatus.PENDING), (60, WorkStatus.DONE), (2, WorkStatus.FAILED)]:
        InboxMessageFactory(
            shop=shop,
            event_id=f"evt-{minutes}",
            status=status,
            next_attempt_at=timezone.now() - dt.timedelta(minutes=minutes),
        )
    InboxMessage.objects.filter(event_id="evt-7").update(next_attempt_at=waited)

    response = client.get("/readyz")

    assert response.status_code == 200  # the node still serves: the backlog is the workers' problem
    queue = response.json()["checks"]["queue"]
    assert queue["ok"] is False
    assert 419 < queue["oldest_due_s"] < 430  # the pending message of 7 minutes ago; the done one is not waiting
    assert "limit 300 s" in queue["error"]


@pytest.mark.django_db
def test_readyz_shows_redis_down_but_stays_ready(client, settings):
    settings.Q_REDIS_URL = ""
    settings.CACHE_REDIS_URL = "redis://127.0.0.1:1/0"  # nothing listens on port 1

    response = client.get("/readyz")

    assert response.status_code == 200
    redis_check = response.json()["checks"]["redis"]
    assert redis_check["ok"] is False
    assert "ConnectionError" in redis_check["error"]


def test_health_endpoints_are_exempt_from_the_tls_redirect(client, settings):
    settings.SECURE_SSL_REDIRECT = True

    assert client.get("/healthz").status_code == 200
    assert client.get("/accounts/login/").status_code == 301
