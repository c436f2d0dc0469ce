"""Webhooks skip the back office's middleware (config/machine.py) and keep everything operations rely on."""

import logging

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import URLResolver, get_resolver
from django.utils import translation

from config.machine import PREFIXES
from config.metrics import metrics_registry
from config.requestid import RequestIdFilter
from integrations.models import InboxMessage
from tests.integrations.helpers import shopify_post, shopify_sample

pytestmark = pytest.mark.django_db

WEBHOOK_2XX = {"method": "POST", "route": "integrations-webhook", "status": "2xx"}
WEBHOOK_4XX = {**WEBHOOK_2XX, "status": "4xx"}


def _count(labels) -> float:
    return metrics_registry().get_sample_value("orderhub_http_requests_total", labels) or 0.0


def test_a_webhook_from_a_browser_with_a_staff_session_reads_no_session_and_no_user(client, shopify, manager):
    client.force_login(manager)  # a session cookie the whole stack would have to load if anything touched it
    _headers, body = shopify_sample()

    with CaptureQueriesContext(connection) as queries:
        response = shopify_post(client, shopify.shop.code, body)

    assert response.status_code == 200 and response.json()["stored"] == 1
    tables = " ".join(query["sql"] for query in queries.captured_queries)
    assert "django_session" not in tables and '"auth_user"' not in tables
    assert InboxMessage.objects.count() == 1
    assert not response.cookies  # no session or CSRF cookie set or refreshed
    assert "Content-Security-Policy" not in response and "Content-Language" not in response
    assert response["Content-Length"] == str(len(response.content))


def test_a_webhook_answer_carries_the_request_id_its_access_line_and_is_counted(client, shopify, caplog):
    caplog.set_level(logging.INFO, logger="orderhub.access")
    caplog.handler.addFilter(RequestIdFilter())
    _headers, body = shopify_sample()
    before_ok, before_bad = _count(WEBHOOK_2XX), _count(WEBHOOK_4XX)

    accepted = shopify_post(client, shopify.shop.code, body, HTTP_X_REQUEST_ID="haproxy-7f3a:1")
    rejected = shopify_post(client, shopify.shop.code, body, hmac="bm90IHRoZSByaWdodCBzaWduYXR1cmU=")

    assert accepted["X-Request-ID"] == "haproxy-7f3a:1" and len(rejected["X-Request-ID"]) == 32
    lines = [record for record in caplog.records if record.name == "orderhub.access"]
    assert [(line.request_id, line.path, line.status) for line in lines] == [
        ("haproxy-7f3a:1", f"/webhooks/shopify/{shopify.shop.code}/", 200),
        (rejected["X-Request-ID"], f"/webhooks/shopify/{shopify.shop.code}/", 401),
    ]
    assert (_count(WEBHOOK_2XX), _count(WEBHOOK_4XX)) == (before_ok + 1, before_bad + 1)


def test_a_rejected_webhook_is_answered_in_the_sites_language_whatever_was_active_before(client, shopify):
    _headers, body = shopify_sample()
    translation.activate("en")  # what a previous request could have left in this thread

    response = shopify_post(client, shopify.shop.code, body, secret=None, HTTP_ACCEPT_LANGUAGE="en")

    assert response.status_code == 401
    assert response.json()["code"] == "signature_invalid" and "缺少" in response.json()["message"]


def test_pages_still_go_through_the_whole_stack(client):
    response = client.get("/accounts/login/")

    assert "default-src 'self'" in response["Content-Security-Policy"]
    assert response["X-Frame-Options"] == "DENY" and response["Content-Language"]
    assert response.cookies["csrftoken"]


def test_a_path_under_the_webhook_prefix_that_matches_no_view_is_the_sites_404(client):
    response = client.post("/webhooks/shopify/no/such/path/", data=b"{}", content_type="application/json")

    assert response.status_code == 404
    assert response["Content-Language"]  # answered by the whole stack (LocaleMiddleware ran)


def _routes(patterns, prefix="/"):
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            yield from _routes(pattern.url_patterns, prefix + str(pattern.pattern))
        else:
            yield prefix + str(pattern.pattern), pattern.callback


def test_every_route_under_the_machine_prefixes_is_a_machine_endpoint():
    """A platform or carrier callback added under /webhooks/ or /payments/ takes the lean path too (or says why
    not by leaving this test to be changed)."""
    routes = {route: view for route, view in _routes(get_resolver().url_patterns) if route.startswith(PREFIXES)}

    assert "/webhooks/<slug:platform>/<slug:shop_code>/" in routes and "/payments/wechatpay/refund-notify/" in routes
    assert [route for route, view in routes.items() if not getattr(view, "machine_endpoint", False)] == []


def test_a_push_keeps_every_header_by_its_lower_case_name_as_django_names_it(rf):
    from integrations.webhooks import _headers

    request = rf.post(
        "/webhooks/shopify/S1/?topic=x",
        b"{}",
        content_type="application/json",
        headers={"X-Shopify-Topic": "orders/create", "X-Shopify-Hmac-Sha256": "abc=", "X-Multi_Part-Name": "v"},
    )
    request.META["SERVER_NAME"] = "not a header"
    assert _headers(request.META) == {key.lower(): value for key, value in request.headers.items()}
    assert _headers(request.META)["x-shopify-topic"] == "orders/create"
    assert _headers(request.META)["content-type"] == "application/json"


def test_a_path_resolved_once_is_answered_from_the_kept_match_and_an_unknown_one_is_not_kept(client, shopify):
    from config.machine import _resolve

    _resolve.cache_clear()
    _headers, body = shopify_sample()
    for _ in range(2):
        assert shopify_post(client, shopify.shop.code, body).status_code == 200
    assert _resolve.cache_info().hits == 1 and _resolve.cache_info().currsize == 1
    assert client.post("/webhooks/nothing-here/x/y/z/").status_code == 404
    assert _resolve.cache_info().currsize == 1
