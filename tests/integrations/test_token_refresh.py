"""Access-token refresh against the (sandbox) platforms: each platform's refresh call, storing the new tokens
with a compare-and-set, alerts on refusal, the scheduled sweep, and recovery of polls and outbox deliveries
that met an expired token."""

import datetime as dt

import pytest
from django.utils import timezone

from integrations import health, polling, tokens
from integrations.exceptions import PlatformError, PlatformUnavailable, TokenRefreshFailed
from integrations.health import health_alert_raise
from integrations.models import OutboxMessage, ShopConnection, WorkStatus
from integrations.outbox import stock_push_enqueue
from integrations.platforms import adapter_for
from integrations.platforms.client import TokenGrant
from integrations.platforms.taobao.client import TaobaoClient
from integrations.tasks import SCHEDULES
from orders.models import Alert, Order

pytestmark = pytest.mark.django_db
PLATFORMS = ["taobao", "jd", "pdd", "douyin", "shopify"]
FIXTURE = {"taobao": "taobao"}


def with_refresh_token(request, platform, **values) -> ShopConnection:
    connection = request.getfixturevalue(FIXTURE.get(platform, platform))
    values = {"refresh_token": "r-1", "token_expires_at": timezone.now() + dt.timedelta(hours=3), **values}
    ShopConnection.objects.filter(pk=connection.pk).update(**values)
    connection.refresh_from_db()
    return connection


@pytest.mark.parametrize("platform", PLATFORMS)
def test_refresh_stores_the_new_tokens_and_expiry_and_they_work(platform, request, sandbox_http):
    connection = with_refresh_token(request, platform)
    before = timezone.now()

    fresh = tokens.connection_token_refresh(connection=connection)

    stored = ShopConnection.objects.get(pk=connection.pk)
    assert stored.access_token == fresh.access_token != "good-token"
    assert stored.access_token.startswith("sbx-")
    assert stored.refresh_token.startswith("sbxr-")  # rotated: the old one is spent
    lifetime = dt.timedelta(hours=1 if platform == "shopify" else 24)
    assert before + lifetime - dt.timedelta(minutes=1) <= stored.token_expires_at <= timezone.now() + lifetime
    assert stored.token_refreshed_at >= before
    # The new token is accepted by the platform's API.
    client = adapter_for(connection.shop.platform).client(stored)
    assert client.order_count(start=before - dt.timedelta(hours=1), end=before) >= 0
    # …and the spent refresh token is refused by the platform.
    assert connection.refresh_token == "r-1"
    with pytest.raises(PlatformError):
        adapter_for(connection.shop.platform).client(connection).token_refresh()


@pytest.mark.parametrize("platform", PLATFORMS)
def test_a_refused_refresh_keeps_the_old_token_and_raises_an_alert(
    platform, request, sandbox_http, django_capture_on_commit_callbacks
):
    connection = with_refresh_token(request, platform, refresh_token="revoked")

    with django_capture_on_commit_callbacks(execute=True), pytest.raises(TokenRefreshFailed) as refused:
        tokens.connection_token_refresh(connection=connection)

    stored = ShopConnection.objects.get(pk=connection.pk)
    assert (stored.access_token, stored.refresh_token, stored.token_refreshed_at) == ("good-token", "revoked", None)
    alert = Alert.objects.get(shop=connection.shop, kind=Alert.Kind.TOKEN_REFRESH)
    assert alert.message.startswith(f"{connection.shop.code}: the access token could not be refreshed:")
    assert str(refused.value) in alert.message
    # A second refusal the same day does not raise a second alert.
    with pytest.raises(TokenRefreshFailed):
        tokens.connection_token_refresh(connection=connection)
    assert Alert.objects.filter(kind=Alert.Kind.TOKEN_REFRESH).count() == 1


def test_without_a_refresh_token_there_is_nothing_to_refresh(taobao, shopify, sandbox_http):
    with pytest.raises(TokenRefreshFailed, match="店铺 tmall-1 未保存刷新令牌"):
        tokens.connection_token_refresh(connection=taobao)
    with pytest.raises(TokenRefreshFailed, match="不过期的离线令牌无法刷新"):
        tokens.connection_token_refresh(connection=shopify)
    assert Alert.objects.filter(kind=Alert.Kind.TOKEN_REFRESH).count() == 2


def test_an_expired_refresh_token_is_not_sent(request, sandbox_http):
    connection = with_refresh_token(request, "pdd", refresh_token_expires_at=timezone.now() - dt.timedelta(days=1))
    sandbox_http.calls.clear()
    with pytest.raises(TokenRefreshFailed, match="店铺 pdd-1 的刷新令牌已于"):
        tokens.connection_token_refresh(connection=connection)
    assert sandbox_http.calls == []


