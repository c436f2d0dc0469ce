"""Polling the (sandbox) platforms: cursor, paging, overlap without duplicates, faults and back-off,
catching up after downtime — for every platform's client."""

import datetime as dt

import pytest
from django.utils import timezone

from integrations import polling
from integrations.models import InboxMessage, ShopConnection, WorkStatus
from integrations.sandbox import data, formats
from orders.models import Order
from tests.integrations.helpers import SandboxClock

pytestmark = pytest.mark.django_db
PLATFORMS = ["taobao", "jd", "pdd", "douyin", "shopify"]


def connection_for(platform, request):
    return request.getfixturevalue({"taobao": "taobao"}.get(platform, platform))


def expected_ids(platform, connection, start, end, now=None):
    orders = data.modified_between(connection.app_key, start, end, visible=formats.visible(platform), now=now)
    return {formats.order_id(platform, o) for o in orders}


@pytest.mark.parametrize("platform", PLATFORMS)
def test_first_poll_pulls_every_order_of_the_lookback_through_all_pages(
    platform, feed, request, django_capture_on_commit_callbacks, monkeypatch
):
    connection = connection_for(platform, request)
    now = timezone.now()
    monkeypatch.setattr(data, "timezone", SandboxClock(now))

    with django_capture_on_commit_callbacks(execute=True):
        result = polling.shop_poll(connection.shop_id, now=now)

    assert result.status == "ok", result.error
    wanted = expected_ids(platform, connection, now - dt.timedelta(hours=3), now - polling.SETTLE, now=now)
    assert len(wanted) >= 12
    got = set(Order.objects.filter(shop=connection.shop).values_list("external_id", flat=True))
    assert got == wanted
    assert result.pages >= 3  # 5 per page
    connection.refresh_from_db()
    assert connection.poll_cursor == now - polling.SETTLE
    assert connection.last_pull_ok_at is not None and connection.consecutive_failures == 0
    assert connection.next_poll_at > now
    assert not InboxMessage.objects.exclude(status=WorkStatus.DONE).exists()
    assert set(Order.objects.filter(shop=connection.shop).values_list("source", flat=True)) == {"poll"}


def test_polling_again_with_the_overlap_creates_no_duplicates(feed, taobao, django_capture_on_commit_callbacks):
    now = timezone.now()
    with django_capture_on_commit_callbacks(execute=True):
        polling.shop_poll(taobao.shop_id, now=now)
    count = Order.objects.count()
    ShopConnection.objects.filter(pk=taobao.pk).update(next_poll_at=None)

    with django_capture_on_commit_callbacks(execute=True):
        again = polling.shop_poll(taobao.shop_id, now=now + dt.timedelta(seconds=30))

    assert again.status == "ok"
    assert Order.objects.count() == count
    polled = InboxMessage.objects.filter(kind=InboxMessage.Kind.POLL)
    assert not polled.exclude(result__in=["created", "unchanged", "updated"]).exists()


def test_a_shop_being_polled_is_not_polled_twice_at_once(feed, jd):
    now = timezone.now()
    ShopConnection.objects.filter(pk=jd.pk).update(next_poll_at=now + dt.timedelta(minutes=2))
    assert polling.shop_poll(jd.shop_id, now=now).status == "skipped"


def test_push_and_poll_of_the_same_orders_make_each_order_once(
    feed, client, douyin, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            f"/sandbox/douyin/push/{douyin.shop.code}/?count=6&target=http://testserver/webhooks/douyin/{douyin.shop.code}/"
        )
    assert response.status_code == 200
    assert {r["status"] for r in response.json()["pushed"]} == {200}
    pushed = Order.objects.count()
    assert pushed >= 5

    with django_capture_on_commit_callbacks(execute=True):
        polling.shop_poll(douyin.shop_id)

    ids = list(Order.objects.values_list("external_id", flat=True))
    assert len(ids) == len(set(ids)) > pushed
    assert set(Order.objects.values_list("source", flat=True)) == {"webhook", "poll"}


@pytest.mark.parametrize(
    "fault, status, error",
    [
        ("503", "failed", "PlatformUnavailable"),
        ("expired_token", "failed", "TokenExpired"),
        ("rate_limit", "rate_limited", ""),
    ],
)
def test_faults_back_off_and_keep_the_cursor(fault, status, error, feed, taobao):
    ShopConnection.objects.filter(pk=taobao.pk).update(base_url=f"http://testserver/sandbox/taobao/fault/{fault}")
    before = timezone.now()

    result = polling.shop_poll(taobao.shop_id, now=before)

    assert result.status == status
    taobao.refresh_from_db()
    assert taobao.poll_cursor is None
    assert Order.objects.count() == 0
    if status == "failed":
        assert error in taobao.last_error and taobao.consecutive_failures == 1
        assert taobao.next_poll_at >= before + dt.timedelta(minutes=taobao.poll_interval_minutes)
        # The next failure doubles the wait.
        ShopConnection.objects.filter(pk=taobao.pk).update(next_poll_at=None)
        polling.shop_poll(taobao.shop_id)
        taobao.refresh_from_db()
        assert taobao.consecutive_failures == 2
        assert taobao.next_poll_at >= timezone.now() + dt.timedelta(minutes=2 * taobao.poll_interval_minutes - 1)
    else:
        # A long ban (2 s is "short" and retried; the sandbox keeps refusing) ends the run until the ban is over.
        assert taobao.rate_limited_until is not None and taobao.consecutive_failures == 0


def test_shopify_429_is_rate_limited(feed, shopify, monkeypatch):
    ShopConnection.objects.filter(pk=shopify.pk).update(base_url="http://testserver/sandbox/shopify/fault/rate_limit")
    result = polling.shop_poll(shopify.shop_id)
    assert result.status == "rate_limited"
    shopify.refresh_from_db()
    assert shopify.rate_limited_until > timezone.now()


def test_catching_up_after_downtime_walks_windows_and_requeues(feed, settings, jd, django_capture_on_commit_callbacks):
    settings.INTEGRATIONS_POLL_MAX_PAGES = 2
    now = timezone.now()
    ShopConnection.objects.filter(pk=jd.pk).update(poll_cursor=now - dt.timedelta(hours=5))

    with django_capture_on_commit_callbacks(execute=True):
        first = polling.shop_poll(jd.shop_id, now=now)

    assert first.status == "partial"
    jd.refresh_from_db()
    # It re-queued itself until the cursor reached the present.
    assert jd.poll_cursor >= now - polling.SETTLE
    wanted = expected_ids("jd", jd, now - dt.timedelta(hours=5) - polling.OVERLAP, jd.poll_cursor)
    assert set(Order.objects.values_list("external_id", flat=True)) >= wanted


def test_polls_due_queues_only_connections_whose_time_has_come(feed, taobao, jd, monkeypatch):
    queued = []
    monkeypatch.setattr(polling, "enqueue_on_commit", lambda func, *args: queued.append(args[0]))
    ShopConnection.objects.filter(pk=jd.pk).update(next_poll_at=timezone.now() + dt.timedelta(minutes=3))
    assert polling.polls_due() == 1
    assert queued == [taobao.shop_id]