def test_a_passing_failure_raises_without_alert_and_keeps_the_token(request, sandbox_http):
    connection = with_refresh_token(request, "jd", base_url="http://testserver/sandbox/jd/fault/503")
    with pytest.raises(PlatformUnavailable):
        tokens.connection_token_refresh(connection=connection)
    assert ShopConnection.objects.get(pk=connection.pk).access_token == "good-token"
    assert not Alert.objects.exists()


def test_a_refresh_racing_another_keeps_the_token_stored_first(request, monkeypatch):
    connection = with_refresh_token(request, "taobao")

    def refreshed_elsewhere_meanwhile(client):
        ShopConnection.objects.filter(pk=connection.pk).update(access_token="theirs", refresh_token="their-r")
        return TokenGrant(access_token="ours", refresh_token="our-r")

    monkeypatch.setattr(TaobaoClient, "token_refresh", refreshed_elsewhere_meanwhile)
    fresh = tokens.connection_token_refresh(connection=connection)
    assert (fresh.access_token, fresh.refresh_token) == ("theirs", "their-r")

    def refused_because_spent_elsewhere(client):
        ShopConnection.objects.filter(pk=connection.pk).update(access_token="newest")
        raise TokenRefreshFailed("refresh token already used")

    monkeypatch.setattr(TaobaoClient, "token_refresh", refused_because_spent_elsewhere)
    assert tokens.connection_token_refresh(connection=fresh).access_token == "newest"
    assert not Alert.objects.exists()  # not a failure: another worker refreshed it


def test_a_successful_refresh_resolves_open_token_alerts(request, sandbox_http):
    connection = with_refresh_token(request, "douyin")
    for kind in (Alert.Kind.TOKEN_REFRESH, Alert.Kind.TOKEN_EXPIRY):
        health_alert_raise(shop=connection.shop, kind=kind, dedup_key="x", message="token trouble")
    tokens.connection_token_refresh(connection=connection)
    assert not Alert.objects.filter(resolved_at__isnull=True).exists()


# --- the scheduled sweep -------------------------------------------------------------------------------------


def test_the_sweep_picks_only_enabled_connections_with_a_refresh_token_expiring_within_the_window(
    request, monkeypatch, settings
):
    now = timezone.now()
    soon = with_refresh_token(request, "taobao", token_expires_at=now + dt.timedelta(hours=47))
    overdue = with_refresh_token(request, "shopify", token_expires_at=now - dt.timedelta(minutes=5))
    with_refresh_token(request, "jd", token_expires_at=now + dt.timedelta(days=5))  # not yet
    with_refresh_token(request, "pdd", refresh_token="", token_expires_at=now + dt.timedelta(hours=1))  # cannot
    with_refresh_token(request, "douyin", is_enabled=False, token_expires_at=now + dt.timedelta(hours=1))
    queued = []
    monkeypatch.setattr(tokens, "enqueue_on_commit", lambda func, *args: queued.append((func, *args)))

    assert tokens.token_refresh_due(now=now) == 2
    assert sorted(queued) == sorted([(tokens.REFRESH_TASK, soon.shop_id), (tokens.REFRESH_TASK, overdue.shop_id)])

    settings.INTEGRATIONS_TOKEN_REFRESH_WINDOW_HOURS = 24 * 6
    assert tokens.token_refresh_due(now=now) == 3


def test_the_sweep_refreshes_the_due_tokens_and_the_task_skips_what_is_no_longer_due(
    request, sandbox_http, settings, django_capture_on_commit_callbacks
):
    due = with_refresh_token(request, "pdd", token_expires_at=timezone.now() + dt.timedelta(hours=2))
    later = with_refresh_token(request, "jd", token_expires_at=timezone.now() + dt.timedelta(days=20))

    with django_capture_on_commit_callbacks(execute=True):
        assert tokens.token_refresh_due() == 1

    assert ShopConnection.objects.get(pk=due.pk).access_token.startswith("sbx-")
    assert ShopConnection.objects.get(pk=later.pk).access_token == "good-token"
    # Run again for the refreshed shop (django-q may run a task twice): its new token lasts 24 h, so with a
    # 12-hour window it is not due.
    settings.INTEGRATIONS_TOKEN_REFRESH_WINDOW_HOURS = 12
    assert tokens.token_refresh_if_due(shop_id=due.shop_id) == "not_due"
    assert tokens.token_refresh_if_due(shop_id=later.shop_id) == "not_due"
    assert tokens.token_refresh_if_due(shop_id=later.shop_id, force=True) == "refreshed"


def test_the_schedules_are_declared():
    names = {s["name"]: s for s in SCHEDULES}
    assert names["integrations.token_refresh_due"]["func"] == "integrations.tasks.token_refresh_due"
    assert names["integrations.token_refresh_due"]["minutes"] == 30
    assert names["integrations.listings_sync_due"]["func"] == "integrations.tasks.listings_sync_due"


# --- recovering polls and deliveries ------------------------------------------------------------------------


@pytest.fixture
def feed(feed, settings):
    """The integrations' feed, its first poll looking back 2 hours."""
    settings.INTEGRATIONS_POLL_INITIAL_HOURS = 2
    return feed


@pytest.mark.parametrize("platform", PLATFORMS)
def test_a_poll_meeting_the_expired_token_mode_refreshes_and_goes_on(
    platform, request, feed, django_capture_on_commit_callbacks
):
    sandbox = "taobao" if platform == "tmall" else platform
    connection = with_refresh_token(
        request, platform, base_url=f"http://testserver/sandbox/{sandbox}/fault/expired_token"
    )

    with django_capture_on_commit_callbacks(execute=True):
        result = polling.shop_poll(connection.shop_id)

    assert result.status == "ok", result.error
    stored = ShopConnection.objects.get(pk=connection.pk)
    assert stored.access_token.startswith("sbx-") and stored.consecutive_failures == 0
    assert stored.poll_cursor is not None
    assert Order.objects.filter(shop=connection.shop).count() >= 5


def test_a_poll_with_a_token_past_its_expiry_refreshes_and_continues(request, feed, django_capture_on_commit_callbacks):
    connection = with_refresh_token(request, "taobao", token_expires_at=timezone.now() - dt.timedelta(minutes=1))

    with django_capture_on_commit_callbacks(execute=True):
        result = polling.shop_poll(connection.shop_id)

    assert result.status == "ok", result.error
    stored = ShopConnection.objects.get(pk=connection.pk)
    assert stored.token_expires_at > timezone.now() and stored.last_pull_ok_at is not None
    assert Order.objects.filter(shop=connection.shop).exists()


def test_a_poll_whose_refresh_is_refused_fails_with_both_reasons_and_alerts(
    request, feed, django_capture_on_commit_callbacks
):
    connection = with_refresh_token(
        request, "douyin", refresh_token="revoked", base_url="http://testserver/sandbox/douyin/fault/expired_token"
    )

    with django_capture_on_commit_callbacks(execute=True):
        result = polling.shop_poll(connection.shop_id)

    assert result.status == "failed"
    stored = ShopConnection.objects.get(pk=connection.pk)
    assert stored.access_token == "good-token" and stored.consecutive_failures == 1
    assert "TokenExpired" in stored.last_error and "刷新令牌失败" in stored.last_error
    assert Alert.objects.filter(shop=connection.shop, kind=Alert.Kind.TOKEN_REFRESH).exists()


def test_an_outbox_delivery_meeting_an_expired_token_refreshes_and_is_delivered(
    request, skus, sandbox_http, django_capture_on_commit_callbacks
):
    connection = with_refresh_token(request, "jd", access_token="expired")

    with django_capture_on_commit_callbacks(execute=True):
        stock_push_enqueue(shop_id=connection.shop_id, sku_id=skus["CUP-BLUE"].pk, quantity=3)

    message = OutboxMessage.objects.get()
    assert message.status == WorkStatus.DONE, message.last_error
    assert ShopConnection.objects.get(pk=connection.pk).access_token.startswith("sbx-")


# --- health ---------------------------------------------------------------------------------------------------


def test_with_a_refresh_token_the_alert_is_about_the_refresh_tokens_expiry(request, django_capture_on_commit_callbacks):
    now = timezone.now()
    with_refresh_token(
        request,
        "taobao",
        token_expires_at=now + dt.timedelta(hours=1),
        refresh_token_expires_at=now + dt.timedelta(days=10, hours=1),
    )
    with django_capture_on_commit_callbacks(execute=True):
        health.health_check_run(now=now)
    (alert,) = Alert.objects.filter(kind=Alert.Kind.TOKEN_EXPIRY)
    assert "刷新令牌将在 10 天后过期" in alert.message
    assert "access token" not in alert.message


def test_staff_refresh_a_token_now_from_the_admin(
    request, client, admin_user, sandbox_http, django_capture_on_commit_callbacks
):
    connection = with_refresh_token(request, "douyin", token_expires_at=timezone.now() + dt.timedelta(days=30))
    admin_user.is_superuser = True
    admin_user.save()
    client.force_login(admin_user)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/admin/integrations/shopconnection/", {"action": "token_refresh_now", "_selected_action": [connection.pk]}
        )

    assert response.status_code == 302
    assert ShopConnection.objects.get(pk=connection.pk).access_token.startswith("sbx-")
